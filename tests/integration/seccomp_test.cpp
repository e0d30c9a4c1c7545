// Seccomp filters loaded for real, always in forked children (never into the
// test process). Each child reports through its exit status: 0 = everything
// it observed was as expected, anything else names the first surprise.
// Needs root (loads without no_new_privs, chowns, reads kernel flags).
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.hpp"
#include "integration/support/seccomp_agent.hpp"
#include "integration/support/seccomp_profiles.hpp"
#include "runtime/kernel/seccomp.hpp"
#include "runtime/kernel/seccomp_cache.hpp"
#include "runtime/kernel/seccomp_notify.hpp"

namespace fs = std::filesystem;
namespace spec = berth::spec;
using namespace berth::kernel;

namespace {

class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/berth-seccomp-it-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Forks; the child runs `body` and exits with its result (101 if it threw,
// e.g. because load_seccomp failed). Returns the raw wait status. A watchdog
// alarm kills a child that hangs.
int run_child(const std::function<int()>& body) {
    std::fflush(nullptr);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::alarm(30);
        int rc = 101;
        try {
            rc = body();
        } catch (...) {
        }
        ::_exit(rc);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status); }

// The expectation helpers used inside children: return a code on mismatch.
#define EXPECT_FAIL_ERRNO(expr, err, code) \
    do {                                   \
        errno = 0;                         \
        long r_ = (expr);                  \
        if (r_ != -1 || errno != (err)) return (code); \
    } while (0)
#define EXPECT_OK(expr, code)              \
    do {                                   \
        if ((expr) < 0) return (code);     \
    } while (0)

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("ERRNO rule: mkdir fails with the given errno, the rest works", "[seccomp][integration]") {
    TempDir tmp;
    spec::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    s.syscalls.push_back({{"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", EXDEV, {}});
    const auto prog = compile_seccomp(s);
    const std::string dir = tmp.path() + "/blocked";
    const std::string file = tmp.path() + "/file";

    int st = run_child([&] {
        // root: CAP_SYS_ADMIN is enough, no no_new_privs needed
        load_seccomp(prog);
        EXPECT_FAIL_ERRNO(::mkdir(dir.c_str(), 0700), EXDEV, 2);
        EXPECT_FAIL_ERRNO(::mkdirat(AT_FDCWD, dir.c_str(), 0700), EXDEV, 3);
        int fd = ::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        EXPECT_OK(fd, 4);
        EXPECT_OK(::write(fd, "ok", 2), 5);
        ::close(fd);
        if (::getpid() <= 0) return 6;
        return 0;
    });
    CHECK(exit_code(st) == 0);
    CHECK_FALSE(fs::exists(dir));
    CHECK(fs::file_size(file) == 2);
}

TEST_CASE("kill actions end the process with SIGSYS", "[seccomp][integration]") {
    for (const char* action : {"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL", "SCMP_ACT_TRAP"}) {
        INFO(action);
        spec::Seccomp s;
        s.defaultAction = "SCMP_ACT_ALLOW";
        s.syscalls.push_back({{"mkdir"}, action, {}, {}});
        const auto prog = compile_seccomp(s);
        int st = run_child([&] {
            load_seccomp(prog);
            ::syscall(SYS_mkdir, "/nonexistent-berth/x", 0700);
            return 0;  // must not get here
        });
        CHECK(WIFSIGNALED(st));
        if (WIFSIGNALED(st)) CHECK(WTERMSIG(st) == SIGSYS);
    }
}

TEST_CASE("argument conditions", "[seccomp][integration]") {
    SECTION("personality(0xffffffff) allowed, every other persona denied (NE)") {
        spec::Seccomp s;
        s.defaultAction = "SCMP_ACT_ALLOW";
        s.syscalls.push_back({{"personality"}, "SCMP_ACT_ERRNO", EDOM, {{0, 0xffffffff, 0, "SCMP_CMP_NE"}}});
        const auto prog = compile_seccomp(s);
        int st = run_child([&] {
            load_seccomp(prog);
            if (::personality(0xffffffff) < 0) return 2;
            EXPECT_FAIL_ERRNO(::personality(PER_LINUX32), EDOM, 3);
            EXPECT_FAIL_ERRNO(::personality(PER_LINUX), EDOM, 4);
            return 0;
        });
        CHECK(exit_code(st) == 0);
    }
    SECTION("MASKED_EQ: unshare without a namespace bit denied, with one allowed") {
        spec::Seccomp s;
        s.defaultAction = "SCMP_ACT_ALLOW";
        // Denied when (flags & (CLONE_NEWUTS|CLONE_NEWNS)) == 0: value is the mask, valueTwo the result.
        s.syscalls.push_back({{"unshare"}, "SCMP_ACT_ERRNO", EDOM,
                              {{0, CLONE_NEWUTS | CLONE_NEWNS, 0, "SCMP_CMP_MASKED_EQ"}}});
        const auto prog = compile_seccomp(s);
        int st = run_child([&] {
            load_seccomp(prog);
            EXPECT_FAIL_ERRNO(::unshare(0), EDOM, 2);
            EXPECT_FAIL_ERRNO(::unshare(CLONE_FILES), EDOM, 3);
            // With CLONE_NEWUTS the masked value is not 0: the rule does not match.
            EXPECT_OK(::unshare(CLONE_NEWUTS), 4);
            return 0;
        });
        CHECK(exit_code(st) == 0);
    }
    SECTION("several conditions on one index: any of them matches") {
        constexpr unsigned long kLinuxNoRandomize = 0x0040000;  // PER_LINUX | ADDR_NO_RANDOMIZE
        spec::Seccomp s;
        s.defaultAction = "SCMP_ACT_ALLOW";
        s.syscalls.push_back({{"personality"}, "SCMP_ACT_ERRNO", EDOM,
                              {{0, PER_LINUX32, 0, "SCMP_CMP_EQ"}, {0, kLinuxNoRandomize, 0, "SCMP_CMP_EQ"}}});
        const auto prog = compile_seccomp(s);
        int st = run_child([&] {
            load_seccomp(prog);
            EXPECT_FAIL_ERRNO(::personality(PER_LINUX32), EDOM, 2);
            EXPECT_FAIL_ERRNO(::personality(kLinuxNoRandomize), EDOM, 3);
            if (::personality(0xffffffff) < 0) return 4;
            if (::personality(PER_LINUX) < 0) return 5;
            return 0;
        });
        CHECK(exit_code(st) == 0);
    }
    SECTION("conditions on two indexes: both must match") {
        spec::Seccomp s;
        s.defaultAction = "SCMP_ACT_ALLOW";
        s.syscalls.push_back({{"socket"}, "SCMP_ACT_ERRNO", EAFNOSUPPORT,
                              {{0, AF_UNIX, 0, "SCMP_CMP_EQ"}, {1, SOCK_DGRAM, 0, "SCMP_CMP_EQ"}}});
        const auto prog = compile_seccomp(s);
        int st = run_child([&] {
            load_seccomp(prog);
            EXPECT_FAIL_ERRNO(::socket(AF_UNIX, SOCK_DGRAM, 0), EAFNOSUPPORT, 2);
            int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
            EXPECT_OK(fd, 3);
            ::close(fd);
            return 0;
        });
        CHECK(exit_code(st) == 0);
    }
}

TEST_CASE("loading needs CAP_SYS_ADMIN or no_new_privs", "[seccomp][integration]") {
    spec::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.syscalls.push_back({{"mkdir"}, "SCMP_ACT_ERRNO", EXDEV, {}});
    const auto prog = compile_seccomp(s);
    int st = run_child([&] {
        if (::setresgid(65534, 65534, 65534) < 0 || ::setresuid(65534, 65534, 65534) < 0) return 2;
        try {
            load_seccomp(prog);
            return 3;  // must have failed: no capability, no no_new_privs
        } catch (const berth::Error& e) {
            if (e.code() != EACCES) return 4;
        }
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return 5;
        load_seccomp(prog);
        EXPECT_FAIL_ERRNO(::mkdir("/tmp/berth-never", 0700), EXDEV, 6);
        return 0;
    });
    CHECK(exit_code(st) == 0);
}

TEST_CASE("every flag the kernel supports loads, with and without a listener", "[seccomp][integration]") {
    const auto supported = seccomp_supported_flags();
    INFO("supported: " << supported.size());
    for (bool notify : {false, true}) {
        spec::Seccomp s;
        s.defaultAction = "SCMP_ACT_ALLOW";
        s.flags = supported;
        s.syscalls.push_back({{"mkdir"}, notify ? "SCMP_ACT_NOTIFY" : "SCMP_ACT_ERRNO", {}, {}});
        if (notify) s.listenerPath = "/run/unused.sock";
        const auto prog = compile_seccomp(s);
        INFO("notify " << notify << " flags " << prog.flags);
        int st = run_child([&] {
            berth::UniqueFd listener = load_seccomp(prog);
            if (notify != static_cast<bool>(listener)) return 2;
            return 0;
        });
        CHECK(exit_code(st) == 0);
    }
}

TEST_CASE("a Docker-sized profile compiles, loads, blocks and lets a shell run", "[seccomp][integration]") {
    TempDir tmp;
    const auto profile = berth::test::docker_sized_profile();
    INFO("profile names: " << berth::test::profile_name_count(profile));
    REQUIRE(berth::test::profile_name_count(profile) >= 420);
    REQUIRE(profile.architectures.size() == 3);

    auto t0 = std::chrono::steady_clock::now();
    const auto prog = compile_seccomp(profile);
    const double compileMs = ms_since(t0);
    std::printf("seccomp: Docker-sized profile (%zu names, 3 archs): %zu BPF instructions, compiled in %.2f ms\n",
                berth::test::profile_name_count(profile), prog.filter.size(), compileMs);
    CHECK(prog.filter.size() <= 4096);

    const std::string work = tmp.path() + "/work";
    REQUIRE(::mkdir(work.c_str(), 0755) == 0);
    const std::string script =
        "set -e; "
        "if /bin/busybox unshare -m /bin/busybox true 2>/dev/null; then exit 3; fi; "
        "mkdir " + work + "/d; echo hello > " + work + "/d/f; "
        "test \"$(/bin/busybox cat " + work + "/d/f)\" = hello; "
        "/bin/busybox grep -q '^Seccomp:[[:space:]]*2' /proc/self/status; "
        "exit 7";

    int st = run_child([&] {
        load_seccomp(prog);
        EXPECT_FAIL_ERRNO(::unshare(CLONE_NEWNS), EPERM, 10);
        EXPECT_FAIL_ERRNO(::mount("none", "/mnt", "tmpfs", 0, nullptr), EPERM, 11);
        EXPECT_FAIL_ERRNO(::syscall(SYS_setns, 0, 0), EPERM, 12);
        EXPECT_FAIL_ERRNO(::socket(40 /* AF_VSOCK */, SOCK_STREAM, 0), EPERM, 13);
        EXPECT_FAIL_ERRNO(::syscall(SYS_clone3, nullptr, 0), ENOSYS, 14);  // explicit rule
        EXPECT_FAIL_ERRNO(::syscall(1000), ENOSYS, 15);                     // newer than the profile: stub
        EXPECT_FAIL_ERRNO(::personality(PER_BSD), EPERM, 16);
        if (::personality(0xffffffff) < 0) return 17;
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        EXPECT_OK(fd, 18);
        ::execl("/bin/busybox", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
        return 19;
    });
    CHECK(exit_code(st) == 7);
    CHECK(fs::exists(work + "/d/f"));
}

TEST_CASE("the cache serves the second load without compiling", "[seccomp][integration][cache]") {
    TempDir tmp;
    const std::string cacheDir = tmp.path() + "/root/seccomp-cache";
    const auto profile = berth::test::docker_sized_profile();

    bool compiled = false;
    auto t0 = std::chrono::steady_clock::now();
    const auto first = load_or_compile_seccomp(profile, cacheDir, &compiled);
    const double missMs = ms_since(t0);
    CHECK(compiled);

    t0 = std::chrono::steady_clock::now();
    const auto second = load_or_compile_seccomp(profile, cacheDir, &compiled);
    const double hitMs = ms_since(t0);
    CHECK_FALSE(compiled);
    REQUIRE(first.filter.size() == second.filter.size());
    CHECK(std::memcmp(first.filter.data(), second.filter.data(), first.filter.size() * sizeof(sock_filter)) == 0);
    CHECK(first.flags == second.flags);

    // Steadier figures: averages over several runs.
    constexpr int kCompiles = 10, kHits = 200;
    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kCompiles; ++i) (void)compile_seccomp(profile);
    const double compileAvg = ms_since(t0) / kCompiles;
    int hits = 0;
    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kHits; ++i) {
        (void)load_or_compile_seccomp(profile, cacheDir, &compiled);
        hits += compiled ? 0 : 1;
    }
    const double hitAvg = ms_since(t0) / kHits;
    CHECK(hits == kHits);
    std::printf("seccomp cache: first load (miss, compile+store) %.3f ms, second (hit) %.3f ms; "
                "average compile %.3f ms over %d, average hit %.4f ms over %d (%.0fx faster)\n",
                missMs, hitMs, compileAvg, kCompiles, hitAvg, kHits, compileAvg / hitAvg);

    // The cached program works like the compiled one.
    int st = run_child([&] {
        load_seccomp(second);
        EXPECT_FAIL_ERRNO(::unshare(CLONE_NEWNS), EPERM, 2);
        if (::getpid() <= 0) return 3;
        return 0;
    });
    CHECK(exit_code(st) == 0);
}

TEST_CASE("NOTIFY: the agent at listenerPath gets the fd and state, and answers", "[seccomp][integration][notify]") {
    TempDir tmp;
    const std::string sock = tmp.path() + "/agent.sock";
    const std::string blocked = tmp.path() + "/never";
    const std::string tracked = tmp.path() + "/made-by-continue";

    const int nrMkdir = SYS_mkdir, nrGetppid = SYS_getppid;
    berth::test::SeccompAgent agent(sock, [&](const seccomp_notif& req) {
        berth::test::NotifyAnswer a;
        if (req.data.nr == nrGetppid) a.val = 4242;                  // a made-up return value
        else if (req.data.nr == nrMkdir && req.data.args[1] == 0700) a.error = -ENOTUNIQ;  // an errno
        else a.continueSyscall = true;                                // let the kernel run it
        return a;
    });

    spec::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.listenerPath = sock;
    s.listenerMetadata = "MKNOD=/dev/null;test=1";
    s.syscalls.push_back({{"mkdir", "getppid", "uname"}, "SCMP_ACT_NOTIFY", {}, {}});
    const auto prog = compile_seccomp(s);
    REQUIRE(prog.needsListener);

    int sp[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
    berth::UniqueFd parentEnd(sp[0]), childEnd(sp[1]);

    std::fflush(nullptr);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::alarm(30);
        int rc = 101;
        try {
            parentEnd.reset();
            berth::UniqueFd listener = load_seccomp(prog);
            if (!listener) ::_exit(2);
            // hand the fd to the "runtime" (sendmsg/read/close are not notified)
            int lfd = listener.get();
            char byte = 'f';
            iovec iov{&byte, 1};
            alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
            msghdr msg{};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            cmsghdr* cm = CMSG_FIRSTHDR(&msg);
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(sizeof(int));
            std::memcpy(CMSG_DATA(cm), &lfd, sizeof(int));
            if (::sendmsg(childEnd.get(), &msg, 0) != 1) ::_exit(3);
            listener.reset();
            if (::read(childEnd.get(), &byte, 1) != 1) ::_exit(4);  // agent has it now

            rc = [&] {
                EXPECT_FAIL_ERRNO(::mkdir(blocked.c_str(), 0700), ENOTUNIQ, 10);
                if (::syscall(SYS_getppid) != 4242) return 11;
                utsname u{};
                if (::uname(&u) != 0 || std::strcmp(u.sysname, "Linux") != 0) return 12;
                EXPECT_OK(::mkdir(tracked.c_str(), 0755), 13);  // CONTINUE: really created
                return 0;
            }();
        } catch (...) {
        }
        ::_exit(rc);
    }
    childEnd.reset();

    // The runtime's side: take the fd from the child, send it with the state.
    char byte = 0;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    iovec iov{&byte, 1};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t got = ::recvmsg(parentEnd.get(), &msg, MSG_CMSG_CLOEXEC);
    int received = -1;
    if (got == 1 && CMSG_FIRSTHDR(&msg)) std::memcpy(&received, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
    berth::UniqueFd listenerFd(received);
    CHECK(listenerFd);

    ContainerProcessState state;
    state.id = "seccomp-notify-test";
    state.pid = pid;
    state.bundle = "/tmp/bundle-x";
    state.annotations = {{"org.example/key", "value"}};
    state.metadata = s.listenerMetadata;
    if (listenerFd) {
        CHECK_NOTHROW(send_seccomp_listener(sock, listenerFd.get(), container_process_state_json(state)));
        listenerFd.reset();  // the agent holds its own copy now
    }
    CHECK(::write(parentEnd.get(), "g", 1) == 1);

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    CHECK(exit_code(status) == 0);
    REQUIRE(agent.wait(20000));
    CHECK(agent.error().empty());
    CHECK(agent.received_fd());
    CHECK(agent.handled() >= 4);
    CHECK(fs::exists(tracked));
    CHECK_FALSE(fs::exists(blocked));

    auto j = nlohmann::json::parse(agent.state_json());
    CHECK(j["ociVersion"] == spec::kSpecVersion);
    CHECK(j["fds"] == nlohmann::json::array({"seccompFd"}));
    CHECK(j["pid"] == pid);
    CHECK(j["metadata"] == s.listenerMetadata);
    CHECK(j["state"]["id"] == "seccomp-notify-test");
    CHECK(j["state"]["status"] == "creating");
    CHECK(j["state"]["pid"] == pid);
    CHECK(j["state"]["bundle"] == "/tmp/bundle-x");
    CHECK(j["state"]["annotations"]["org.example/key"] == "value");
}

TEST_CASE("NOTIFY: the filtered process itself sends over a socket connected before the filter",
          "[seccomp][integration][notify]") {
    TempDir tmp;
    const std::string sock = tmp.path() + "/agent.sock";
    const int nrGetppid = SYS_getppid;
    berth::test::SeccompAgent agent(sock, [&](const seccomp_notif& req) {
        berth::test::NotifyAnswer a;
        if (req.data.nr == nrGetppid) a.val = 777;
        else a.error = -EOWNERDEAD;
        return a;
    });
    spec::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.listenerPath = sock;
    s.syscalls.push_back({{"getppid", "rmdir"}, "SCMP_ACT_NOTIFY", {}, {}});
    const auto prog = compile_seccomp(s);

    int st = run_child([&] {
        // Connect while the path is reachable and nothing is filtered yet.
        berth::UniqueFd conn = connect_seccomp_listener(sock);
        ContainerProcessState state;
        state.id = "early-connect";
        state.pid = ::getpid();
        const std::string json = container_process_state_json(state);
        berth::UniqueFd listener = load_seccomp(prog);
        send_seccomp_state(conn.get(), listener.get(), json, sock);
        conn.reset();
        listener.reset();
        if (::syscall(SYS_getppid) != 777) return 2;
        EXPECT_FAIL_ERRNO(::rmdir("/nonexistent-berth"), EOWNERDEAD, 3);
        return 0;
    });
    CHECK(exit_code(st) == 0);
    REQUIRE(agent.wait(20000));
    CHECK(agent.error().empty());
    CHECK(agent.handled() == 2);
    auto j = nlohmann::json::parse(agent.state_json());
    CHECK(j["state"]["id"] == "early-connect");
    CHECK_FALSE(j.contains("metadata"));
}

TEST_CASE("send_seccomp_listener fails when nobody listens", "[seccomp][integration][notify]") {
    TempDir tmp;
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    berth::UniqueFd a(fds[0]), b(fds[1]);
    CHECK_THROWS_WITH(send_seccomp_listener(tmp.path() + "/nobody.sock", a.get(), "{}"),
                      Catch::Contains("send seccomp fd to " + tmp.path() + "/nobody.sock: connect"));
}

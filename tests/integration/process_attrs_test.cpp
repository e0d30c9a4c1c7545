// Process attributes applied for real, each in a forked child (the test
// process itself never changes identity, limits or namespaces). The child
// reports what it observes as text; the test checks it. Needs root.
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <linux/capability.h>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "runtime/kernel/capabilities.hpp"
#include "runtime/kernel/identity.hpp"
#include "runtime/kernel/process_attrs.hpp"
#include "runtime/kernel/rlimits.hpp"
#include "runtime/kernel/sysctl.hpp"

using berth::UniqueFd;
namespace k = berth::kernel;

namespace {

struct ChildResult {
    int status = -1;     // raw wait status
    std::string report;  // what the child wrote (or "error: ..." when it threw)
    bool ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
};

// Runs body in a forked child. body gets the report fd (it may make it its
// stdout and exec) and returns text to report. Never returns in the child.
ChildResult in_child(const std::function<std::string(int reportFd)>& body) {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    UniqueFd r(p[0]), w(p[1]);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int code = 0;
        std::string out;
        try {
            out = body(w.get());
        } catch (const std::exception& e) {
            out = std::string("error: ") + e.what();
            code = 1;
        }
        (void)!::write(w.get(), out.data(), out.size());
        ::_exit(code);
    }
    w.reset();
    ChildResult res;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(r.get(), buf, sizeof buf)) > 0) res.report.append(buf, static_cast<size_t>(n));
    REQUIRE(::waitpid(pid, &res.status, 0) == pid);
    return res;
}

// A /proc/self/status field with its whitespace squeezed: "1000 1000 1000 1000".
std::string status_field(const std::string& name) {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind(name + ":", 0) != 0) continue;
        std::istringstream in(line.substr(name.size() + 1));
        std::string word, out;
        while (in >> word) out += (out.empty() ? "" : " ") + word;
        return out;
    }
    return "(missing)";
}

std::string caps_report() {
    std::string r;
    for (const char* f : {"Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "Umask"})
        r += std::string(f) + "=" + status_field(f) + "\n";
    return r;
}

std::string hex_mask(std::initializer_list<int> caps) {
    uint64_t m = 0;
    for (int c : caps) m |= uint64_t{1} << c;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(m));
    return buf;
}

bool has_line(const std::string& report, const std::string& line) {
    return ("\n" + report).find("\n" + line + "\n") != std::string::npos;
}

// Sends spdlog output of the child to a string.
std::shared_ptr<std::ostringstream> capture_log() {
    auto out = std::make_shared<std::ostringstream>();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(*out);
    sink->set_pattern("%l: %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("child", sink));
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path);
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

berth::spec::Process test_process() {
    berth::spec::Process p;
    p.user.uid = 1000;
    p.user.gid = 1000;
    p.user.additionalGids = {5, 6};
    p.user.umask = 027;
    berth::spec::Capabilities c;
    c.bounding = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_RESOURCE", "CAP_FOO"};
    c.permitted = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    c.effective = {"CAP_CHOWN", "CAP_KILL"};
    c.inheritable = {"CAP_NET_BIND_SERVICE"};
    c.ambient = {"CAP_NET_BIND_SERVICE"};
    p.capabilities = c;
    return p;
}

}  // namespace

TEST_CASE("user, groups, capabilities and umask are applied / unavailable caps warn", "[identity]") {
    auto res = in_child([](int) {
        auto log = capture_log();
        // Make CAP_SYS_RESOURCE unavailable whatever the host allows.
        if (::prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0) != 0) berth::throw_errno("drop CAP_SYS_RESOURCE");
        k::apply_user_and_capabilities(test_process());
        return caps_report() + "log=" + log->str();
    });
    INFO(res.report);
    REQUIRE(res.ok());
    CHECK(has_line(res.report, "Uid=1000 1000 1000 1000"));
    CHECK(has_line(res.report, "Gid=1000 1000 1000 1000"));
    CHECK(has_line(res.report, "Groups=5 6"));
    CHECK(has_line(res.report, "CapInh=" + hex_mask({CAP_NET_BIND_SERVICE})));
    CHECK(has_line(res.report, "CapPrm=" + hex_mask({CAP_CHOWN, CAP_KILL, CAP_NET_BIND_SERVICE})));
    CHECK(has_line(res.report, "CapEff=" + hex_mask({CAP_CHOWN, CAP_KILL})));
    CHECK(has_line(res.report, "CapBnd=" + hex_mask({CAP_CHOWN, CAP_KILL, CAP_NET_BIND_SERVICE})));
    CHECK(has_line(res.report, "CapAmb=" + hex_mask({CAP_NET_BIND_SERVICE})));
    CHECK(has_line(res.report, "Umask=0027"));
    CHECK(res.report.find("warning: ignoring unknown or unavailable capabilities: CAP_SYS_RESOURCE, CAP_FOO") !=
          std::string::npos);
}

TEST_CASE("ambient capabilities survive execve of an unprivileged user", "[identity]") {
    auto res = in_child([](int report) -> std::string {
        auto log = capture_log();  // kept alive: the logger's sink writes into it (ASan found the dangling stream)
        if (::dup2(report, 1) < 0) berth::throw_errno("dup2");
        k::apply_user_and_capabilities(test_process());
        const char* argv[] = {"grep", "-E", "^(Uid|Cap(Inh|Prm|Eff|Amb)):", "/proc/self/status", nullptr};
        ::execv("/bin/grep", const_cast<char* const*>(argv));
        berth::throw_errno("exec /bin/grep");
    });
    INFO(res.report);
    REQUIRE(res.ok());
    std::string squeezed;
    {
        std::istringstream in(res.report);
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream words(line);
            std::string w, out;
            while (words >> w) out += (out.empty() ? "" : " ") + w;
            squeezed += out + "\n";
        }
    }
    const std::string nbs = hex_mask({CAP_NET_BIND_SERVICE});
    CHECK(has_line(squeezed, "Uid: 1000 1000 1000 1000"));
    CHECK(has_line(squeezed, "CapInh: " + nbs));
    CHECK(has_line(squeezed, "CapPrm: " + nbs));
    CHECK(has_line(squeezed, "CapEff: " + nbs));
    CHECK(has_line(squeezed, "CapAmb: " + nbs));
}

TEST_CASE("no capabilities object: root without any capability, default umask", "[identity]") {
    auto res = in_child([](int) {
        berth::spec::Process p;  // uid 0, gid 0, no groups, no capabilities
        ::umask(0);
        k::apply_user_and_capabilities(p);
        return caps_report();
    });
    INFO(res.report);
    REQUIRE(res.ok());
    CHECK(has_line(res.report, "Uid=0 0 0 0"));
    CHECK(has_line(res.report, "Groups="));
    CHECK(has_line(res.report, "CapPrm=0000000000000000"));
    CHECK(has_line(res.report, "CapEff=0000000000000000"));
    CHECK(has_line(res.report, "CapBnd=0000000000000000"));
    CHECK(has_line(res.report, "Umask=0022"));
}

TEST_CASE("setgroups denied in a user namespace: groups skipped with a warning", "[identity]") {
    auto res = in_child([](int) {
        auto log = capture_log();
        if (::unshare(CLONE_NEWUSER) != 0) berth::throw_errno("unshare(CLONE_NEWUSER)");
        // Map our own ids, as an unprivileged process may (after denying setgroups).
        auto write = [](const char* path, const std::string& s) {
            UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
            if (!fd || ::write(fd.get(), s.data(), s.size()) != static_cast<ssize_t>(s.size()))
                berth::throw_errno(std::string("write ") + path);
        };
        write("/proc/self/setgroups", "deny");
        write("/proc/self/uid_map", "0 0 1");
        write("/proc/self/gid_map", "0 0 1");
        berth::spec::Process p;
        p.user.additionalGids = {0};
        berth::spec::Capabilities c;
        c.bounding = c.permitted = c.effective = std::vector<std::string>{"CAP_SYS_RESOURCE"};
        p.capabilities = c;
        k::apply_user_and_capabilities(p);
        return std::string("allowed=") + (k::setgroups_allowed() ? "yes" : "no") + "\n" + caps_report() +
               "log=" + log->str();
    });
    INFO(res.report);
    REQUIRE(res.ok());
    CHECK(has_line(res.report, "allowed=no"));
    CHECK(res.report.find("warning: ignoring additionalGids: setgroups is denied in this user namespace") !=
          std::string::npos);
    // A new user namespace starts with a full bounding set: CAP_SYS_RESOURCE
    // can be granted there even when the host lacks it.
    CHECK(has_line(res.report, "CapEff=" + hex_mask({CAP_SYS_RESOURCE})));
    CHECK(has_line(res.report, "CapBnd=" + hex_mask({CAP_SYS_RESOURCE})));
}

TEST_CASE("an unmapped uid is an error that says so", "[identity]") {
    auto res = in_child([](int) {
        if (::unshare(CLONE_NEWUSER) != 0) berth::throw_errno("unshare(CLONE_NEWUSER)");
        UniqueFd fd(::open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC));
        (void)!::write(fd.get(), "deny", 4);
        for (const char* map : {"/proc/self/uid_map", "/proc/self/gid_map"}) {
            UniqueFd m(::open(map, O_WRONLY | O_CLOEXEC));
            (void)!::write(m.get(), "0 0 1", 5);
        }
        berth::spec::Process p;
        p.user.uid = 1000;
        k::apply_user_and_capabilities(p);
        return std::string("no error");
    });
    CHECK_FALSE(res.ok());
    CHECK(res.report == "error: setresuid 1000: invalid argument (is uid 1000 mapped in the user namespace?)");
}

TEST_CASE("rlimits are applied to the process", "[rlimits]") {
    auto res = in_child([](int) {
        k::apply_rlimits({{"RLIMIT_NOFILE", 1024, 512}, {"RLIMIT_CORE", 0, 0}, {"RLIMIT_MSGQUEUE", 4096, 2048}});
        std::string r;
        for (auto [name, res] : {std::pair{"nofile", RLIMIT_NOFILE}, {"core", RLIMIT_CORE}, {"msgqueue", RLIMIT_MSGQUEUE}}) {
            struct rlimit l {};
            ::getrlimit(res, &l);
            r += std::string(name) + "=" + std::to_string(l.rlim_cur) + "/" + std::to_string(l.rlim_max) + "\n";
        }
        return r;
    });
    INFO(res.report);
    REQUIRE(res.ok());
    CHECK(has_line(res.report, "nofile=512/1024"));
    CHECK(has_line(res.report, "core=0/0"));
    CHECK(has_line(res.report, "msgqueue=2048/4096"));
}

TEST_CASE("raising a hard rlimit without CAP_SYS_RESOURCE fails naming the limit", "[rlimits]") {
    auto res = in_child([](int) {
        ::prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0);
        cap_t none = cap_init();
        cap_value_t keep[] = {CAP_SETPCAP};
        cap_set_flag(none, CAP_PERMITTED, 1, keep, CAP_SET);
        cap_set_flag(none, CAP_EFFECTIVE, 1, keep, CAP_SET);
        if (cap_set_proc(none) != 0) berth::throw_errno("drop capabilities");
        cap_free(none);
        k::apply_rlimits({{"RLIMIT_NOFILE", 100, 100}});
        k::apply_rlimits({{"RLIMIT_NOFILE", 200, 100}});
        return std::string("no error");
    });
    CHECK_FALSE(res.ok());
    CHECK(res.report == "error: set rlimit RLIMIT_NOFILE (soft 100, hard 200): operation not permitted");
}

TEST_CASE("oom_score_adj is written", "[process_attrs]") {
    auto res = in_child([](int) {
        k::apply_oom_score_adj(500);
        return "adj=" + read_file("/proc/self/oom_score_adj") + "\n";
    });
    INFO(res.report);
    REQUIRE(res.ok());
    CHECK(has_line(res.report, "adj=500"));
}

TEST_CASE("personality LINUX32 makes uname report a 32-bit machine", "[process_attrs]") {
    struct utsname host {};
    REQUIRE(::uname(&host) == 0);
    if (std::string(host.machine) != "x86_64") {
        WARN("not x86_64: LINUX32 check skipped");
        return;
    }
    auto res = in_child([](int report) -> std::string {
        k::apply_personality({"LINUX32", {}});
        if (::dup2(report, 1) < 0) berth::throw_errno("dup2");
        const char* argv[] = {"uname", "-m", nullptr};
        ::execv("/bin/uname", const_cast<char* const*>(argv));
        berth::throw_errno("exec /bin/uname");
    });
    REQUIRE(res.ok());
    CHECK(res.report == "i686\n");
    auto bad = in_child([](int) {
        k::apply_personality({"LINUX64", {}});
        return std::string("no error");
    });
    CHECK(bad.report == "error: unknown personality domain \"LINUX64\"");
}

TEST_CASE("no_new_privs is set", "[process_attrs]") {
    auto res = in_child([](int) {
        std::string before = status_field("NoNewPrivs");
        k::set_no_new_privileges();
        return "before=" + before + "\nafter=" + status_field("NoNewPrivs") + "\n";
    });
    INFO(res.report);
    REQUIRE(res.ok());
    CHECK(has_line(res.report, "before=0"));
    CHECK(has_line(res.report, "after=1"));
}

TEST_CASE("io priority is set", "[process_attrs]") {
    auto res = in_child([](int) {
        k::apply_io_priority({"IOPRIO_CLASS_BE", 6});
        long v = ::syscall(SYS_ioprio_get, 1, 0);
        return "ioprio=" + std::to_string(v) + "\n";
    });
    INFO(res.report);
    REQUIRE(res.ok());
    CHECK(has_line(res.report, "ioprio=" + std::to_string((2 << 13) | 6)));
}

TEST_CASE("scheduler policy and nice are set", "[process_attrs]") {
    auto res = in_child([](int) {
        berth::spec::Scheduler s;
        s.policy = "SCHED_BATCH";
        s.nice = 7;
        k::apply_scheduler(s);
        std::string r = "policy=" + std::to_string(::sched_getscheduler(0)) + "\n";
        errno = 0;
        r += "nice=" + std::to_string(::getpriority(PRIO_PROCESS, 0)) + "\n";
        s = {};
        s.policy = "SCHED_IDLE";
        k::apply_scheduler(s);
        r += "idle=" + std::to_string(::sched_getscheduler(0)) + "\n";
        return r;
    });
    INFO(res.report);
    REQUIRE(res.ok());
    CHECK(has_line(res.report, "policy=" + std::to_string(SCHED_BATCH)));
    CHECK(has_line(res.report, "nice=7"));
    CHECK(has_line(res.report, "idle=" + std::to_string(SCHED_IDLE)));
    auto bad = in_child([](int) {
        berth::spec::Scheduler s;
        s.policy = "SCHED_ISO";  // reserved, not in mainline Linux
        k::apply_scheduler(s);
        return std::string("no error");
    });
    CHECK(bad.report == "error: set scheduler SCHED_ISO: invalid argument");
}

TEST_CASE("cpu affinity follows a cpu list", "[process_attrs]") {
    auto res = in_child([](int) {
        k::apply_cpu_affinity("0");
        cpu_set_t set;
        CPU_ZERO(&set);
        ::sched_getaffinity(0, sizeof set, &set);
        return "count=" + std::to_string(CPU_COUNT(&set)) + "\ncpu0=" + (CPU_ISSET(0, &set) ? "yes" : "no") + "\n";
    });
    INFO(res.report);
    REQUIRE(res.ok());
    CHECK(has_line(res.report, "count=1"));
    CHECK(has_line(res.report, "cpu0=yes"));
}

TEST_CASE("sysctls are written in new ipc/uts/net namespaces, the host keeps its values", "[sysctl]") {
    const std::string shmmax = read_file("/proc/sys/kernel/shmmax");
    const std::string domain = read_file("/proc/sys/kernel/domainname");
    const std::string ttl = read_file("/proc/sys/net/ipv4/ip_default_ttl");
    const std::string mq = read_file("/proc/sys/fs/mqueue/msg_max");

    berth::spec::Config config;
    config.linux.emplace();
    config.linux->namespaces = {{berth::spec::NamespaceType::Ipc, ""},
                                {berth::spec::NamespaceType::Uts, ""},
                                {berth::spec::NamespaceType::Network, ""}};
    config.linux->sysctl = {{"kernel.shmmax", "12345678"},
                            {"kernel.domainname", "berth.example"},
                            {"net/ipv4/ip_default_ttl", "42"},
                            {"fs.mqueue.msg_max", "17"}};
    REQUIRE_NOTHROW(k::validate_sysctls(config));

    auto res = in_child([&](int) {
        if (::unshare(CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET) != 0) berth::throw_errno("unshare");
        k::apply_sysctls(config.linux->sysctl);
        return "shmmax=" + read_file("/proc/sys/kernel/shmmax") + "\ndomain=" +
               read_file("/proc/sys/kernel/domainname") + "\nttl=" + read_file("/proc/sys/net/ipv4/ip_default_ttl") +
               "\nmq=" + read_file("/proc/sys/fs/mqueue/msg_max") + "\n";
    });
    INFO(res.report);
    REQUIRE(res.ok());
    CHECK(has_line(res.report, "shmmax=12345678"));
    CHECK(has_line(res.report, "domain=berth.example"));
    CHECK(has_line(res.report, "ttl=42"));
    CHECK(has_line(res.report, "mq=17"));
    CHECK(read_file("/proc/sys/kernel/shmmax") == shmmax);
    CHECK(read_file("/proc/sys/kernel/domainname") == domain);
    CHECK(read_file("/proc/sys/net/ipv4/ip_default_ttl") == ttl);
    CHECK(read_file("/proc/sys/fs/mqueue/msg_max") == mq);
}

TEST_CASE("sysctl errors: unknown keys, a /proc/sys that is not procfs", "[sysctl]") {
    auto missing = in_child([](int) {
        if (::unshare(CLONE_NEWNET) != 0) berth::throw_errno("unshare");
        k::apply_sysctls({{"net.ipv4.bogus_key", "1"}});
        return std::string("no error");
    });
    CHECK(missing.report == "error: write sysctl net.ipv4.bogus_key=1: no such file or directory");
    auto fake = in_child([](int) {
        if (::unshare(CLONE_NEWNS | CLONE_NEWNET) != 0) berth::throw_errno("unshare");
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) berth::throw_errno("make / private");
        if (::mount("tmpfs", "/proc/sys", "tmpfs", 0, nullptr) != 0) berth::throw_errno("mount tmpfs");
        k::apply_sysctls({{"net.ipv4.ip_forward", "1"}});
        return std::string("no error");
    });
    CHECK(fake.report == "error: /proc/sys is not on procfs");
}

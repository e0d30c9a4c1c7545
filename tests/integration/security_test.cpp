// Attacks on berth itself, run against a copy of the real berth binary (the
// build's own binary is never the runtime here, so a working attack damages
// only the copy). Each test plays a known container-escape class — the CVEs
// runc, crun and youki had — and checks that it fails: the berth binary is
// unchanged, nothing outside the rootfs was created, mounted or written, and
// no host file or directory reached the container. man/berth-security.7
// lists which mechanism of berth each test exercises.
//
// The attacker that runs inside containers is this executable itself
// (support/security_attacker.hpp): a static initializer below turns it into
// the attacker when BERTH_SECURITY_ATTACKER is set, before Catch runs.
//
// Tests tagged [!mayfail] run an attack that works against berth today (a
// hole reported to the lead): Catch reports their failures without failing
// the run. Remove the tag once the fix is in.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "integration/support/harness.hpp"
#include "integration/support/security_attacker.hpp"
#include "integration/support/security_fixtures.hpp"

using namespace berth::test;
using namespace berth::security_test;

namespace {

[[maybe_unused]] const bool kAttackerDispatched = (run_attacker_if_requested(), true);

constexpr auto npos = std::string::npos;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// The first line of the attacker's report starting with prefix ("" if none).
std::string first_line(const std::string& report, const std::string& prefix) {
    for (const auto& l : lines_of(report))
        if (l.rfind(prefix, 0) == 0) return l;
    return {};
}

void require_ok(const CommandResult& r, const std::string& what) {
    INFO(what << " -> status " << r.status << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.status == 0);
}

// Deletes the containers with the REAL berth binary at scope exit: the copy
// under attack may have been damaged by a test that found a hole.
class Reaper {
public:
    explicit Reaper(const TestRoot& root) : root_(root) {}
    ~Reaper() {
        for (const auto& id : ids_) run_command({BERTH_BINARY, "--root", root_.path(), "delete", "--force", id});
    }
    void add(const std::string& id) { ids_.push_back(id); }

private:
    const TestRoot& root_;
    std::vector<std::string> ids_;
};

}  // namespace

// ---------------------------------------------------------------------------
// CVE-2019-5736: overwriting the runtime binary through /proc/<pid>/exe.
// ---------------------------------------------------------------------------

TEST_CASE("CVE-2019-5736: no container process opens the berth binary during create or start or exec",
          "[security][cve-2019-5736]") {
    BerthCopy copy;
    TestBundle attacker(true);
    arm_bundle(attacker, {copy.target_env()});
    attacker.set_args({"/attacker", "watch", "/tmp/report", "/tmp/done"});
    attacker.write();
    TestBundle victim;  // joins the attacker's pid namespace: its init is in view from clone on
    TestRoot root(copy.path());
    Reaper reaper(root);
    const std::string report = attacker.rootfs() + "/tmp/report";
    const std::string a = unique_id("sec-a"), b = unique_id("sec-b");

    reaper.add(a);
    require_ok(root.run({"create", "--bundle", attacker.dir, a}), "create attacker");
    require_ok(root.run({"start", a}), "start attacker");
    REQUIRE(wait_for_text(report, "ready"));

    join_pid_namespace(victim, container_pid(root, a));
    victim.set_args({"sleep", "10"});
    victim.write();
    reaper.add(b);
    require_ok(root.run({"create", "--bundle", victim.dir, b}), "create victim in the attacker's pid namespace");
    const pid_t waiting = innermost_pid(container_pid(root, b));
    REQUIRE(waiting > 1);
    // The attacker sees the waiting init (a copy of berth until execve) and tries it.
    CHECK(wait_for_text(report, "seen " + std::to_string(waiting) + " "));
    ::usleep(200 * 1000);
    require_ok(root.run({"start", b}), "start victim");
    for (int i = 0; i < 3; ++i) {  // each exec child is a berth image until its execve
        CHECK(root.run({"exec", a, "true"}).status == 0);
        CHECK(root.run({"exec", b, "true"}).status == 0);
    }
    write_file(attacker.rootfs() + "/tmp/done", "");
    REQUIRE(wait_for_text(report, "end", 10000));
    root.run({"delete", "--force", b});
    root.run({"delete", "--force", a});

    const std::string rep = read_file(report);
    INFO("attacker's report:\n" << rep);
    // Refused while it was berth: first seen with an error, not "ok".
    const std::string first = first_line(rep, "seen " + std::to_string(waiting) + " ");
    CHECK((first.find("EACCES") != npos || first.find("EPERM") != npos));
    CHECK(rep.find("write-open") == npos);
    CHECK(rep.find("held") == npos);
    CHECK(rep.find("wrote") == npos);
    CHECK(copy.unchanged());
}

TEST_CASE("CVE-2019-5736: a created container's init is not dumpable until it execs", "[security][cve-2019-5736]") {
    BerthCopy copy;
    TestBundle bundle(true);
    arm_bundle(bundle);
    std::vector<std::string> execFlags;
    SECTION("in a user namespace, where dumpability is the only barrier") {
        // The prober is the waiting init's owner-namespace root with
        // CAP_SYS_PTRACE there: only a non-dumpable mm (owned by the host's
        // user namespace) keeps it out.
        use_user_namespace(bundle);
        execFlags = {"--cap", "CAP_SYS_PTRACE"};
    }
    SECTION("without a user namespace, default capabilities") {}
    bundle.set_args({"sleep", "30"});
    bundle.write();
    TestRoot root(copy.path());
    Reaper reaper(root);
    const std::string id = unique_id("sec-dump");
    reaper.add(id);
    require_ok(root.run({"create", "--bundle", bundle.dir, id}), "create");

    auto probe = [&] {
        std::vector<std::string> args{"exec"};
        args.insert(args.end(), execFlags.begin(), execFlags.end());
        args.insert(args.end(), {id, "/attacker", "probe", "1"});
        auto r = root.run(args);
        INFO("probe: " << r.err);
        REQUIRE(r.status == 0);
        return r.out;
    };
    const std::string waiting = probe();
    INFO("probing the waiting init:\n" << waiting);
    REQUIRE(lines_of(waiting).size() == 5);
    for (const auto& l : lines_of(waiting)) CHECK(l.find(" ok") == npos);
    CHECK(waiting.find("exe-link EACCES") != npos);
    CHECK(waiting.find("fd-open none") == npos);  // it has fds: they were tried

    // The same probe sees into the init once it is the container's program.
    require_ok(root.run({"start", id}), "start");
    const std::string started = probe();
    INFO("probing the started init:\n" << started);
    CHECK(started.find("exe-link ok /bin/busybox") != npos);
    CHECK(started.find("exe-open ok") != npos);
    CHECK(started.find("fd-open ok") != npos);
    root.run({"delete", "--force", id});
    CHECK(copy.unchanged());
}

namespace {

// A bundle whose rootfs makes berth execute itself inside the container:
// /evil is "#!/proc/self/exe --log=/fifo", so the kernel runs the binary the
// exec'ing process came from (berth) with a log file that blocks on open.
void plant_self_exec(const TestBundle& bundle) {
    write_file(bundle.rootfs() + "/evil", "#!/proc/self/exe --log=/fifo\n", 0755);
    const std::string fifo = bundle.rootfs() + "/fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0666) == 0);
    ::chmod(fifo.c_str(), 0666);
}

// Runs the watch attacker in a container of `attacker`, lets `trigger`
// make berth run /proc/self/exe in it, and returns the attacker's report.
std::string self_exec_attack(const BerthCopy& copy, TestBundle& attacker, bool userns,
                             const std::function<void(const TestRoot&, Reaper&, const std::string&)>& trigger) {
    arm_bundle(attacker, {copy.target_env()});
    if (userns) use_user_namespace(attacker);
    plant_self_exec(attacker);
    attacker.set_args({"/attacker", "watch", "/tmp/report", "/tmp/done", "/fifo"});
    attacker.write();
    TestRoot root(copy.path());
    Reaper reaper(root);
    const std::string report = attacker.rootfs() + "/tmp/report";
    const std::string a = unique_id("sec-self");
    reaper.add(a);
    require_ok(root.run({"create", "--bundle", attacker.dir, a}), "create attacker");
    require_ok(root.run({"start", a}), "start attacker");
    REQUIRE(wait_for_text(report, "ready"));
    trigger(root, reaper, a);
    wait_for_text(report, "held", 3000);  // a vulnerable berth is caught here
    write_file(attacker.rootfs() + "/tmp/done", "");
    CHECK(wait_for_text(report, "end", 10000));
    return read_file(report);
}

}  // namespace

TEST_CASE("CVE-2019-5736: a rootfs that makes berth execute /proc/self/exe cannot overwrite the berth binary",
          "[security][cve-2019-5736]") {
    BerthCopy copy;
    TestBundle attacker(true);
    TestBundle victim;
    std::string rep;
    SECTION("an exec'd process runs /evil") {
        rep = self_exec_attack(copy, attacker, false, [&](const TestRoot& root, Reaper&, const std::string& a) {
            require_ok(root.run({"exec", "--detach", a, "/evil"}), "exec /evil");
        });
    }
    SECTION("the init of a container in the attacker's pid namespace runs /evil") {
        rep = self_exec_attack(copy, attacker, false, [&](const TestRoot& root, Reaper& reaper, const std::string& a) {
            victim.config["root"]["path"] = attacker.rootfs();
            victim.config["root"]["readonly"] = false;
            arm_bundle(victim);
            join_pid_namespace(victim, container_pid(root, a));
            victim.set_args({"/evil"});
            victim.write();
            const std::string b = unique_id("sec-victim");
            reaper.add(b);
            require_ok(root.run({"create", "--bundle", victim.dir, b}), "create victim");
            require_ok(root.run({"start", b}), "start victim");
        });
    }
    INFO("attacker's report:\n" << rep);
    CHECK(rep.find("wrote") == npos);
    CHECK(copy.unchanged());
}

TEST_CASE("CVE-2019-5736: in a user namespace the berth binary a container runs stays unwritable",
          "[security][cve-2019-5736]") {
    BerthCopy copy;
    TestBundle attacker(true);
    const std::string rep = self_exec_attack(copy, attacker, true, [&](const TestRoot& root, Reaper&, const std::string& a) {
        require_ok(root.run({"exec", "--detach", a, "/evil"}), "exec /evil");
    });
    INFO("attacker's report:\n" << rep);
    CHECK(rep.find("wrote") == npos);
    CHECK(rep.find("write-open") == npos);
    CHECK(copy.unchanged());
}

TEST_CASE("CVE-2019-5736: the exec trampoline runs under seccomp profiles that refuse what it uses",
          "[security][cve-2019-5736][seccomp]") {
    // The trampoline's memfd is made before the filter is loaded; the
    // trampoline is exec'd with execveat, or with execve of /proc/self/fd/N
    // when the profile refuses execveat. A profile that refuses both cannot
    // run any program, and start says so.
    TestRoot root;
    auto profile = [](std::vector<std::string> names) {
        return nlohmann::json{{"defaultAction", "SCMP_ACT_ALLOW"},
                              {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
                              {"syscalls", {{{"names", names}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}}}};
    };
    for (const auto& names : std::vector<std::vector<std::string>>{{"execveat"}, {"memfd_create"}}) {
        DYNAMIC_SECTION("refusing " << names[0]) {
            TestBundle bundle;
            bundle.config["linux"]["seccomp"] = profile(names);
            bundle.set_args({"sh", "-c", "echo ran"});
            bundle.write();
            auto r = root.run({"run", "--bundle", bundle.dir, unique_id("sec-tramp")});
            INFO(r.err);
            CHECK(r.status == 0);
            CHECK(r.out == "ran\n");
        }
    }
    SECTION("refusing execve and execveat") {
        TestBundle bundle;
        bundle.config["linux"]["seccomp"] = profile({"execve", "execveat"});
        bundle.set_args({"sh", "-c", "echo ran"});
        bundle.write();
        const std::string id = unique_id("sec-tramp");
        auto r = root.run({"run", "--bundle", bundle.dir, id});
        INFO(r.err);
        CHECK(r.status == 1);
        CHECK(r.out.empty());
        CHECK(r.err.find("exec trampoline: operation not permitted") != npos);
        CHECK(root.run({"delete", "--force", id}).status == 0);
    }
}

// ---------------------------------------------------------------------------
// CVE-2024-21626: host file descriptors reaching the container.
// ---------------------------------------------------------------------------

namespace {

// fd -> link target from `ls -l /proc/self/fd`, without ls's own fd of the dir.
std::map<int, std::string> fds_from_listing(const std::string& listing) {
    std::map<int, std::string> fds;
    for (const auto& l : lines_of(listing)) {
        auto arrow = l.find(" -> ");
        if (arrow == npos) continue;
        auto space = l.rfind(' ', arrow - 1);
        const std::string target = l.substr(arrow + 4);
        if (target.rfind("/proc/", 0) == 0 && target.size() > 3 && target.substr(target.size() - 3) == "/fd") continue;
        fds[std::stoi(l.substr(space + 1, arrow - space - 1))] = target;
    }
    return fds;
}

std::set<int> keys(const std::map<int, std::string>& m) {
    std::set<int> out;
    for (const auto& [k, v] : m) out.insert(k);
    return out;
}

const std::string kListFds = "exec ls -l /proc/self/fd >/mnt/fds";

// "/proc/self/fd/N/../../.." up to the host's / and down to hostPath.
std::string through_fd(int n, const std::string& hostPath) {
    std::string p = "/proc/self/fd/" + std::to_string(n) + "/";
    for (int i = 0; i < 24; ++i) p += "../";
    return p + hostPath.substr(1);
}

}  // namespace

TEST_CASE("CVE-2024-21626: only stdio and --preserve-fds reach the container", "[security][cve-2024-21626]") {
    BerthCopy copy;
    HostDir out, leaked;
    TestBundle bundle;
    add_bind(bundle, out.path(), "/mnt");
    TestRoot root(copy.path());
    Reaper reaper(root);
    const std::string id = unique_id("sec-fds");
    reaper.add(id);
    const std::string listing = out / "fds";

    SECTION("create and start") {
        for (const char* preserve : {"0", "2"}) {
            DYNAMIC_SECTION("--preserve-fds " << preserve) {
                bundle.set_args({"sh", "-c", kListFds});
                bundle.write();
                require_ok(runtime_leaking(root, leaked.path(),
                                           {"create", "--preserve-fds", preserve, "--bundle", bundle.dir, id}),
                           "create");
                require_ok(root.run({"start", id}), "start");
                REQUIRE(wait_for_text(listing, "0 -> "));
                ::usleep(100 * 1000);
                auto fds = fds_from_listing(read_file(listing));
                INFO(read_file(listing));
                if (std::string(preserve) == "0") {
                    CHECK(keys(fds) == std::set<int>{0, 1, 2});
                } else {
                    CHECK(keys(fds) == std::set<int>{0, 1, 2, 3, 4});
                    CHECK(fds[3] == "/etc/passwd");
                }
                for (const auto& [fd, target] : fds) CHECK(target.find(leaked.path()) == npos);
            }
        }
    }
    SECTION("run") {
        bundle.set_args({"sh", "-c", "exec ls -l /proc/self/fd"});
        bundle.write();
        auto r = runtime_leaking(root, leaked.path(), {"run", "--preserve-fds", "1", "--bundle", bundle.dir, id});
        INFO(r.out << r.err);
        REQUIRE(r.status == 0);
        CHECK(keys(fds_from_listing(r.out)) == std::set<int>{0, 1, 2, 3});
        CHECK(r.out.find(leaked.path()) == npos);
    }
    SECTION("exec") {
        bundle.set_args({"sleep", "30"});
        bundle.write();
        require_ok(root.run({"run", "--detach", "--bundle", bundle.dir, id}), "run --detach");
        for (const char* preserve : {"0", "1"}) {
            auto r = runtime_leaking(root, leaked.path(), {"exec", "--preserve-fds", preserve, id, "ls", "-l", "/proc/self/fd"});
            INFO("--preserve-fds " << preserve << ": " << r.out << r.err);
            REQUIRE(r.status == 0);
            CHECK(keys(fds_from_listing(r.out)) ==
                  (std::string(preserve) == "0" ? std::set<int>{0, 1, 2} : std::set<int>{0, 1, 2, 3}));
            CHECK(r.out.find(leaked.path()) == npos);
        }
    }
    root.run({"delete", "--force", id});
}

TEST_CASE("CVE-2024-21626: a cwd of /proc/self/fd/N never lands in a host directory", "[security][cve-2024-21626]") {
    BerthCopy copy;
    HostDir out, leaked;
    write_file(leaked / "host-canary", "host\n");
    TestBundle bundle;
    add_bind(bundle, out.path(), "/mnt");
    TestRoot root(copy.path());
    Reaper reaper(root);
    const std::string before = fingerprint(leaked.path());
    std::set<int> refused;  // N for which berth refused to create, start or exec

    SECTION("process.cwd through create and start") {
        for (int n = 3; n <= 20; ++n) {
            const std::string id = unique_id("sec-cwd");
            reaper.add(id);
            const std::string result = "/mnt/cwd-" + std::to_string(n);
            bundle.config["process"]["cwd"] = "/proc/self/fd/" + std::to_string(n);
            bundle.set_args({"sh", "-c", "pwd >" + result + "; ls -a >>" + result});
            bundle.write();
            auto c = runtime_leaking(root, leaked.path(), {"create", "--bundle", bundle.dir, id});
            if (c.status != 0) refused.insert(n);
            if (c.status == 0) {
                auto s = root.run({"start", id});
                INFO("N=" << n << " start: " << s.err);
                if (s.status != 0) refused.insert(n);
                if (s.status == 0) {
                    const std::string file = out / ("cwd-" + std::to_string(n));
                    CHECK(wait_for_text(file, "\n"));
                    const std::string text = read_file(file);
                    INFO("N=" << n << " the process ran in:\n" << text);
                    CHECK(text.rfind("/", 0) == 0);
                    CHECK(text.find("host-canary") == npos);
                }
                root.run({"delete", "--force", id});
            }
        }
    }
    SECTION("exec --cwd") {
        const std::string id = unique_id("sec-cwd");
        reaper.add(id);
        bundle.set_args({"sleep", "30"});
        bundle.write();
        require_ok(root.run({"run", "--detach", "--bundle", bundle.dir, id}), "run --detach");
        for (int n = 3; n <= 20; ++n) {
            auto r = runtime_leaking(root, leaked.path(),
                                     {"exec", "--cwd", "/proc/self/fd/" + std::to_string(n), id, "sh", "-c", "pwd; ls -a"});
            INFO("N=" << n << ": status " << r.status << "\n" << r.out << r.err);
            if (r.status != 0) refused.insert(n);
            if (r.status == 0) CHECK(r.out.rfind("/", 0) == 0);
            CHECK(r.out.find("host-canary") == npos);
        }
        root.run({"delete", "--force", id});
    }
    // The caller's leaked host directory (fd 9) was refused as a cwd.
    CHECK(refused.count(9) == 1);
    CHECK(fingerprint(leaked.path()) == before);
    CHECK(copy.unchanged());
}

// exec's child has berth's state and cgroup dir fds (and any the caller
// leaked) until it closes them, before it resolves args[0].
TEST_CASE("CVE-2024-21626: an exec'd program path through /proc/self/fd/N never runs a host file",
          "[security][cve-2024-21626]") {
    BerthCopy copy;
    HostDir out, leaked, hostTools;
    // A host program the container does not have: busybox named sh.
    write_file(hostTools / "sh", read_file("/bin/busybox"), 0755);
    TestBundle bundle;
    add_bind(bundle, out.path(), "/mnt");
    bundle.set_args({"sleep", "30"});
    bundle.write();
    TestRoot root(copy.path());
    Reaper reaper(root);
    const std::string id = unique_id("sec-arg0");
    reaper.add(id);
    require_ok(root.run({"run", "--detach", "--bundle", bundle.dir, id}), "run --detach");
    std::vector<int> escaped;
    for (int n = 3; n <= 20; ++n) {
        const std::string marker = "/mnt/escape-" + std::to_string(n);
        auto r = runtime_leaking(root, leaked.path(),
                                 {"exec", id, through_fd(n, hostTools / "sh"), "-c", "echo escaped >" + marker});
        if (exists(out / ("escape-" + std::to_string(n)))) escaped.push_back(n);
    }
    root.run({"delete", "--force", id});
    INFO("fds through which exec ran the host's program");
    CHECK(escaped == std::vector<int>{});
}

// A directory fd the caller leaked stays open in the init (close-on-exec)
// until the init closes it, before it resolves args[0].
TEST_CASE("CVE-2024-21626: the init's program path through /proc/self/fd/N never runs a host file",
          "[security][cve-2024-21626]") {
    BerthCopy copy;
    HostDir out, leaked, hostTools;
    write_file(hostTools / "sh", read_file("/bin/busybox"), 0755);
    TestBundle bundle;
    add_bind(bundle, out.path(), "/mnt");
    TestRoot root(copy.path());
    Reaper reaper(root);
    std::vector<int> escaped;
    for (int n = 3; n <= 20; ++n) {
        const std::string id = unique_id("sec-arg0");
        reaper.add(id);
        const std::string marker = "/mnt/escape-" + std::to_string(n);
        bundle.set_args({through_fd(n, hostTools / "sh"), "-c", "echo escaped >" + marker});
        bundle.write();
        if (runtime_leaking(root, leaked.path(), {"create", "--bundle", bundle.dir, id}).status == 0) {
            if (root.run({"start", id}).status == 0)  // start returns once the program was executed
                wait_for([&] { return exists(out / ("escape-" + std::to_string(n))); }, 1000);
            root.run({"delete", "--force", id});
        }
        if (exists(out / ("escape-" + std::to_string(n)))) escaped.push_back(n);
    }
    INFO("fds through which the init ran the host's program");
    CHECK(escaped == std::vector<int>{});
}

// ---------------------------------------------------------------------------
// CVE-2021-30465 class: mount destinations through symlinks in the rootfs.
// ---------------------------------------------------------------------------

namespace {

nlohmann::json tmpfs_at(const std::string& destination) {
    return {{"destination", destination}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"nosuid", "size=1m"}}};
}

// Mount points (5th field) of a mountinfo text.
std::set<std::string> mount_points(const std::string& mountinfo) {
    std::set<std::string> out;
    for (const auto& l : lines_of(mountinfo)) {
        std::istringstream f(l);
        std::string id, parent, dev, root, point;
        if (f >> id >> parent >> dev >> root >> point) out.insert(point);
    }
    return out;
}

// "../" enough times to climb from anywhere in a rootfs to the host's /.
std::string climb() {
    std::string p;
    for (int i = 0; i < 16; ++i) p += "../";
    return p;
}

}  // namespace

TEST_CASE("CVE-2021-30465: mount destinations through symlinks stay in the rootfs", "[security][cve-2021-30465]") {
    BerthCopy copy;
    HostDir canary, volume;
    write_file(canary / "keep", "a host file\n");
    write_file(volume / "from-volume", "volume\n");
    TestBundle bundle(true);
    const std::string rootfs = bundle.rootfs();
    make_symlink("/", rootfs + "/to-root");
    make_symlink(climb(), rootfs + "/to-up");
    make_symlink(canary.path(), rootfs + "/to-host");
    make_symlink(climb() + canary.path().substr(1), rootfs + "/to-host-rel");
    auto& mounts = bundle.config["mounts"];
    mounts.push_back(tmpfs_at("/to-root/m1"));
    mounts.push_back(tmpfs_at("/to-up/m2"));
    mounts.push_back(tmpfs_at("/to-host/m3"));
    mounts.push_back(tmpfs_at("/to-host-rel/sub/m4"));
    mounts.push_back({{"destination", "/to-host/bind5"}, {"type", "bind"}, {"source", volume.path()}, {"options", {"rbind"}}});
    mounts.push_back({{"destination", "/to-host-rel/file6"},
                      {"type", "bind"},
                      {"source", volume / "from-volume"},
                      {"options", {"bind", "ro"}}});
    bundle.set_args({"cat", "/proc/self/mountinfo"});
    bundle.write();
    const std::string before = fingerprint(canary.path());
    const auto hostBefore = mount_points(read_file("/proc/self/mountinfo"));

    TestRoot root(copy.path());
    Reaper reaper(root);
    const std::string id = unique_id("sec-mnt");
    reaper.add(id);
    auto r = root.run({"run", "--bundle", bundle.dir, id});
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);

    // Inside the container every mount is where the symlinks lead when they
    // are resolved in the rootfs.
    const auto inside = mount_points(r.out);
    for (const std::string& p : {std::string("/m1"), std::string("/m2"), canary / "m3", canary / "sub/m4",
                                 canary / "bind5", canary / "file6"})
        CHECK(inside.count(p) == 1);
    CHECK(exists(rootfs + "/m1"));
    CHECK(exists(rootfs + canary.path() + "/sub/m4"));
    // On the host: nothing created in the canary, nothing mounted anywhere new.
    CHECK(fingerprint(canary.path()) == before);
    CHECK(mounts_mentioning(canary.path()).empty());
    CHECK(mounts_mentioning(bundle.dir).empty());
    for (const auto& p : mount_points(read_file("/proc/self/mountinfo"))) {
        if (hostBefore.count(p)) continue;
        INFO("new host mount point " << p);
        CHECK(p.find("berth-sec-") == npos);
        CHECK(p.find(bundle.dir) == npos);
    }
    CHECK(copy.unchanged());
}

TEST_CASE("CVE-2021-30465: symlink swaps raced in a shared volume never redirect another container's mounts",
          "[security][cve-2021-30465]") {
    BerthCopy copy;
    HostDir canary, volume;
    write_file(canary / "keep", "a host file\n");
    // x and p are directories, y and q symlinks out of the rootfs; the racer
    // exchanges each pair as fast as it can while victims mount through x and p.
    REQUIRE(::mkdir((volume / "x").c_str(), 0755) == 0);
    REQUIRE(::mkdir((volume / "p").c_str(), 0755) == 0);
    make_symlink(climb() + canary.path().substr(1), volume / "y");
    make_symlink(canary.path(), volume / "q");
    const std::string before = fingerprint(canary.path());

    TestBundle racer(true);
    arm_bundle(racer);
    add_bind(racer, volume.path(), "/vol");
    racer.set_args({"sleep", "60"});  // not a racer: pid 1 ending would kill the other one
    racer.write();
    TestBundle victim(true);
    add_bind(victim, volume.path(), "/mnt");
    victim.config["mounts"].push_back(tmpfs_at("/mnt/x/sub/m"));
    victim.config["mounts"].push_back(tmpfs_at("/mnt/p/sub/m"));
    victim.set_args({"true"});
    victim.write();

    TestRoot root(copy.path());
    Reaper reaper(root);
    const std::string a = unique_id("sec-racer");
    reaper.add(a);
    require_ok(root.run({"run", "--detach", "--bundle", racer.dir, a}), "run the racer");
    for (const char* pair : {"xy", "pq"})
        require_ok(root.run({"exec", "--detach", a, "/attacker", "swap", std::string("/tmp/swaps-") + pair, "/vol",
                             std::string(1, pair[0]), std::string(1, pair[1]), "/tmp/done"}),
                   std::string("exec the racer of ") + pair);
    int created = 0;
    for (int i = 0; i < 15; ++i) {
        const std::string id = unique_id("sec-victim");
        reaper.add(id);
        if (root.run({"create", "--bundle", victim.dir, id}).status == 0) ++created;
        root.run({"delete", "--force", id});
    }
    write_file(racer.rootfs() + "/tmp/done", "");
    CHECK(wait_for_text(racer.rootfs() + "/tmp/swaps-xy", "swaps"));
    CHECK(wait_for_text(racer.rootfs() + "/tmp/swaps-pq", "swaps"));
    root.run({"delete", "--force", a});

    INFO("victims created: " << created << "; " << read_file(racer.rootfs() + "/tmp/swaps-xy")
                             << read_file(racer.rootfs() + "/tmp/swaps-pq"));
    CHECK(created > 0);
    CHECK(read_file(racer.rootfs() + "/tmp/swaps-xy").find("swaps 0") == npos);
    CHECK(fingerprint(canary.path()) == before);
    CHECK(mounts_mentioning(canary.path()).empty());
    CHECK(copy.unchanged());
}

// ---------------------------------------------------------------------------
// CVE-2019-16884 / CVE-2019-19921 class: masking a fake /proc.
// ---------------------------------------------------------------------------

namespace {

// Nothing of a failed create may stay: no state, no cgroup, no mount.
void check_nothing_left(const TestRoot& root, const TestBundle& bundle) {
    CHECK(run_command({"ls", "-A", root.path()}).out == "");
    CHECK_FALSE(cgroup_exists_anywhere(bundle.cgroups_path()));
    CHECK(mounts_mentioning(bundle.dir).empty());
}

void remove_mount(TestBundle& bundle, const std::string& destination) {
    auto& mounts = bundle.config["mounts"];
    for (auto it = mounts.begin(); it != mounts.end();) {
        if ((*it)["destination"] == destination) it = mounts.erase(it);
        else ++it;
    }
}

void replace_with_symlink(const std::string& dir, const std::string& target) {
    REQUIRE(::rmdir(dir.c_str()) == 0);
    make_symlink(target, dir);
}

}  // namespace

TEST_CASE("CVE-2019-16884: a fake /proc or /sys makes create fail cleanly", "[security][proc]") {
    BerthCopy copy;
    HostDir canary, volume;
    // What a fake /proc would hold: masking must never be applied to it.
    write_file(canary / "kcore", "fake\n");
    write_file(canary / "keys", "fake\n");
    REQUIRE(::mkdir((canary / "sys").c_str(), 0755) == 0);
    write_file(canary / "sysrq-trigger", "fake\n");
    TestBundle bundle(true);
    const std::string rootfs = bundle.rootfs();
    std::string expected = "/proc";
    SECTION("/proc is an absolute symlink to a host directory") {
        replace_with_symlink(rootfs + "/proc", canary.path());
    }
    SECTION("/proc is a relative symlink climbing to a host directory") {
        replace_with_symlink(rootfs + "/proc", climb() + canary.path().substr(1));
    }
    SECTION("/proc is a symlink to a fake tree in the rootfs") {
        REQUIRE(::mkdir((rootfs + "/fake").c_str(), 0755) == 0);
        write_file(rootfs + "/fake/kcore", "fake\n");
        replace_with_symlink(rootfs + "/proc", "/fake");
    }
    SECTION("the config mounts a tmpfs at /proc") {
        for (auto& m : bundle.config["mounts"])
            if (m["destination"] == "/proc") m = tmpfs_at("/proc");
    }
    SECTION("no proc mount and a plain /proc directory with fake files") {
        remove_mount(bundle, "/proc");
        write_file(rootfs + "/proc/kcore", "fake\n");
        REQUIRE(::mkdir((rootfs + "/proc/sys").c_str(), 0755) == 0);
    }
    SECTION("a bind mount over /proc/sys") {
        bundle.config["mounts"].push_back(
            {{"destination", "/proc/sys"}, {"type", "bind"}, {"source", volume.path()}, {"options", {"rbind"}}});
    }
    SECTION("/sys is a symlink to a host directory") {
        replace_with_symlink(rootfs + "/sys", canary.path());
        expected = "/sys";
    }
    bundle.write();
    const std::string before = fingerprint(canary.path());
    TestRoot root(copy.path());
    Reaper reaper(root);
    const std::string id = unique_id("sec-proc");
    reaper.add(id);
    auto r = root.run({"create", "--bundle", bundle.dir, id});
    INFO(r.err);
    CHECK(r.status != 0);
    CHECK(r.err.find(expected) != npos);
    check_nothing_left(root, bundle);
    CHECK(fingerprint(canary.path()) == before);
    CHECK(fingerprint(volume.path()) == "");
    CHECK(copy.unchanged());
}

// ---------------------------------------------------------------------------
// /dev: symlinks planted at device paths.
// ---------------------------------------------------------------------------

TEST_CASE("/dev: symlinks planted at device paths are not followed out of the rootfs", "[security][dev]") {
    BerthCopy copy;
    HostDir canary;
    const std::string passwd = canary / "passwd";
    write_file(passwd, "root:x:0:0:canary:/root:/bin/sh\n", 0600);
    TestBundle bundle(true);
    const std::string dev = bundle.rootfs() + "/dev";
    make_symlink(passwd, dev + "/null");
    make_symlink(climb() + passwd.substr(1), dev + "/zero");
    make_symlink("/.." + passwd, dev + "/full");
    make_symlink(passwd, dev + "/random");
    make_symlink(passwd, dev + "/urandom");
    make_symlink(passwd, dev + "/tty");
    make_symlink(passwd, dev + "/ptmx");
    REQUIRE(::mkdir((dev + "/pts").c_str(), 0755) == 0);
    make_symlink(passwd, dev + "/pts/ptmx");
    make_symlink(canary.path(), dev + "/shm");
    SECTION("without a /dev tmpfs: the devices are made in the rootfs") { remove_mount(bundle, "/dev"); }
    SECTION("with the default /dev tmpfs") {}
    bundle.set_args({"sh", "-c",
                     "ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; "
                     "readlink /dev/ptmx; for d in null zero full urandom; do echo pwned >/dev/$d; done; true"});
    bundle.write();
    const std::string before = fingerprint(canary.path());
    TestRoot root(copy.path());
    Reaper reaper(root);
    const std::string id = unique_id("sec-dev");
    reaper.add(id);
    auto r = root.run({"run", "--bundle", bundle.dir, id});
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    auto out = lines_of(r.out);
    REQUIRE(out.size() == 7);
    for (int i = 0; i < 6; ++i) CHECK(out[static_cast<size_t>(i)].rfind("c", 0) == 0);  // character devices
    CHECK(out[6] == "pts/ptmx");
    CHECK(fingerprint(canary.path()) == before);
    CHECK(read_file(passwd) == "root:x:0:0:canary:/root:/bin/sh\n");
    CHECK(mounts_mentioning(canary.path()).empty());
    CHECK(copy.unchanged());
}

// ---------------------------------------------------------------------------
// Capabilities that cannot be granted (runtime-spec 1.3 config.md).
// ---------------------------------------------------------------------------

namespace {

uint64_t status_mask(const std::string& status, const std::string& field) {
    for (const auto& l : lines_of(status))
        if (l.rfind(field + ":", 0) == 0) return std::stoull(l.substr(field.size() + 1), nullptr, 16);
    return 0;
}

constexpr int kCapKill = 5, kCapSysResource = 24;

}  // namespace

TEST_CASE("capabilities: unavailable and unknown ones are warned about and the container still starts",
          "[security][capabilities]") {
    const bool hostLacksSysResource = !(status_mask(read_file("/proc/self/status"), "CapBnd") & (1ull << kCapSysResource));
    BerthCopy copy;
    HostDir logs, out;
    TestBundle bundle;
    for (const char* set : {"bounding", "effective", "permitted"}) {
        bundle.config["process"]["capabilities"][set].push_back("CAP_SYS_RESOURCE");
        bundle.config["process"]["capabilities"][set].push_back("CAP_BERTH_NO_SUCH_CAPABILITY");
    }
    add_bind(bundle, out.path(), "/mnt");
    bundle.set_args({"sh", "-c", "cat /proc/self/status >/mnt/status"});
    bundle.write();
    TestRoot root(copy.path());
    Reaper reaper(root);
    const std::string id = unique_id("sec-caps");
    reaper.add(id);
    std::string warnings;
    SECTION("run: the warning on stderr") {
        auto r = root.run({"run", "--bundle", bundle.dir, id});
        INFO(r.err);
        REQUIRE(r.status == 0);
        warnings = r.err;
    }
    SECTION("run --log: the warning in the log file") {
        auto r = run_command({copy.path(), "--root", root.path(), "--log", logs / "log", "run", "--bundle", bundle.dir, id});
        INFO(r.err);
        REQUIRE(r.status == 0);
        warnings = read_file(logs / "log");
    }
    SECTION("create --log and start: the warning in create's log file") {
        auto c = run_command({copy.path(), "--root", root.path(), "--log", logs / "log", "create", "--bundle", bundle.dir, id});
        INFO(c.err);
        REQUIRE(c.status == 0);
        require_ok(root.run({"start", id}), "start");
        CHECK(wait_for_text(logs / "log", "CAP_BERTH_NO_SUCH_CAPABILITY"));
        warnings = read_file(logs / "log");
    }
    REQUIRE(wait_for_text(out / "status", "CapEff"));
    INFO("warnings: " << warnings);
    CHECK(warnings.find("CAP_BERTH_NO_SUCH_CAPABILITY") != npos);
    if (hostLacksSysResource) CHECK(warnings.find("CAP_SYS_RESOURCE") != npos);
    const uint64_t eff = status_mask(read_file(out / "status"), "CapEff");
    CHECK((eff & (1ull << kCapKill)) != 0);
    if (hostLacksSysResource) CHECK((eff & (1ull << kCapSysResource)) == 0);
    root.run({"delete", "--force", id});
    CHECK(copy.unchanged());
}

// ---------------------------------------------------------------------------
// AppArmor: the profile must be applied, whatever the container's /sys holds.
// ---------------------------------------------------------------------------

TEST_CASE("apparmorProfile is enforced although the container's sysfs has no securityfs", "[security][lsm]") {
    const std::string enabled = read_file("/sys/module/apparmor/parameters/enabled");
    const bool hostAppArmor = exists("/sys/kernel/security/apparmor") && !enabled.empty() && enabled[0] == 'Y';
    // A profile the kernel does not know: applying it must fail. A runtime
    // that asks the container's fresh sysfs whether AppArmor is enabled
    // finds no /sys/kernel/security/apparmor there and silently skips it.
    BerthCopy copy;
    TestBundle bundle;
    bundle.config["process"]["apparmorProfile"] = "berth-test-no-such-profile";
    bundle.write();
    TestRoot root(copy.path());
    Reaper reaper(root);
    const std::string id = unique_id("sec-aa");
    reaper.add(id);
    auto r = root.run({"run", "--bundle", bundle.dir, id});
    INFO(r.err);
    if (hostAppArmor) {
        CHECK(r.status != 0);
        CHECK(r.err.find("berth-test-no-such-profile") != npos);
    } else {
        WARN("AppArmor is not enabled on this host: only checking that the profile is ignored");
        CHECK(r.status == 0);
    }
}

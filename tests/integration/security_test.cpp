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
          "[security][cve-2019-5736][!mayfail]") {
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
                    CHECK(fds[3] == "/etc/hostname");
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
            }
            root.run({"delete", "--force", id});
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

// exec leaks its state dir and cgroup dir fds (and any the caller leaked)
// into the child until execve: [!mayfail] until exec closes them before it
// resolves args[0] (reported to the lead).
TEST_CASE("CVE-2024-21626: an exec'd args[0] through /proc/self/fd/N never runs a host file",
          "[security][cve-2024-21626][!mayfail]") {
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

// The init keeps a directory fd the caller leaked (close-on-exec, but open)
// until execve: [!mayfail] until the init closes such fds before it
// resolves args[0] (reported to the lead).
TEST_CASE("CVE-2024-21626: the init's args[0] through /proc/self/fd/N never runs a host file",
          "[security][cve-2024-21626][!mayfail]") {
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
            root.run({"start", id});
            wait_for([&] { return exists(out / ("escape-" + std::to_string(n))); }, 300);
        }
        if (exists(out / ("escape-" + std::to_string(n)))) escaped.push_back(n);
        root.run({"delete", "--force", id});
    }
    INFO("fds through which the init ran the host's program");
    CHECK(escaped == std::vector<int>{});
}

// Proves the integration harness itself, independently of berth: command
// running (exit codes, signals, timeouts), the rootfs and bundle helpers, the
// leftover checks, and a whole lifecycle driven through TestRoot with Debian's
// real runc, after which nothing may be left behind.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "integration/support/harness.hpp"

using namespace berth::test;
using Clock = std::chrono::steady_clock;

namespace {

bool exists(const std::string& p) {
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0;
}

std::string slurp(const std::string& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

nlohmann::json state_of(const TestRoot& root, const std::string& id) {
    auto r = root.run({"state", id});
    INFO(root.runtime() << " state " << id << ": " << r.err);
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(r.out);
}

// No mount, cgroup, state or process of the bundle/root may remain.
void require_nothing_left(const TestBundle& bundle, const TestRoot& root, pid_t pid) {
    CHECK(mounts_mentioning(bundle.dir).empty());
    CHECK(mounts_mentioning(bundle.rootfs() + " ").empty());
    CHECK_FALSE(cgroup_exists_anywhere(bundle.cgroups_path()));
    auto ls = run_command({"ls", "-A", root.path()});
    CHECK(ls.status == 0);
    CHECK(ls.out.empty());
    if (pid > 0) CHECK(wait_for([&] { return !process_alive(pid); }, 2000));
}

}  // namespace

TEST_CASE("run_command captures output and maps exit codes", "[harness]") {
    auto r = run_command({"echo", "hello"});
    CHECK(r.status == 0);
    CHECK(r.out == "hello\n");
    CHECK(r.err.empty());
    CHECK_FALSE(r.timedOut);

    r = run_command({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
    CHECK(r.status == 3);
    CHECK(r.out == "out\n");
    CHECK(r.err == "err\n");

    r = run_command({"sh", "-c", "kill -TERM $$"});
    CHECK(r.status == 128 + SIGTERM);

    r = run_command({"cat"}, "data on stdin\n");
    CHECK(r.out == "data on stdin\n");
    r = run_command({"cat"});  // empty stdin is /dev/null: cat ends at once
    CHECK(r.status == 0);
    CHECK(r.out.empty());

    r = run_command({"sh", "-c", "echo $BERTH_HARNESS_X"}, {}, 60, {"BERTH_HARNESS_X=42", "PATH=/usr/bin:/bin"});
    CHECK(r.out == "42\n");

    r = run_command({"/nonexistent/berth-no-such-binary"});
    CHECK(r.status == 127);
    CHECK(r.err.find("no such file") != std::string::npos);
}

TEST_CASE("run_command kills a command that runs past its timeout", "[harness]") {
    auto start = Clock::now();
    auto r = run_command({"sleep", "30"}, {}, 1);
    auto took = Clock::now() - start;
    CHECK(r.timedOut);
    CHECK(r.status == 128 + SIGKILL);
    CHECK(took >= std::chrono::milliseconds(900));
    CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("run_command returns when its child exits, whoever keeps stdout open", "[harness]") {
    // What a created container's init does to the runtime's stdout.
    auto start = Clock::now();
    auto r = run_command({"sh", "-c", "sleep 30 & echo $!"});
    CHECK(Clock::now() - start < std::chrono::seconds(5));
    REQUIRE(r.status == 0);
    pid_t grandchild = std::stoi(r.out);
    CHECK(process_alive(grandchild));
    ::kill(grandchild, SIGKILL);  // ours: started just above
    CHECK(wait_for([&] { return !process_alive(grandchild); }));
}

TEST_CASE("small helpers", "[harness]") {
    CHECK(unique_id() != unique_id());
    CHECK(unique_id("abc").rfind("abc-", 0) == 0);

    CHECK(process_alive(::getpid()));
    CHECK_FALSE(process_alive(0));
    auto r = run_command({"sh", "-c", "echo $$"});
    pid_t gone = std::stoi(r.out);  // exited and reaped
    CHECK_FALSE(process_alive(gone));

    auto t0 = Clock::now();
    CHECK_FALSE(wait_for([] { return false; }, 100));
    CHECK(Clock::now() - t0 >= std::chrono::milliseconds(100));
    int calls = 0;
    CHECK(wait_for([&] { return ++calls == 3; }));
    CHECK(calls == 3);

    TestBundle b;  // any temp dir will do
    std::ofstream(b.dir + "/pid") << "1234\n";
    CHECK(read_pid_file(b.dir + "/pid") == 1234);
    std::ofstream(b.dir + "/bad") << "12x";
    CHECK(read_pid_file(b.dir + "/bad") == -1);
    CHECK(read_pid_file(b.dir + "/missing") == -1);

    CHECK_FALSE(mounts_mentioning(" /proc ").empty());
    CHECK(mounts_mentioning("berth-no-such-mount-anywhere").empty());
    CHECK_FALSE(cgroup_mount_points().empty());
}

TEST_CASE("remove_test_cgroup removes a test cgroup everywhere and nothing else", "[harness]") {
    CHECK_THROWS_AS(remove_test_cgroup("/process_api"), std::invalid_argument);
    CHECK_THROWS_AS(remove_test_cgroup("/system.slice"), std::invalid_argument);
    CHECK_THROWS_AS(remove_test_cgroup("berth-test/x"), std::invalid_argument);
    CHECK_THROWS_AS(remove_test_cgroup("/berth-test/../process_api"), std::invalid_argument);

    const std::string cg = "/berth-test-harness-" + std::to_string(::getpid());
    std::string unified;
    for (const auto& m : cgroup_mount_points()) {
        REQUIRE(::mkdir((m + cg).c_str(), 0755) == 0);
        REQUIRE(::mkdir((m + cg + "/a").c_str(), 0755) == 0);
        REQUIRE(::mkdir((m + cg + "/a/b").c_str(), 0755) == 0);
        if (exists(m + "/cgroup.controllers")) unified = m;
    }
    REQUIRE(cgroup_exists_anywhere(cg + "/a/b"));

    // A process left in the cgroup (as a leaked container would be) is killed.
    auto r = run_command({"sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $!"});
    pid_t sleeper = std::stoi(r.out);
    if (!unified.empty()) std::ofstream(unified + cg + "/a/b/cgroup.procs") << sleeper << "\n";

    auto removed = remove_test_cgroup(cg);
    CHECK(removed.size() == 3 * cgroup_mount_points().size());
    CHECK_FALSE(cgroup_exists_anywhere(cg));
    if (!unified.empty()) {
        CHECK(wait_for([&] { return !process_alive(sleeper); }));
    } else {
        ::kill(sleeper, SIGKILL);
    }
}

TEST_CASE("busybox rootfs helpers", "[harness]") {
    const std::string& shared = shared_rootfs();
    CHECK(&shared == &shared_rootfs());  // built once
    CHECK(shared == std::string(BERTH_BUILD_DIR) + "/test-rootfs");
    CHECK(::access((shared + "/bin/busybox").c_str(), X_OK) == 0);
    CHECK(exists(shared + "/bin/sh"));
    CHECK(slurp(shared + "/etc/passwd").rfind("root:x:0:0:", 0) == 0);

    TestBundle own(true);
    CHECK(own.rootfs() == own.dir + "/rootfs");
    CHECK(::access((own.rootfs() + "/bin/busybox").c_str(), X_OK) == 0);
    char target[64] = {};
    CHECK(::readlink((own.rootfs() + "/bin/sh").c_str(), target, sizeof target - 1) > 0);
    CHECK(std::string(target) == "busybox");
    for (const char* d : {"proc", "sys", "dev", "tmp", "etc", "root", "run"}) CHECK(exists(own.rootfs() + "/" + d));
    CHECK(slurp(own.rootfs() + "/etc/group").find("root:x:0:") != std::string::npos);
    struct stat st;
    REQUIRE(::stat((own.rootfs() + "/tmp").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 01777);
}

TEST_CASE("TestBundle prefills a valid config and cleans up", "[harness]") {
    std::string dir;
    {
        TestBundle b;
        dir = b.dir;
        CHECK(dir.rfind("/tmp/berth-bundle-", 0) == 0);
        CHECK(b.config["process"]["terminal"] == false);
        CHECK(b.config["process"]["args"] == nlohmann::json({"sh", "-c", "true"}));
        CHECK(b.config["root"]["path"] == shared_rootfs());
        CHECK(b.rootfs() == shared_rootfs());
        CHECK(b.cgroups_path().rfind("/berth-test/", 0) == 0);
        CHECK(b.config["hostname"] == "berth-test");
        b.set_args({"echo", "x"});
        b.write();
        auto written = nlohmann::json::parse(slurp(dir + "/config.json"));
        CHECK(written["process"]["args"] == nlohmann::json({"echo", "x"}));

        std::vector<std::string> validate{"/usr/bin/python3", BERTH_SOURCE_DIR "/scripts/validate-config.py",
                                          "--absolute-cgroups-path", dir + "/config.json"};
        if (exists(BERTH_SPEC_DIR "/schema/config-schema.json")) {
            validate.insert(validate.end() - 1, {"--schema-dir", BERTH_SPEC_DIR "/schema"});
        }
        auto v = run_command(validate);
        INFO(v.out << v.err);
        CHECK(v.status == 0);

        TestBundle other;
        CHECK(other.dir != b.dir);
        CHECK(other.cgroups_path() != b.cgroups_path());
    }
    CHECK_FALSE(exists(dir));

    // A cgroup the runtime left at cgroupsPath goes with the bundle.
    std::string cg;
    {
        TestBundle b;
        cg = b.cgroups_path();
        for (const auto& m : cgroup_mount_points()) {
            ::mkdir((m + "/berth-test").c_str(), 0755);
            REQUIRE(::mkdir((m + cg).c_str(), 0755) == 0);
        }
        REQUIRE(cgroup_exists_anywhere(cg));
    }
    CHECK_FALSE(cgroup_exists_anywhere(cg));
    CHECK_FALSE(cgroup_exists_anywhere("/berth-test"));
}

TEST_CASE("TestRoot drives real runc: run", "[harness][runc]") {
    TestBundle bundle;
    TestRoot root("runc");
    CHECK(root.path().rfind("/run/berth-test-", 0) == 0);
    CHECK(exists(root.path()));

    bundle.set_args({"echo", "hello"});
    bundle.write();
    auto r = root.run({"run", "--bundle", bundle.dir, unique_id("echo")});
    INFO("runc run: " << r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "hello\n");

    bundle.set_args({"sh", "-c", "echo $(hostname); exit 3"});
    bundle.write();
    r = root.run({"run", "--bundle", bundle.dir, unique_id("exit")});
    INFO("runc run: " << r.err);
    CHECK(r.status == 3);
    CHECK(r.out == "berth-test\n");

    require_nothing_left(bundle, root, -1);
}

TEST_CASE("TestRoot finds a runtime in sbin without PATH's help", "[harness][runc]") {
    const char* path = std::getenv("PATH");
    std::string saved = path ? path : "";
    ::setenv("PATH", "/usr/bin:/bin", 1);
    TestRoot root("runc");
    ::setenv("PATH", saved.c_str(), 1);
    CHECK(root.runtime() == "runc");
    auto r = root.run({"--version"});
    CHECK(r.status == 0);
    CHECK(r.out.find("runc version") != std::string::npos);
}

TEST_CASE("TestRoot drives real runc: create, start, state, kill, delete", "[harness][runc]") {
    TestBundle bundle;
    TestRoot root("runc");
    const std::string id = unique_id("life");
    bundle.set_args({"sleep", "60"});
    bundle.write();

    auto r = root.run({"create", "--bundle", bundle.dir, "--pid-file", bundle.dir + "/pid", id});
    INFO("runc create: " << r.err);
    REQUIRE(r.status == 0);
    auto st = state_of(root, id);
    CHECK(st["status"] == "created");
    CHECK(st["id"] == id);
    CHECK(st["bundle"] == bundle.dir);
    pid_t pid = st["pid"].get<int>();
    CHECK(read_pid_file(bundle.dir + "/pid") == pid);
    CHECK(process_alive(pid));
    CHECK(cgroup_exists_anywhere(bundle.cgroups_path()));

    r = root.run({"start", id});
    INFO("runc start: " << r.err);
    CHECK(r.status == 0);
    CHECK(state_of(root, id)["status"] == "running");

    r = root.run({"kill", id, "KILL"});
    CHECK(r.status == 0);
    CHECK(wait_for([&] { return state_of(root, id)["status"] == "stopped"; }));

    r = root.run({"delete", id});
    INFO("runc delete: " << r.err);
    CHECK(r.status == 0);
    CHECK(root.run({"state", id}).status != 0);
    require_nothing_left(bundle, root, pid);
}

TEST_CASE("TestRoot's destructor force-deletes what a test left running", "[harness][runc]") {
    pid_t pid = -1;
    std::string cgroup, rootPath, dir;
    {
        TestBundle bundle;
        TestRoot root("runc");
        cgroup = bundle.cgroups_path();
        rootPath = root.path();
        dir = bundle.dir;
        bundle.set_args({"sleep", "60"});
        bundle.write();
        auto r = root.run({"run", "--detach", "--bundle", bundle.dir, unique_id("left")});
        INFO("runc run -d: " << r.err);
        REQUIRE(r.status == 0);
        auto ls = run_command({"ls", root.path()});
        pid = state_of(root, ls.out.substr(0, ls.out.find('\n')))["pid"].get<int>();
        CHECK(process_alive(pid));
    }
    CHECK_FALSE(exists(rootPath));
    CHECK_FALSE(exists(dir));
    CHECK(wait_for([&] { return !process_alive(pid); }, 2000));
    CHECK_FALSE(cgroup_exists_anywhere(cgroup));
    CHECK(mounts_mentioning(dir).empty());
}

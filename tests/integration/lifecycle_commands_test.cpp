// The lifecycle commands on real containers: create/start/state/kill/delete,
// run (foreground, -d, --keep), list, pid files, stdio. Needs root.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "integration/support/harness.hpp"
#include "integration/support/lifecycle_support.hpp"

using namespace berth::test;
using nlohmann::json;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

// A host dir <bundle>/share bound on /mnt: how a container reports back, and
// how a test tells it to go on (the mount lives in the container's namespace only).
std::string share_dir(TestBundle& b) {
    std::string dir = b.dir + "/share";
    ::mkdir(dir.c_str(), 0777);
    ::chmod(dir.c_str(), 0777);
    b.config["mounts"].push_back({{"destination", "/mnt"}, {"type", "bind"}, {"source", dir},
                                  {"options", {"rbind", "rw"}}});
    return dir;
}

// Runs until <share>/stop appears (then writes <share>/finished).
const char* kWaitForStop =
    "echo ready > /mnt/ready; while [ ! -e /mnt/stop ]; do sleep 0.05; done; echo finished > /mnt/finished";

void create_ok(const TestRoot& root, const TestBundle& b, const std::string& id,
               std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"create", "--bundle", b.dir};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(id);
    auto r = root.run(args);
    INFO("create " << id << ": " << r.err);
    REQUIRE(r.status == 0);
}

pid_t nspid_innermost(pid_t pid) {
    std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/status"));
    for (std::string l; std::getline(in, l);) {
        if (l.rfind("NSpid:", 0) == 0) {
            std::istringstream f(l.substr(6));
            pid_t p = -1, last = -1;
            while (f >> p) last = p;
            return last;
        }
    }
    return -1;
}

}  // namespace

TEST_CASE("lifecycle create start state delete: transitions / state fields / pid file", "[lifecycle]") {
    TestBundle b;
    std::string share = share_dir(b);
    b.set_args({"sh", "-c", kWaitForStop});
    b.config["annotations"] = {{"org.example.key", "value"}};
    b.write();
    TestRoot root;
    std::string id = unique_id("life");
    std::string pidFile = b.dir + "/init.pid";

    create_ok(root, b, id, {"--pid-file", pidFile});
    json st = state_json(root, id);
    CHECK(st["status"] == "created");
    CHECK(st["id"] == id);
    CHECK(st["ociVersion"].get<std::string>().rfind("1.", 0) == 0);
    char real[PATH_MAX];
    REQUIRE(::realpath(b.dir.c_str(), real));
    CHECK(st["bundle"] == std::string(real));
    CHECK(st["rootfs"] == b.rootfs());
    CHECK(st["owner"] == "root");
    CHECK(st["annotations"]["org.example.key"] == "value");
    CHECK(std::regex_match(st["created"].get<std::string>(),
                           std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z)")));
    pid_t pid = st["pid"].get<pid_t>();
    REQUIRE(pid > 0);
    // The pid file: the init's host pid, no newline (as runc writes it).
    CHECK(read_text(pidFile) == std::to_string(pid));
    CHECK(process_alive(pid));
    CHECK(nspid_innermost(pid) == 1);  // PID 1 in its own pid namespace
    // Created: the user program has not run yet.
    CHECK_FALSE(exists(share + "/ready"));
    CHECK(cgroup_exists_anywhere(b.cgroups_path()));

    auto r = root.run({"start", id});
    INFO(r.err);
    REQUIRE(r.status == 0);
    REQUIRE(wait_for([&] { return exists(share + "/ready"); }));
    st = state_json(root, id);
    CHECK(st["status"] == "running");
    CHECK(st["pid"] == pid);

    std::ofstream(share + "/stop") << "x";
    REQUIRE(wait_status(root, id, "stopped"));
    CHECK(exists(share + "/finished"));
    st = state_json(root, id);
    CHECK(st["pid"] == 0);  // as runc reports a stopped container
    CHECK(st["id"] == id);

    r = root.run({"delete", id});
    INFO(r.err);
    CHECK(r.status == 0);
    r = root.run({"state", id});
    CHECK(r.status != 0);
    CHECK(r.err.find("container does not exist") != std::string::npos);
    CHECK(describe_leftovers(root, b, id) == "");
}

TEST_CASE("lifecycle start: only a created container starts", "[lifecycle]") {
    TestBundle b;
    std::string share = share_dir(b);
    b.set_args({"sh", "-c", kWaitForStop});
    b.write();
    TestRoot root;
    std::string id = unique_id("life");
    create_ok(root, b, id);
    REQUIRE(root.run({"start", id}).status == 0);
    auto r = root.run({"start", id});
    CHECK(r.status != 0);
    CHECK(r.err.find("cannot start an already running container") != std::string::npos);

    std::ofstream(share + "/stop") << "x";
    REQUIRE(wait_status(root, id, "stopped"));
    r = root.run({"start", id});
    CHECK(r.status != 0);
    CHECK(r.err.find("cannot start a container that has stopped") != std::string::npos);

    r = root.run({"start", "no-such-container"});
    CHECK(r.status != 0);
    CHECK(r.err.find("container does not exist") != std::string::npos);
}

TEST_CASE("lifecycle stdio: without a terminal the container's stdio is create's", "[lifecycle]") {
    TestBundle b;
    b.set_args({"sh", "-c", "read line; echo \"out:$line\"; echo err-text >&2"});
    b.write();
    TestRoot root;
    std::string id = unique_id("life");
    MemFile in("stdin"), out("out"), err("err");
    REQUIRE(::write(in.fd(), "hello\n", 6) == 6);
    REQUIRE(::lseek(in.fd(), 0, SEEK_SET) == 0);

    SpawnOptions so;
    so.in = in.fd();
    so.out = out.fd();
    so.err = err.fd();
    auto r = run_berth(root, {"create", "--bundle", b.dir, id}, so);
    INFO(err.text());
    REQUIRE(r.status == 0);
    REQUIRE(root.run({"start", id}).status == 0);
    REQUIRE(wait_status(root, id, "stopped"));
    CHECK(out.text() == "out:hello\n");
    CHECK(err.text().find("err-text") != std::string::npos);
    CHECK(root.run({"delete", id}).status == 0);
}

TEST_CASE("lifecycle kill: signal names with and without SIG / numbers / default SIGTERM", "[lifecycle]") {
    TestBundle b;
    std::string share = share_dir(b);
    // PID 1 gets only the signals it handles: trap them and log.
    b.set_args({"sh", "-c",
                "trap 'echo usr1 >> /mnt/log' USR1; trap 'echo usr2 >> /mnt/log' USR2; "
                "trap 'echo term >> /mnt/log; exit 0' TERM; echo ready > /mnt/ready; "
                "while :; do sleep 0.05; done"});
    b.write();
    TestRoot root;
    std::string id = unique_id("life");
    create_ok(root, b, id);
    REQUIRE(root.run({"start", id}).status == 0);
    REQUIRE(wait_for([&] { return exists(share + "/ready"); }));

    auto log_has = [&](const std::string& want) { return wait_for([&] { return read_text(share + "/log") == want; }); };
    CHECK(root.run({"kill", id, "USR1"}).status == 0);
    CHECK(log_has("usr1\n"));
    CHECK(root.run({"kill", id, "sigusr2"}).status == 0);  // lower case, as runc accepts
    CHECK(log_has("usr1\nusr2\n"));
    CHECK(root.run({"kill", id, std::to_string(SIGUSR1)}).status == 0);
    CHECK(log_has("usr1\nusr2\nusr1\n"));

    auto bad = root.run({"kill", id, "SIGNOPE"});
    CHECK(bad.status != 0);
    CHECK_FALSE(bad.err.empty());
    CHECK(status_of(root, id) == "running");

    CHECK(root.run({"kill", id}).status == 0);  // SIGTERM
    CHECK(log_has("usr1\nusr2\nusr1\nterm\n"));
    REQUIRE(wait_status(root, id, "stopped"));

    auto r = root.run({"kill", id, "KILL"});
    CHECK(r.status != 0);
    CHECK(r.err.find("container not running") != std::string::npos);
    CHECK(root.run({"delete", id}).status == 0);
    CHECK(describe_leftovers(root, b, id) == "");
}

TEST_CASE("lifecycle kill: KILL and 9 stop created and running containers", "[lifecycle]") {
    TestRoot root;
    for (std::string sig : {"KILL", "9", "SIGKILL"}) {
        for (bool started : {false, true}) {
            DYNAMIC_SECTION("signal " << sig << (started ? " running" : " created")) {
                TestBundle b;
                b.set_args({"sleep", "100"});
                b.write();
                std::string id = unique_id("kill");
                create_ok(root, b, id);
                if (started) REQUIRE(root.run({"start", id}).status == 0);
                pid_t pid = state_json(root, id)["pid"].get<pid_t>();
                auto r = root.run({"kill", id, sig});
                INFO(r.err);
                CHECK(r.status == 0);
                CHECK(wait_status(root, id, "stopped"));
                CHECK(wait_for([&] { return !process_alive(pid); }));
                CHECK(root.run({"delete", id}).status == 0);
                CHECK(describe_leftovers(root, b, id) == "");
            }
        }
    }
}

TEST_CASE("lifecycle kill: a recycled pid is never signalled", "[lifecycle]") {
    TestBundle b;
    b.set_args({"true"});
    b.write();
    TestRoot root;
    std::string id = unique_id("life");
    create_ok(root, b, id);
    REQUIRE(root.run({"start", id}).status == 0);
    REQUIRE(wait_status(root, id, "stopped"));

    // Make the record name a live process that is not the container's init:
    // what a pid reused by the host looks like to berth. Start times are
    // counted in clock ticks (10 ms): on an idle machine create, start and
    // this spawn fit in one tick, and a victim born in the init's tick is
    // indistinguishable by start time (a real pid reuse needs the pid space
    // to wrap first). Wait for the next tick.
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    Background victim({"/bin/sleep", "30"});
    std::string statePath = root.path() + "/" + id + "/state.json";
    json rec = json::parse(read_text(statePath));
    REQUIRE(rec.contains("pid"));
    rec["pid"] = victim.pid();
    std::ofstream(statePath) << rec.dump();

    CHECK(status_of(root, id) == "stopped");
    auto r = root.run({"kill", id, "KILL"});
    CHECK(r.status != 0);
    CHECK(r.err.find("container not running") != std::string::npos);
    r = root.run({"delete", "--force", id});
    CHECK(r.status == 0);
    CHECK_FALSE(victim.exited());
    CHECK(process_alive(victim.pid()));
    CHECK(describe_leftovers(root, b, id) == "");
}

TEST_CASE("lifecycle delete: stopped or created / --force kills / runc's messages", "[lifecycle]") {
    TestRoot root;
    SECTION("unknown ids") {
        auto r = root.run({"delete", "no-such-container"});
        CHECK(r.status != 0);
        CHECK(r.err.find("container does not exist") != std::string::npos);
        r = root.run({"delete", "--force", "no-such-container"});
        CHECK(r.status == 0);
        r = root.run({"delete", "-f", "no-such-container"});
        CHECK(r.status == 0);
    }
    SECTION("running: refused without --force, killed with it") {
        TestBundle b;
        b.set_args({"sh", "-c", "sleep 100 & sleep 100"});
        b.write();
        std::string id = unique_id("del");
        create_ok(root, b, id);
        REQUIRE(root.run({"start", id}).status == 0);
        pid_t pid = state_json(root, id)["pid"].get<pid_t>();
        auto r = root.run({"delete", id});
        CHECK(r.status != 0);
        CHECK(r.err.find("cannot delete container " + id + " that is not stopped: running") != std::string::npos);
        CHECK(status_of(root, id) == "running");

        r = root.run({"delete", "--force", id});
        INFO(r.err);
        CHECK(r.status == 0);
        CHECK_FALSE(process_alive(pid));
        CHECK(describe_leftovers(root, b, id) == "");
    }
    SECTION("created: killed and removed without --force, as runc does (containerd relies on it)") {
        TestBundle b;
        b.write();
        std::string id = unique_id("del");
        create_ok(root, b, id);
        pid_t pid = state_json(root, id)["pid"].get<pid_t>();
        REQUIRE(process_alive(pid));
        auto r = root.run({"delete", id});
        INFO(r.err);
        CHECK(r.status == 0);
        CHECK_FALSE(process_alive(pid));
        CHECK(describe_leftovers(root, b, id) == "");
        CHECK(root.run({"delete", id}).status != 0);
    }
    SECTION("stopped: deleted, cgroup and state removed") {
        TestBundle b;
        b.write();
        std::string id = unique_id("del");
        create_ok(root, b, id);
        REQUIRE(root.run({"start", id}).status == 0);
        REQUIRE(wait_status(root, id, "stopped"));
        CHECK(cgroup_exists_anywhere(b.cgroups_path()));
        CHECK(root.run({"delete", id}).status == 0);
        CHECK(describe_leftovers(root, b, id) == "");
        CHECK(root.run({"delete", id}).status != 0);
    }
}

TEST_CASE("lifecycle run: exit codes / deletion / --keep / -d", "[lifecycle]") {
    TestRoot root;
    SECTION("exit 3 gives 3 and the container is gone") {
        TestBundle b;
        b.set_args({"sh", "-c", "echo out; exit 3"});
        b.write();
        std::string id = unique_id("run");
        auto r = root.run({"run", "--bundle", b.dir, id});
        INFO(r.err);
        CHECK(r.status == 3);
        CHECK(r.out == "out\n");
        CHECK(describe_leftovers(root, b, id) == "");
    }
    SECTION("killed by a signal gives 128+N") {
        TestBundle b;
        b.set_args({"sleep", "100"});
        b.write();
        std::string id = unique_id("run");
        Background run({BERTH_BINARY, "--root", root.path(), "run", "--bundle", b.dir, id});
        REQUIRE(wait_status(root, id, "running"));
        CHECK(root.run({"kill", id, "KILL"}).status == 0);
        auto r = run.wait(20);
        CHECK(r.status == 128 + SIGKILL);
        CHECK(describe_leftovers(root, b, id) == "");
    }
    SECTION("--keep leaves the stopped container for delete") {
        TestBundle b;
        b.set_args({"sh", "-c", "exit 5"});
        b.write();
        std::string id = unique_id("run");
        auto r = root.run({"run", "--keep", "--bundle", b.dir, id});
        CHECK(r.status == 5);
        CHECK(status_of(root, id) == "stopped");
        CHECK(root.run({"delete", id}).status == 0);
        CHECK(describe_leftovers(root, b, id) == "");
    }
    SECTION("-d returns once started, with a pid file") {
        TestBundle b;
        std::string share = share_dir(b);
        b.set_args({"sh", "-c", kWaitForStop});
        b.write();
        std::string id = unique_id("run");
        std::string pidFile = b.dir + "/run.pid";
        auto r = root.run({"run", "-d", "--pid-file", pidFile, "--bundle", b.dir, id}, {}, 20);
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK_FALSE(r.timedOut);
        json st = state_json(root, id);
        CHECK(st["status"] == "running");
        CHECK(read_pid_file(pidFile) == st["pid"].get<int>());
        REQUIRE(wait_for([&] { return exists(share + "/ready"); }));
        std::ofstream(share + "/stop") << "x";
        CHECK(wait_status(root, id, "stopped"));
        CHECK(root.run({"delete", id}).status == 0);
        CHECK(describe_leftovers(root, b, id) == "");
    }
    SECTION("a failed run leaves nothing behind") {
        TestBundle b;
        b.set_args({"/no/such/program"});
        b.write();
        std::string id = unique_id("run");
        auto r = root.run({"run", "--bundle", b.dir, id});
        CHECK(r.status != 0);
        CHECK(r.err.find("/no/such/program") != std::string::npos);
        CHECK(describe_leftovers(root, b, id) == "");
    }
}

TEST_CASE("lifecycle run: forwards signals to the container", "[lifecycle]") {
    TestRoot root;
    for (int sig : {SIGUSR1, SIGTERM, SIGINT, SIGHUP}) {
        DYNAMIC_SECTION("signal " << sig) {
            TestBundle b;
            std::string share = share_dir(b);
            std::string name = sig == SIGUSR1 ? "USR1" : sig == SIGTERM ? "TERM" : sig == SIGINT ? "INT" : "HUP";
            b.set_args({"sh", "-c", "trap 'exit " + std::to_string(40 + sig) + "' " + name +
                                        "; echo ready > /mnt/ready; while :; do sleep 0.05; done"});
            b.write();
            std::string id = unique_id("fwd");
            Background run({BERTH_BINARY, "--root", root.path(), "run", "--bundle", b.dir, id});
            REQUIRE(wait_for([&] { return exists(share + "/ready"); }));
            run.signal(sig);
            auto r = run.wait(20);
            INFO(r.err);
            CHECK(r.status == 40 + sig);
            CHECK(describe_leftovers(root, b, id) == "");
        }
    }
}

TEST_CASE("lifecycle list: table / json and -q", "[lifecycle]") {
    TestRoot root;
    auto r = root.run({"list", "-q"});
    CHECK(r.status == 0);
    CHECK(r.out.empty());
    r = root.run({"list", "--format", "json"});
    CHECK(r.status == 0);
    CHECK(trim(r.out) == "null");  // runc encodes an empty list as null

    TestBundle b1, b2;
    b1.set_args({"sleep", "100"});
    b2.set_args({"sleep", "100"});
    b1.write();
    b2.write();
    std::string a = "a-" + unique_id("list"), z = "z-" + unique_id("list");
    create_ok(root, b1, z);
    create_ok(root, b2, a);
    REQUIRE(root.run({"start", a}).status == 0);

    r = root.run({"list", "-q"});
    CHECK(r.status == 0);
    CHECK(r.out == a + "\n" + z + "\n");

    r = root.run({"list"});
    CHECK(r.status == 0);
    auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 3);
    CHECK(std::regex_match(lines[0], std::regex(R"(ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER)")));
    CHECK(lines[1].rfind(a + " ", 0) == 0);
    CHECK(lines[1].find(" running ") != std::string::npos);
    CHECK(lines[2].rfind(z + " ", 0) == 0);
    CHECK(lines[2].find(" created ") != std::string::npos);
    CHECK(lines[2].find(" " + b1.dir + " ") != std::string::npos);
    CHECK(lines[2].substr(lines[2].size() - 4) == "root");
    // Columns line up: STATUS starts at the same offset in every line.
    CHECK(lines[1].find(" running ") + 1 == lines[0].find("STATUS"));

    r = root.run({"list", "-f", "json"});
    CHECK(r.status == 0);
    json arr = json::parse(r.out);
    REQUIRE(arr.is_array());
    REQUIRE(arr.size() == 2);
    CHECK(arr[0]["id"] == a);
    CHECK(arr[0]["status"] == "running");
    CHECK(arr[0]["pid"].get<int>() > 0);
    CHECK(arr[1]["id"] == z);
    CHECK(arr[1]["status"] == "created");
    CHECK(arr[1]["bundle"] == b1.dir);
    for (const char* key : {"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"})
        CHECK(arr[0].contains(key));

    r = root.run({"list", "-f", "yaml"});
    CHECK(r.status != 0);

    CHECK(root.run({"delete", "-f", a}).status == 0);
    CHECK(root.run({"delete", "-f", z}).status == 0);
    CHECK(describe_leftovers(root, b1, z) == "");
    CHECK(describe_leftovers(root, b2, a) == "");
}

TEST_CASE("lifecycle pid file and bundle: relative paths are taken from the cwd", "[lifecycle]") {
    TestBundle b;
    b.write();
    TestRoot root;
    std::string id = unique_id("life");
    SpawnOptions so;
    so.cwd = b.dir;
    auto r = run_berth(root, {"create", "-b", ".", "--pid-file", "rel.pid", id}, so);
    INFO(r.err);
    REQUIRE(r.status == 0);
    json st = state_json(root, id);
    CHECK(read_text(b.dir + "/rel.pid") == std::to_string(st["pid"].get<int>()));
    char real[PATH_MAX];
    REQUIRE(::realpath(b.dir.c_str(), real));
    CHECK(st["bundle"] == std::string(real));
    CHECK(root.run({"delete", "-f", id}).status == 0);
    CHECK(describe_leftovers(root, b, id) == "");
}

TEST_CASE("lifecycle delete: without a pid namespace / processes left in the cgroup are killed", "[lifecycle]") {
    TestBundle b;
    std::string share = share_dir(b);
    json ns = json::array();
    for (auto& n : b.config["linux"]["namespaces"])
        if (n["type"] != "pid") ns.push_back(n);
    b.config["linux"]["namespaces"] = ns;
    // init exits at once; its background child lives on in the container's cgroup.
    b.set_args({"sh", "-c", "sleep 100 </dev/null >/dev/null 2>&1 & echo $! > /mnt/child"});
    b.write();
    TestRoot root;
    std::string id = unique_id("nopidns");
    create_ok(root, b, id);
    REQUIRE(root.run({"start", id}).status == 0);
    REQUIRE(wait_status(root, id, "stopped"));
    REQUIRE(wait_for([&] { return read_pid_file(share + "/child") > 0; }));
    pid_t child = read_pid_file(share + "/child");  // a host pid: no pid namespace
    CHECK(process_alive(child));

    SECTION("delete") {
        auto r = root.run({"delete", id});
        INFO(r.err);
        CHECK(r.status == 0);
    }
    SECTION("kill --all, then delete") {
        // Stopped, yet --all reaches what is left in the cgroup (as runc); plain kill does not.
        auto r = root.run({"kill", id, "KILL"});
        CHECK(r.status != 0);
        CHECK(r.err.find("container not running") != std::string::npos);
        CHECK(process_alive(child));
        r = root.run({"kill", "--all", id, "KILL"});
        INFO(r.err);
        CHECK(r.status == 0);
        CHECK(wait_for([&] { return !process_alive(child); }));
        CHECK(root.run({"delete", id}).status == 0);
    }
    CHECK(wait_for([&] { return !process_alive(child); }));
    CHECK(describe_leftovers(root, b, id) == "");
}

TEST_CASE("lifecycle kill --all: every process of the container", "[lifecycle]") {
    TestBundle b;
    std::string share = share_dir(b);
    b.set_args({"sh", "-c", "trap '' USR1; (trap 'echo child >> /mnt/log; exit 0' USR1; echo ready > /mnt/ready; "
                            "while :; do sleep 0.05; done) & while :; do sleep 0.05; done"});
    b.write();
    TestRoot root;
    std::string id = unique_id("killall");
    create_ok(root, b, id);
    REQUIRE(root.run({"start", id}).status == 0);
    REQUIRE(wait_for([&] { return exists(share + "/ready"); }));
    auto r = root.run({"kill", "--all", id, "USR1"});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(wait_for([&] { return read_text(share + "/log") == "child\n"; }));
    CHECK(status_of(root, id) == "running");  // init ignored it
    CHECK(root.run({"kill", "-a", id, "KILL"}).status == 0);
    CHECK(wait_status(root, id, "stopped"));
    CHECK(root.run({"delete", id}).status == 0);
    CHECK(describe_leftovers(root, b, id) == "");
}

TEST_CASE("lifecycle run: what the init left running is killed when run ends, with and without a pid namespace",
          "[lifecycle]") {
    // `run` skips the kill-and-wait of delete once it has reaped an init that
    // had its own pid namespace (the kernel killed the rest); the cgroup's
    // removal kills whatever a container without one left behind.
    TestRoot root;
    for (bool ownPidNs : {true, false}) {
        DYNAMIC_SECTION((ownPidNs ? "own pid namespace" : "the host's pid namespace")) {
            TestBundle b;
            if (!ownPidNs) {
                auto& ns = b.config["linux"]["namespaces"];
                json kept = json::array();
                for (const auto& n : ns)
                    if (n["type"] != "pid") kept.push_back(n);
                ns = kept;
            }
            const std::string marker = unique_id("left-behind");
            // The background shell keeps the marker in its argv while its sleep runs.
            b.set_args({"sh", "-c", "sh -c 'sleep 100; true' " + marker + " & sleep 0.3; exit 0"});
            b.write();
            const std::string id = unique_id("run-left");
            auto r = root.run({"run", "--bundle", b.dir, id});
            INFO(r.err);
            CHECK(r.status == 0);
            CHECK(wait_for([&] { return processes_with_argument(marker).empty(); }, 5000));
            for (pid_t p : processes_with_argument(marker)) ::kill(p, SIGKILL);
            CHECK(describe_leftovers(root, b, id) == "");
        }
    }
}

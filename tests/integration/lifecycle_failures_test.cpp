// Ids, the state store's uniqueness and locking, concurrency, and failures at
// each step of create/start: the error names the step and path, and nothing
// (state dir, cgroup, mount, process) is left behind. Needs root.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "common/unique_fd.hpp"
#include "integration/support/harness.hpp"
#include "integration/support/lifecycle_support.hpp"

using namespace berth::test;
using nlohmann::json;

namespace {

bool root_is_empty(const TestRoot& root) {
    for (const auto& id : lines_of(root.run({"list", "-q"}).out)) {
        (void)id;
        return false;
    }
    struct stat st;
    // No directory for any container either (list skips unfinished ones).
    auto r = run_command({"sh", "-c", "ls -A " + root.path() + " | grep -v '^\\.' | wc -l"});
    return trim(r.out) == "0" && ::stat(root.path().c_str(), &st) == 0;
}

// create that must fail: returns stderr.
std::string create_fails(const TestRoot& root, const TestBundle& b, const std::string& id) {
    auto r = root.run({"create", "--bundle", b.dir, id});
    INFO("stdout: " << r.out);
    CHECK(r.status != 0);
    CHECK_FALSE(r.timedOut);
    return r.err;
}

void check_nothing_left(const TestRoot& root, const TestBundle& b, const std::string& id) {
    auto left = leftovers(root, b, id);
    std::string text;
    for (const auto& l : left) text += "\n  " + l;
    INFO(id << ": left behind:" << text);
    CHECK(left.empty());
}

}  // namespace

TEST_CASE("lifecycle ids: bad ids are refused before anything is made", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.write();
    for (std::string id : {"bad/id", "bad id", "..", ".", "bad:id", "a*b", "semi;colon", "caf\xc3\xa9", "../escape"}) {
        DYNAMIC_SECTION("id '" << id << "'") {
            for (const char* cmd : {"create", "run"}) {
                auto r = root.run({cmd, "--bundle", b.dir, id});
                INFO(cmd << ": " << r.err);
                CHECK(r.status != 0);
                CHECK(r.err.find("invalid container id") != std::string::npos);
                CHECK(root_is_empty(root));
                CHECK_FALSE(cgroup_exists_anywhere(b.cgroups_path()));
            }
        }
    }
    SECTION("valid unusual ids") {
        // Unique, so the leftover check's process scan cannot match some other process's argument.
        const std::string u = unique_id("v");
        for (std::string id : std::vector<std::string>{"A.b_c+d-e" + u, "a,b" + u, std::string(200, 'k') + u}) {
            auto r = root.run({"create", "--bundle", b.dir, id});
            INFO(id << ": " << r.err);
            CHECK(r.status == 0);
            CHECK(root.run({"delete", "-f", id}).status == 0);
            check_nothing_left(root, b, id);
        }
    }
}

TEST_CASE("lifecycle ids: a duplicate id is refused and the first container is untouched", "[lifecycle]") {
    TestRoot root;
    TestBundle b1, b2;
    b1.set_args({"sleep", "100"});
    b1.write();
    b2.write();
    std::string id = unique_id("dup");
    REQUIRE(root.run({"create", "--bundle", b1.dir, id}).status == 0);
    json before = state_json(root, id);
    for (const char* cmd : {"create", "run"}) {
        auto r = root.run({cmd, "--bundle", b2.dir, id});
        INFO(r.err);
        CHECK(r.status != 0);
        CHECK(r.err.find("container with id exists: " + id) != std::string::npos);
        CHECK_FALSE(cgroup_exists_anywhere(b2.cgroups_path()));
    }
    json after = state_json(root, id);
    CHECK(after == before);
    CHECK(process_alive(after["pid"].get<pid_t>()));
    CHECK(root.run({"delete", "-f", id}).status == 0);
    check_nothing_left(root, b1, id);
}

TEST_CASE("lifecycle concurrency: 8 creates of different ids all succeed", "[lifecycle]") {
    TestRoot root;
    constexpr int N = 8;
    std::vector<std::unique_ptr<TestBundle>> bundles;
    std::vector<std::string> ids;
    for (int i = 0; i < N; ++i) {
        bundles.push_back(std::make_unique<TestBundle>());
        bundles.back()->set_args({"sleep", "100"});
        bundles.back()->write();
        ids.push_back(unique_id("par"));
    }
    std::vector<CommandResult> results(N);
    {
        std::vector<std::thread> threads;
        for (int i = 0; i < N; ++i)
            threads.emplace_back([&, i] { results[i] = root.run({"create", "--bundle", bundles[i]->dir, ids[i]}, {}, 60); });
        for (auto& t : threads) t.join();
    }
    for (int i = 0; i < N; ++i) {
        INFO(ids[i] << ": " << results[i].err);
        CHECK(results[i].status == 0);
        CHECK(status_of(root, ids[i]) == "created");
    }
    CHECK(lines_of(root.run({"list", "-q"}).out).size() == N);
    {
        std::vector<std::thread> threads;
        for (int i = 0; i < N; ++i)
            threads.emplace_back([&, i] { results[i] = root.run({"delete", "--force", ids[i]}, {}, 60); });
        for (auto& t : threads) t.join();
    }
    for (int i = 0; i < N; ++i) {
        CHECK(results[i].status == 0);
        check_nothing_left(root, *bundles[i], ids[i]);
    }
}

TEST_CASE("lifecycle concurrency: of 4 creates of one id exactly one wins", "[lifecycle]") {
    TestRoot root;
    constexpr int N = 4;
    std::vector<std::unique_ptr<TestBundle>> bundles;
    for (int i = 0; i < N; ++i) {
        bundles.push_back(std::make_unique<TestBundle>());
        bundles.back()->set_args({"sleep", "100"});
        bundles.back()->write();
    }
    std::string id = unique_id("same");
    std::vector<CommandResult> results(N);
    {
        std::vector<std::thread> threads;
        for (int i = 0; i < N; ++i)
            threads.emplace_back([&, i] { results[i] = root.run({"create", "--bundle", bundles[i]->dir, id}, {}, 60); });
        for (auto& t : threads) t.join();
    }
    int winners = 0, winner = -1;
    for (int i = 0; i < N; ++i) {
        if (results[i].status == 0) {
            ++winners;
            winner = i;
        } else {
            INFO(results[i].err);
            CHECK(results[i].err.find("container with id exists") != std::string::npos);
            CHECK_FALSE(cgroup_exists_anywhere(bundles[i]->cgroups_path()));
        }
    }
    REQUIRE(winners == 1);
    json st = state_json(root, id);
    CHECK(st["status"] == "created");
    CHECK(st["bundle"] == bundles[winner]->dir);
    CHECK(root.run({"delete", "-f", id}).status == 0);
    check_nothing_left(root, *bundles[winner], id);
}

TEST_CASE("lifecycle lock: commands on one id wait for each other / other ids do not", "[lifecycle]") {
    TestRoot root;
    TestBundle b1, b2;
    b1.set_args({"sleep", "100"});
    b2.set_args({"sleep", "100"});
    b1.write();
    b2.write();
    std::string a = unique_id("lock"), c = unique_id("lock");
    REQUIRE(root.run({"create", "--bundle", b1.dir, a}).status == 0);
    REQUIRE(root.run({"create", "--bundle", b2.dir, c}).status == 0);

    // Hold a's lock as a long-running berth command would.
    berth::UniqueFd dirFd(::open((root.path() + "/" + a).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(dirFd);
    REQUIRE(::flock(dirFd.get(), LOCK_EX) == 0);
    Background startA({BERTH_BINARY, "--root", root.path(), "start", a});
    auto t0 = std::chrono::steady_clock::now();
    CHECK(root.run({"start", c}).status == 0);  // another id: not held up
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    CHECK(status_of(root, a) == "created");  // state takes no lock
    CHECK_FALSE(wait_for([&] { return startA.exited(); }, 500));
    CHECK(status_of(root, a) == "created");

    ::flock(dirFd.get(), LOCK_UN);
    auto r = startA.wait(20);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(status_of(root, a) == "running");
    CHECK(root.run({"delete", "-f", a}).status == 0);
    CHECK(root.run({"delete", "-f", c}).status == 0);
    check_nothing_left(root, b1, a);
    check_nothing_left(root, b2, c);
}

TEST_CASE("lifecycle failures: create fails / names the step / leaves nothing behind", "[lifecycle]") {
    TestRoot root;
    std::string id = unique_id("fail");
    SECTION("missing rootfs") {
        TestBundle b;
        b.config["root"]["path"] = b.dir + "/no-such-rootfs";
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find("rootfs") != std::string::npos);
        CHECK(err.find(b.dir + "/no-such-rootfs") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("rootfs is a file") {
        TestBundle b;
        std::ofstream(b.dir + "/file") << "x";
        b.config["root"]["path"] = b.dir + "/file";
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find("not a directory") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("missing config.json") {
        TestBundle b;
        auto err = create_fails(root, b, id);
        CHECK(err.find("config.json") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("a mount of an unknown filesystem type") {
        TestBundle b;
        b.config["mounts"].push_back({{"destination", "/mnt"}, {"type", "berthnosuchfs"}, {"source", "none"}});
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find("/mnt") != std::string::npos);
        CHECK(err.find("no such device") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("a bind mount of a missing source") {
        TestBundle b;
        b.config["mounts"].push_back({{"destination", "/mnt"}, {"type", "bind"}, {"source", b.dir + "/nothing"},
                                      {"options", {"bind"}}});
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find(b.dir + "/nothing") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("a namespace path that does not exist") {
        TestBundle b;
        for (auto& n : b.config["linux"]["namespaces"])
            if (n["type"] == "network") n["path"] = "/run/netns/berth-no-such-netns";
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find("/run/netns/berth-no-such-netns") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("a namespace path of the wrong type") {
        TestBundle b;
        for (auto& n : b.config["linux"]["namespaces"])
            if (n["type"] == "network") n["path"] = "/proc/self/ns/uts";
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find("network namespace") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("an unmapped user in a user namespace") {
        TestBundle b;
        b.config["linux"]["namespaces"].push_back({{"type", "user"}});
        b.config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 1000}}};
        b.config["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 1000}}};
        b.config["process"]["user"] = {{"uid", 5000}, {"gid", 0}};
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find("5000") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("an invalid sysctl") {
        TestBundle b;
        b.config["linux"]["sysctl"] = {{"kernel.berth_no_such_key", "1"}};
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find("kernel.berth_no_such_key") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("a pid file in a missing directory (the last step of create)") {
        TestBundle b;
        b.set_args({"sleep", "100"});
        b.write();
        auto r = root.run({"create", "--pid-file", b.dir + "/no/such/dir/pid", "--bundle", b.dir, id});
        CHECK(r.status != 0);
        CHECK(r.err.find("pid file") != std::string::npos);
        CHECK(r.err.find(b.dir + "/no/such/dir/pid") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("a failing prestart hook") {
        TestBundle b;
        b.config["hooks"]["prestart"] = {{{"path", "/bin/false"}}};
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find("prestart") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("a failing createContainer hook") {
        TestBundle b;
        b.config["hooks"]["createContainer"] = {{{"path", "/bin/false"}}};
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find("createContainer") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("cgroup limits the kernel refuses") {
        TestBundle b;
        b.config["linux"]["resources"]["cpu"] = {{"cpus", "9999"}};
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find("cgroup") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("an unknown rlimit type") {
        TestBundle b;
        b.config["process"]["rlimits"] = {{{"type", "RLIMIT_BERTH"}, {"hard", 1}, {"soft", 1}}};
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find("RLIMIT_BERTH") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    SECTION("a soft rlimit above the hard one") {
        TestBundle b;
        b.config["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"hard", 100}, {"soft", 200}}};
        b.write();
        auto err = create_fails(root, b, id);
        CHECK(err.find("RLIMIT_NOFILE") != std::string::npos);
        check_nothing_left(root, b, id);
    }
    for (std::string field : {"hostname", "domainname"}) {
        DYNAMIC_SECTION("a " << field << " without a UTS namespace") {
            TestBundle b;
            json ns = json::array();
            for (auto& n : b.config["linux"]["namespaces"])
                if (n["type"] != "uts") ns.push_back(n);
            b.config["linux"]["namespaces"] = ns;
            b.config.erase("hostname");
            b.config[field] = "berth-must-not-rename";
            b.write();
            // In a UTS namespace of the test's own: a regression renames only that one.
            auto r = run_command({"unshare", "--uts", "sh", "-c",
                                  "hostname berth-guard; \"$0\" --root \"$1\" create --bundle \"$2\" \"$3\"; "
                                  "echo rc=$?; hostname; cat /proc/sys/kernel/domainname",
                                  BERTH_BINARY, root.path(), b.dir, id});
            INFO(r.out << r.err);
            auto l = lines_of(r.out);
            REQUIRE(l.size() == 3);
            CHECK(l[0] == "rc=1");
            CHECK(l[1] == "berth-guard");
            CHECK(l[2] != "berth-must-not-rename");
            CHECK(r.err.find("unable to set " + field + " without a private UTS namespace") != std::string::npos);
            check_nothing_left(root, b, id);
        }
    }
    SECTION("a cwd that is not a directory") {
        TestBundle b;
        b.config["process"]["cwd"] = "/etc/passwd";
        b.write();
        auto r = root.run({"run", "--bundle", b.dir, id});
        CHECK(r.status != 0);
        CHECK(r.err.find("/etc/passwd") != std::string::npos);
        check_nothing_left(root, b, id);
    }
}

TEST_CASE("lifecycle failures: a program that is not there fails create naming it", "[lifecycle]") {
    // runc looks args[0] up at create (engines then say "command not found").
    TestRoot root;
    const std::pair<std::string, std::string> cases[] = {
        {"/no/such/program", "no such file or directory"},
        {"berth-no-such-program", "executable file not found in $PATH"},
        {"/etc/passwd", "permission denied"},
        {"/bin", "is a directory"}};
    for (const auto& [prog, message] : cases) {
        DYNAMIC_SECTION("args[0] " << prog) {
            TestBundle b;
            b.set_args({prog});
            b.write();
            std::string id = unique_id("exec");
            auto r = root.run({"create", "--bundle", b.dir, id});
            INFO(r.err);
            CHECK(r.status == 1);
            // The log line quotes it: create: exec: \"<prog>\": <message>
            CHECK(r.err.find("create: exec: \\\"" + prog + "\\\": " + message) != std::string::npos);
            check_nothing_left(root, b, id);
        }
    }
}

TEST_CASE("lifecycle failures: a program the kernel cannot run fails start naming it", "[lifecycle]") {
    // Found and executable at create, refused by execve at start: the exec
    // trampoline reports it through exec.fifo.
    TestRoot root;
    TestBundle b(/*ownRootfs=*/true);
    {
        std::ofstream f(b.rootfs() + "/not-a-program");
        f << "just text\n";
    }
    REQUIRE(::chmod((b.rootfs() + "/not-a-program").c_str(), 0755) == 0);
    b.set_args({"/not-a-program"});
    b.write();
    std::string id = unique_id("exec");
    auto r = root.run({"create", "--bundle", b.dir, id});
    INFO(r.err);
    REQUIRE(r.status == 0);
    r = root.run({"start", id});
    INFO("start: " << r.status << " " << r.err);
    CHECK(r.status == 1);
    CHECK(r.err.find("exec /not-a-program: exec format error") != std::string::npos);
    CHECK(wait_status(root, id, "stopped"));
    CHECK(root.run({"delete", id}).status == 0);
    check_nothing_left(root, b, id);
}

TEST_CASE("lifecycle failures: a create killed midway is cleaned up by delete --force", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.set_args({"sleep", "100"});
    // A prestart hook that blocks: create is then stuck between clone and Ready.
    // Its $0 names it, so the test can end it by pid afterwards.
    std::string marker = "berth-life-hook-" + unique_id("h");
    b.config["hooks"]["prestart"] = {
        {{"path", "/bin/sh"}, {"args", {"sh", "-c", "while :; do sleep 0.1; done", marker}}}};
    b.write();
    std::string id = unique_id("half");
    {
        Background create({BERTH_BINARY, "--root", root.path(), "create", "--bundle", b.dir, id});
        REQUIRE(wait_for([&] { return !processes_with_argument(marker).empty(); }));
        CHECK(status_of(root, id) == "creating");
        create.signal(SIGKILL);
        create.wait(5);
    }
    for (pid_t p : processes_with_argument(marker)) ::kill(p, SIGKILL);
    // The init notices its parent died (EOF on the sync socket) and exits.
    CHECK(wait_for([&] { return status_of(root, id) == "stopped"; }));
    auto r = root.run({"delete", id});
    INFO(r.err);
    CHECK(r.status == 0);
    check_nothing_left(root, b, id);
}

TEST_CASE("lifecycle failures: create killed at any point / delete --force leaves nothing", "[lifecycle]") {
    TestRoot root;
    // Delays spread over create's own duration: before the state dir, between
    // the first record and the cgroup, around clone, during rootfs setup, after.
    for (int delayUs : {0, 500, 1000, 2000, 3000, 5000, 8000, 12000, 20000, 35000, 60000}) {
        DYNAMIC_SECTION("SIGKILL after " << delayUs << "us") {
            TestBundle b;
            b.set_args({"sleep", "100"});
            b.write();
            std::string id = unique_id("kill-create");
            {
                Background create({BERTH_BINARY, "--root", root.path(), "create", "--bundle", b.dir, id});
                std::this_thread::sleep_for(std::chrono::microseconds(delayUs));
                create.signal(SIGKILL);
                create.wait(10);
            }
            auto r = root.run({"delete", "--force", id});
            INFO("delete --force: " << r.err);
            CHECK(r.status == 0);
            CHECK(wait_for([&] { return leftovers(root, b, id).empty(); }, 3000));
            check_nothing_left(root, b, id);
        }
    }
}

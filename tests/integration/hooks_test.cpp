// OCI hooks with real hook executables (support/hooks_recorder.hpp): every
// phase's timing, namespaces and state, the order over create/start/kill/
// delete and run, each failure rule (with nothing left behind and poststop
// still run), timeouts, and a veth network set up by a createRuntime or
// prestart hook the way engines do it. Needs root.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "integration/support/harness.hpp"
#include "integration/support/hooks_recorder.hpp"

using namespace berth::test;
using json = nlohmann::json;

namespace {

const std::vector<std::string> kNsTypes = {"mnt", "pid", "net", "uts", "ipc"};

// Bundle, recorder and root in this order: the root's cleanup (delete --force)
// may run poststop hooks that still write into the recorder's directory.
struct HookFixture {
    TestBundle bundle;
    HookRecorder rec;
    TestRoot root;
    std::string id = unique_id("hk");

    HookFixture() {
        bundle.set_args({"sleep", "100"});
        bundle.config["annotations"] = {{"org.berth.test", "hooks"}, {"org.berth.other", "2"}};
        bundle.config["mounts"].push_back(rec.mount_entry("/mnt"));
    }

    std::string state_dir() const { return root.path() + "/" + id; }

    // What a poststop hook checks: the state dir and every cgroup dir are gone.
    std::vector<std::string> leftovers() const {
        std::vector<std::string> paths{state_dir()};
        for (const auto& m : cgroup_mount_points()) paths.push_back(m + bundle.cgroups_path());
        return paths;
    }

    // Every phase recording itself; `failing` exits 3, `extraEnv` goes to every hook.
    void all_hooks(const std::string& failing = "") {
        auto env = [&](const std::string& label, std::vector<std::string> e = {}) {
            e.push_back("HOOK_TEST=" + label);
            if (label == failing) e.emplace_back("HOOK_EXIT=3");
            return e;
        };
        bundle.config["hooks"] = {
            {"prestart", {rec.hook("prestart", env("prestart", {"HOOK_SAVE_PID=1"}))}},
            {"createRuntime", {rec.hook("createRuntime", env("createRuntime"))}},
            {"createContainer", {rec.hook("createContainer", env("createContainer"))}},
            {"startContainer", {rec.hook_in_container("/mnt", "startContainer", env("startContainer"))}},
            {"poststart", {rec.hook("poststart", env("poststart"))}},
            {"poststop", {rec.hook("poststop", env("poststop"), leftovers())}},
        };
    }

    CommandResult create() {
        bundle.write();
        return root.run({"create", "--bundle", bundle.dir, id});
    }
    CommandResult cmd(std::vector<std::string> args) {
        args.push_back(id);
        return root.run(args);
    }

    json state() {
        auto r = cmd({"state"});
        REQUIRE(r.status == 0);
        return json::parse(r.out);
    }
    int init_pid() { return state().at("pid").get<int>(); }
    bool stopped() {
        auto r = cmd({"state"});
        return r.status == 0 && json::parse(r.out).at("status") == "stopped";
    }
};

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

// Nothing of the container is left: no state dir, no cgroup, no process.
void check_nothing_left(HookFixture& f, int initPid) {
    CHECK_FALSE(exists(f.state_dir()));
    CHECK_FALSE(cgroup_exists_anywhere(f.bundle.cgroups_path()));
    if (initPid > 0) CHECK(wait_for([&] { return !process_alive(initPid); }, 3000));
    auto list = f.root.run({"list", "-q"});
    CHECK(list.out.find(f.id) == std::string::npos);
}

// The poststop hook ran after the container was gone (runtime.md step 13).
void check_poststop_saw_nothing(HookFixture& f) {
    REQUIRE(f.rec.ran("poststop"));
    auto info = f.rec.info("poststop");
    for (const auto& p : f.leftovers()) {
        INFO("poststop saw " << p);
        CHECK(info["exists." + p] == "no");
    }
    // Exited (a zombie until whoever inherited it reaps it) or gone.
    if (info.count("init.alive")) CHECK(info["init.alive"] != "yes");
    CHECK(f.rec.state("poststop").at("status") == "stopped");
}

void check_common_state(const HookFixture& f, const json& s, const char* status) {
    INFO(s.dump());
    CHECK(s.at("ociVersion").is_string());
    CHECK(s.at("id") == f.id);
    CHECK(s.at("status") == status);
    CHECK(s.at("bundle") == f.bundle.dir);
    CHECK(s.at("annotations") == f.bundle.config["annotations"]);
}

void check_ns(const std::map<std::string, std::string>& info, const std::string& prefix, const std::string& pid,
              const char* what) {
    for (const auto& t : kNsTypes) {
        INFO(what << ": " << prefix << t);
        CHECK(info.at(prefix + t) == ns_link(pid, t));
    }
}

}  // namespace

TEST_CASE("hooks: one lifecycle runs every phase once, in order, with its state, namespaces and timing",
          "[hooks]") {
    HookFixture f;
    f.all_hooks();
    f.rec.mark("create");
    auto c = f.create();
    REQUIRE(c.status == 0);
    const int pid = f.init_pid();
    const std::string init = std::to_string(pid);
    // The init's namespaces, as they are for its whole life.
    std::map<std::string, std::string> initNs;
    for (const auto& t : kNsTypes) initNs[t] = ns_link(init, t);
    REQUIRE(initNs["net"] != ns_link("self", "net"));

    f.rec.mark("start");
    REQUIRE(f.cmd({"start"}).status == 0);
    f.rec.mark("kill");
    REQUIRE(f.root.run({"kill", f.id, "KILL"}).status == 0);
    REQUIRE(wait_for([&] { return f.stopped(); }));
    f.rec.mark("delete");
    auto d = f.cmd({"delete"});
    REQUIRE(d.status == 0);

    std::vector<std::string> expected{"== create", "prestart",  "createRuntime", "createContainer", "== start",
                                      "startContainer", "poststart", "== kill", "== delete", "poststop"};
    CHECK(f.rec.order() == expected);
    check_nothing_left(f, pid);
    check_poststop_saw_nothing(f);
    const std::string rootfsProc = f.bundle.rootfs() + "/proc";

    {
        INFO("prestart and createRuntime: runtime namespaces, after the container's namespaces and mounts, "
            "before pivot_root");
        for (const char* phase : {"prestart", "createRuntime"}) {
            INFO(phase);
            check_common_state(f, f.rec.state(phase), "creating");
            CHECK(f.rec.state(phase).at("pid") == pid);  // as the runtime sees it
            auto info = f.rec.info(phase);
            check_ns(info, "ns.", "self", "runs in the runtime namespace");
            for (const auto& t : kNsTypes) CHECK(info["target.ns." + t] == initNs[t]);
            CHECK(info["target.root"] == "/");  // not pivoted yet
            CHECK(info["target.mountinfo.proc"].find(rootfsProc) != std::string::npos);
            CHECK(info["args"].rfind(std::string(phase) + " " + f.rec.dir(), 0) == 0);
            // Exactly the hook's env: its own variables, none of berth's (HOME).
            CHECK(info["env"].find("HOOK_TEST=" + std::string(phase)) != std::string::npos);
            CHECK(info["env"].find("HOME=") == std::string::npos);
        }
    }
    {
        INFO("createContainer: the container's namespaces, after the mounts, before pivot_root");
        auto s = f.rec.state("createContainer");
        check_common_state(f, s, "creating");
        CHECK(s.at("pid") == 1);  // runtime.md: as seen by the container (its own pid namespace)
        auto info = f.rec.info("createContainer");
        for (const auto& t : kNsTypes) CHECK(info["ns." + t] == initNs[t]);
        CHECK(info["root"] == "/");                                           // host's root: before pivot_root
        CHECK(info["mountinfo.proc"].find(rootfsProc) != std::string::npos);  // the container's mounts exist
    }
    {
        INFO("startContainer: in the container, after pivot_root, before the user process");
        auto s = f.rec.state("startContainer");
        check_common_state(f, s, "created");
        CHECK(s.at("pid") == 1);
        auto info = f.rec.info("startContainer");
        for (const auto& t : kNsTypes) CHECK(info["ns." + t] == initNs[t]);
        // The path resolved in the container (/mnt is the bind mount); the container's /proc is at /proc.
        CHECK_FALSE(exists("/mnt/record"));
        CHECK((" " + info["mountinfo.proc"]).find(" /proc ") != std::string::npos);
        CHECK(info["mountinfo.proc"].find(rootfsProc) == std::string::npos);
        // pid 1 is still berth's init, not yet `sleep 100`.
        CHECK(info["target.cmdline"].find("create") != std::string::npos);
    }
    {
        INFO("poststart: runtime namespaces, after the user process started");
        auto s = f.rec.state("poststart");
        check_common_state(f, s, "running");
        CHECK(s.at("pid") == pid);
        auto info = f.rec.info("poststart");
        check_ns(info, "ns.", "self", "poststart");
        CHECK(info["target.cmdline"] == "sleep 100 ");
    }
    {
        INFO("poststop: runtime namespaces, state stopped");
        auto s = f.rec.state("poststop");
        check_common_state(f, s, "stopped");
        CHECK((!s.contains("pid") || s.at("pid") == 0));
        check_ns(f.rec.info("poststop"), "ns.", "self", "poststop");
    }
}

TEST_CASE("hooks: run, detached and in the foreground", "[hooks]") {
    HookFixture f;
    f.all_hooks();
    SECTION("run -d, then delete --force") {
        f.bundle.write();
        f.rec.mark("run");
        REQUIRE(f.root.run({"run", "-d", "--bundle", f.bundle.dir, f.id}).status == 0);
        int pid = f.init_pid();
        CHECK(f.state().at("status") == "running");
        f.rec.mark("delete");
        REQUIRE(f.root.run({"delete", "--force", f.id}).status == 0);
        CHECK(f.rec.order() == std::vector<std::string>{"== run", "prestart", "createRuntime", "createContainer",
                                                        "startContainer", "poststart", "== delete", "poststop"});
        check_nothing_left(f, pid);
        check_poststop_saw_nothing(f);
    }
    SECTION("run in the foreground deletes the container and runs poststop before it returns") {
        f.bundle.set_args({"sh", "-c", "exit 3"});
        f.bundle.write();
        auto r = f.root.run({"run", "--bundle", f.bundle.dir, f.id});
        CHECK(r.status == 3);
        CHECK(f.rec.order() == std::vector<std::string>{"prestart", "createRuntime", "createContainer",
                                                        "startContainer", "poststart", "poststop"});
        check_nothing_left(f, f.rec.state("prestart").at("pid").get<int>());
        check_poststop_saw_nothing(f);
    }
}

TEST_CASE("hooks: a failing create hook fails create, leaves nothing, and poststop still runs", "[hooks]") {
    const std::string phase = GENERATE(as<std::string>{}, "prestart", "createRuntime", "createContainer");
    INFO(phase);
    HookFixture f;
    f.all_hooks(phase);
    auto c = f.create();
    CHECK(c.status != 0);
    CHECK(c.err.find(phase + " hook") != std::string::npos);
    CHECK(c.err.find("exit status 3") != std::string::npos);
    CHECK(c.err.find(phase + " failing on purpose") != std::string::npos);  // the hook's own output

    std::vector<std::string> expected;
    for (const char* p : {"prestart", "createRuntime", "createContainer"}) {
        expected.emplace_back(p);
        if (phase == p) break;
    }
    expected.emplace_back("poststop");
    CHECK(f.rec.order() == expected);
    check_nothing_left(f, f.rec.state("prestart").at("pid").get<int>());
    check_poststop_saw_nothing(f);
}

TEST_CASE("hooks: a failing startContainer hook fails start, leaves nothing, and poststop still runs",
          "[hooks]") {
    HookFixture f;
    f.all_hooks("startContainer");
    SECTION("create + start") {
        REQUIRE(f.create().status == 0);
        int pid = f.init_pid();
        auto s = f.cmd({"start"});
        CHECK(s.status != 0);
        CHECK(s.err.find("startContainer hook") != std::string::npos);
        CHECK(f.rec.order() == std::vector<std::string>{"prestart", "createRuntime", "createContainer",
                                                        "startContainer", "poststop"});
        check_nothing_left(f, pid);
        check_poststop_saw_nothing(f);
    }
    SECTION("run -d") {
        f.bundle.write();
        auto r = f.root.run({"run", "-d", "--bundle", f.bundle.dir, f.id});
        CHECK(r.status != 0);
        CHECK(r.err.find("startContainer hook") != std::string::npos);
        CHECK(f.rec.order().back() == "poststop");
        check_nothing_left(f, f.rec.state("prestart").at("pid").get<int>());
        check_poststop_saw_nothing(f);
    }
}

TEST_CASE("hooks: a failing poststart hook fails start and stops the container / delete runs poststop",
          "[hooks]") {
    HookFixture f;
    f.all_hooks("poststart");
    REQUIRE(f.create().status == 0);
    int pid = f.init_pid();
    auto s = f.cmd({"start"});
    CHECK(s.status != 0);
    CHECK(s.err.find("poststart hook") != std::string::npos);
    CHECK(wait_for([&] { return !process_alive(pid); }, 3000));
    CHECK(f.stopped());
    CHECK_FALSE(f.rec.ran("poststop"));
    f.rec.mark("delete");
    REQUIRE(f.cmd({"delete"}).status == 0);
    CHECK(f.rec.order() == std::vector<std::string>{"prestart", "createRuntime", "createContainer", "startContainer",
                                                    "poststart", "== delete", "poststop"});
    check_nothing_left(f, pid);
    check_poststop_saw_nothing(f);
}

TEST_CASE("hooks: a failing poststop hook is a warning / the next poststop hook still runs", "[hooks]") {
    HookFixture f;
    f.bundle.config["hooks"] = {{"poststop",
                                 {f.rec.hook("poststop1", {"HOOK_EXIT=4"}), f.rec.hook("poststop", {}, f.leftovers())}}};
    REQUIRE(f.create().status == 0);
    int pid = f.init_pid();
    auto d = f.root.run({"delete", "--force", f.id});
    CHECK(d.status == 0);
    CHECK(d.err.find("poststop hook") != std::string::npos);
    CHECK(d.err.find("exit status 4") != std::string::npos);
    CHECK(f.rec.order() == std::vector<std::string>{"poststop1", "poststop"});
    check_nothing_left(f, pid);
    check_poststop_saw_nothing(f);
}

TEST_CASE("hooks: a hook past its timeout is killed and fails create fast", "[hooks]") {
    HookFixture f;
    f.bundle.config["hooks"] = {
        {"prestart", {f.rec.hook("prestart", {"HOOK_SAVE_PID=1"})}},
        {"createRuntime", {f.rec.hook("createRuntime", {"HOOK_SLEEP=30"})}},
        {"poststop", {f.rec.hook("poststop", {}, f.leftovers())}},
    };
    f.bundle.config["hooks"]["createRuntime"][0]["timeout"] = 1;
    auto t0 = std::chrono::steady_clock::now();
    auto c = f.create();
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(c.status != 0);
    CHECK(c.err.find("createRuntime hook") != std::string::npos);
    CHECK(c.err.find("timed out after 1s") != std::string::npos);
    CHECK(took < std::chrono::seconds(5));
    // The hook's own child (sleep 30) went with it: its process group was killed.
    int sleeper = f.rec.sleep_pid("createRuntime");
    REQUIRE(sleeper > 0);
    CHECK(wait_for([&] { return !process_alive(sleeper); }, 2000));
    CHECK(f.rec.order() == std::vector<std::string>{"prestart", "createRuntime", "poststop"});
    check_nothing_left(f, f.rec.state("prestart").at("pid").get<int>());
    check_poststop_saw_nothing(f);
}

TEST_CASE("hooks: a hook that cannot be executed fails create and leaves nothing", "[hooks]") {
    HookFixture f;
    f.bundle.config["hooks"] = {{"createRuntime", {{{"path", "/nonexistent/berth-hook"}}}},
                                {"poststop", {f.rec.hook("poststop", {}, f.leftovers())}}};
    auto c = f.create();
    CHECK(c.status != 0);
    CHECK(c.err.find("createRuntime hook /nonexistent/berth-hook") != std::string::npos);
    CHECK(c.err.find("no such file or directory") != std::string::npos);
    check_nothing_left(f, 0);
    check_poststop_saw_nothing(f);
}

TEST_CASE("hooks: the whole state reaches stdin, for hooks that never read it and for states bigger than a pipe",
          "[hooks]") {
    HookFixture f;
    // 20 hooks that exit at once without reading: berth must never get SIGPIPE.
    json quick = json::array();
    for (int i = 0; i < 20; ++i) quick.push_back({{"path", "/bin/true"}});
    f.bundle.config["hooks"] = {{"createRuntime", quick}, {"createContainer", {f.rec.hook("createContainer")}}};
    std::string big(200 * 1024, 'x');
    f.bundle.config["annotations"]["org.berth.big"] = big;
    auto c = f.create();
    REQUIRE(c.status == 0);
    auto s = f.rec.state("createContainer");
    REQUIRE(s.is_object());
    CHECK(s.at("annotations").at("org.berth.big") == big);
    CHECK(s.at("id") == f.id);
}

TEST_CASE("hooks: a veth set up by a network hook is there from the container's first instruction",
          "[hooks][network]") {
    const std::string phase = GENERATE(as<std::string>{}, "createRuntime", "prestart");
    INFO(phase);
    HookFixture f;
    // Names of at most 15 bytes; 10.x addresses only on these veths.
    const std::string tag = std::to_string(::getpid() % 100000);
    const std::string host = "bthh" + tag, peer = "bthc" + tag;
    const std::string hostAddr = "10.213.77.1", peerAddr = "10.213.77.2";
    struct VethGuard {
        std::string name;
        ~VethGuard() {
            if (run_command({"ip", "link", "show", name}).status == 0) run_command({"ip", "link", "del", name});
        }
    } guard{host};
    std::vector<std::string> env{"HOST=" + host, "PEER=" + peer, "HOST_ADDR=" + hostAddr + "/30",
                                 "PEER_ADDR=" + peerAddr + "/30",
                                 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    f.bundle.config["hooks"] = {
        {phase, {{{"path", f.rec.script("netsetup")}, {"args", {"netsetup"}}, {"env", env}}}},
        {"poststop", {{{"path", f.rec.script("netcleanup")}, {"args", {"netcleanup"}}, {"env", env}}}},
    };
    // busybox ping needs a raw socket.
    for (const char* set : {"bounding", "effective", "permitted", "ambient"})
        f.bundle.config["process"]["capabilities"][set].push_back("CAP_NET_RAW");

    SECTION("the container sees its address at once and reaches the host end") {
        f.bundle.set_args({"sh", "-c",
                           "ip -4 addr show dev " + peer + " | grep -q 'inet " + peerAddr +
                               "/30' || { echo 'no address at start'; exit 10; }; ping -c1 -W3 " + hostAddr +
                               " >/dev/null || exit 11; echo reached"});
        f.bundle.write();
        auto r = f.root.run({"run", "--bundle", f.bundle.dir, f.id});
        CHECK(r.status == 0);
        CHECK(r.out == "reached\n");
        INFO(r.err);
        CHECK(run_command({"ip", "link", "show", host}).status != 0);  // gone with the container
    }
    SECTION("a later failure of create takes the veth away too") {
        f.bundle.config["hooks"]["createContainer"] = {f.rec.hook("createContainer", {"HOOK_EXIT=5"})};
        auto c = f.create();
        CHECK(c.status != 0);
        CHECK(c.err.find("createContainer hook") != std::string::npos);
        CHECK(wait_for([&] { return run_command({"ip", "link", "show", host}).status != 0; }, 3000));
        check_nothing_left(f, 0);
    }
}

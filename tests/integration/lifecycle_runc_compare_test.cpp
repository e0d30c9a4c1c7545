// berth side by side with runc (Debian's 1.1.5) on the same bundles, where
// behaviour must match: exit codes, the state JSON's keys and statuses, and
// what the container sees (uid, hostname, capabilities, mounts). Needs root
// and runc; skipped without runc.
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "integration/support/harness.hpp"
#include "integration/support/lifecycle_support.hpp"

using namespace berth::test;
using nlohmann::json;

namespace {

bool have_runc() { return run_command({"sh", "-c", "command -v runc || test -x /usr/sbin/runc"}).status == 0; }

struct Outcome {
    CommandResult run;
    std::set<std::string> createdKeys, stoppedKeys;
    std::string createdStatus, runningStatus, stoppedStatus;
    int stoppedPid = -1;
    std::string listHeader;
    std::set<std::string> listKeys;
};

// The same steps with one runtime: `run` for the exit code and output, then
// create/start/state/kill/delete for the state JSON.
Outcome drive(const std::string& runtime, const json& config, const std::vector<std::string>& args) {
    Outcome o;
    const std::string name = runtime.find('/') != std::string::npos ? "berth" : runtime;
    TestBundle b;  // before the root: the root's cleanup runs first
    TestRoot root(runtime);
    b.config = config;
    b.config["root"]["path"] = shared_rootfs();
    b.config["linux"]["cgroupsPath"] = "/berth-test/" + name + "-" + unique_id("cmp");
    b.set_args(args);
    b.write();
    o.run = root.run({"run", "--bundle", b.dir, unique_id(name)}, {}, 30);

    TestBundle b2;
    b2.config = b.config;
    b2.config["linux"]["cgroupsPath"] = "/berth-test/" + name + "-" + unique_id("cmp");
    b2.set_args({"sleep", "100"});
    b2.write();
    std::string id = unique_id(name);
    auto r = root.run({"create", "--bundle", b2.dir, id});
    INFO(runtime << " create: " << r.err);
    REQUIRE(r.status == 0);
    auto keys = [](const json& j) {
        std::set<std::string> k;
        for (auto it = j.begin(); it != j.end(); ++it) k.insert(it.key());
        return k;
    };
    json st = json::parse(root.run({"state", id}).out);
    o.createdKeys = keys(st);
    auto list = lines_of(root.run({"list"}).out);
    // Column names only: the widths follow the values (CREATED's length varies).
    if (!list.empty()) {
        std::istringstream words(list[0]);
        for (std::string w; words >> w;) o.listHeader += w + " ";
    }
    json listed = json::parse(root.run({"list", "-f", "json"}).out);
    if (listed.is_array() && !listed.empty()) o.listKeys = keys(listed[0]);
    o.createdStatus = st["status"];
    REQUIRE(root.run({"start", id}).status == 0);
    o.runningStatus = json::parse(root.run({"state", id}).out)["status"];
    REQUIRE(root.run({"kill", id, "KILL"}).status == 0);
    wait_for([&] { return json::parse(root.run({"state", id}).out)["status"] == "stopped"; });
    st = json::parse(root.run({"state", id}).out);
    o.stoppedKeys = keys(st);
    o.stoppedStatus = st["status"];
    o.stoppedPid = st["pid"];
    CHECK(root.run({"delete", id}).status == 0);
    return o;
}

// /proc/self/mounts reduced to "mountpoint type" lines, in order.
std::vector<std::string> mount_points(const std::string& text) {
    std::vector<std::string> out;
    for (const auto& l : lines_of(text)) {
        std::istringstream f(l);
        std::string src, point, type;
        f >> src >> point >> type;
        if (point.rfind("/", 0) == 0) out.push_back(point + " " + type);
    }
    return out;
}

}  // namespace

TEST_CASE("lifecycle vs runc: same bundle / same outcome", "[lifecycle][runc]") {
    if (!have_runc()) {
        WARN("runc not installed: comparison skipped");
        return;
    }
    TestBundle base;
    json config = base.config;
    config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}, {"additionalGids", {10}}};
    config["hostname"] = "cmp-host";
    config["process"]["env"].push_back("HOME=/home");
    const std::string script =
        "echo uid=$(id -u) gid=$(id -g) groups=$(id -G); hostname; "
        "grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status; "
        "echo umask=$(umask); pwd; echo fds=$(ls /proc/self/fd | wc -l); "
        "ls -la /dev | awk '{print $1, $NF}' | sort; env | sort; ulimit -a; cat /proc/self/oom_score_adj; "
        "echo '--mounts'; cat /proc/self/mounts; exit 3";

    Outcome berth = drive(BERTH_BINARY, config, {"sh", "-c", script});
    Outcome runc = drive("runc", config, {"sh", "-c", script});

    INFO("berth stderr: " << berth.run.err);
    INFO("runc stderr: " << runc.run.err);
    CHECK(berth.run.status == 3);
    CHECK(runc.run.status == 3);

    auto split = [](const std::string& out) {
        auto at = out.find("--mounts\n");
        return std::make_pair(out.substr(0, at), at == std::string::npos ? "" : out.substr(at + 9));
    };
    auto [berthView, berthMounts] = split(berth.run.out);
    auto [runcView, runcMounts] = split(runc.run.out);
    CHECK(berthView == runcView);
    // The same mounts; the v1 hierarchies under /sys/fs/cgroup may come in another
    // order (runc follows the host's mountinfo): reported, not failed.
    auto berthList = mount_points(berthMounts), runcList = mount_points(runcMounts);
    CHECK_NOFAIL(berthList == runcList);
    std::sort(berthList.begin(), berthList.end());
    std::sort(runcList.begin(), runcList.end());
    CHECK(berthList == runcList);
    // Outside /sys/fs/cgroup the order is the config's, for both.
    auto outsideCgroup = [](std::vector<std::string> v) {
        std::erase_if(v, [](const std::string& m) { return m.rfind("/sys/fs/cgroup/", 0) == 0; });
        return v;
    };
    CHECK(outsideCgroup(mount_points(berthMounts)) == outsideCgroup(mount_points(runcMounts)));

    CHECK(berth.createdKeys == runc.createdKeys);
    CHECK(berth.stoppedKeys == runc.stoppedKeys);
    CHECK(berth.createdStatus == runc.createdStatus);
    CHECK(berth.runningStatus == runc.runningStatus);
    CHECK(berth.stoppedStatus == runc.stoppedStatus);
    CHECK(berth.stoppedPid == runc.stoppedPid);
    CHECK(berth.listHeader == runc.listHeader);
    CHECK(berth.listKeys == runc.listKeys);
}

TEST_CASE("lifecycle vs runc: exit codes and error cases", "[lifecycle][runc]") {
    if (!have_runc()) {
        WARN("runc not installed: comparison skipped");
        return;
    }
    TestBundle base;
    for (const auto& [name, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"exit 0", {"true"}},
             {"exit 1", {"false"}},
             {"exit 255", {"sh", "-c", "exit 255"}},
             {"self-signal in a child", {"sh", "-c", "sh -c 'kill -KILL $$'; exit $?"}}}) {
        DYNAMIC_SECTION(name) {
            int codes[2];
            int i = 0;
            for (std::string rt : {std::string(BERTH_BINARY), std::string("runc")}) {
                TestBundle b;
                TestRoot root(rt);
                b.config = base.config;
                b.config["root"]["path"] = shared_rootfs();
                b.config["linux"]["cgroupsPath"] = "/berth-test/cmp-" + unique_id("x");
                b.set_args(args);
                b.write();
                auto r = root.run({"run", "--bundle", b.dir, unique_id("cmp")}, {}, 30);
                INFO(rt << ": " << r.err);
                codes[i++] = r.status;
            }
            CHECK(codes[0] == codes[1]);
        }
    }
    SECTION("which ids are accepted") {
        TestBundle b;
        b.config["root"]["path"] = shared_rootfs();
        b.write();
        TestRoot berthRoot, runcRoot("runc");
        for (std::string id : {"a,b", "a b", "..", ".", "a/b", "A.b_c+d-e", "x:y", "caf\xc3\xa9", "-", "a=b", "a@b"}) {
            auto rb = berthRoot.run({"create", "--bundle", b.dir, id});
            berthRoot.run({"delete", "--force", id});
            auto rr = runcRoot.run({"create", "--bundle", b.dir, id});
            runcRoot.run({"delete", "--force", id});
            INFO("id '" << id << "': berth " << rb.status << " " << rb.err << " runc " << rr.status << " " << rr.err);
            CHECK((rb.status == 0) == (rr.status == 0));
        }
    }
    SECTION("unknown ids") {
        TestRoot berthRoot, runcRoot("runc");
        for (std::vector<std::string> cmd : {std::vector<std::string>{"state", "nope"},
                                             {"delete", "nope"},
                                             {"start", "nope"},
                                             {"kill", "nope"}}) {
            auto rb = berthRoot.run(cmd), rr = runcRoot.run(cmd);
            INFO(cmd[0] << ": berth " << rb.err << " runc " << rr.err);
            CHECK((rb.status != 0) == (rr.status != 0));
            CHECK(rb.err.find("container does not exist") != std::string::npos);
            CHECK(rr.err.find("container does not exist") != std::string::npos);
        }
        auto rb = berthRoot.run({"delete", "--force", "nope"}), rr = runcRoot.run({"delete", "--force", "nope"});
        CHECK(rb.status == rr.status);
    }
}

// cgroup v1 (and hybrid) resource mapping against a fake tree of v1
// hierarchies: a temp directory per controller, with the kernel's files
// stubbed (no root needed). Writes are checked by reading the files back.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/cgroups/manager.hpp"
#include "runtime/cgroups/v1_resources.hpp"

using namespace berth;
using namespace berth::cgroups;
namespace fs = std::filesystem;

namespace {

class FakeTree {
public:
    FakeTree() {
        char tmpl[] = "/tmp/berth-cgroup-fake-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        root_ = tmpl;
    }
    ~FakeTree() {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    const std::string& root() const { return root_; }
    std::string path(const std::string& rel) const { return root_ + "/" + rel; }
    void put(const std::string& rel, const std::string& content) const {
        fs::create_directories(fs::path(path(rel)).parent_path());
        std::ofstream(path(rel)) << content;
    }
    std::string get(const std::string& rel) const {
        std::ifstream f(path(rel));
        REQUIRE(f.good());
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    }
    bool has(const std::string& rel) const { return fs::exists(path(rel)); }

private:
    std::string root_;
};

// Hierarchies as this host has them (cpu and cpuacct apart), plus the ones it lacks.
const std::vector<std::pair<std::string, std::vector<std::string>>> kHierarchies = {
    {"cpu", {"cpu"}},         {"cpuacct", {"cpuacct"}},   {"cpuset", {"cpuset"}},   {"memory", {"memory"}},
    {"devices", {"devices"}}, {"freezer", {"freezer"}},   {"blkio", {"blkio"}},     {"pids", {"pids"}},
    {"hugetlb", {"hugetlb"}}, {"net_cls,net_prio", {"net_cls", "net_prio"}}, {"rdma", {"rdma"}},
};

const std::map<std::string, std::vector<std::string>> kFiles = {
    {"cpu", {"cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.cfs_burst_us", "cpu.rt_period_us",
             "cpu.rt_runtime_us", "cpu.idle", "cpu.stat"}},
    {"cpuacct", {"cpuacct.usage", "cpuacct.usage_percpu"}},
    {"cpuset", {"cpuset.cpus", "cpuset.mems"}},
    {"memory", {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes",
                "memory.swappiness", "memory.oom_control", "memory.usage_in_bytes", "memory.max_usage_in_bytes"}},
    {"devices", {"devices.allow", "devices.deny", "devices.list"}},
    {"freezer", {"freezer.state"}},
    {"blkio", {"blkio.bfq.weight", "blkio.bfq.weight_device", "blkio.throttle.read_bps_device",
               "blkio.throttle.write_bps_device", "blkio.throttle.read_iops_device",
               "blkio.throttle.write_iops_device"}},
    {"pids", {"pids.max", "pids.current"}},
    {"hugetlb", {"hugetlb.2MB.limit_in_bytes"}},
    {"net_cls,net_prio", {"net_cls.classid", "net_prio.ifpriomap"}},
    {"rdma", {"rdma.max"}},
};

// A fake v1 host with the cgroup `rel` ("grp/c") in every hierarchy.
Layout make_v1_host(const FakeTree& t, const std::string& rel, Mode mode = Mode::Legacy) {
    Layout l;
    l.mode = mode;
    for (const auto& [mount, ctrls] : kHierarchies) {
        l.v1.push_back({t.path(mount), ctrls});
        t.put(mount + "/cgroup.procs", "");
        for (const auto& f : kFiles.at(mount)) t.put(rel.empty() ? mount + "/" + f : mount + "/" + rel + "/" + f, "");
        t.put(mount + "/" + rel + "/cgroup.procs", "");
    }
    t.put("memory/" + rel + "/memory.limit_in_bytes", "9223372036854771712\n");
    t.put("cpuset/cpuset.cpus", "0-3\n");
    t.put("cpuset/cpuset.mems", "0\n");
    if (mode == Mode::Hybrid) {
        l.unified = t.path("unified");
        t.put("unified/cgroup.controllers", "hugetlb\n");
        t.put("unified/cgroup.subtree_control", "");
        t.put("unified/" + rel + "/cgroup.procs", "");
    }
    return l;
}

V1Dirs dirs_of(const Layout& l, const std::string& path) {
    V1Dirs d;
    for (const auto& h : l.v1)
        for (const auto& c : h.controllers) d.byController[c] = h.mountpoint + path;
    return d;
}

}  // namespace

TEST_CASE("v1 memory: limit, memsw, soft limit, swappiness, oom control", "[cgroup_v1]") {
    FakeTree t;
    Layout l = make_v1_host(t, "c");
    V1Dirs d = dirs_of(l, "/c");
    spec::Resources r;
    r.memory = spec::Memory{};
    r.memory->limit = 100 << 20;
    r.memory->swap = 200 << 20;
    r.memory->reservation = 50 << 20;
    r.memory->swappiness = 10;
    r.memory->disableOOMKiller = true;
    r.memory->kernel = 1 << 20;  // ignored, as runc 1.1+ does
    apply_v1_resources(d, r, false);
    CHECK(t.get("memory/c/memory.limit_in_bytes") == std::to_string(100 << 20));
    CHECK(t.get("memory/c/memory.memsw.limit_in_bytes") == std::to_string(200 << 20));
    CHECK(t.get("memory/c/memory.soft_limit_in_bytes") == std::to_string(50 << 20));
    CHECK(t.get("memory/c/memory.swappiness") == "10");
    CHECK(t.get("memory/c/memory.oom_control") == "1");
    CHECK_FALSE(t.has("memory/c/memory.kmem.limit_in_bytes"));

    spec::Resources unlimited;
    unlimited.memory = spec::Memory{};
    unlimited.memory->limit = -1;
    apply_v1_resources(d, unlimited, false);
    CHECK(t.get("memory/c/memory.limit_in_bytes") == "-1");
    CHECK(t.get("memory/c/memory.memsw.limit_in_bytes") == "-1");

    spec::Resources bad;
    bad.memory = spec::Memory{};
    bad.memory->swappiness = 101;
    CHECK_THROWS_WITH(apply_v1_resources(d, bad, false),
                      Catch::StartsWith("linux.resources.memory.swappiness: 101 is out of range"));
}

TEST_CASE("v1 memory swap without memsw is refused, naming the field", "[cgroup_v1]") {
    FakeTree t;
    Layout l = make_v1_host(t, "c");
    fs::remove(t.path("memory/c/memory.memsw.limit_in_bytes"));
    spec::Resources r;
    r.memory = spec::Memory{};
    r.memory->limit = 100 << 20;
    r.memory->swap = 200 << 20;
    CHECK_THROWS_WITH(apply_v1_resources(dirs_of(l, "/c"), r, false),
                      Catch::StartsWith("linux.resources.memory.swap: swap limit is not supported on this host "
                                        "(memory.memsw.limit_in_bytes missing"));
    r.memory->swap = -1;  // unlimited swap needs no file
    apply_v1_resources(dirs_of(l, "/c"), r, false);
    CHECK(t.get("memory/c/memory.limit_in_bytes") == std::to_string(100 << 20));
}

TEST_CASE("v1 cpu, cpuset, pids", "[cgroup_v1]") {
    FakeTree t;
    Layout l = make_v1_host(t, "c");
    spec::Resources r;
    r.cpu = spec::Cpu{};
    r.cpu->shares = 512;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->burst = 1000;
    r.cpu->realtimePeriod = 1000000;
    r.cpu->realtimeRuntime = 950;
    r.cpu->idle = 0;
    r.cpu->cpus = "1";
    r.cpu->mems = "0";
    r.pids = spec::Pids{-1};
    apply_v1_resources(dirs_of(l, "/c"), r, false);
    CHECK(t.get("cpu/c/cpu.shares") == "512");
    CHECK(t.get("cpu/c/cpu.cfs_quota_us") == "50000");
    CHECK(t.get("cpu/c/cpu.cfs_period_us") == "100000");
    CHECK(t.get("cpu/c/cpu.cfs_burst_us") == "1000");
    CHECK(t.get("cpu/c/cpu.rt_period_us") == "1000000");
    CHECK(t.get("cpu/c/cpu.rt_runtime_us") == "950");
    CHECK(t.get("cpu/c/cpu.idle") == "0");
    CHECK(t.get("cpuset/c/cpuset.cpus") == "1");
    CHECK(t.get("cpuset/c/cpuset.mems") == "0");
    CHECK(t.get("pids/c/pids.max") == "max");
    r.pids = spec::Pids{7};
    apply_v1_resources(dirs_of(l, "/c"), r, false);
    CHECK(t.get("pids/c/pids.max") == "7");
}

TEST_CASE("v1 update: zero and absent fields leave files alone", "[cgroup_v1]") {
    FakeTree t;
    Layout l = make_v1_host(t, "c");
    V1Dirs d = dirs_of(l, "/c");
    t.put("memory/c/memory.limit_in_bytes", "1234\n");
    t.put("cpu/c/cpu.shares", "99\n");
    t.put("pids/c/pids.max", "5\n");
    spec::Resources r;
    r.memory = spec::Memory{};
    r.memory->limit = 0;
    r.cpu = spec::Cpu{};
    r.cpu->shares = 0;
    r.cpu->quota = 0;
    r.pids = spec::Pids{};
    r.blockIO = spec::BlockIo{};
    apply_v1_resources(d, r, true);
    CHECK(t.get("memory/c/memory.limit_in_bytes") == "1234\n");
    CHECK(t.get("cpu/c/cpu.shares") == "99\n");
    CHECK(t.get("pids/c/pids.max") == "5\n");
    CHECK(t.get("memory/c/memory.memsw.limit_in_bytes").empty());
    CHECK(t.get("cpu/c/cpu.cfs_quota_us").empty());
}

TEST_CASE("v1 blkio: bfq weight files and throttles", "[cgroup_v1]") {
    FakeTree t;
    Layout l = make_v1_host(t, "c");
    spec::Resources r;
    r.blockIO = spec::BlockIo{};
    r.blockIO->weight = 300;
    r.blockIO->weightDevice = {{8, 0, uint16_t{200}, std::nullopt}};
    r.blockIO->throttleReadBpsDevice = {{8, 0, 1048576}};
    r.blockIO->throttleWriteIOPSDevice = {{8, 16, 50}};
    apply_v1_resources(dirs_of(l, "/c"), r, false);
    CHECK(t.get("blkio/c/blkio.bfq.weight") == "300");
    CHECK(t.get("blkio/c/blkio.bfq.weight_device") == "8:0 200");
    CHECK(t.get("blkio/c/blkio.throttle.read_bps_device") == "8:0 1048576");
    CHECK(t.get("blkio/c/blkio.throttle.write_iops_device") == "8:16 50");
    // CFQ kernels: blkio.weight.
    t.put("blkio/c/blkio.weight", "");
    t.put("blkio/c/blkio.weight_device", "");
    apply_v1_resources(dirs_of(l, "/c"), r, false);
    CHECK(t.get("blkio/c/blkio.weight") == "300");
    CHECK(t.get("blkio/c/blkio.weight_device") == "8:0 200");
    r.blockIO->leafWeight = 100;
    CHECK_THROWS_WITH(apply_v1_resources(dirs_of(l, "/c"), r, false),
                      Catch::StartsWith("linux.resources.blockIO.leafWeight: block io leaf weight is not supported"));
}

TEST_CASE("v1 hugetlb, net_cls, net_prio, rdma", "[cgroup_v1]") {
    FakeTree t;
    Layout l = make_v1_host(t, "c");
    spec::Resources r;
    r.hugepageLimits = {{"2MB", 2097152}};
    r.network = spec::Network{};
    r.network->classID = 0x100001;
    r.network->priorities = {{"eth0", 5}};
    r.rdma["mlx4_0"] = spec::Rdma{std::nullopt, 20};
    apply_v1_resources(dirs_of(l, "/c"), r, false);
    CHECK(t.get("hugetlb/c/hugetlb.2MB.limit_in_bytes") == "2097152");
    CHECK(t.get("net_cls,net_prio/c/net_cls.classid") == "1048577");
    CHECK(t.get("net_cls,net_prio/c/net_prio.ifpriomap") == "eth0 5");
    CHECK(t.get("rdma/c/rdma.max") == "mlx4_0 hca_object=20");
}

TEST_CASE("v1 settings whose controller is not mounted fail naming the field", "[cgroup_v1]") {
    V1Dirs none;
    none.byController["memory"] = "/nonexistent";
    spec::Resources r;
    r.network = spec::Network{};
    r.network->classID = 1;
    CHECK_THROWS_WITH(apply_v1_resources(none, r, false),
                      Catch::Equals("linux.resources.network.classID: the net_cls controller is not mounted on this host"));
    spec::Resources p;
    p.pids = spec::Pids{3};
    CHECK_THROWS_WITH(apply_v1_resources(none, p, false), Catch::StartsWith("linux.resources.pids.limit: the pids"));
}

TEST_CASE("v1 manager on a fake tree: create, cpuset copy, procs, freezer, stats", "[cgroup_v1]") {
    FakeTree t;
    Layout l = make_v1_host(t, "grp/c");
    // Parents as the kernel makes them: an empty cpuset.
    t.put("cpuset/grp/cpuset.cpus", "");
    t.put("cpuset/grp/cpuset.mems", "");
    auto m = Manager::create("/grp/c", l);
    CHECK(t.get("cpuset/grp/cpuset.cpus") == "0-3");
    CHECK(t.get("cpuset/grp/c/cpuset.cpus") == "0-3");
    CHECK(t.get("cpuset/grp/c/cpuset.mems") == "0");
    CHECK(m->directories().size() == kHierarchies.size());
    CHECK(m->clone_into_fd() == -1);  // legacy: no cgroup2

    m->add_process(321);
    for (const auto& [mount, ctrls] : kHierarchies) CHECK(t.get(mount + "/grp/c/cgroup.procs") == "321");
    t.put("pids/grp/c/cgroup.procs", "321\n400\n");
    t.put("memory/grp/c/sub/cgroup.procs", "500\n");
    CHECK(m->pids() == std::vector<pid_t>{321, 400, 500});

    t.put("freezer/grp/c/freezer.state", "FROZEN\n");
    CHECK(m->frozen());
    m->thaw();
    CHECK(t.get("freezer/grp/c/freezer.state") == "THAWED");
    CHECK(m->freezer_state() == FreezerState::Thawed);

    t.put("cpuacct/grp/c/cpuacct.usage", "123456\n");
    t.put("cpuacct/grp/c/cpuacct.usage_percpu", "100000 23456 \n");
    t.put("cpu/grp/c/cpu.stat", "nr_periods 4\nnr_throttled 1\nthrottled_time 777\n");
    t.put("memory/grp/c/memory.usage_in_bytes", "4096\n");
    t.put("memory/grp/c/memory.max_usage_in_bytes", "8192\n");
    t.put("memory/grp/c/memory.failcnt", "3\n");
    t.put("memory/grp/c/memory.stat", "cache 100\nrss 200\n");
    t.put("memory/grp/c/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    t.put("pids/grp/c/pids.current", "2\n");
    t.put("pids/grp/c/pids.max", "10\n");
    t.put("blkio/grp/c/blkio.throttle.io_service_bytes", "8:0 Read 10\n8:0 Write 20\nTotal 30\n");
    t.put("blkio/grp/c/blkio.throttle.io_serviced", "8:0 Read 1\n8:0 Write 2\nTotal 3\n");
    t.put("hugetlb/grp/c/hugetlb.2MB.usage_in_bytes", "0\n");
    Stats s = m->stats();
    CHECK(s.cpu.usage.total == 123456);
    CHECK(s.cpu.usage.percpu == std::vector<uint64_t>{100000, 23456});
    CHECK(s.cpu.throttling.throttledTime == 777);
    CHECK(s.memory.usage.usage == 4096);
    CHECK(s.memory.usage.max == 8192);
    CHECK(s.memory.usage.failcnt == 3);
    CHECK(s.memory.cache == 100);
    CHECK(s.memory.raw["rss"] == 200);
    CHECK(s.memory.events.oomKill == 2);
    CHECK(s.pids.current == 2);
    CHECK(s.pids.limit == 10);
    REQUIRE(s.blkio.ioServiceBytesRecursive.size() == 2);
    CHECK(s.blkio.ioServiceBytesRecursive[1].op == "Write");
    CHECK(s.blkio.ioServiceBytesRecursive[1].value == 20);
    CHECK(s.blkio.ioServicedRecursive[0].value == 1);
    CHECK(s.hugetlb.count("2MB") == 1);
}

TEST_CASE("hybrid: unified keys and hugetlb go to the cgroup2 directory", "[cgroup_v1]") {
    FakeTree t;
    Layout l = make_v1_host(t, "c", Mode::Hybrid);
    // No v1 hugetlb on this fake host, like the real one.
    l.v1.erase(std::remove_if(l.v1.begin(), l.v1.end(), [](const V1Hierarchy& h) { return h.controllers[0] == "hugetlb"; }),
               l.v1.end());
    t.put("unified/c/cgroup.controllers", "hugetlb\n");
    t.put("unified/c/hugetlb.2MB.max", "");
    t.put("unified/c/hugetlb.2MB.rsvd.max", "");
    auto m = Manager::open("/c", l);
    CHECK(m->clone_into_fd() >= 0);
    CHECK(m->directories().back() == t.path("unified/c"));
    spec::Resources r;
    r.hugepageLimits = {{"2MB", 4194304}};
    r.unified["hugetlb.2MB.rsvd.max"] = "2097152";
    m->apply(r, true);
    CHECK(t.get("unified/cgroup.subtree_control") == "+hugetlb");
    CHECK(t.get("unified/c/hugetlb.2MB.max") == "4194304");
    CHECK(t.get("unified/c/hugetlb.2MB.rsvd.max") == "2097152");  // unified is applied last
    m->add_process(99);
    CHECK(t.get("unified/c/cgroup.procs") == "99");
    CHECK(t.get("memory/c/cgroup.procs") == "99");

    // A core cgroup.* key needs no controller: the host's cgroup2 root is left alone.
    t.put("unified/cgroup.subtree_control", "");
    t.put("unified/c/cgroup.max.descendants", "");
    spec::Resources core;
    core.unified["cgroup.max.descendants"] = "10";
    m->apply(core, true);
    CHECK(t.get("unified/c/cgroup.max.descendants") == "10");
    CHECK(t.get("unified/cgroup.subtree_control").empty());

    spec::Resources bad;
    bad.unified["memory.max"] = "1";
    CHECK_THROWS_WITH(m->apply(bad, true), Catch::Contains("controller \"memory\" is not enabled"));

    Layout legacy = make_v1_host(t, "c");
    auto lm = Manager::open("/c", legacy);
    CHECK_THROWS_WITH(lm->apply(bad, true), Catch::StartsWith("linux.resources.unified: cgroup v2 is not mounted"));
}

TEST_CASE("join_self_v1: nothing to do for an empty list, a missing tasks file is an error naming it", "[cgroups][v1]") {
    CHECK_NOTHROW(berth::cgroups::join_self_v1({}));
    try {
        berth::cgroups::join_self_v1({"/nonexistent/berth-cgroup/tasks"});
        FAIL("no error");
    } catch (const berth::Error& e) {
        CHECK(std::string(e.what()) == "join cgroup /nonexistent/berth-cgroup/tasks: no such file or directory");
    }
}

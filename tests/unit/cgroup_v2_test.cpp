// cgroup v2 resource mapping against a fake cgroup2 tree: a temp directory
// whose files stand in for the kernel's (no root needed). Every write is
// checked by reading the file back.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/cgroups/manager.hpp"
#include "runtime/cgroups/v2_resources.hpp"
#include "runtime/cgroups/v2_stats.hpp"

using namespace berth;
using namespace berth::cgroups;
namespace fs = std::filesystem;

namespace {

// A temporary directory tree, removed on every path.
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

// A v2 cgroup "c" with the usual files, all empty.
std::string make_v2_cgroup(const FakeTree& t, const std::string& rel = "c") {
    for (const char* f : {"cgroup.controllers", "cgroup.procs", "cgroup.freeze", "cgroup.events", "cgroup.kill",
                          "memory.max", "memory.low", "memory.swap.max", "memory.current", "cpu.weight", "cpu.max",
                          "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems", "pids.max", "io.weight",
                          "io.max", "hugetlb.2MB.max", "rdma.max", "memory.high"})
        t.put(rel + "/" + f, "");
    t.put(rel + "/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma\n");
    t.put(rel + "/cpu.max", "max 100000\n");
    return t.path(rel);
}

spec::Resources with_memory(std::optional<int64_t> limit, std::optional<int64_t> swap,
                            std::optional<int64_t> reservation = std::nullopt) {
    spec::Resources r;
    r.memory = spec::Memory{};
    r.memory->limit = limit;
    r.memory->swap = swap;
    r.memory->reservation = reservation;
    return r;
}

}  // namespace

TEST_CASE("shares and blkio weight convert with runc's formulas", "[cgroup_v2]") {
    CHECK(cpu_weight_from_shares(1024) == 39);
    CHECK(cpu_weight_from_shares(2) == 1);
    CHECK(cpu_weight_from_shares(262144) == 10000);
    CHECK(cpu_weight_from_shares(512) == 20);
    CHECK(cpu_weight_from_shares(1) == 1);            // clamped, no unsigned wrap
    CHECK(cpu_weight_from_shares(1000000) == 10000);  // clamped
    CHECK(cpu_weight_from_shares(0) == 0);
    CHECK(io_weight_from_blkio(10) == 1);
    CHECK(io_weight_from_blkio(1000) == 10000);
    CHECK(io_weight_from_blkio(500) == 4950);
}

TEST_CASE("memory: max, low, and swap.max from limit+swap", "[cgroup_v2]") {
    FakeTree t;
    std::string dir = make_v2_cgroup(t);
    apply_v2_resources(dir, with_memory(100 << 20, 300 << 20, 50 << 20), false);
    CHECK(t.get("c/memory.max") == std::to_string(100 << 20));
    CHECK(t.get("c/memory.swap.max") == std::to_string(200 << 20));
    CHECK(t.get("c/memory.low") == std::to_string(50 << 20));

    apply_v2_resources(dir, with_memory(-1, std::nullopt), false);
    CHECK(t.get("c/memory.max") == "max");
    CHECK(t.get("c/memory.swap.max") == "max");  // unlimited memory, swap unset -> unlimited swap

    apply_v2_resources(dir, with_memory(64 << 20, 64 << 20), false);
    CHECK(t.get("c/memory.swap.max") == "0");  // memory == memory+swap: no swap

    apply_v2_resources(dir, with_memory(64 << 20, -1), false);
    CHECK(t.get("c/memory.swap.max") == "max");

    CHECK_THROWS_WITH(apply_v2_resources(dir, with_memory(64 << 20, 32 << 20), false),
                      Catch::StartsWith("linux.resources.memory.swap:"));
    CHECK_THROWS_WITH(apply_v2_resources(dir, with_memory(std::nullopt, 32 << 20), false),
                      Catch::Contains("needs a memory limit"));
}

TEST_CASE("memory swap without swap accounting", "[cgroup_v2]") {
    FakeTree t;
    std::string dir = make_v2_cgroup(t);
    fs::remove(t.path("c/memory.swap.max"));
    // Unlimited swap needs nothing: skipped silently, as runc does.
    apply_v2_resources(dir, with_memory(64 << 20, -1), false);
    CHECK(t.get("c/memory.max") == std::to_string(64 << 20));
    CHECK_FALSE(t.has("c/memory.swap.max"));
    CHECK_THROWS_WITH(apply_v2_resources(dir, with_memory(64 << 20, 128 << 20), false),
                      Catch::Equals("linux.resources.memory.swap: swap limit is not supported on this host "
                                    "(memory.swap.max missing in " +
                                    dir + ")"));
}

TEST_CASE("update: absent or zero fields leave files untouched", "[cgroup_v2]") {
    FakeTree t;
    std::string dir = make_v2_cgroup(t);
    spec::Resources full = with_memory(100 << 20, 200 << 20, 10 << 20);
    full.cpu = spec::Cpu{};
    full.cpu->shares = 1024;
    full.cpu->quota = 50000;
    full.cpu->period = 100000;
    full.cpu->cpus = "0";
    full.pids = spec::Pids{100};
    apply_v2_resources(dir, full, false);
    const std::string memBefore = t.get("c/memory.max"), swapBefore = t.get("c/memory.swap.max"),
                      cpuMax = t.get("c/cpu.max"), weight = t.get("c/cpu.weight"), pids = t.get("c/pids.max"),
                      cpus = t.get("c/cpuset.cpus");

    // Docker's `update` with nothing changed: {"memory":{"limit":0}}.
    spec::Resources docker = with_memory(0, std::nullopt);
    docker.cpu = spec::Cpu{};
    docker.cpu->shares = 0;
    docker.cpu->quota = 0;
    docker.pids = spec::Pids{};
    apply_v2_resources(dir, docker, true);
    apply_v2_resources(dir, spec::Resources{}, true);
    CHECK(t.get("c/memory.max") == memBefore);
    CHECK(t.get("c/memory.swap.max") == swapBefore);
    CHECK(t.get("c/cpu.max") == cpuMax);
    CHECK(t.get("c/cpu.weight") == weight);
    CHECK(t.get("c/pids.max") == pids);
    CHECK(t.get("c/cpuset.cpus") == cpus);

    // Only the quota: the period in force is kept.
    spec::Resources quota;
    quota.cpu = spec::Cpu{};
    quota.cpu->quota = 20000;
    t.put("c/cpu.max", "50000 250000\n");
    apply_v2_resources(dir, quota, true);
    CHECK(t.get("c/cpu.max") == "20000 250000");

    // Only memory+swap: computed against the limit in force.
    t.put("c/memory.max", "104857600\n");
    apply_v2_resources(dir, with_memory(std::nullopt, 300 << 20), true);
    CHECK(t.get("c/memory.swap.max") == std::to_string(200 << 20));
}

TEST_CASE("checkBeforeUpdate refuses a limit below the usage", "[cgroup_v2]") {
    FakeTree t;
    std::string dir = make_v2_cgroup(t);
    t.put("c/memory.current", "5000000\n");
    spec::Resources r = with_memory(4000000, std::nullopt);
    r.memory->checkBeforeUpdate = true;
    CHECK_THROWS_WITH(apply_v2_resources(dir, r, true), Catch::Contains("not above the current usage 5000000"));
    r.memory->limit = 6000000;
    apply_v2_resources(dir, r, true);
    CHECK(t.get("c/memory.max") == "6000000");
}

TEST_CASE("cpu: weight, max, burst, idle, cpuset", "[cgroup_v2]") {
    FakeTree t;
    std::string dir = make_v2_cgroup(t);
    spec::Resources r;
    r.cpu = spec::Cpu{};
    r.cpu->shares = 1024;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->burst = 10000;
    r.cpu->idle = 1;
    r.cpu->cpus = "0-1";
    r.cpu->mems = "0";
    apply_v2_resources(dir, r, false);
    CHECK(t.get("c/cpu.weight") == "39");
    CHECK(t.get("c/cpu.max") == "50000 100000");
    CHECK(t.get("c/cpu.max.burst") == "10000");
    CHECK(t.get("c/cpu.idle") == "1");
    CHECK(t.get("c/cpuset.cpus") == "0-1");
    CHECK(t.get("c/cpuset.mems") == "0");

    spec::Resources unlimited;
    unlimited.cpu = spec::Cpu{};
    unlimited.cpu->quota = -1;
    unlimited.cpu->period = 100000;
    apply_v2_resources(dir, unlimited, false);
    CHECK(t.get("c/cpu.max") == "max 100000");

    // Real-time bandwidth does not exist on v2: skipped (runc skips it too).
    spec::Resources rt;
    rt.cpu = spec::Cpu{};
    rt.cpu->realtimeRuntime = 1000;
    apply_v2_resources(dir, rt, false);
    CHECK_FALSE(t.has("c/cpu.rt_runtime_us"));
}

TEST_CASE("pids.max", "[cgroup_v2]") {
    FakeTree t;
    std::string dir = make_v2_cgroup(t);
    spec::Resources r;
    r.pids = spec::Pids{-1};
    apply_v2_resources(dir, r, false);
    CHECK(t.get("c/pids.max") == "max");
    r.pids = spec::Pids{42};
    apply_v2_resources(dir, r, false);
    CHECK(t.get("c/pids.max") == "42");
    r.pids = spec::Pids{0};  // a real limit since runtime-spec 1.3
    apply_v2_resources(dir, r, false);
    CHECK(t.get("c/pids.max") == "0");
    fs::remove(t.path("c/pids.max"));
    r.pids = spec::Pids{5};
    CHECK_THROWS_WITH(apply_v2_resources(dir, r, false),
                      Catch::StartsWith("linux.resources.pids.limit: the pids controller is not supported"));
}

TEST_CASE("io: weight (io.weight or BFQ) and io.max per device", "[cgroup_v2]") {
    FakeTree t;
    std::string dir = make_v2_cgroup(t);
    spec::Resources r;
    r.blockIO = spec::BlockIo{};
    r.blockIO->weight = 500;
    r.blockIO->throttleReadBpsDevice = {{8, 0, 1048576}};
    apply_v2_resources(dir, r, false);
    CHECK(t.get("c/io.weight") == "4950");
    CHECK(t.get("c/io.max") == "8:0 rbps=1048576");

    r.blockIO->throttleWriteBpsDevice = {{8, 0, 2097152}};
    r.blockIO->throttleReadIOPSDevice = {{8, 0, 100}};
    r.blockIO->throttleWriteIOPSDevice = {{8, 0, 0}};
    apply_v2_resources(dir, r, false);
    CHECK(t.get("c/io.max") == "8:0 rbps=1048576 wbps=2097152 riops=100 wiops=max");

    t.put("c/io.bfq.weight", "default 100\n");
    r.blockIO->weightDevice = {{8, 16, uint16_t{300}, std::nullopt}};
    spec::Resources w;
    w.blockIO = spec::BlockIo{};
    w.blockIO->weight = 500;
    apply_v2_resources(dir, w, false);
    CHECK(t.get("c/io.bfq.weight") == "500");  // BFQ takes the blkio weight as is
    t.put("c/io.bfq.weight", "default 100\n");
    w.blockIO->weight.reset();
    w.blockIO->weightDevice = {{8, 16, uint16_t{300}, std::nullopt}};
    apply_v2_resources(dir, w, false);
    CHECK(t.get("c/io.bfq.weight") == "8:16 300");
}

TEST_CASE("hugetlb and rdma", "[cgroup_v2]") {
    FakeTree t;
    std::string dir = make_v2_cgroup(t);
    spec::Resources r;
    r.hugepageLimits = {{"2MB", 4194304}};
    r.rdma["mlx5_1"] = spec::Rdma{3, 10000};
    apply_v2_resources(dir, r, false);
    CHECK(t.get("c/hugetlb.2MB.max") == "4194304");
    CHECK(t.get("c/rdma.max") == "mlx5_1 hca_handle=3 hca_object=10000");
    r.hugepageLimits = {{"1GB", 1}};
    CHECK_THROWS_WITH(apply_v2_resources(dir, r, false),
                      Catch::StartsWith("linux.resources.hugepageLimits[0]: huge page size 1GB is not supported"));
    r.hugepageLimits = {{"../x", 1}};
    CHECK_THROWS_WITH(apply_v2_resources(dir, r, false), Catch::Contains("invalid page size"));
}

TEST_CASE("unified keys are written verbatim after validation", "[cgroup_v2]") {
    FakeTree t;
    std::string dir = make_v2_cgroup(t);
    spec::Resources r;
    r.memory = spec::Memory{};
    r.memory->limit = 1000;
    r.unified["memory.high"] = "5000";
    r.unified["memory.max"] = "9000";  // unified wins over the mapped field
    apply_v2_resources(dir, r, false);
    CHECK(t.get("c/memory.high") == "5000");
    CHECK(t.get("c/memory.max") == "9000");

    auto reject = [&](const std::string& key, const std::string& what) {
        spec::Resources bad;
        bad.unified[key] = "1";
        CHECK_THROWS_WITH(apply_v2_resources(dir, bad, false),
                          Catch::StartsWith("linux.resources.unified[\"" + key + "\"]") && Catch::Contains(what));
    };
    reject("../memory.max", "one file name");
    reject("sub/memory.max", "one file name");
    reject("..", "one file name");
    reject("memory", "<controller>.<knob>");
    reject("cgroup.procs", "managed by the runtime");
    reject("cgroup.kill", "managed by the runtime");
    reject("misc.max", "controller \"misc\" is not enabled");
    reject("memory.nonexistent", "no such file");
    CHECK_FALSE(t.has("memory.max"));  // nothing escaped the cgroup directory
}

TEST_CASE("controllers are enabled in every ancestor's subtree_control", "[cgroup_v2]") {
    FakeTree t;
    t.put("cgroup.controllers", "cpu io memory pids\n");
    t.put("cgroup.subtree_control", "");
    t.put("a/cgroup.controllers", "cpu memory pids\n");
    t.put("a/cgroup.subtree_control", "memory\n");
    t.put("a/b/cgroup.controllers", "cpu memory pids\n");
    t.put("a/b/cgroup.subtree_control", "cpu memory pids\n");
    enable_v2_controllers(t.root(), "/a/b/c", {});
    CHECK(t.get("cgroup.subtree_control") == "+cpu +io +memory +pids");
    CHECK(t.get("a/cgroup.subtree_control") == "+cpu +pids");        // memory was on already
    CHECK(t.get("a/b/cgroup.subtree_control") == "cpu memory pids\n");  // nothing to do
    CHECK_FALSE(t.has("a/b/c"));                                       // the target itself is not touched

    t.put("cgroup.subtree_control", "");
    enable_v2_controllers(t.root(), "/a/x", {"pids", "hugetlb"});
    CHECK(t.get("cgroup.subtree_control") == "+pids");  // only those asked for and available
}

TEST_CASE("v2 manager on a fake tree: procs, freeze, kill, stats", "[cgroup_v2]") {
    FakeTree t;
    make_v2_cgroup(t, "grp/c");
    t.put("grp/c/sub/cgroup.procs", "77\n");
    t.put("grp/c/cgroup.procs", "12\n5\n");
    Layout layout{Mode::Unified, t.root(), {}};
    auto m = Manager::open("/grp/c", layout);
    CHECK(m->directories() == std::vector<std::string>{t.path("grp/c")});
    CHECK(m->clone_into_fd() >= 0);
    CHECK(m->pids() == std::vector<pid_t>{5, 12, 77});

    m->add_process(4242);
    CHECK(t.get("grp/c/cgroup.procs") == "4242");

    t.put("grp/c/cgroup.events", "populated 1\nfrozen 1\n");
    m->freeze();
    CHECK(t.get("grp/c/cgroup.freeze") == "1");
    CHECK(m->freezer_state() == FreezerState::Frozen);
    CHECK(m->frozen());
    m->thaw();
    CHECK(t.get("grp/c/cgroup.freeze") == "0");
    CHECK(m->freezer_state() == FreezerState::Thawed);

    m->kill_all(SIGKILL);
    CHECK(t.get("grp/c/cgroup.kill") == "1");

    t.put("grp/c/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 2\n"
                            "throttled_usec 30\n");
    t.put("grp/c/memory.stat", "anon 4096\nfile 8192\n");
    t.put("grp/c/memory.current", "12288\n");
    t.put("grp/c/memory.max", "max\n");
    t.put("grp/c/memory.swap.current", "100\n");
    t.put("grp/c/memory.swap.max", "max\n");
    t.put("grp/c/memory.events", "low 0\nhigh 1\nmax 2\noom 3\noom_kill 4\n");
    t.put("grp/c/pids.current", "3\n");
    t.put("grp/c/pids.max", "max\n");
    t.put("grp/c/io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n");
    t.put("grp/c/hugetlb.2MB.current", "2097152\n");
    t.put("grp/c/hugetlb.2MB.max", "4194304\n");
    t.put("grp/c/hugetlb.2MB.events", "max 1\n");
    t.put("grp/c/cpu.pressure", "some avg10=1.50 avg60=0.00 avg300=0.00 total=99\nfull avg10=0.00 avg60=0.00 "
                                "avg300=0.00 total=5\n");
    Stats s = m->stats();
    CHECK(s.cpu.usage.total == 1500000);
    CHECK(s.cpu.usage.user == 1000000);
    CHECK(s.cpu.usage.kernel == 500000);
    CHECK(s.cpu.throttling.periods == 7);
    CHECK(s.cpu.throttling.throttledPeriods == 2);
    CHECK(s.cpu.throttling.throttledTime == 30000);
    REQUIRE(s.cpu.psi);
    CHECK(s.cpu.psi->some.avg10 == Approx(1.5));
    CHECK(s.cpu.psi->full.total == 5);
    CHECK(s.memory.cache == 8192);
    CHECK(s.memory.raw["anon"] == 4096);
    CHECK(s.memory.usage.usage == 12288);
    CHECK(s.memory.usage.limit == UINT64_MAX);
    CHECK(s.memory.swap.usage == 12388);
    CHECK(s.memory.events.oomKill == 4);
    CHECK(s.memory.events.oom == 3);
    CHECK(s.pids.current == 3);
    CHECK(s.pids.limit == 0);
    REQUIRE(s.blkio.ioServiceBytesRecursive.size() == 2);
    CHECK(s.blkio.ioServiceBytesRecursive[0].op == "Read");
    CHECK(s.blkio.ioServiceBytesRecursive[0].value == 10);
    CHECK(s.blkio.ioServicedRecursive[1].value == 2);
    REQUIRE(s.hugetlb.count("2MB"));
    CHECK(s.hugetlb["2MB"].usage == 2097152);
    CHECK(s.hugetlb["2MB"].max == 4194304);
    CHECK(s.hugetlb["2MB"].failcnt == 1);
}

TEST_CASE("v2 freeze times out and thaws again when tasks never stop", "[cgroup_v2][.slow]") {
    FakeTree t;
    make_v2_cgroup(t);
    t.put("c/cgroup.events", "populated 1\nfrozen 0\n");
    auto m = Manager::open("/c", Layout{Mode::Unified, t.root(), {}});
    CHECK_THROWS_WITH(m->freeze(), Catch::Contains("did not stop"));
    CHECK(t.get("c/cgroup.freeze") == "0");
}

TEST_CASE("open of a missing cgroup / destroy is idempotent", "[cgroup_v2]") {
    FakeTree t;
    auto m = Manager::open("/nothing/here", Layout{Mode::Unified, t.root(), {}});
    CHECK(m->clone_into_fd() == -1);
    m->destroy();
    m->destroy();
    CHECK_THROWS(m->stats());
    CHECK_THROWS_WITH(Manager::open("relative", Layout{Mode::Unified, t.root(), {}}), Catch::Contains("absolute"));
    CHECK_THROWS_WITH(Manager::open("/a/../b", Layout{Mode::Unified, t.root(), {}}), Catch::Contains("clean"));
}

// The cgroup manager on the real kernel (root): whatever this host is (the
// hybrid dev host, or the pure cgroup v2 test VM, tests/vm/). Every test
// cgroup lives below /berth-test-<random>/ and is removed on every path, with
// the processes the test started (killed and reaped by PID).
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/cgroups/device_filter.hpp"
#include "runtime/cgroups/devices.hpp"
#include "runtime/cgroups/layout.hpp"
#include "runtime/cgroups/manager.hpp"
#include "runtime/cgroups/teardown.hpp"

using namespace berth;
using namespace berth::cgroups;
using namespace std::chrono_literals;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

bool exists(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0;
}

std::string trimmed(const std::string& s) {
    auto b = s.find_first_not_of(" \n\t"), e = s.find_last_not_of(" \n\t");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::set<pid_t> procs_of(const std::string& dir) {
    std::set<pid_t> out;
    std::istringstream in(slurp(dir + "/cgroup.procs"));
    for (long p; in >> p;) out.insert(static_cast<pid_t>(p));
    return out;
}

// utime+stime of a process, in clock ticks.
uint64_t cpu_ticks(pid_t pid) {
    std::string s = slurp("/proc/" + std::to_string(pid) + "/stat");
    auto close = s.rfind(')');
    std::istringstream in(s.substr(close + 2));
    std::string f;
    uint64_t utime = 0, stime = 0;
    for (int i = 3; i <= 15; ++i) {
        in >> f;
        if (i == 14) utime = std::stoull(f);
        if (i == 15) stime = std::stoull(f);
    }
    return utime + stime;
}

void reset_signals();

// A test cgroup /berth-test-<random>/<name> and the children started in it.
// Destruction: destroy the cgroup (kills and thaws what is left), reap every
// child by PID, remove /berth-test-<random> from every hierarchy.
class TestCgroup {
public:
    explicit TestCgroup(const std::string& name = "c") {
        std::random_device rd;
        top_ = "/berth-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000);
        path_ = top_ + "/" + name;
        layout_ = detect_layout();
        manager_ = Manager::create(path_, layout_);
    }
    ~TestCgroup() {
        try {
            if (manager_) manager_->destroy();
        } catch (const std::exception& e) {
            WARN("destroy: " << e.what());
        }
        for (pid_t p : children_) {
            ::kill(p, SIGKILL);
            ::waitpid(p, nullptr, 0);
        }
        for (const auto& d : top_dirs()) {
            if (::rmdir(d.c_str()) != 0 && errno != ENOENT) WARN("rmdir " << d << ": " << std::strerror(errno));
        }
    }
    TestCgroup(const TestCgroup&) = delete;
    TestCgroup& operator=(const TestCgroup&) = delete;

    Manager& m() { return *manager_; }
    const Layout& layout() const { return layout_; }
    const std::string& path() const { return path_; }
    std::vector<std::string> top_dirs() const {
        std::vector<std::string> out;
        for (const auto& h : layout_.v1) out.push_back(h.mountpoint + top_);
        if (!layout_.unified.empty()) out.push_back(layout_.unified + top_);
        return out;
    }
    // The directory of this cgroup for a controller (v2: the one directory).
    std::string dir(const std::string& controller) const {
        if (layout_.mode == Mode::Unified) return layout_.unified + path_;
        auto m = layout_.v1_mount(controller);
        REQUIRE(m);
        return *m + path_;
    }

    // fork()s a child that runs body() and _exits with its result.
    pid_t spawn(const std::function<int()>& body) {
        pid_t p = ::fork();
        REQUIRE(p >= 0);
        if (p == 0) {
            reset_signals();
            int rc = 111;
            try {
                rc = body();
            } catch (...) {
            }
            ::_exit(rc);
        }
        children_.insert(p);
        return p;
    }
    int wait(pid_t p) {
        int status = 0;
        REQUIRE(::waitpid(p, &status, 0) == p);
        children_.erase(p);
        return status;
    }
    std::optional<int> wait_for(pid_t p, std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            pid_t r = ::waitpid(p, &status, WNOHANG);
            if (r == p) {
                children_.erase(p);
                return status;
            }
            std::this_thread::sleep_for(5ms);
        }
        return std::nullopt;
    }

private:
    std::string top_, path_;
    Layout layout_;
    std::unique_ptr<Manager> manager_;
    std::set<pid_t> children_;
};

// A pipe the parent writes one byte to, to let a child go on.
struct Gate {
    int fds[2] = {-1, -1};
    Gate() { REQUIRE(::pipe2(fds, O_CLOEXEC) == 0); }
    ~Gate() {
        for (int fd : fds)
            if (fd >= 0) ::close(fd);
    }
    void wait_in_child() const {
        char c;
        (void)!::read(fds[0], &c, 1);
    }
    void open() const { REQUIRE(::write(fds[1], "x", 1) == 1); }
};

// Children must not run Catch's fatal-signal handlers (they would report a
// "failure" for the signals the tests send on purpose).
void reset_signals() {
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
}

bool is_root() {
    if (::geteuid() == 0) return true;
    WARN("not root: cgroup integration test skipped");
    return false;
}

int idle_child() {
    for (;;) ::pause();
}

}  // namespace

TEST_CASE("create makes the cgroup in every hierarchy / destroy removes it everywhere", "[cgroup_manager]") {
    if (!is_root()) return;
    std::vector<std::string> dirs;
    {
        TestCgroup cg;
        dirs = cg.m().directories();
        const size_t expected = cg.layout().v1.size() + (cg.layout().unified.empty() ? 0 : 1);
        CHECK(dirs.size() == expected);
        for (const auto& d : dirs) CHECK(exists(d + "/cgroup.procs"));
        CHECK((cg.m().clone_into_fd() >= 0) == (cg.layout().mode != Mode::Legacy));
        if (cg.layout().mode == Mode::Unified) {
            // Controllers were enabled down the path.
            std::string ctl = slurp(cg.layout().unified + "/" + cg.path().substr(1, cg.path().rfind('/') - 1) +
                                    "/cgroup.subtree_control");
            CHECK(ctl.find("memory") != std::string::npos);
            CHECK(ctl.find("pids") != std::string::npos);
        }
        cg.m().destroy();
        for (const auto& d : dirs) CHECK_FALSE(exists(d));
        cg.m().destroy();  // idempotent
    }
    for (const auto& d : dirs) CHECK_FALSE(exists(d));
}

TEST_CASE("CgroupGuard removes the cgroup unless committed", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup keep("kept");
    auto layout = keep.layout();
    std::string parent = keep.path().substr(0, keep.path().rfind('/'));
    std::vector<std::string> dirs;
    {
        auto m = Manager::create(parent + "/failed", layout);
        CgroupGuard guard(*m);
        dirs = m->directories();
        for (const auto& d : dirs) REQUIRE(exists(d));
    }
    for (const auto& d : dirs) CHECK_FALSE(exists(d));
    {
        CgroupGuard guard(keep.m());
        guard.commit();
    }
    for (const auto& d : keep.m().directories()) CHECK(exists(d));
}

TEST_CASE("limits land in the kernel's files", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup cg;
    spec::Resources r;
    r.memory = spec::Memory{};
    r.memory->limit = 64 << 20;
    r.memory->swap = 64 << 20;
    r.memory->reservation = 32 << 20;
    r.cpu = spec::Cpu{};
    r.cpu->shares = 1024;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->cpus = "0";
    r.pids = spec::Pids{64};
    cg.m().apply(r, false);
    if (cg.layout().mode == Mode::Unified) {
        const std::string d = cg.dir("memory");
        CHECK(trimmed(slurp(d + "/memory.max")) == std::to_string(64 << 20));
        CHECK(trimmed(slurp(d + "/memory.low")) == std::to_string(32 << 20));
        if (exists(d + "/memory.swap.max")) CHECK(trimmed(slurp(d + "/memory.swap.max")) == "0");
        CHECK(trimmed(slurp(d + "/cpu.weight")) == "39");
        CHECK(trimmed(slurp(d + "/cpu.max")) == "50000 100000");
        CHECK(trimmed(slurp(d + "/cpuset.cpus")) == "0");
        CHECK(trimmed(slurp(d + "/pids.max")) == "64");
    } else {
        CHECK(trimmed(slurp(cg.dir("memory") + "/memory.limit_in_bytes")) == std::to_string(64 << 20));
        if (exists(cg.dir("memory") + "/memory.memsw.limit_in_bytes"))
            CHECK(trimmed(slurp(cg.dir("memory") + "/memory.memsw.limit_in_bytes")) == std::to_string(64 << 20));
        CHECK(trimmed(slurp(cg.dir("memory") + "/memory.soft_limit_in_bytes")) == std::to_string(32 << 20));
        CHECK(trimmed(slurp(cg.dir("cpu") + "/cpu.shares")) == "1024");
        CHECK(trimmed(slurp(cg.dir("cpu") + "/cpu.cfs_quota_us")) == "50000");
        CHECK(trimmed(slurp(cg.dir("cpu") + "/cpu.cfs_period_us")) == "100000");
        CHECK(trimmed(slurp(cg.dir("cpuset") + "/cpuset.cpus")) == "0");
        CHECK(trimmed(slurp(cg.dir("pids") + "/pids.max")) == "64");
    }

    // Docker's no-op update leaves everything as it was.
    const std::string memFile =
        cg.layout().mode == Mode::Unified ? cg.dir("memory") + "/memory.max" : cg.dir("memory") + "/memory.limit_in_bytes";
    spec::Resources noop;
    noop.memory = spec::Memory{};
    noop.memory->limit = 0;
    cg.m().apply(noop, true);
    CHECK(trimmed(slurp(memFile)) == std::to_string(64 << 20));

    // Raising and lowering memory and memory+swap together (v1 checks memsw >= limit at every write).
    for (int64_t mb : {256, 16, 128}) {
        spec::Resources u;
        u.memory = spec::Memory{};
        u.memory->limit = mb << 20;
        u.memory->swap = (mb * 2) << 20;
        INFO(mb << " MiB");
        cg.m().apply(u, true);
        CHECK(trimmed(slurp(memFile)) == std::to_string(mb << 20));
    }
    // Huge pages where the kernel has the controller here without touching the host's root cgroup.
    const std::string hugeDir = cg.layout().mode == Mode::Unified ? cg.dir("memory") : "";
    if (!hugeDir.empty() && exists(hugeDir + "/hugetlb.2MB.max")) {
        spec::Resources h;
        h.hugepageLimits = {{"2MB", 4 << 20}};
        cg.m().apply(h, true);
        CHECK(trimmed(slurp(hugeDir + "/hugetlb.2MB.max")) == std::to_string(4 << 20));
    }
    // A field the kernel refuses names itself.
    spec::Resources bad;
    bad.cpu = spec::Cpu{};
    bad.cpu->cpus = "9999";
    CHECK_THROWS_WITH(cg.m().apply(bad, true), Catch::StartsWith("linux.resources.cpu.cpus:"));
}

TEST_CASE("add_process puts a child in every hierarchy", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup cg;
    pid_t child = cg.spawn(idle_child);
    cg.m().add_process(child);
    for (const auto& d : cg.m().directories()) CHECK(procs_of(d).count(child) == 1);
    std::string own = slurp("/proc/" + std::to_string(child) + "/cgroup");
    CHECK(own.find(cg.path()) != std::string::npos);
    CHECK(cg.m().pids() == std::vector<pid_t>{child});
}

TEST_CASE("clone3 CLONE_INTO_CGROUP places the child in the cgroup2 cgroup", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup cg;
    if (cg.m().clone_into_fd() < 0) {
        WARN("no cgroup2 mount: CLONE_INTO_CGROUP not testable");
        return;
    }
    struct clone_args args {};
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<uint64_t>(cg.m().clone_into_fd());
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        reset_signals();
        idle_child();
    }
    pid_t p = static_cast<pid_t>(pid);
    struct Reap {
        pid_t p;
        ~Reap() {
            ::kill(p, SIGKILL);
            ::waitpid(p, nullptr, 0);
        }
    } reap{p};
    const std::string unifiedDir = cg.layout().unified + cg.path();
    CHECK(procs_of(unifiedDir).count(p) == 1);
    CHECK(slurp("/proc/" + std::to_string(p) + "/cgroup").find("0::" + cg.path()) != std::string::npos);
    if (cg.layout().mode == Mode::Hybrid) {
        // The v1 hierarchies still need add_process.
        CHECK(procs_of(cg.dir("memory")).count(p) == 0);
        cg.m().add_process(p);
        CHECK(procs_of(cg.dir("memory")).count(p) == 1);
    }
}

TEST_CASE("freeze stops a busy child / thaw lets it run again", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup cg;
    Gate go;
    pid_t child = cg.spawn([&] {
        go.wait_in_child();
        volatile uint64_t x = 0;
        for (;;) x = x + 1;
        return 0;
    });
    cg.m().add_process(child);
    go.open();
    std::this_thread::sleep_for(200ms);
    CHECK(cg.m().freezer_state() == FreezerState::Thawed);
    cg.m().freeze();
    CHECK(cg.m().frozen());
    uint64_t t1 = cpu_ticks(child);
    std::this_thread::sleep_for(400ms);
    uint64_t t2 = cpu_ticks(child);
    CHECK(t2 == t1);
    cg.m().thaw();
    CHECK(cg.m().freezer_state() == FreezerState::Thawed);
    std::this_thread::sleep_for(400ms);
    CHECK(cpu_ticks(child) > t2);
}

TEST_CASE("pids.max stops a child from forking past the limit", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup cg;
    Gate go;
    pid_t child = cg.spawn([&] {
        go.wait_in_child();
        pid_t p = ::fork();
        if (p == 0) ::_exit(0);
        if (p > 0) {
            ::waitpid(p, nullptr, 0);
            return 1;  // the fork went through: the limit did not hold
        }
        return errno == EAGAIN ? 0 : 2;
    });
    cg.m().add_process(child);
    spec::Resources r;
    r.pids = spec::Pids{1};
    cg.m().apply(r, false);
    go.open();
    int status = cg.wait(child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a memory limit OOM-kills a child allocating past it, and the OOM is seen", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup cg;
    spec::Resources r;
    r.memory = spec::Memory{};
    r.memory->limit = 32 << 20;
    r.memory->swap = 32 << 20;  // no swap: the kernel must kill
    cg.m().apply(r, false);
    OomWatch watch = cg.m().watch_oom();
    Gate go;
    pid_t child = cg.spawn([&] {
        go.wait_in_child();
        for (int i = 0; i < 256; ++i) {
            void* p = ::mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) return 3;
            std::memset(p, 0x5a, 1 << 20);
        }
        return 0;  // survived 256 MiB: the limit did not hold
    });
    cg.m().add_process(child);
    go.open();
    auto status = cg.wait_for(child, 30s);
    REQUIRE(status);
    CHECK(WIFSIGNALED(*status));
    if (WIFSIGNALED(*status)) CHECK(WTERMSIG(*status) == SIGKILL);
    pollfd pfd{watch.fd(), POLLIN, 0};
    CHECK(::poll(&pfd, 1, 5000) == 1);
    CHECK(watch.consume() >= 1);
    if (cg.layout().mode == Mode::Unified) CHECK(cg.m().stats().memory.events.oomKill >= 1);
}

TEST_CASE("kill_all signals every process / pids lists them", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup cg;
    pid_t a = cg.spawn(idle_child);
    pid_t b = cg.spawn(idle_child);
    cg.m().add_process(a);
    cg.m().add_process(b);
    CHECK(cg.m().pids() == std::vector<pid_t>{std::min(a, b), std::max(a, b)});
    cg.m().kill_all(SIGTERM);
    for (pid_t p : {a, b}) {
        auto st = cg.wait_for(p, 5s);
        REQUIRE(st);
        CHECK(WIFSIGNALED(*st));
        CHECK(WTERMSIG(*st) == SIGTERM);
    }
    CHECK(cg.m().freezer_state() == FreezerState::Thawed);

    // SIGKILL to a paused cgroup: the tasks die (v1 needs the thaw).
    pid_t c = cg.spawn(idle_child);
    cg.m().add_process(c);
    cg.m().freeze();
    cg.m().kill_all(SIGKILL);
    auto st = cg.wait_for(c, 5s);
    REQUIRE(st);
    CHECK(WTERMSIG(*st) == SIGKILL);
}

TEST_CASE("destroy kills what remains, even when frozen, and retries until the cgroup is empty", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup cg;
    // A tree: processes in a child cgroup too (as a container with nested cgroups).
    pid_t a = cg.spawn(idle_child);
    cg.m().add_process(a);
    std::vector<std::string> dirs = cg.m().directories();
    for (const auto& d : dirs) {
        REQUIRE(::mkdir((d + "/nested").c_str(), 0755) == 0);
    }
    pid_t b = cg.spawn(idle_child);
    for (const auto& d : dirs) {
        std::ofstream f(d + "/nested/cgroup.procs");
        if (cg.layout().mode == Mode::Unified || d.find("/cpuset/") == std::string::npos) f << b;
    }
    CHECK(cg.m().pids().size() == 2);
    cg.m().freeze();
    cg.m().destroy();
    for (const auto& d : dirs) CHECK_FALSE(exists(d));
    for (pid_t p : {a, b}) {
        auto st = cg.wait_for(p, 5s);
        REQUIRE(st);
        CHECK(WTERMSIG(*st) == SIGKILL);
    }
}

TEST_CASE("removal retries EBUSY while tasks remain, then gives up naming them", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup cg;
    pid_t child = cg.spawn(idle_child);
    cg.m().add_process(child);
    const std::string dir = cg.m().directories().front();
    // Nothing killed the child: rmdir says EBUSY until kick() does.
    CHECK_THROWS_WITH(remove_cgroup_tree(dir, [] {}, 200),
                      Catch::Contains("device or resource busy") && Catch::Contains(std::to_string(child)));
    CHECK(exists(dir));
    int kicks = 0;
    remove_cgroup_tree(dir, [&] {
        if (kicks++ == 0) ::kill(child, SIGKILL);
    });
    CHECK(kicks >= 1);
    CHECK_FALSE(exists(dir));
    auto st = cg.wait_for(child, 5s);
    REQUIRE(st);
    CHECK(WTERMSIG(*st) == SIGKILL);
}

TEST_CASE("stats report usage of the cgroup's processes", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup cg;
    spec::Resources r;
    r.pids = spec::Pids{100};
    r.memory = spec::Memory{};
    r.memory->limit = 256 << 20;
    cg.m().apply(r, false);
    Gate go;
    pid_t child = cg.spawn([&] {
        go.wait_in_child();
        void* p = ::mmap(nullptr, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) std::memset(p, 1, 8 << 20);
        auto end = std::chrono::steady_clock::now() + 300ms;
        volatile uint64_t x = 0;
        while (std::chrono::steady_clock::now() < end) x = x + 1;
        return idle_child();
    });
    cg.m().add_process(child);
    go.open();
    std::this_thread::sleep_for(500ms);
    Stats s = cg.m().stats();
    CHECK(s.cpu.usage.total > 10'000'000);  // > 10 ms of CPU (2 shared cores: keep it modest)
    CHECK(s.memory.usage.usage >= (8u << 20));
    CHECK(s.memory.usage.limit == (256u << 20));
    CHECK_FALSE(s.memory.raw.empty());
    CHECK(s.pids.current == 1);
    CHECK(s.pids.limit == 100);
}

TEST_CASE("device rules: defaults allow /dev/null, deny the rest / updates replace them", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup cg;
    spec::Resources r;
    r.devices = container_device_rules(spec::Linux{});
    cg.m().apply(r, false);
    if (cg.layout().mode != Mode::Unified) {
        DeviceState st = parse_devices_list(slurp(cg.dir("devices") + "/devices.list"));
        CHECK(st == emulate_devices(to_device_rules(r.devices)));
    } else {
        CHECK(attached_device_programs(cg.m().clone_into_fd(), cg.path()).size() == 1);
    }
    auto try_open = [&](const char* dev) {
        Gate go;
        pid_t child = cg.spawn([&] {
            go.wait_in_child();
            int fd = ::open(dev, O_RDONLY | O_CLOEXEC);
            if (fd >= 0) return 0;
            return errno == EPERM ? 1 : 2;
        });
        cg.m().add_process(child);
        go.open();
        int status = cg.wait(child);
        REQUIRE(WIFEXITED(status));
        return WEXITSTATUS(status);
    };
    CHECK(try_open("/dev/null") == 0);
    CHECK(try_open("/dev/kmsg") == 1);  // c 1:11: not in the default list

    // Update: allow /dev/kmsg too. Several updates never stack programs (v2).
    for (int i = 0; i < 3; ++i) {
        spec::Resources u;
        u.devices = r.devices;
        spec::DeviceCgroupRule kmsg;
        kmsg.allow = true;
        kmsg.type = "c";
        kmsg.major = 1;
        kmsg.minor = 11;
        kmsg.access = "r";
        u.devices.push_back(kmsg);
        cg.m().apply(u, true);
    }
    if (cg.layout().mode == Mode::Unified)
        CHECK(attached_device_programs(cg.m().clone_into_fd(), cg.path()).size() == 1);
    CHECK(try_open("/dev/kmsg") == 0);
    // An update without devices keeps them.
    cg.m().apply(spec::Resources{}, true);
    CHECK(try_open("/dev/kmsg") == 0);
    CHECK(try_open("/dev/null") == 0);
}

TEST_CASE("eBPF device filter on a cgroup2 directory: enforced, replaced, never stacked", "[cgroup_manager]") {
    if (!is_root()) return;
    TestCgroup cg;
    int fd = cg.m().clone_into_fd();
    if (fd < 0) {
        WARN("no cgroup2 mount: eBPF device filter not testable");
        return;
    }
    // On hybrid hosts the v1 devices controller is what berth uses, but the
    // cgroup2 hook works all the same: load the program there directly.
    const std::string where = cg.layout().unified + cg.path();
    auto deny_kmsg = emulate_devices(to_device_rules(container_device_rules(spec::Linux{})));
    install_device_filter(fd, device_filter_program(deny_kmsg), where);
    auto ids = attached_device_programs(fd, where);
    REQUIRE(ids.size() == 1);
    for (int i = 0; i < 5; ++i) install_device_filter(fd, device_filter_program(deny_kmsg), where);
    auto after = attached_device_programs(fd, where);
    REQUIRE(after.size() == 1);
    CHECK(after[0] != ids[0]);  // replaced, not kept

    Gate go;
    pid_t child = cg.spawn([&] {
        go.wait_in_child();
        int n = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        int k = ::open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
        if (n < 0) return 2;
        return k < 0 && errno == EPERM ? 0 : 1;
    });
    // Only the cgroup2 placement matters for the filter.
    std::ofstream(where + "/cgroup.procs") << child;
    go.open();
    int status = cg.wait(child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

// The cgroup v1 backend: one directory per mounted hierarchy, plus (hybrid)
// one in the cgroup2 mount, where berth also places the processes (as runc
// does) and where hugetlb and `unified` keys go when v1 lacks them.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "runtime/cgroups/backends.hpp"
#include "runtime/cgroups/files.hpp"
#include "runtime/cgroups/teardown.hpp"
#include "runtime/cgroups/v1_resources.hpp"
#include "runtime/cgroups/v2_resources.hpp"
#include "runtime/cgroups/v2_stats.hpp"

namespace berth::cgroups {

namespace {

constexpr auto kFreezeTimeout = std::chrono::seconds(10);

bool exists(const std::string& dir) {
    struct stat st {};
    return ::stat(dir.c_str(), &st) == 0;
}

uint64_t u64_or_zero(const std::string& dir, const std::string& name) {
    auto s = read_file_if_exists(dir, name);
    if (!s) return 0;
    try {
        return parse_u64(*s, dir + "/" + name);
    } catch (const std::exception&) {
        return 0;
    }
}

std::vector<uint64_t> u64_list(const std::string& dir, const std::string& name) {
    std::vector<uint64_t> out;
    auto s = read_file_if_exists(dir, name);
    if (!s) return out;
    std::istringstream in(*s);
    for (uint64_t v; in >> v;) out.push_back(v);
    return out;
}

class V1Manager final : public Manager {
public:
    V1Manager(const std::string& path, const Layout& layout, Creation creation) : Manager(path, layout) {
        const bool create = creation != Creation::None;
        for (const auto& h : layout_.v1) {
            std::string dir = join_cgroup(h.mountpoint, path_);
            hierarchies_.push_back(dir);
            for (const auto& c : h.controllers) dirs_.byController[c] = dir;
        }
        if (layout_.mode == Mode::Hybrid && !layout_.unified.empty()) unified_ = join_cgroup(layout_.unified, path_);
        // A create that fails in one hierarchy removes what it made in the
        // others: no manager exists yet whose destroy() could.
        std::vector<std::string> made;
        try {
            if (creation == Creation::Everything) make_v1_directories(made);
            if (create && !unified_.empty()) {
                auto u = make_cgroup_dirs(layout_.unified, path_);
                made.insert(made.end(), u.begin(), u.end());
            }
            if (!unified_.empty()) {
                unifiedFd_ = UniqueFd(::open(unified_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
                if (!unifiedFd_ && (create || errno != ENOENT)) throw_errno("open cgroup " + unified_);
            }
        } catch (...) {
            for (auto it = made.rbegin(); it != made.rend(); ++it) ::rmdir(it->c_str());
            throw;
        }
    }

    std::vector<std::string> directories() const override {
        auto out = hierarchies_;
        if (!unified_.empty()) out.push_back(unified_);
        return out;
    }

    int clone_into_fd() const override { return unifiedFd_.get(); }

    void add_process(pid_t pid) override {
        for (const auto& dir : directories()) {
            for (int attempt = 0;; ++attempt) {
                int err = try_write_file(dir, "cgroup.procs", std::to_string(pid));
                if (err == 0) break;
                if (err == EINVAL && attempt < 5) {  // TASK_NEW, as runc retries
                    std::this_thread::sleep_for(std::chrono::milliseconds(30));
                    continue;
                }
                throw_errno("add process " + std::to_string(pid) + " to cgroup " + dir, err);
            }
        }
    }

    std::vector<std::string> v1_task_files() const override {
        std::vector<std::string> out;
        for (const auto& dir : hierarchies_) out.push_back(dir + "/tasks");
        return out;
    }

    void apply(const spec::Resources& r, bool isUpdate) override {
        apply_v1_resources(dirs_, r, isUpdate);
        const bool hugetlbOnV2 = !r.hugepageLimits.empty() && !dirs_.find("hugetlb");
        if (hugetlbOnV2 || !r.unified.empty()) {
            if (unified_.empty())
                throw Error(std::string(hugetlbOnV2 ? "linux.resources.hugepageLimits: the hugetlb controller"
                                                    : "linux.resources.unified: cgroup v2") +
                                " is not mounted on this host",
                            ENOENT);
            // Only what is needed: on hybrid hosts the cgroup2 root belongs to the host.
            auto needed = v2_controllers_needed(r.unified, hugetlbOnV2);
            if (!needed.empty()) enable_v2_controllers(layout_.unified, path_, needed);
            if (hugetlbOnV2) apply_v2_hugetlb(unified_, r.hugepageLimits);
            apply_v2_unified(unified_, r.unified);
        }
        if (isUpdate && r.devices.empty()) return;
        if (in_user_namespace()) {
            spdlog::debug("in a user namespace: device rules skipped");
            return;
        }
        apply_v1_devices(need("devices", "linux.resources.devices"), r.devices);
    }

    void freeze() override {
        const std::string dir = need("freezer", "freeze");
        write_file(dir, "freezer.state", "FROZEN");
        const auto deadline = std::chrono::steady_clock::now() + kFreezeTimeout;
        for (int round = 1;; ++round) {
            if (trim(read_file(dir, "freezer.state")) == "FROZEN") return;
            if (std::chrono::steady_clock::now() >= deadline) {
                (void)try_write_file(dir, "freezer.state", "THAWED");
                throw Error("freeze " + dir + ": tasks did not stop within 10s");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(round < 10 ? 1 : 10));
            // A task can be stuck FREEZING; asking again nudges the kernel (runc does the same).
            if (round % 20 == 0) (void)try_write_file(dir, "freezer.state", "FROZEN");
        }
    }

    void thaw() override { write_file(need("freezer", "thaw"), "freezer.state", "THAWED"); }

    FreezerState freezer_state() const override {
        std::string s = trim(read_file(need("freezer", "read freezer state"), "freezer.state"));
        if (s == "FROZEN") return FreezerState::Frozen;
        if (s == "FREEZING") return FreezerState::Freezing;
        return FreezerState::Thawed;
    }

    std::vector<pid_t> pids() const override {
        std::vector<pid_t> all;
        for (const auto& dir : directories()) {
            auto p = read_pids(dir, true);
            all.insert(all.end(), p.begin(), p.end());
        }
        return unique_sorted(std::move(all));
    }

    void kill_all(int signal) override {
        const bool haveFreezer = dirs_.find("freezer") && exists(*dirs_.find("freezer"));
        if (signal == SIGKILL && !unified_.empty() && file_exists(unified_, "cgroup.kill"))
            write_file(unified_, "cgroup.kill", "1");
        // Frozen while listed and signalled, so nothing forks past the list.
        const bool wasFrozen = haveFreezer && freezer_state() != FreezerState::Thawed;
        bool froze = false;
        if (haveFreezer && !wasFrozen) {
            try {
                freeze();
                froze = true;
            } catch (const Error& e) {
                spdlog::warn("kill: {}", e.what());
            }
        }
        signal_pids(pids(), signal);
        // v1 frozen tasks do not die until thawed.
        if (froze || (wasFrozen && signal == SIGKILL)) thaw();
    }

    void destroy() override {
        // Usually the tasks are gone (the container's pid namespace died with
        // its init): then each directory goes with one rmdir. Tasks or child
        // cgroups left anywhere (EBUSY) take the kill-and-retry path below.
        bool left = false;
        for (const auto& dir : directories())
            if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) left = true;
        if (!left) {
            unifiedFd_.reset();
            return;
        }
        auto freezer = dirs_.find("freezer");
        auto kick = [&] {
            signal_pids(pids(), SIGKILL);
            if (!unified_.empty()) (void)try_write_file(unified_, "cgroup.kill", "1");
            if (freezer) (void)try_write_file(*freezer, "freezer.state", "THAWED");
        };
        bool any = !unified_.empty() && exists(unified_);
        for (const auto& d : hierarchies_) any = any || exists(d);
        if (!any) return;
        kick();
        std::string failures;
        int firstErr = 0;
        for (const auto& dir : directories()) {
            try {
                remove_cgroup_tree(dir, kick);
            } catch (const Error& e) {
                failures += (failures.empty() ? "" : "; ") + std::string(e.what());
                if (!firstErr) firstErr = e.code();
            }
        }
        unifiedFd_.reset();
        if (!failures.empty()) throw Error(failures, firstErr);
    }

    Stats stats() const override {
        Stats st;
        if (auto cpu = dirs_.find("cpu")) {
            if (auto s = read_file_if_exists(*cpu, "cpu.stat")) {
                auto kv = parse_flat_keyed(*s);
                st.cpu.throttling = {kv["nr_periods"], kv["nr_throttled"], kv["throttled_time"]};
            }
        }
        if (auto acct = dirs_.find("cpuacct")) {
            st.cpu.usage.total = u64_or_zero(*acct, "cpuacct.usage");
            st.cpu.usage.percpu = u64_list(*acct, "cpuacct.usage_percpu");
            st.cpu.usage.percpuKernel = u64_list(*acct, "cpuacct.usage_percpu_sys");
            st.cpu.usage.percpuUser = u64_list(*acct, "cpuacct.usage_percpu_user");
            if (auto s = read_file_if_exists(*acct, "cpuacct.stat")) {
                // user/system in USER_HZ ticks.
                auto kv = parse_flat_keyed(*s);
                const uint64_t nsPerTick = 1000000000ULL / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
                st.cpu.usage.user = kv["user"] * nsPerTick;
                st.cpu.usage.kernel = kv["system"] * nsPerTick;
            }
        }
        if (auto mem = dirs_.find("memory")) {
            if (!exists(*mem)) throw_errno("open cgroup " + *mem, ENOENT);
            if (auto s = read_file_if_exists(*mem, "memory.stat")) {
                st.memory.raw = parse_flat_keyed(*s);
                st.memory.cache = st.memory.raw["cache"];
            }
            auto entry = [&](const std::string& prefix) {
                return MemoryEntry{u64_or_zero(*mem, prefix + ".limit_in_bytes"),
                                   u64_or_zero(*mem, prefix + ".usage_in_bytes"),
                                   u64_or_zero(*mem, prefix + ".max_usage_in_bytes"),
                                   u64_or_zero(*mem, prefix + ".failcnt")};
            };
            st.memory.usage = entry("memory");
            st.memory.swap = entry("memory.memsw");
            st.memory.kernel = entry("memory.kmem");
            st.memory.kernelTCP = entry("memory.kmem.tcp");
            if (auto s = read_file_if_exists(*mem, "memory.oom_control")) {
                auto kv = parse_flat_keyed(*s);
                st.memory.events.oomKill = kv["oom_kill"];
            }
        }
        if (auto p = dirs_.find("pids")) {
            st.pids.current = u64_or_zero(*p, "pids.current");
            uint64_t max = u64_or_zero(*p, "pids.max");
            st.pids.limit = max == UINT64_MAX ? 0 : max;
        }
        if (auto b = dirs_.find("blkio")) {
            // The first family the kernel provides, as runc reads them.
            const std::vector<std::pair<std::string, std::string>> families = {
                {"blkio.bfq.io_service_bytes_recursive", "blkio.bfq.io_serviced_recursive"},
                {"blkio.io_service_bytes_recursive", "blkio.io_serviced_recursive"},
                {"blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive"},
                {"blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced"}};
            for (const auto& [bytes, ios] : families) {
                auto sb = read_file_if_exists(*b, bytes);
                if (!sb) continue;
                st.blkio.ioServiceBytesRecursive = parse_blkio_v1(*sb);
                st.blkio.ioServicedRecursive = parse_blkio_v1(read_file_if_exists(*b, ios).value_or(""));
                break;
            }
        }
        if (auto h = dirs_.find("hugetlb")) {
            // hugetlb.<size>.usage_in_bytes
            for (const auto& size : hugetlb_sizes(*h))
                st.hugetlb[size] = {u64_or_zero(*h, "hugetlb." + size + ".usage_in_bytes"),
                                    u64_or_zero(*h, "hugetlb." + size + ".max_usage_in_bytes"),
                                    u64_or_zero(*h, "hugetlb." + size + ".failcnt")};
        } else if (!unified_.empty()) {
            read_v2_hugetlb(unified_, st);
        }
        return st;
    }

    OomWatch watch_oom() const override { return OomWatch::for_v1(need("memory", "watch oom")); }

private:
    std::string need(const std::string& controller, const std::string& what) const {
        auto d = dirs_.find(controller);
        if (!d) throw Error(what + ": the " + controller + " controller is not mounted on this host", ENOENT);
        return *d;
    }

    static std::vector<std::string> hugetlb_sizes(const std::string& dir) {
        std::vector<std::string> out;
        DIR* d = ::opendir(dir.c_str());
        if (!d) return out;
        const std::string prefix = "hugetlb.", suffix = ".limit_in_bytes";
        while (dirent* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n.size() > prefix.size() + suffix.size() && n.rfind(prefix, 0) == 0 &&
                n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) {
                std::string size = n.substr(prefix.size(), n.size() - prefix.size() - suffix.size());
                if (size.find('.') == std::string::npos) out.push_back(size);
            }
        }
        ::closedir(d);
        return out;
    }

    void make_remaining() override {
        std::vector<std::string> made;
        try {
            make_v1_directories(made);
        } catch (...) {
            for (auto it = made.rbegin(); it != made.rend(); ++it) ::rmdir(it->c_str());
            throw;
        }
    }

    // Appends every v1 directory it creates to `made`, parents first.
    void make_v1_directories(std::vector<std::string>& made) {
        auto add = [&made](std::vector<std::string> dirs) { made.insert(made.end(), dirs.begin(), dirs.end()); };
        for (const auto& h : layout_.v1) {
            bool cpuset = std::find(h.controllers.begin(), h.controllers.end(), "cpuset") != h.controllers.end();
            if (!cpuset) {
                add(make_cgroup_dirs(h.mountpoint, path_));
                continue;
            }
            // A task can join a cpuset cgroup only once its cpus and mems are set.
            auto created = make_cgroup_dirs(h.mountpoint, path_);
            add(created);
            const std::string leaf = join_cgroup(h.mountpoint, path_);
            const bool fresh = !created.empty() && created.back() == leaf;
            for (const char* file : {"cpuset.cpus", "cpuset.mems"}) cpuset_fill(h.mountpoint, leaf, file, fresh);
        }
    }

    V1Dirs dirs_;
    std::vector<std::string> hierarchies_;  // one directory per mounted hierarchy
    std::string unified_;                   // hybrid only
    UniqueFd unifiedFd_;
};

}  // namespace

void join_self_v1(const std::vector<std::string>& taskFiles) {
    for (const auto& f : taskFiles) {
        UniqueFd fd(::open(f.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) throw_errno("join cgroup " + f);
        if (::write(fd.get(), "0", 1) != 1) throw_errno("join cgroup " + f);
    }
}

std::vector<UniqueFd> open_task_files(const std::vector<std::string>& taskFiles) {
    std::vector<UniqueFd> fds;
    for (const auto& f : taskFiles) {
        fds.emplace_back(::open(f.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fds.back()) throw_errno("join cgroup " + f);
    }
    return fds;
}

void join_self_v1(const std::vector<UniqueFd>& taskFds, const std::vector<std::string>& taskFiles) {
    for (size_t i = 0; i < taskFds.size(); ++i)
        if (::write(taskFds[i].get(), "0", 1) != 1)
            throw_errno("join cgroup " + (i < taskFiles.size() ? taskFiles[i] : std::string("tasks")));
}

std::unique_ptr<Manager> make_v1_manager(const std::string& path, const Layout& layout, Creation creation) {
    return std::make_unique<V1Manager>(path, layout, creation);
}

}  // namespace berth::cgroups

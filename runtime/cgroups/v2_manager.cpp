// The cgroup v2 backend: one directory below the unified mount.
#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "common/error.hpp"
#include "runtime/cgroups/backends.hpp"
#include "runtime/cgroups/device_filter.hpp"
#include "runtime/cgroups/devices.hpp"
#include "runtime/cgroups/files.hpp"
#include "runtime/cgroups/teardown.hpp"
#include "runtime/cgroups/v2_resources.hpp"
#include "runtime/cgroups/v2_stats.hpp"

namespace berth::cgroups {

namespace {

constexpr auto kFreezeTimeout = std::chrono::seconds(10);

bool events_frozen(const std::string& dir) {
    auto ev = read_file_if_exists(dir, "cgroup.events");
    return ev && parse_flat_keyed(*ev)["frozen"] == 1;
}

class V2Manager final : public Manager {
public:
    V2Manager(const std::string& path, const Layout& layout, Creation creation)
        : Manager(path, layout), dir_(join_cgroup(layout.unified, path)) {
        const bool create = creation != Creation::None;  // the one directory is the clone target
        std::vector<std::string> made;
        if (create) {
            enable_v2_controllers(layout_.unified, path_, {});
            made = make_cgroup_dirs(layout_.unified, path_);
        }
        fd_ = UniqueFd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!fd_ && (create || errno != ENOENT)) {
            int err = errno;
            for (auto it = made.rbegin(); it != made.rend(); ++it) ::rmdir(it->c_str());
            throw_errno("open cgroup " + dir_, err);
        }
    }

    std::vector<std::string> directories() const override { return {dir_}; }

    // -1 while pids.max=0 waits for the init: clone3(CLONE_INTO_CGROUP) is a
    // fork into the cgroup, which that limit refuses (EAGAIN); the lifecycle
    // then clones outside and calls add_process(), which migration allows.
    int clone_into_fd() const override { return deferredZeroPids_ ? -1 : fd_.get(); }

    void add_process(pid_t pid) override {
        join(pid);
        if (deferredZeroPids_) {
            write_setting("linux.resources.pids.limit", "the pids controller", dir_, "pids.max", "0");
            deferredZeroPids_ = false;
        }
    }

    void apply(const spec::Resources& r, bool isUpdate) override {
        if (!isUpdate && !initJoined_ && r.pids && r.pids->limit == 0 && !r.unified.count("pids.max")) {
            // pids.max=0 before the init is in the cgroup would refuse its
            // clone: written by add_process(), right after it joined.
            spec::Resources rest = r;
            rest.pids.reset();
            apply_v2_resources(dir_, rest, isUpdate);
            // Fail now, not after the clone, when the controller is missing.
            auto current = read_file_if_exists(dir_, "pids.max");
            write_setting("linux.resources.pids.limit", "the pids controller", dir_, "pids.max",
                          current ? trim(*current) : "max");
            deferredZeroPids_ = true;
        } else {
            apply_v2_resources(dir_, r, isUpdate);
        }
        if (isUpdate && r.devices.empty()) return;
        if (in_user_namespace()) {
            spdlog::debug("in a user namespace: device rules for {} skipped", dir_);
            return;
        }
        DeviceState state = emulate_devices(to_device_rules(r.devices));
        if (!fd_) throw_errno("open cgroup " + dir_, ENOENT);
        try {
            install_device_filter(fd_.get(), device_filter_program(state), dir_);
        } catch (const Error& e) {
            throw e.wrap("linux.resources.devices");
        }
    }

    void freeze() override { freeze_v2(dir_, true); }
    void thaw() override { freeze_v2(dir_, false); }
    FreezerState freezer_state() const override { return freezer_state_v2(dir_); }

    std::vector<pid_t> pids() const override { return unique_sorted(read_pids(dir_, true)); }

    void kill_all(int signal) override {
        if (signal == SIGKILL && file_exists(dir_, "cgroup.kill")) {
            write_file(dir_, "cgroup.kill", "1");
            return;
        }
        // Frozen while listed and signalled, so nothing forks past the list.
        const bool wasFrozen = freezer_state() != FreezerState::Thawed;
        bool froze = false;
        if (!wasFrozen) {
            try {
                freeze();
                froze = true;
            } catch (const Error& e) {
                spdlog::warn("kill: {}", e.what());
            }
        }
        signal_pids(pids(), signal);
        if (froze || (wasFrozen && signal == SIGKILL)) thaw();
    }

    void destroy() override {
        // Empty and without children (the usual end of a container): one rmdir.
        if (::rmdir(dir_.c_str()) == 0 || errno == ENOENT) {
            fd_.reset();
            return;
        }
        auto kick = [this] {
            if (file_exists(dir_, "cgroup.kill")) {
                (void)try_write_file(dir_, "cgroup.kill", "1");
            } else {
                signal_pids(read_pids(dir_, true), SIGKILL);
                (void)try_write_file(dir_, "cgroup.freeze", "0");
            }
        };
        kick();
        remove_cgroup_tree(dir_, kick);
        fd_.reset();
    }

    Stats stats() const override {
        if (!fd_) throw_errno("open cgroup " + dir_, ENOENT);
        return read_v2_stats(dir_);
    }

    OomWatch watch_oom() const override { return OomWatch::for_v2(dir_); }

private:
    void join(pid_t pid) {
        // EINVAL can mean the task is still being created (TASK_NEW): retry briefly, as runc does.
        for (int attempt = 0;; ++attempt) {
            int err = try_write_file(dir_, "cgroup.procs", std::to_string(pid));
            if (err == 0) return;
            if (err == EINVAL && attempt < 5) {
                std::this_thread::sleep_for(std::chrono::milliseconds(30));
                continue;
            }
            throw_errno("add process " + std::to_string(pid) + " to cgroup " + dir_, err);
        }
    }

    std::string dir_;
    UniqueFd fd_;
    bool deferredZeroPids_ = false;  // create: pids.limit 0, written once the init joined
};

}  // namespace

void freeze_v2(const std::string& dir, bool freeze) {
    if (!file_exists(dir, "cgroup.freeze"))
        throw Error(std::string(freeze ? "freeze " : "thaw ") + dir + ": cgroup.freeze missing (the kernel needs Linux 5.2+)",
                    ENOENT);
    write_file(dir, "cgroup.freeze", freeze ? "1" : "0");
    if (!freeze) return;
    const auto deadline = std::chrono::steady_clock::now() + kFreezeTimeout;
    auto pause = std::chrono::microseconds(200);
    while (!events_frozen(dir)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            (void)try_write_file(dir, "cgroup.freeze", "0");
            throw Error("freeze " + dir + ": tasks did not stop within 10s");
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(20000));
    }
}

FreezerState freezer_state_v2(const std::string& dir) {
    auto want = read_file_if_exists(dir, "cgroup.freeze");
    if (!want) {
        if (!file_exists(dir, "cgroup.procs")) throw_errno("read freezer state of " + dir, ENOENT);
        return FreezerState::Thawed;  // kernel without the v2 freezer
    }
    if (trim(*want) != "1") return FreezerState::Thawed;
    return events_frozen(dir) ? FreezerState::Frozen : FreezerState::Freezing;
}

std::unique_ptr<Manager> make_v2_manager(const std::string& path, const Layout& layout, Creation creation) {
    return std::make_unique<V2Manager>(path, layout, creation);
}

}  // namespace berth::cgroups

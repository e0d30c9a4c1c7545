// berth's cgroup manager: one interface, two backends (cgroup v2; cgroup v1
// with or without the hybrid cgroup2 mount). The lifecycle uses it like this:
//
//   create:  auto cg = Manager::create(resolve_cgroup_path(...), detect_layout());
//            CgroupGuard guard(*cg);                  // removes the cgroup if create fails
//            cg->apply(resources_for_create, false);  // devices: container_device_rules()
//            clone3(CLONE_INTO_CGROUP, cg->clone_into_fd()) when it is >= 0 ...
//            cg->add_process(initPid);                // v1/hybrid: before the init runs container code
//            guard.commit();                          // save cg->path() in the state
//   later:   auto cg = Manager::open(state.cgroupPath, detect_layout());
//            cg->freeze() / thaw() / pids() / apply(update, true) / stats() / watch_oom() /
//            kill_all(sig) / destroy()
//
// Every method throws berth::Error with context; none is thread-safe.
//
// A field the host cannot apply fails with an error naming it
// ("linux.resources.memory.swap: swap limit is not supported on this host
// (memory.memsw.limit_in_bytes missing in ...)"), except these, which berth
// skips silently (a debug/warn log line) because runc does too:
//   - memory.kernel, memory.kernelTCP (both backends; deprecated by the kernel)
//   - memory.useHierarchy (v1: always hierarchical on current kernels; v2: always)
//   - memory.swap of -1 ("unlimited") when the host has no swap accounting
//     (memory.swap.max / memory.memsw.limit_in_bytes missing); on v2 also a
//     swap equal to the limit ("no swap"), as runc's fs2 does
//   - v2: memory.swappiness, memory.disableOOMKiller (no v2 equivalent)
//   - v2: cpu.realtimeRuntime / cpu.realtimePeriod (no RT group scheduling on v2)
//   - v2: blockIO.leafWeight; blockIO.weightDevice when the kernel has no
//     per-device BFQ weights (io.bfq.weight missing or pre-5.4 format)
//   - v2: network.classID / network.priorities (no net_cls/net_prio on v2)
//   - devices, when running in a user namespace (the kernel refuses them there)
//   - zero / absent numbers on update (Docker's {"memory":{"limit":0}})
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"
#include "runtime/cgroups/layout.hpp"
#include "runtime/cgroups/stats.hpp"
#include "spec/config.hpp"

namespace berth::cgroups {

enum class FreezerState { Thawed, Freezing, Frozen };

// OOM events of one cgroup, as a pollable fd: v2 watches memory.events with
// inotify and counts "oom_kill"; v1 registers an eventfd on memory.oom_control.
class OomWatch {
public:
    static OomWatch for_v2(const std::string& dir);
    static OomWatch for_v1(const std::string& memoryDir);

    // Readable (POLLIN) when something may have happened; then call consume().
    int fd() const { return fd_.get(); }
    // OOM events since the previous call (or since the watch began); never blocks.
    uint64_t consume();

private:
    OomWatch() = default;
    bool v2_ = true;
    UniqueFd fd_;        // inotify (v2) or eventfd (v1)
    UniqueFd control_;   // v1: the memory.oom_control fd the eventfd is bound to
    std::string dir_;
    uint64_t seen_ = 0;  // v2: oom_kill count already reported
};

class Manager {
public:
    virtual ~Manager() = default;

    // Makes the cgroup `path` ("/berth/<id>") in every hierarchy of `layout`
    // (an existing directory is reused). v2: enables every available
    // controller in the ancestors' cgroup.subtree_control. v1: cpuset
    // directories get cpus/mems copied from their parent, so tasks can join.
    static std::unique_ptr<Manager> create(const std::string& path, const Layout& layout);
    // create() in two steps, so that most of it overlaps the init's own setup:
    // create_clone_target() makes only the directory clone3(CLONE_INTO_CGROUP)
    // places the init in (v2 and hybrid: the cgroup2 one; legacy v1: none);
    // make_remaining_directories(), after the clone, makes the rest (the v1
    // hierarchies, with cpuset cpus/mems) before any task joins them.
    static std::unique_ptr<Manager> create_clone_target(const std::string& path, const Layout& layout);
    void make_remaining_directories();
    // For later commands: no directory is made; a missing one is an error only
    // for the operations that need it (destroy() of a missing cgroup succeeds).
    static std::unique_ptr<Manager> open(const std::string& path, const Layout& layout);
    // The same on this host's layout (detect_layout()).
    static std::unique_ptr<Manager> create(const std::string& path) { return create(path, detect_layout()); }
    static std::unique_ptr<Manager> open(const std::string& path) { return open(path, detect_layout()); }

    const std::string& path() const { return path_; }
    Mode mode() const { return layout_.mode; }
    const Layout& layout() const { return layout_; }
    // Every directory this cgroup has (one per hierarchy; with the unified one).
    virtual std::vector<std::string> directories() const = 0;

    // A directory fd of the cgroup2 cgroup for clone3(CLONE_INTO_CGROUP), or
    // -1 when there is none (legacy). On hybrid it places the child only in
    // the cgroup2 hierarchy: add_process() is still needed for the v1 ones.
    // Also -1 on v2 after a create-time apply() with pids.limit 0: clone3
    // into a cgroup whose pids.max is 0 fails, so pids.max is written by
    // add_process() once the init has joined. Owned by the manager.
    virtual int clone_into_fd() const = 0;
    // Writes pid to cgroup.procs in every hierarchy (hybrid: also the unified one).
    virtual void add_process(pid_t pid) = 0;
    // v1/hybrid: the `tasks` file of this cgroup in every v1 hierarchy (not the
    // unified one); empty on v2. A single-threaded process that writes "0" to
    // each moves itself there without the kernel's global threadgroup lock,
    // which a cgroup.procs write takes and which waits for an RCU grace
    // period (~10 ms per container on a hybrid host). See join_self_v1().
    virtual std::vector<std::string> v1_task_files() const { return {}; }

    // Applies linux.resources. isUpdate=false (create): everything present is
    // written, and `devices` is always installed (an empty list denies every
    // device: pass container_device_rules()). isUpdate=true (`update`): absent
    // or zero fields leave the current limits alone (Docker sends
    // {"memory":{"limit":0}}), an empty `devices` keeps the device rules.
    // Errors name the spec field ("linux.resources.memory.swap: ...").
    virtual void apply(const spec::Resources& resources, bool isUpdate) = 0;
    // The init is in the cgroup already (clone3 placed it), so a create-time
    // apply() may write what would have refused the clone (v2 pids.max 0).
    void init_joined() { initJoined_ = true; }

    // freeze() returns once every task is frozen (v2 cgroup.events "frozen 1";
    // v1 freezer.state FROZEN) or throws after thawing again on timeout.
    virtual void freeze() = 0;
    virtual void thaw() = 0;
    virtual FreezerState freezer_state() const = 0;
    bool frozen() const { return freezer_state() == FreezerState::Frozen; }

    // Every process in the cgroup and its descendants, sorted, no duplicates.
    virtual std::vector<pid_t> pids() const = 0;
    // Signals every process. SIGKILL uses cgroup.kill where the kernel has it;
    // otherwise the cgroup is frozen while it is listed and signalled, then
    // thawed (left frozen if it was paused, unless the signal is SIGKILL).
    virtual void kill_all(int signal) = 0;
    // Kills what remains, removes the cgroup and its children in every
    // hierarchy (retrying EBUSY with a short backoff while the killed tasks
    // exit); tries every hierarchy before reporting a failure. Idempotent.
    virtual void destroy() = 0;

    virtual Stats stats() const = 0;
    virtual OomWatch watch_oom() const = 0;

protected:
    Manager(std::string path, Layout layout) : path_(std::move(path)), layout_(std::move(layout)) {}
    virtual void make_remaining() {}

    std::string path_;
    Layout layout_;
    bool initJoined_ = false;
};

// Moves the calling process into the cgroups whose `tasks` files are given
// (v1_task_files()), by writing "0". Only for a single-threaded process: its
// one thread is the whole process, and the kernel moves the caller itself
// without the global lock. Throws on the first file that refuses.
void join_self_v1(const std::vector<std::string>& taskFiles);
// The same through fds the parent opened (open_task_files): the init then
// only writes. taskFiles names them in errors; fds and names pair up.
std::vector<UniqueFd> open_task_files(const std::vector<std::string>& taskFiles);
void join_self_v1(const std::vector<UniqueFd>& taskFds, const std::vector<std::string>& taskFiles);

// Destroys the cgroup when a create fails before commit().
class CgroupGuard {
public:
    explicit CgroupGuard(Manager& manager) : manager_(&manager) {}
    CgroupGuard(const CgroupGuard&) = delete;
    CgroupGuard& operator=(const CgroupGuard&) = delete;
    ~CgroupGuard();
    void commit() noexcept { manager_ = nullptr; }

private:
    Manager* manager_;
};

}  // namespace berth::cgroups

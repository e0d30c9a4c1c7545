// The container's init before execve: what the cloned child does, as one
// list of steps (see run_init in init_process.cpp and sync_protocol.hpp).
#pragma once

#include <optional>
#include <string>

#include "runtime/container/sync_protocol.hpp"
#include "runtime/kernel/idmap_userns.hpp"
#include "runtime/kernel/lsm.hpp"
#include "runtime/kernel/namespaces.hpp"
#include "runtime/kernel/seccomp.hpp"
#include "spec/config.hpp"

namespace berth::container {

// Everything the child needs, prepared by the parent before clone (the child
// gets a copy of the parent's memory, so this is plain data).
struct InitPlan {
    const spec::Config* config = nullptr;
    std::string id;
    std::string bundle;
    std::string rootfs;              // absolute host path
    kernel::NamespacePlan namespaces;
    // v1 cgroup `tasks` files init writes "0" to before anything else (then
    // the parent does not join it there; see CgroupSetup::self_join_files).
    std::vector<std::string> cgroupTaskFiles;
    bool waitForGo = false;          // parent writes id maps / joins v1 cgroups / rlimits first
    bool runtimeHooks = false;       // prestart/createRuntime hooks: Mounted handshake
    bool rlimitsByParent = false;    // with a user namespace the parent sets them (CAP_SYS_RESOURCE)
    bool noPivot = false;
    bool noNewKeyring = false;
    int consoleSocket = -1;          // connected --console-socket, when process.terminal
    int execFifo = -1;               // O_PATH fd of <state>/exec.fifo
    int preserveFds = 0;             // fds 3 .. 3+N-1 stay open across execve
    std::vector<std::string> extraEnv;  // LISTEN_FDS/LISTEN_PID when passed through
    std::optional<kernel::SeccompProgram> seccomp;
    kernel::LsmSupport lsm;          // the host's LSMs: the child, after pivot_root, cannot tell
    // The parent's fds the child must not keep: the state directory (its flock
    // would outlive create and block every later command) and the cgroup fd.
    std::vector<int> closeInChild;
    // Id-mapped bind sources the parent made (user namespace containers).
    const kernel::IdmappedSources* idmappedSources = nullptr;
};

// Runs in the child; never returns. Errors go to the parent over `channel`
// (or, once `start` has been reached, into exec.fifo for `start` to report).
[[noreturn]] void run_init(const InitPlan& plan, SyncChannel& channel) noexcept;

}  // namespace berth::container

// The last steps of every container process — the init once `start` has
// opened exec.fifo, and each `exec` — from the LSM attributes to the execve of
// the program. One list, so the init and exec cannot drift apart:
//   1. the exec trampoline's sealed memfd (before seccomp, which may refuse
//      memfd_create; CVE-2019-5736, runtime/kernel/exec_trampoline.hpp)
//   2. the LSM exec attributes (decided here, written by the trampoline)
//   3. seccomp, now if no_new_privs is off: loading needs CAP_SYS_ADMIN
//   4. HOME from the container's /etc/passwd when process.env lacks it
//   5. user, groups and capabilities
//   6. every fd closed but stdio, the preserved ones and ours (CVE-2024-21626)
//   7. cwd entered, and checked to be inside the container's root
//   8. args[0] looked up (runc's exec.LookPath)
//   9. no_new_privs, then seccomp if not loaded yet; the notify listener handed over
//  10. final CPU affinity, signals reset, exec through the trampoline
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"
#include "runtime/kernel/lsm.hpp"
#include "runtime/kernel/seccomp.hpp"
#include "spec/config.hpp"

namespace berth::container {

struct ProgramLaunch {
    const spec::Process* process = nullptr;
    const kernel::SeccompProgram* seccomp = nullptr;  // null: no filter
    kernel::LsmSupport lsm;                           // the host's LSMs, seen by the parent
    int preserveFds = 0;                              // fds 3 .. 3+N-1 reach the program
    int reportFd = -1;          // exec.fifo (init) or the error pipe (exec): failures after the first execve
    UniqueFd agent;             // connected listenerPath socket, closed once the listener is sent
    std::vector<std::string> extraEnv;                // appended to process.env (LISTEN_FDS...)
    std::function<void(int agent, int listener)> handOverListener;  // SCMP_ACT_NOTIFY
};

// Never returns: execs the program, or throws (nothing was exec'd); a failure
// of the final execve itself is reported by the trampoline through reportFd.
[[noreturn]] void launch_program(ProgramLaunch l);

// process.user's home from the container's /etc/passwd, "/" when it has none.
std::string home_directory(uid_t uid);

}  // namespace berth::container

// Running a container's program through the sealed exec trampoline
// (runtime/trampoline/trampoline.c): the CVE-2019-5736 defence.
//
// A container process is a clone of berth until it execs, so /proc/self/exe
// names the host's berth binary; if the container's program is (or its #! or
// ELF interpreter is) /proc/self/exe, a direct execve would run berth inside
// the container, where its root could open that binary and rewrite it. berth
// instead execs a few-KiB static program from a sealed memfd — no copy of
// berth, no re-exec of berth — and that program execs the container's.
#pragma once

#include <string>
#include <vector>

#include "common/unique_fd.hpp"

namespace berth::kernel {

// A write to do in the trampoline just before its execve: an LSM attribute
// such as /proc/self/attr/apparmor/exec, which applies to the next execve.
struct ExecAttr {
    std::string path;
    std::string value;
};

// The trampoline in a sealed memfd (write, grow, shrink and further sealing
// refused), close-on-exec. Made before the seccomp filter is loaded, since
// the filter may refuse memfd_create.
UniqueFd open_exec_trampoline();

struct TrampolineExec {
    int trampoline = -1;            // from open_exec_trampoline()
    std::string path;               // the program, already resolved
    std::vector<std::string> argv;  // its argv (argv[0] included)
    std::vector<std::string> env;
    int reportFd = -1;              // failures after the first execve are written here
    std::vector<ExecAttr> attrs;
};

// Execs the trampoline (execveat on the memfd; execve of /proc/self/fd/N when
// execveat is refused, e.g. by a seccomp profile). Returns only on failure,
// by throwing: nothing was exec'd. The caller has already reset signals.
[[noreturn]] void exec_through_trampoline(const TrampolineExec& e);

// The trampoline reports "berth-exec-failed <errno> <what>"; this turns it
// into "<what>: <strerror>" (e.g. "exec /bin/x: exec format error"). Other
// text is returned unchanged.
std::string describe_exec_report(const std::string& report);

// The embedded trampoline's bytes (for the tests).
std::string_view exec_trampoline_image();

}  // namespace berth::kernel

// Seccomp: the runtime-spec `linux.seccomp` section compiled to a classic BPF
// program (through libseccomp), and that program loaded into the calling
// process. Compiling is slow (tens of milliseconds for Docker's profile) and
// runs in the parent before clone (see seccomp_cache.hpp for the cache);
// loading is one system call and runs in the container's init as the last step
// before execve.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "common/unique_fd.hpp"
#include "spec/config.hpp"

namespace berth::kernel {

// A ready-to-load filter. Self-contained: loading it needs neither libseccomp
// nor the spec, so the cloned child only calls load_seccomp().
struct SeccompProgram {
    std::vector<sock_filter> filter;
    unsigned int flags = 0;      // SECCOMP_FILTER_FLAG_* passed to seccomp(2)
    bool needsListener = false;  // some rule uses SCMP_ACT_NOTIFY: ask for a listener fd
};

// Builds the filter for `cfg`, following runc's rules:
//  - the native architecture is always in the filter, plus cfg.architectures;
//  - rules whose action equals the default action are skipped;
//  - syscall names libseccomp does not know are skipped (spdlog::debug);
//  - conditions on distinct argument indexes are ANDed in one rule; when one
//    index appears twice, every condition becomes a rule of its own (OR);
//  - an empty `flags` list means SPEC_ALLOW when the kernel supports it (runc's
//    default for an absent list); a listed flag the kernel lacks is an error;
//  - syscalls newer than every syscall the profile names get ENOSYS instead of
//    the default errno (runc's patchbpf stub), so new glibc falls back cleanly.
// Throws berth::Error on an invalid profile (unknown action/operator/arch,
// errnoRet on an action without errno, NOTIFY without listenerPath or as the
// default action or on write(2), ...).
SeccompProgram compile_seccomp(const spec::Seccomp& cfg);

// Installs `prog` on the calling thread: seccomp(SECCOMP_SET_MODE_FILTER,
// prog.flags [| NEW_LISTENER]). Returns the listener fd when
// prog.needsListener, an empty fd otherwise. The caller must hold either
// no_new_privs or CAP_SYS_ADMIN (in its user namespace). Allocates nothing on
// success; throws berth::Error on failure.
UniqueFd load_seccomp(const SeccompProgram& prog);

// SECCOMP_FILTER_FLAG_* bits the running kernel accepts (probed once per call;
// a few cheap failing system calls, nothing is installed).
unsigned int seccomp_kernel_flags();

// For `berth features` (features-linux.md): names berth recognises, and the
// flags this kernel supports.
std::vector<std::string> seccomp_known_actions();
std::vector<std::string> seccomp_known_operators();
std::vector<std::string> seccomp_known_archs();
std::vector<std::string> seccomp_known_flags();
std::vector<std::string> seccomp_supported_flags();

// "2.5.4": the libseccomp the binary runs with (part of the cache key).
std::string libseccomp_version();

}  // namespace berth::kernel

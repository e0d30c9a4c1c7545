// Becoming the container's process.user with its capabilities: the last
// privileged step in the container before execve.
#pragma once

#include <sys/types.h>

#include "spec/config.hpp"

namespace berth::kernel {

// False when /proc/self/setgroups says "deny" (an unprivileged user
// namespace), where setgroups(2) always fails.
bool setgroups_allowed();

// Gives the container user its stdio (fds 0-2) as runc does, so that it can
// reopen /proc/self/fd/N or use its terminal: fchown to uid, keeping the group.
// Skipped for closed fds, fds already owned by uid, and /dev/null; EINVAL,
// EPERM and EROFS (owner not mapped, read-only /dev) are ignored.
void fix_stdio_ownership(uid_t uid);

// In the container, after pivot_root and the other privileged setup, as the
// last step before execve (and before seccomp when noNewPrivileges is set):
//  1. resolve the capability sets (warn about unknown/unavailable names);
//  2. fix_stdio_ownership(user.uid);
//  3. drop the bounding set to capabilities.bounding (needs CAP_SETPCAP);
//  4. PR_SET_KEEPCAPS so that permitted survives the uid change;
//  5. setgroups(user.additionalGids) (also clears inherited groups); skipped
//     with a warning if setgroups is denied and groups were requested;
//  6. setresgid(gid), setresuid(uid);
//  7. clear PR_SET_KEEPCAPS; set effective/permitted/inheritable; raise ambient;
//  8. umask(user.umask, default 022 as runc).
// An absent process.capabilities means no capabilities at all (runc).
void apply_user_and_capabilities(const spec::Process& process);

}  // namespace berth::kernel

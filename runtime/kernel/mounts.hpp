// Mounting the config's `mounts` inside a container rootfs, one entry at a
// time, and the mount primitives the rest of the rootfs code shares.
//
// Every target is an O_PATH fd found with path_in_root (openat2
// RESOLVE_IN_ROOT), and the mount goes onto "/proc/self/fd/N" of that fd:
// the kernel follows the fd's magic link to the exact inode we resolved, so
// no symlink swapped in between the check and the mount can send it out of
// the rootfs. After a mount, the destination is opened again (the old fd
// points below the new mount) for remounts and propagation changes. The new
// mount API is used where the old one has no equivalent: mount_setattr for
// the recursive "r*" options and open_tree/move_mount for id-mapped binds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"
#include "runtime/kernel/idmap_userns.hpp"
#include "runtime/kernel/mount_options.hpp"
#include "runtime/kernel/path_in_root.hpp"
#include "spec/config.hpp"

namespace berth::kernel {

// mount(2) onto "/proc/self/fd/<targetFd>". `what` names the mount in
// errors: throws Error("<what>: <strerror>").
void mount_on_fd(const std::string& what, const char* source, int targetFd, const char* fstype,
                 unsigned long flags, const std::string& data = {});
// mount(2) onto a path the caller built from an fd ("/proc/self/fd/N/name"
// where N is a directory only berth writes to).
void mount_on_path(const std::string& what, const char* source, const std::string& target, const char* fstype,
                   unsigned long flags, const std::string& data = {});

// MS_BIND|MS_REMOUNT of the mount at targetFd with `flags`. When the kernel
// refuses (EPERM: flags locked by a less privileged user namespace, e.g.
// nosuid/nodev/noexec of a host mount), retries keeping the mount's current
// lockable flags, unless the caller explicitly asked to clear one of them
// (clearFlags) or asked for a different access-time mode.
void remount_bind(const std::string& what, int targetFd, unsigned long flags, unsigned long clearFlags = 0);

// Applies propagation flags (MS_SHARED/SLAVE/PRIVATE/UNBINDABLE [|MS_REC]).
void set_propagation(const std::string& what, int targetFd, unsigned long flags);

// MS_* flags of the mount holding fd, from fstatfs (f_flags), including
// MS_STRICTATIME when no other access-time mode is set.
unsigned long mount_flags_of(int fd);

// What mounting one config entry needs to know about the container.
struct MountContext {
    int rootFd = -1;               // O_PATH fd of the (bind-mounted) rootfs
    std::string bundle;            // relative bind sources resolve against it
    bool userNamespace = false;    // the container has its own user namespace
    bool cgroupNamespace = false;  // the container has its own cgroup namespace
    // The container's user namespace mappings: the default id mapping of
    // an "idmap" mount that has none of its own.
    std::vector<spec::IdMapping> uidMappings;
    std::vector<spec::IdMapping> gidMappings;
    // Id-mapped source trees the runtime made before the clone (a container
    // with a user namespace cannot make them itself); null: none.
    const IdmappedSources* idmappedSources = nullptr;
};

// Mounts one config entry inside the root (creating the destination), with
// its flags, propagation, recursive attributes, id mapping and tmpcopyup.
// Throws Error naming the step and the destination.
void apply_mount(const MountContext& ctx, const spec::Mount& mount);

// Whether a mount is mounted read-write first and made read-only only by
// remount_deferred_readonly after the whole rootfs is set up (a read-only
// tmpfs or /dev still gets mount points and device nodes created in it).
bool defers_readonly(const spec::Mount& mount, const MountOptions& options);

// Makes read-only the mounts defers_readonly() left writable (with
// mount_setattr: works without /proc, after pivot_root).
void remount_deferred_readonly(int rootFd, const std::vector<spec::Mount>& mounts);

// Creates a mount destination inside the root (a directory, or an empty
// file when `directory` is false) and returns its O_PATH fd. Throws
// Error("create mount destination /dest: <strerror>").
UniqueFd create_destination(int rootFd, const std::string& destination, bool directory,
                            Symlinks symlinks = Symlinks::InRoot);

// "/dest" as the user wrote it, made absolute for messages.
std::string display_destination(const std::string& destination);

}  // namespace berth::kernel

// The container's root filesystem, set up by the container's init (still
// berth, single-threaded, already in its new mount namespace and the other
// new namespaces, uid 0 in its user namespace if any). Three calls, in order:
//
//   prepare_rootfs   make / private (or rslave), bind root.path onto itself,
//                    mount the config's mounts in order, create /dev's
//                    devices and links
//   (createContainer hooks run here, the old root still visible)
//   enter_rootfs     pivot_root into it (or MS_MOVE + chroot), detach the
//                    old root, apply rootfsPropagation to the new /
//   (console setup binds the pty on /dev/console)
//   finish_rootfs    readonlyPaths, maskedPaths, read-only tmpfs and /dev,
//                    root.readonly
//
// Each throws berth::Error naming the step and the path, e.g.
// "mount proc on /proc: no such device".
#pragma once

#include <string>

#include "runtime/kernel/idmap_userns.hpp"
#include "spec/config.hpp"

namespace berth::kernel {

struct RootfsContext {
    const spec::Config& config;
    std::string rootfs;          // absolute host path of root.path (resolved against the bundle)
    std::string bundle;          // absolute bundle dir; relative bind sources resolve against it
    bool userNamespace = false;  // a new user namespace: devices are bind-mounted from the host, not mknod'ed
    bool noPivot = false;        // --no-pivot: MS_MOVE onto / + chroot instead of pivot_root (initramfs roots)
    bool terminal = false;       // process.terminal: create the /dev/console placeholder
    // Id-mapped bind sources made by the runtime before the clone
    // (prepare_idmapped_sources); null: the mounts make their own.
    const IdmappedSources* idmappedSources = nullptr;
};

// What rootfsPropagation means for the two moments it matters.
struct RootPropagation {
    // Applied to / (recursively) before anything is mounted: MS_PRIVATE, or
    // MS_SLAVE when the host's later mounts should reach the container
    // (rootfsPropagation slave, or --no-pivot, where private would pin the
    // host's mounts the old root keeps referenced).
    unsigned long before = 0;
    // Applied to the container's / after pivot_root (0: nothing): shared
    // makes the rootfs a new peer group, as the spec describes, without
    // ever sharing with the host; unbindable and slave likewise.
    unsigned long after = 0;
};

// Parses linux.rootfsPropagation ("" means rprivate; "shared", "rshared",
// "slave", "rslave", "private", "rprivate", "unbindable", "runbindable").
// Throws Error(EINVAL) for anything else, and for [r]private with --no-pivot
// (runc refuses that combination: it would pin host mounts).
RootPropagation root_propagation(const std::string& value, bool noPivot);

// In the container's new mount namespace, before the createContainer hooks
// and pivot_root: propagation of /, bind of the rootfs onto itself, each
// config mount in order, then /dev (unless a bind mount supplies /dev).
void prepare_rootfs(const RootfsContext& ctx);

// pivot_root into the rootfs, old root detached with MNT_DETACH (or, with
// noPivot, the host's full proc and sysfs mounts unmounted in this
// namespace, MS_MOVE of the rootfs onto / and chroot); then
// rootfsPropagation's final flags on /, chdir("/"), and fds 0-2 that were
// the host's /dev/null reopened on the container's.
void enter_rootfs(const RootfsContext& ctx);

// After pivot_root: readonlyPaths, maskedPaths, the read-only tmpfs and
// /dev mounts made read-only now that they are populated, and root.readonly.
void finish_rootfs(const RootfsContext& ctx);

}  // namespace berth::kernel

// The "cgroup" and "cgroup2" entries of a config's mounts, inside the
// container's mount namespace only (the host's cgroup mounts are read, never
// changed).
//
// cgroup2 (or "cgroup" on a unified host): a fresh cgroup2 mount, which
// shows the container's cgroup namespace root; when the kernel refuses
// (EPERM/EBUSY: no cgroup namespace in a user namespace), a bind of the
// host's cgroup2 mount (of our own cgroup when it exists), as runc and crun do.
//
// "cgroup" on a v1 or hybrid host (runc/crun's layout): a tmpfs at the
// destination holding one directory per v1 hierarchy of /proc/self/cgroup,
// named like the host's mount point ("cpu,cpuacct", "memory", "systemd").
// With a cgroup namespace each is a fresh "cgroup" mount of that hierarchy
// (its root is the namespace's root); without one, a bind of our own cgroup
// directory from the host mount. Co-mounted controllers get symlinks
// ("cpu" -> "cpu,cpuacct"). The cgroup2 "unified" hierarchy of a hybrid
// host is left out, as runc does. "ro" makes the hierarchies and the tmpfs
// read-only; all are nosuid, nodev, noexec.
#pragma once

#include "runtime/kernel/mount_options.hpp"
#include "runtime/kernel/mounts.hpp"
#include "spec/config.hpp"

namespace berth::kernel {

void mount_cgroup(const MountContext& ctx, const spec::Mount& mount, const MountOptions& options);

}  // namespace berth::kernel

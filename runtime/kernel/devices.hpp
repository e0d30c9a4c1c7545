// Device nodes and /dev links inside a container rootfs: the spec's default
// devices, linux.devices, /dev/ptmx, the /dev/fd and /dev/std* symlinks and
// the /dev/console placeholder. Everything is created relative to fds found
// inside the root without following a symlink at the final name (mknodat,
// symlinkat and O_NOFOLLOW never follow one), so a rootfs that plants
// /dev/null -> /etc/shadow gets a fresh /dev/null, not a changed host file.
#pragma once

#include <string>
#include <vector>

#include "spec/config.hpp"

namespace berth::kernel {

// config-linux.md "Default Devices": /dev/null, zero, full, random,
// urandom, tty; character devices, mode 0666, owned by root.
const std::vector<spec::Device>& default_devices();

// Creates one device below rootFd: mknod with its type, major/minor,
// fileMode (default 0666), uid and gid; or, when bindFromHost (a user
// namespace may not mknod), an empty file with the host's device of the
// same path bind-mounted on it. An existing node of the same type and
// numbers is kept (its mode and owner are set); any other file is an error
// for a linux.devices entry and is replaced for a default device
// (`replace`). Throws Error("create device /dev/x: ...").
void create_device(int rootFd, const spec::Device& device, bool bindFromHost, bool replace);

// Creates linux.devices (except /dev/ptmx), then the default devices that
// no linux.devices entry replaces (same path), then the links /dev/ptmx ->
// pts/ptmx, /dev/fd -> /proc/self/fd, /dev/stdin|stdout|stderr ->
// /proc/self/fd/0|1|2 (and /dev/core -> /proc/kcore when the kernel has
// it), and, when `console`, an empty /dev/console for the console code to
// bind the pty on.
void setup_dev(int rootFd, const spec::Config& config, bool bindFromHost, bool console);

}  // namespace berth::kernel

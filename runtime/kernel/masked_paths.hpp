// linux.maskedPaths and linux.readonlyPaths, applied inside the container's
// root after pivot_root, with the fd-based mount API (no /proc needed).
//
// A path under /proc or /sys is only touched once we know it really is in
// the container's procfs or sysfs: /proc (or /sys) must be a real directory
// holding that filesystem, and a /proc target must itself be on procfs. A
// rootfs that replaced /proc with a symlink or a plain directory with fake
// files (the CVE-2019-16884 / CVE-2019-19921 tricks) makes this fail instead
// of masking a decoy. A path that does not exist is skipped.
#pragma once

#include <string>
#include <vector>

namespace berth::kernel {

// Files get /dev/null bind-mounted over them, directories a read-only,
// empty tmpfs. Throws Error("mask /proc/kcore: ...").
void mask_paths(int rootFd, const std::vector<std::string>& paths);

// Bind-mounts each path onto itself, read-only (recursively), keeping its
// other flags. Throws Error("make /proc/sys read-only: ...").
void make_paths_readonly(int rootFd, const std::vector<std::string>& paths);

// make_paths_readonly(readonlyPaths), then mask_paths(maskedPaths), with
// /proc, /sys and /dev/null looked up and checked once for both.
void protect_paths(int rootFd, const std::vector<std::string>& readonlyPaths,
                   const std::vector<std::string>& maskedPaths);

}  // namespace berth::kernel

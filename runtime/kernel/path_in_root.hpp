// Paths inside a container's root filesystem, resolved relative to an fd of
// that root with openat2(RESOLVE_IN_ROOT): "..", absolute symlinks and
// relative symlinks all stay inside the root, however the rootfs author laid
// them out, so nothing here can open, create or mount outside the rootfs.
// Results are O_PATH fds; mounting onto fd_path(fd) ("/proc/self/fd/N")
// mounts on exactly the inode that was checked, with no second lookup an
// attacker could redirect.
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "common/unique_fd.hpp"

namespace berth::kernel {

enum class Symlinks {
    InRoot,  // follow symlinks, resolved inside the root
    Refuse,  // fail with ELOOP on any symlink in the path (for /proc, /sys, /dev)
};

// O_PATH|O_DIRECTORY fd of a host directory (the rootfs itself).
UniqueFd open_root(const std::string& path);

// Opens `path` (absolute or relative: both are taken inside the root) below
// rootFd. flags are open(2) flags (O_PATH by default; O_CLOEXEC is always
// added). Throws Error("open <path>: ...") with the errno.
UniqueFd open_in_root(int rootFd, std::string_view path, int flags = O_PATH, Symlinks symlinks = Symlinks::InRoot);
// Same, but returns an empty UniqueFd with errno set instead of throwing.
UniqueFd try_open_in_root(int rootFd, std::string_view path, int flags = O_PATH,
                          Symlinks symlinks = Symlinks::InRoot);

// mkdir -p inside the root: creates the missing directories of `path`
// (following symlinks inside the root, dangling ones included, as runc's
// SecureJoin+MkdirAll do) and returns an O_PATH fd of the final directory.
// Throws ENOTDIR if a component exists and is not a directory.
UniqueFd mkdir_all_in_root(int rootFd, std::string_view path, mode_t mode = 0755,
                           Symlinks symlinks = Symlinks::InRoot);

// Makes sure a non-directory exists at `path`: creates missing parents and
// an empty regular file if nothing is there; returns an O_PATH fd of what
// is there (which may be any non-directory, e.g. a device or a symlink's
// target inside the root).
UniqueFd create_file_in_root(int rootFd, std::string_view path, mode_t mode = 0644,
                             Symlinks symlinks = Symlinks::InRoot);

// Splits "/a/b/c" into parent "/a/b" and name "c" (parent "/" for "/c").
// Throws EINVAL when there is no final name ("/", "", ".." endings).
std::pair<std::string, std::string> split_parent(std::string_view path);

// Lexically cleaned absolute form of a container path: "a//b/../c" -> "/a/c".
std::string clean_path(std::string_view path);

// "/proc/self/fd/N": the path through which an fd is mounted on or used.
std::string fd_path(int fd);

}  // namespace berth::kernel

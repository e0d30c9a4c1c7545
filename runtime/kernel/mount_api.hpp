// The new mount API (open_tree, move_mount, mount_setattr, fsopen/fsmount),
// called through syscall(2). It works on fds only, so it needs no /proc:
// that is what the rootfs code uses after pivot_root, when the container
// may not have a procfs at all.
#pragma once

#include <cstdint>
#include <string>

#include "common/unique_fd.hpp"

namespace berth::kernel {

// mount_setattr(2) on the mount at fd (AT_EMPTY_PATH), on its whole tree
// when `recursive`: sets and clears MOUNT_ATTR_* flags and leaves the others
// alone, so flags a user namespace locked stay as they are.
void set_mount_attrs(const std::string& what, int fd, uint64_t attrSet, uint64_t attrClear, bool recursive,
                     int usernsFd = -1);

// A detached copy (OPEN_TREE_CLONE) of the mount at dirFd/path ("" with
// AT_EMPTY_PATH when path is empty), with its submounts when `recursive`.
UniqueFd clone_mount(const std::string& what, int dirFd, const std::string& path, bool recursive);

// Attaches a detached mount (from clone_mount or new_tmpfs) onto targetFd.
void attach_mount(const std::string& what, int mountFd, int targetFd);

// A new, detached, empty tmpfs with the given MOUNT_ATTR_* flags.
UniqueFd new_tmpfs(const std::string& what, uint64_t attrs);

}  // namespace berth::kernel

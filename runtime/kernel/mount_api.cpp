#include "runtime/kernel/mount_api.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/fault.hpp"

namespace berth::kernel {

void set_mount_attrs(const std::string& what, int fd, uint64_t attrSet, uint64_t attrClear, bool recursive,
                     int usernsFd) {
    struct mount_attr attr {};
    attr.attr_set = attrSet;
    attr.attr_clr = attrClear;
    if (usernsFd >= 0) attr.userns_fd = static_cast<uint64_t>(usernsFd);
    unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0u);
    BERTH_FAULT_MARK("mount", what + ": mount_setattr");
    if (::syscall(SYS_mount_setattr, fd, "", flags, &attr, sizeof attr) < 0) throw_errno(what + ": mount_setattr");
}

UniqueFd clone_mount(const std::string& what, int dirFd, const std::string& path, bool recursive) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0u);
    if (path.empty()) flags |= AT_EMPTY_PATH;
    BERTH_FAULT_MARK("mount", what + ": open_tree");
    long fd = ::syscall(SYS_open_tree, dirFd, path.c_str(), flags);
    if (fd < 0) throw_errno(what + ": open_tree");
    return UniqueFd(static_cast<int>(fd));
}

void attach_mount(const std::string& what, int mountFd, int targetFd) {
    BERTH_FAULT_MARK("mount", what + ": move_mount");
    if (::syscall(SYS_move_mount, mountFd, "", targetFd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        throw_errno(what + ": move_mount");
}

UniqueFd new_tmpfs(const std::string& what, uint64_t attrs) {
    BERTH_FAULT_MARK("mount", what + ": fsmount tmpfs");
    long fs = ::syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) throw_errno(what + ": fsopen tmpfs");
    UniqueFd context(static_cast<int>(fs));
    if (::syscall(SYS_fsconfig, context.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
        throw_errno(what + ": create tmpfs");
    long mnt = ::syscall(SYS_fsmount, context.get(), FSMOUNT_CLOEXEC, attrs);
    if (mnt < 0) throw_errno(what + ": fsmount tmpfs");
    return UniqueFd(static_cast<int>(mnt));
}

}  // namespace berth::kernel

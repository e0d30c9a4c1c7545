#include "runtime/kernel/masked_paths.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <tuple>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "runtime/kernel/mount_api.hpp"
#include "runtime/kernel/mounts.hpp"
#include "runtime/kernel/path_in_root.hpp"

namespace berth::kernel {
namespace {

bool below(const std::string& path, const std::string& top) { return path == top || path.rfind(top + "/", 0) == 0; }

long fs_type(int fd, const std::string& what) {
    struct statfs sf;
    if (::fstatfs(fd, &sf) < 0) throw_errno(what + ": statfs");
    return static_cast<long>(sf.f_type);
}

// What a run over maskedPaths or readonlyPaths has already checked: that
// /proc and /sys are that filesystem, and the container's /dev/null.
// A read-only copy of a tree resolves every path as before; an empty tmpfs
// over a directory can hide these paths (the directory could be /dev, or /
// through a symlink), so after one the answers are looked up again, except
// /proc's when the directory was checked to be on procfs below /proc.
struct Checked {
    bool procfs = false;
    bool sysfs = false;
    UniqueFd devNull;
};

// Opens a masked or read-only path; an empty fd when it does not exist.
UniqueFd open_target(int rootFd, const std::string& clean, const std::string& what, Checked& checked) {
    UniqueFd fd = try_open_in_root(rootFd, clean, O_PATH);
    if (!fd) {
        if (errno == ENOENT) return fd;
        throw_errno(what);
    }
    for (const auto& [top, magic, name, known] :
         {std::tuple{std::string("/proc"), long{PROC_SUPER_MAGIC}, "procfs", &checked.procfs},
          std::tuple{std::string("/sys"), long{SYSFS_MAGIC}, "sysfs", &checked.sysfs}}) {
        if (!below(clean, top)) continue;
        if (!*known) {
            UniqueFd topFd = try_open_in_root(rootFd, top, O_PATH | O_DIRECTORY, Symlinks::Refuse);
            if (!topFd || fs_type(topFd.get(), what) != magic)
                throw Error(what + ": " + top + " is not a " + name + " mount (a symlink or plain directory?)", EPERM);
            *known = true;
        }
        // Below /sys other filesystems are mounted (securityfs, cgroups...);
        // below /proc there is only procfs.
        if (magic == PROC_SUPER_MAGIC && fs_type(fd.get(), what) != magic)
            throw Error(what + ": not on procfs", EPERM);
    }
    return fd;
}

void mask_all(int rootFd, const std::vector<std::string>& paths, Checked& checked) {
    for (const std::string& path : paths) {
        const std::string what = "mask " + display_destination(path);
        const std::string clean = clean_path(path);
        UniqueFd target = open_target(rootFd, clean, what, checked);
        if (!target) continue;
        struct stat st;
        if (::fstat(target.get(), &st) < 0) throw_errno(what + ": stat");
        UniqueFd cover;
        if (S_ISDIR(st.st_mode)) {
            cover = new_tmpfs(what, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        } else {
            if (!checked.devNull) {
                UniqueFd null = try_open_in_root(rootFd, "/dev/null", O_PATH);
                struct stat ns;
                if (!null || ::fstat(null.get(), &ns) < 0 || !S_ISCHR(ns.st_mode))
                    throw Error(what + ": the container has no /dev/null character device", ENODEV);
                checked.devNull = std::move(null);
            }
            cover = clone_mount(what, checked.devNull.get(), "", false);
        }
        attach_mount(what, cover.get(), target.get());
        if (S_ISDIR(st.st_mode)) {
            checked.devNull = UniqueFd();
            checked.sysfs = false;
            // open_target made sure a path below /proc is on procfs, and no
            // procfs directory but its root resolves to /proc.
            if (!below(clean, "/proc") || clean == "/proc") checked.procfs = false;
        }
    }
}

void make_all_readonly(int rootFd, const std::vector<std::string>& paths, Checked& checked) {
    for (const std::string& path : paths) {
        const std::string what = "make " + display_destination(path) + " read-only";
        const std::string clean = clean_path(path);
        UniqueFd target = open_target(rootFd, clean, what, checked);
        if (!target) continue;
        // A copy of the path's mount tree on top of itself, made read-only
        // throughout. mount_setattr only adds the flag: nosuid, nodev,
        // noexec and the rest stay as they were.
        UniqueFd copy = clone_mount(what, target.get(), "", true);
        set_mount_attrs(what, copy.get(), MOUNT_ATTR_RDONLY, 0, true);
        attach_mount(what, copy.get(), target.get());
    }
}

}  // namespace

void mask_paths(int rootFd, const std::vector<std::string>& paths) {
    Checked checked;
    mask_all(rootFd, paths, checked);
}

void make_paths_readonly(int rootFd, const std::vector<std::string>& paths) {
    Checked checked;
    make_all_readonly(rootFd, paths, checked);
}

void protect_paths(int rootFd, const std::vector<std::string>& readonlyPaths,
                   const std::vector<std::string>& maskedPaths) {
    // The read-only copies change nothing the masks look up: one Checked.
    Checked checked;
    make_all_readonly(rootFd, readonlyPaths, checked);
    mask_all(rootFd, maskedPaths, checked);
}

}  // namespace berth::kernel

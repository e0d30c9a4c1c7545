#include "runtime/kernel/mounts.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string_view>
#include <utility>

#include "common/error.hpp"
#include "common/fault.hpp"
#include "runtime/kernel/cgroup_mounts.hpp"
#include "runtime/kernel/copy_tree.hpp"
#include "runtime/kernel/idmap_userns.hpp"
#include "runtime/kernel/mount_api.hpp"

namespace berth::kernel {
namespace {

constexpr unsigned long kPropagationFlags = MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE;
constexpr unsigned long kAtimeModes = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
constexpr unsigned long kAtimeFlags = kAtimeModes | MS_NODIRATIME;
// Flags the kernel locks (MNT_LOCK_*) on mounts inherited by a less
// privileged user namespace: a remount must keep them.
constexpr unsigned long kLockableFlags = MS_RDONLY | MS_NODEV | MS_NOEXEC | MS_NOSUID | kAtimeFlags;
// <linux/statfs.h> ST_NOSYMFOLLOW; glibc's statvfs.h may not have it.
constexpr unsigned long kStNoSymfollow = 0x2000;

// Files under /proc that lxcfs-like tools legitimately bind over (runc's list).
constexpr std::string_view kProcBindAllowed[] = {
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",  "/proc/stat",    "/proc/swaps",
    "/proc/uptime",  "/proc/loadavg",   "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

bool is_procfs_path(const std::string& path) {
    struct statfs sf;
    return ::statfs(path.c_str(), &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

// A mount must not land inside the container's procfs (a bind over
// /proc/sys/... or a tmpfs over /proc would undo its masking), nor replace
// /proc by anything but a proc filesystem: CVE-2019-19921's lesson. The fd
// is what the destination resolved to, so a symlink detour is caught too.
void check_proc_destination(const std::string& what, int targetFd, const std::string& destination,
                            bool newIsProc) {
    const std::string clean = clean_path(destination);
    if (clean == "/proc") {
        if (!newIsProc) throw Error(what + ": /proc can only be a proc filesystem", EPERM);
        return;
    }
    struct statfs sf;
    if (::fstatfs(targetFd, &sf) < 0) throw_errno(what + ": statfs destination");
    if (sf.f_type != PROC_SUPER_MAGIC) return;
    for (std::string_view allowed : kProcBindAllowed)
        if (clean == allowed) return;
    throw Error(what + ": destination is inside /proc", EPERM);
}

void mount_idmapped_bind(const MountContext& ctx, const spec::Mount& m, const MountOptions& o,
                         const std::string& source, int targetFd, const std::string& what) {
    if (int prepared = ctx.idmappedSources ? ctx.idmappedSources->tree_for(m) : -1; prepared >= 0) {
        attach_mount(what, prepared, targetFd);
        return;
    }
    std::vector<spec::IdMapping> uids = m.uidMappings;
    std::vector<spec::IdMapping> gids = m.gidMappings;
    if (uids.empty() && gids.empty()) {
        if (!ctx.userNamespace || ctx.uidMappings.empty() || ctx.gidMappings.empty())
            throw Error(what + ": idmap needs uidMappings and gidMappings, or a user namespace", EINVAL);
        uids = ctx.uidMappings;
        gids = ctx.gidMappings;
    }
    if (uids.empty() || gids.empty())
        throw Error(what + ": uidMappings and gidMappings must be given together", EINVAL);
    UniqueFd userns;
    try {
        userns = make_idmap_userns(uids, gids);
    } catch (const Error& e) {
        throw e.wrap(what);
    }
    // Only a detached copy of the source tree can get an id mapping.
    UniqueFd tree = clone_mount(what, AT_FDCWD, source, (o.flags & MS_REC) != 0);
    set_mount_attrs(what + ": set id mapping", tree.get(), MOUNT_ATTR_IDMAP, 0, o.idmapRecursive, userns.get());
    attach_mount(what, tree.get(), targetFd);
}

bool needs_finish(const MountOptions& o) { return !o.propagation.empty() || o.has_recursive_attrs(); }

// Propagation and recursive attributes, on the mount now at the destination.
void finish_mount(const std::string& what, int mountedFd, const MountOptions& o) {
    for (unsigned long p : o.propagation) set_propagation(what, mountedFd, p);
    if (o.has_recursive_attrs()) set_mount_attrs(what, mountedFd, o.attrSet, o.attrClear, true);
}

UniqueFd reopen(int rootFd, const std::string& destination, int flags, Symlinks symlinks,
                const std::string& what) {
    try {
        return open_in_root(rootFd, destination, flags, symlinks);
    } catch (const Error& e) {
        throw e.wrap(what);
    }
}

void mount_bind(const MountContext& ctx, const spec::Mount& m, const MountOptions& o, const std::string& dest) {
    std::string source = m.source;
    if (source.empty()) throw Error("mount on " + dest + ": bind mount without a source", EINVAL);
    if (source.front() != '/') source = ctx.bundle + "/" + source;
    const std::string what = "mount " + source + " on " + dest;
    struct stat st;
    if (::stat(source.c_str(), &st) < 0) throw_errno(what);

    UniqueFd target = create_destination(ctx.rootFd, m.destination, S_ISDIR(st.st_mode));
    check_proc_destination(what, target.get(), m.destination, is_procfs_path(source));
    if (o.idmap || !m.uidMappings.empty() || !m.gidMappings.empty())
        mount_idmapped_bind(ctx, m, o, source, target.get(), what);
    else
        mount_on_fd(what, source.c_str(), target.get(), nullptr, MS_BIND | (o.flags & MS_REC));

    // MS_BIND ignores every other flag: they take a second, remount call.
    const bool remount = (o.flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0 || o.clearFlags != 0;
    if (!remount && !needs_finish(o)) return;
    // target is the directory under the new mount; these calls need the mount.
    UniqueFd mounted = reopen(ctx.rootFd, m.destination, O_PATH, Symlinks::InRoot, what);
    if (remount) remount_bind(what, mounted.get(), o.flags, o.clearFlags);
    finish_mount(what, mounted.get(), o);
}

void mount_filesystem(const MountContext& ctx, const spec::Mount& m, const MountOptions& o,
                      const std::string& dest) {
    const std::string& type = m.type;
    const std::string source = m.source.empty() ? type : m.source;
    const std::string what = "mount " + type + " on " + dest;
    // /proc and /sys must be real directories of the rootfs: a symlink
    // there would put the container's procfs or sysfs somewhere else.
    const Symlinks symlinks = (type == "proc" || type == "sysfs") ? Symlinks::Refuse : Symlinks::InRoot;

    std::string data = o.data;
    UniqueFd target;
    if (type == "tmpfs" && data.find("mode=") == std::string::npos) {
        // A tmpfs over an existing directory keeps that directory's mode
        // (/tmp stays 1777), as runc does. That directory is also the
        // destination create_destination would open.
        if ((target = try_open_in_root(ctx.rootFd, m.destination, O_PATH | O_DIRECTORY, symlinks))) {
            struct stat st;
            if (::fstat(target.get(), &st) == 0) {
                char mode[16];
                std::snprintf(mode, sizeof mode, "mode=%04o", static_cast<unsigned>(st.st_mode & 07777));
                data = data.empty() ? mode : std::string(mode) + "," + data;
            }
        }
    }
    if (!target) target = create_destination(ctx.rootFd, m.destination, true, symlinks);
    check_proc_destination(what, target.get(), m.destination, type == "proc");
    UniqueFd copyFrom;
    if (o.tmpcopyup) copyFrom = reopen(ctx.rootFd, m.destination, O_RDONLY | O_DIRECTORY, symlinks, what);

    unsigned long flags = o.flags & ~(MS_BIND | MS_REC);
    if (defers_readonly(m, o)) flags &= ~MS_RDONLY;
    try {
        mount_on_fd(what, source.c_str(), target.get(), type.c_str(), flags, data);
    } catch (const Error& e) {
        // A user namespace without its own network namespace may not mount
        // sysfs: give it the host's, as crun does.
        if (!(type == "sysfs" && e.code() == EPERM && ctx.userNamespace)) throw;
        mount_on_fd(what, "/sys", target.get(), nullptr, MS_BIND | MS_REC);
        UniqueFd bound = reopen(ctx.rootFd, m.destination, O_PATH | O_DIRECTORY, symlinks, what);
        remount_bind(what, bound.get(), flags, o.clearFlags);
    }
    if (copyFrom) {
        UniqueFd into = reopen(ctx.rootFd, m.destination, O_RDONLY | O_DIRECTORY, symlinks, what);
        try {
            copy_tree(copyFrom.get(), into.get());
        } catch (const Error& e) {
            throw e.wrap(what);
        }
    }
    // target is the directory under the new mount; these calls need the mount.
    if (needs_finish(o)) {
        UniqueFd mounted = reopen(ctx.rootFd, m.destination, O_PATH | O_DIRECTORY, symlinks, what);
        finish_mount(what, mounted.get(), o);
    }
}

}  // namespace

std::string display_destination(const std::string& destination) {
    if (destination.empty() || destination.front() != '/') return "/" + destination;
    return destination;
}

void mount_on_fd(const std::string& what, const char* source, int targetFd, const char* fstype,
                 unsigned long flags, const std::string& data) {
    mount_on_path(what, source, fd_path(targetFd), fstype, flags, data);
}

void mount_on_path(const std::string& what, const char* source, const std::string& target, const char* fstype,
                   unsigned long flags, const std::string& data) {
    BERTH_FAULT_MARK("mount", what);
    if (::mount(source, target.c_str(), fstype, flags, data.empty() ? nullptr : data.c_str()) < 0)
        throw_errno(what);
}

unsigned long mount_flags_of(int fd) {
    struct statfs sf;
    if (::fstatfs(fd, &sf) < 0) return 0;
    const unsigned long st = static_cast<unsigned long>(sf.f_flags);
    unsigned long flags = 0;
    // See calculate_f_flags() in fs/statfs.c.
    static constexpr std::pair<unsigned long, unsigned long> kMap[] = {
        {ST_RDONLY, MS_RDONLY},           {ST_NOSUID, MS_NOSUID},         {ST_NODEV, MS_NODEV},
        {ST_NOEXEC, MS_NOEXEC},           {ST_SYNCHRONOUS, MS_SYNCHRONOUS}, {ST_MANDLOCK, MS_MANDLOCK},
        {ST_NOATIME, MS_NOATIME},         {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
        {kStNoSymfollow, MS_NOSYMFOLLOW},
    };
    for (const auto& [stFlag, msFlag] : kMap)
        if (st & stFlag) flags |= msFlag;
    // strictatime is the absence of the other modes, not a stored flag.
    if ((flags & kAtimeModes) == 0) flags |= MS_STRICTATIME;
    return flags;
}

void remount_bind(const std::string& what, int targetFd, unsigned long flags, unsigned long clearFlags) {
    unsigned long wanted = (flags & ~(MS_REC | MS_REMOUNT | MS_BIND | kPropagationFlags)) | MS_BIND | MS_REMOUNT;
    const std::string target = fd_path(targetFd);
    BERTH_FAULT_MARK("mount", what + ": remount");
    if (::mount(nullptr, target.c_str(), nullptr, wanted, nullptr) == 0) return;
    const int err = errno;
    const unsigned long current = mount_flags_of(targetFd);
    // The caller asked to drop a flag that may be locked, or for another
    // access-time mode: keeping the current one would silently not do it.
    if (current & clearFlags & kLockableFlags) throw_errno(what + ": remount", err);
    if ((wanted & kAtimeFlags) != 0 && (wanted & kAtimeFlags) != (current & kAtimeFlags))
        throw_errno(what + ": remount", err);
    wanted |= current & kLockableFlags;
    if (::mount(nullptr, target.c_str(), nullptr, wanted, nullptr) < 0) throw_errno(what + ": remount");
}

void set_propagation(const std::string& what, int targetFd, unsigned long flags) {
    const std::string target = fd_path(targetFd);
    BERTH_FAULT_MARK("mount", what + ": set propagation");
    if (::mount(nullptr, target.c_str(), nullptr, flags, nullptr) < 0) throw_errno(what + ": set propagation");
}

UniqueFd create_destination(int rootFd, const std::string& destination, bool directory, Symlinks symlinks) {
    try {
        return directory ? mkdir_all_in_root(rootFd, destination, 0755, symlinks)
                         : create_file_in_root(rootFd, destination, 0644, symlinks);
    } catch (const Error& e) {
        std::string why = errno_text(e.code());
        if (e.code() == ELOOP && symlinks == Symlinks::Refuse) why = "a symlink is in the path";
        throw Error("create mount destination " + display_destination(destination) + ": " + why, e.code());
    }
}

bool defers_readonly(const spec::Mount& mount, const MountOptions& options) {
    const bool bind = options.bind() || mount.type == "bind";
    return !bind && options.readonly() && (mount.type == "tmpfs" || clean_path(mount.destination) == "/dev");
}

void remount_deferred_readonly(int rootFd, const std::vector<spec::Mount>& mounts) {
    for (const spec::Mount& m : mounts) {
        const MountOptions o = parse_mount_options(m.options);
        if (!defers_readonly(m, o)) continue;
        const std::string what = "make " + display_destination(m.destination) + " read-only";
        UniqueFd fd = reopen(rootFd, m.destination, O_PATH | O_DIRECTORY, Symlinks::InRoot, what);
        set_mount_attrs(what, fd.get(), MOUNT_ATTR_RDONLY, 0, false);
    }
}

void apply_mount(const MountContext& ctx, const spec::Mount& m) {
    const MountOptions o = parse_mount_options(m.options);
    const std::string dest = display_destination(m.destination);
    if (m.destination.empty()) throw Error("mount: empty destination", EINVAL);
    const bool bind = o.bind() || m.type == "bind";
    if (!bind && m.type.empty()) throw Error("mount on " + dest + ": no type and not a bind mount", EINVAL);
    if (o.tmpcopyup && (bind || m.type != "tmpfs"))
        throw Error("mount on " + dest + ": tmpcopyup needs a tmpfs", EINVAL);
    if (!bind && (o.idmap || !m.uidMappings.empty()))
        throw Error("mount " + m.type + " on " + dest + ": idmap is supported on bind mounts only", EINVAL);
    if (bind)
        mount_bind(ctx, m, o, dest);
    else if (m.type == "cgroup" || m.type == "cgroup2")
        mount_cgroup(ctx, m, o);
    else
        mount_filesystem(ctx, m, o, dest);
}

}  // namespace berth::kernel

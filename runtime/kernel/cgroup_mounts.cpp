#include "runtime/kernel/cgroup_mounts.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <set>
#include <string_view>

#include "common/error.hpp"
#include "runtime/kernel/mount_api.hpp"
#include "runtime/kernel/mountinfo.hpp"
#include "runtime/kernel/path_in_root.hpp"

namespace berth::kernel {
namespace {

constexpr unsigned long kCgroupFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

// One line of /proc/self/cgroup: "4:memory:/path" or "0::/path" (cgroup2).
struct OwnCgroup {
    std::string controllers;
    std::string path;
};

std::vector<OwnCgroup> read_own_cgroups() {
    UniqueFd fd(::open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open /proc/self/cgroup");
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    if (n < 0) throw_errno("read /proc/self/cgroup");
    std::vector<OwnCgroup> out;
    std::string_view rest = text;  // no streams: their first use costs a locale set-up
    while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        size_t a = line.find(':');
        size_t b = a == std::string_view::npos ? a : line.find(':', a + 1);
        if (b == std::string_view::npos) continue;
        out.push_back({std::string(line.substr(a + 1, b - a - 1)), std::string(line.substr(b + 1))});
    }
    return out;
}

bool unified_host() {
    struct statfs sf;
    return ::statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

std::string base_name(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Whether a v1 mount's superblock options name every controller of `list`.
bool mounts_controllers(const MountInfo& m, const std::string& list) {
    size_t i = 0;
    while (i <= list.size()) {
        size_t j = list.find(',', i);
        if (j == std::string::npos) j = list.size();
        if (!MountInfo::has_option(m.superOptions, list.substr(i, j - i))) return false;
        i = j + 1;
    }
    return true;
}

// The host directory of our own cgroup under a mount of its hierarchy, or
// the mount's top when our cgroup is not below the mount's root.
std::string own_cgroup_dir(const MountInfo& m, const std::string& ownPath) {
    std::string rel;
    if (m.root == "/") {
        rel = ownPath;
    } else if (ownPath == m.root || ownPath.rfind(m.root + "/", 0) == 0) {
        rel = ownPath.substr(m.root.size());
    }
    std::string dir = m.mountPoint + (rel == "/" ? "" : rel);
    struct stat st;
    if (::stat(dir.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) return m.mountPoint;
    return dir;
}

void mount_cgroup2(const MountContext& ctx, const spec::Mount& m, const MountOptions& o, const std::string& dest) {
    const std::string what = "mount cgroup2 on " + dest;
    UniqueFd target = create_destination(ctx.rootFd, m.destination, true);
    const std::string source = m.source.empty() ? "cgroup2" : m.source;
    try {
        mount_on_fd(what, source.c_str(), target.get(), "cgroup2", o.flags & ~(MS_BIND | MS_REC), o.data);
    } catch (const Error& e) {
        if (e.code() != EPERM && e.code() != EBUSY) throw;
        // Not allowed to mount one (a user namespace without its own cgroup
        // namespace): bind the host's cgroup2 tree instead.
        std::string hostDir;
        std::string ownPath = "/";
        for (const OwnCgroup& c : read_own_cgroups())
            if (c.controllers.empty()) ownPath = c.path;
        for (const MountInfo& mi : read_mountinfo())
            if (mi.fsType == "cgroup2") {
                hostDir = own_cgroup_dir(mi, ownPath);
                break;
            }
        if (hostDir.empty()) throw;
        mount_on_fd(what, hostDir.c_str(), target.get(), nullptr, MS_BIND | MS_REC);
        UniqueFd bound = open_in_root(ctx.rootFd, m.destination, O_PATH | O_DIRECTORY);
        remount_bind(what, bound.get(), o.flags, o.clearFlags);
    }
    if (o.propagation.empty() && !o.has_recursive_attrs()) return;
    // target is the directory under the new mount; these calls need the mount.
    UniqueFd mounted = open_in_root(ctx.rootFd, m.destination, O_PATH | O_DIRECTORY);
    for (unsigned long p : o.propagation) set_propagation(what, mounted.get(), p);
    if (o.has_recursive_attrs()) set_mount_attrs(what, mounted.get(), o.attrSet, o.attrClear, true);
}

void mount_cgroup_v1(const MountContext& ctx, const spec::Mount& m, const MountOptions& o, const std::string& dest) {
    const std::string what = "mount cgroup on " + dest;
    const unsigned long flags = kCgroupFlags | (o.readonly() ? MS_RDONLY : 0);
    UniqueFd target = create_destination(ctx.rootFd, m.destination, true);
    mount_on_fd(what, "tmpfs", target.get(), "tmpfs", kCgroupFlags, "mode=755");
    UniqueFd top;
    try {
        top = open_in_root(ctx.rootFd, m.destination, O_PATH | O_DIRECTORY);
    } catch (const Error& e) {
        throw e.wrap(what);
    }
    for (unsigned long p : o.propagation) set_propagation(what, top.get(), p);

    const std::vector<MountInfo> mounts = read_mountinfo();
    std::set<std::string> done;
    std::vector<std::string> bound;  // bind mounts that still need the mount's flags
    for (const OwnCgroup& own : read_own_cgroups()) {
        if (own.controllers.empty()) continue;  // the cgroup2 hierarchy of a hybrid host
        const MountInfo* host = nullptr;
        for (const MountInfo& mi : mounts)
            if (mi.fsType == "cgroup" && mounts_controllers(mi, own.controllers)) {
                host = &mi;
                break;
            }
        if (!host) continue;  // a hierarchy the host does not mount
        const std::string name = base_name(host->mountPoint);
        if (name.empty() || !done.insert(name).second) continue;
        const std::string subWhat = "mount cgroup " + own.controllers + " on " + dest + "/" + name;

        // The tmpfs is fresh and ours: plain *at() calls without following
        // symlinks are enough below it. A directory mkdirat just made there
        // is mounted on through the tmpfs' fd; an entry that was already
        // there (EEXIST) only through an fd opened without following it.
        const bool made = ::mkdirat(top.get(), name.c_str(), 0755) == 0;
        if (!made && errno != EEXIST) throw_errno(subWhat + ": mkdir");
        UniqueFd sub;
        if (!made) {
            sub = UniqueFd(::openat(top.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub) throw_errno(subWhat + ": open");
        }
        const std::string subPath = made ? fd_path(top.get()) + "/" + name : fd_path(sub.get());
        if (ctx.cgroupNamespace) {
            // A new mount of the hierarchy shows the namespace's root.
            try {
                mount_on_path(subWhat, "cgroup", subPath, "cgroup", flags, own.controllers);
            } catch (const Error& e) {
                if (e.code() == ENOENT || e.code() == ENODEV) continue;
                throw;
            }
        } else {
            const std::string source = own_cgroup_dir(*host, own.path);
            mount_on_path(subWhat, source.c_str(), subPath, nullptr, MS_BIND | MS_REC);
        }
        if (!ctx.cgroupNamespace) bound.push_back(name);
        if (!o.propagation.empty()) {
            // The mount now on top of the directory: propagation acts on it.
            UniqueFd mounted(::openat(top.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!mounted) throw_errno(subWhat + ": open");
            for (unsigned long p : o.propagation) set_propagation(subWhat, mounted.get(), p);
        }

        // "cpu" -> "cpu,cpuacct" for co-mounted controllers.
        if (name.find(',') != std::string::npos) {
            for (size_t i = 0; i <= name.size();) {
                size_t comma = std::min(name.find(',', i), name.size());
                const std::string part = name.substr(i, comma - i);
                if (!part.empty() && ::symlinkat(name.c_str(), top.get(), part.c_str()) < 0 && errno != EEXIST)
                    throw_errno(what + ": symlink " + part);
                i = comma + 1;
            }
        }
    }
    // A bind mount keeps the host's flags: nosuid, nodev, noexec (and ro)
    // for all of them and the tmpfs at once, once the symlinks are made.
    // Kernels without mount_setattr (before 5.12) remount each one.
    if (!bound.empty() || o.readonly()) {
        uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | (o.readonly() ? MOUNT_ATTR_RDONLY : 0);
        try {
            set_mount_attrs(what, top.get(), attrs, 0, /*recursive=*/true);
        } catch (const Error& e) {
            if (e.code() != ENOSYS) throw;
            for (const std::string& name : bound) {
                UniqueFd mounted(::openat(top.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
                if (!mounted) throw_errno(what + "/" + name + ": open");
                remount_bind(what + "/" + name, mounted.get(), flags);
            }
            if (o.readonly()) remount_bind(what, top.get(), flags);
        }
    }
    if (o.has_recursive_attrs()) set_mount_attrs(what, top.get(), o.attrSet, o.attrClear, true);
}

}  // namespace

void mount_cgroup(const MountContext& ctx, const spec::Mount& mount, const MountOptions& options) {
    const std::string dest = display_destination(mount.destination);
    if (mount.type == "cgroup2" || unified_host())
        mount_cgroup2(ctx, mount, options, dest);
    else
        mount_cgroup_v1(ctx, mount, options, dest);
}

}  // namespace berth::kernel

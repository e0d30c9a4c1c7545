#include "runtime/kernel/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "common/error.hpp"
#include "common/fault.hpp"
#include "common/unique_fd.hpp"
#include "runtime/kernel/devices.hpp"
#include "runtime/kernel/masked_paths.hpp"
#include "runtime/kernel/mount_api.hpp"
#include "runtime/kernel/mount_options.hpp"
#include "runtime/kernel/mountinfo.hpp"
#include "runtime/kernel/mounts.hpp"
#include "runtime/kernel/path_in_root.hpp"

namespace berth::kernel {
namespace {

const std::string& propagation_value(const spec::Config& config) {
    static const std::string none;
    return config.linux ? config.linux->rootfsPropagation : none;
}

bool has_namespace(const spec::Config& config, spec::NamespaceType type) {
    if (!config.linux) return false;
    for (const spec::Namespace& ns : config.linux->namespaces)
        if (ns.type == type) return true;
    return false;
}

// A bind mount at /dev brings the host's (or a prepared) /dev: no devices
// are created then, as runc and crun do.
bool binds_dev(const spec::Config& config) {
    for (const spec::Mount& m : config.mounts)
        if (clean_path(m.destination) == "/dev" && (parse_mount_options(m.options).bind() || m.type == "bind"))
            return true;
    return false;
}

std::string real_path(const std::string& path) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) throw_errno("resolve rootfs " + path);
    return buf;
}

void pivot_into(const std::string& rootfs) {
    UniqueFd oldRoot(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!oldRoot) throw_errno("pivot_root: open /");
    if (::chdir(rootfs.c_str()) < 0) throw_errno("pivot_root: chdir " + rootfs);
    // pivot_root(".", ".") stacks the old root on top of the new one, at
    // our cwd: no directory for it is needed in the rootfs (LXC's trick).
    BERTH_FAULT_MARK("mount", "pivot_root into " + rootfs);
    if (::syscall(SYS_pivot_root, ".", ".") < 0) throw_errno("pivot_root into " + rootfs);
    if (::fchdir(oldRoot.get()) < 0) throw_errno("pivot_root: chdir to the old root");
    // Slave first, so that detaching the old root can never propagate an
    // unmount to the host.
    if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
        throw_errno("pivot_root: make the old root rslave");
    if (::umount2(".", MNT_DETACH) < 0) throw_errno("pivot_root: detach the old root");
}

void move_into(const std::string& rootfs) {
    // Without pivot_root the host's mounts stay in this namespace under the
    // chroot. A full procfs or sysfs among them would let the container
    // mount another one (the kernel allows a new procfs/sysfs only where a
    // full one is visible), so take them away first, as runc does.
    const std::string real = real_path(rootfs);
    for (const MountInfo& mi : read_mountinfo()) {
        if (mi.root != "/" || (mi.fsType != "proc" && mi.fsType != "sysfs")) continue;
        if (mi.mountPoint == real || mi.mountPoint.rfind(real + "/", 0) == 0) continue;
        const char* p = mi.mountPoint.c_str();
        if (::mount(nullptr, p, nullptr, MS_SLAVE | MS_REC, nullptr) < 0) {
            if (errno == ENOENT) continue;  // under a mount we already detached
            throw_errno("no-pivot: make " + mi.mountPoint + " rslave");
        }
        if (::umount2(p, MNT_DETACH) < 0) {
            if (errno != EINVAL && errno != EPERM) throw_errno("no-pivot: unmount " + mi.mountPoint);
            if (::mount("tmpfs", p, "tmpfs", 0, nullptr) < 0) throw_errno("no-pivot: cover " + mi.mountPoint);
        }
    }
    if (::chdir(rootfs.c_str()) < 0) throw_errno("no-pivot: chdir " + rootfs);
    if (::mount(rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0) throw_errno("no-pivot: move " + rootfs + " onto /");
    if (::chroot(".") < 0) throw_errno("no-pivot: chroot " + rootfs);
}

// Standard fds that are the host's /dev/null become the container's, so the
// container holds no file of the host's /dev (runc does the same).
void reopen_dev_null() {
    UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null) return;  // no /dev/null in the container: nothing to swap in
    struct stat ns;
    if (::fstat(null.get(), &ns) < 0 || !S_ISCHR(ns.st_mode)) return;
    for (int fd = 0; fd <= 2; ++fd) {
        struct stat st;
        if (::fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != ns.st_rdev) continue;
        if (::dup3(null.get(), fd, 0) < 0) throw_errno("reopen fd " + std::to_string(fd) + " on /dev/null");
    }
}

}  // namespace

RootPropagation root_propagation(const std::string& value, bool noPivot) {
    RootPropagation p;
    const unsigned long requested = value.empty() ? (MS_PRIVATE | MS_REC) : propagation_flags(value);
    if (requested == 0) throw Error("invalid rootfsPropagation \"" + value + "\"", EINVAL);
    if ((requested & MS_PRIVATE) && noPivot && !value.empty())
        throw Error("rootfsPropagation of [r]private is not safe without pivot_root", EINVAL);
    p.before = ((requested & MS_SLAVE) || noPivot) ? (MS_SLAVE | MS_REC) : (MS_PRIVATE | MS_REC);
    if (requested & (MS_SHARED | MS_UNBINDABLE | MS_SLAVE)) p.after = requested;
    return p;
}

void prepare_rootfs(const RootfsContext& ctx) {
    if (ctx.rootfs.empty() || ctx.rootfs.front() != '/')
        throw Error("prepare rootfs: rootfs path \"" + ctx.rootfs + "\" is not absolute", EINVAL);
    struct stat st;
    if (::stat(ctx.rootfs.c_str(), &st) < 0) throw_errno("rootfs " + ctx.rootfs);
    if (!S_ISDIR(st.st_mode)) throw Error("rootfs " + ctx.rootfs + ": not a directory", ENOTDIR);
    const RootPropagation prop = root_propagation(propagation_value(ctx.config), ctx.noPivot);

    // Nothing mounted from here on may propagate back to the host.
    if (::mount(nullptr, "/", nullptr, prop.before, nullptr) < 0)
        throw_errno(std::string("make / ") + ((prop.before & MS_SLAVE) ? "rslave" : "rprivate"));
    // The rootfs becomes a mount of its own: pivot_root and MS_MOVE need one.
    if (::mount(ctx.rootfs.c_str(), ctx.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        throw_errno("bind rootfs " + ctx.rootfs + " onto itself");
    UniqueFd root = open_root(ctx.rootfs);

    MountContext mc;
    mc.rootFd = root.get();
    mc.bundle = ctx.bundle;
    mc.userNamespace = ctx.userNamespace;
    mc.cgroupNamespace = has_namespace(ctx.config, spec::NamespaceType::Cgroup);
    mc.idmappedSources = ctx.idmappedSources;
    if (ctx.config.linux) {
        mc.uidMappings = ctx.config.linux->uidMappings;
        mc.gidMappings = ctx.config.linux->gidMappings;
    }
    for (const spec::Mount& m : ctx.config.mounts) apply_mount(mc, m);

    if (!binds_dev(ctx.config)) setup_dev(root.get(), ctx.config, ctx.userNamespace, ctx.terminal);
}

void enter_rootfs(const RootfsContext& ctx) {
    const RootPropagation prop = root_propagation(propagation_value(ctx.config), ctx.noPivot);
    if (ctx.noPivot)
        move_into(ctx.rootfs);
    else
        pivot_into(ctx.rootfs);
    if (::chdir("/") < 0) throw_errno("chdir / in the rootfs");
    if (prop.after != 0 && ::mount(nullptr, "/", nullptr, prop.after, nullptr) < 0)
        throw_errno("apply rootfsPropagation " + propagation_value(ctx.config) + " to /");
    reopen_dev_null();
}

void finish_rootfs(const RootfsContext& ctx) {
    UniqueFd root = open_root("/");
    if (ctx.config.linux) protect_paths(root.get(), ctx.config.linux->readonlyPaths, ctx.config.linux->maskedPaths);
    remount_deferred_readonly(root.get(), ctx.config.mounts);
    if (ctx.config.root && ctx.config.root->readonly)
        set_mount_attrs("make the root read-only", root.get(), MOUNT_ATTR_RDONLY, 0, false);
}

}  // namespace berth::kernel

#include "runtime/kernel/devices.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "runtime/kernel/mounts.hpp"
#include "runtime/kernel/path_in_root.hpp"

namespace berth::kernel {
namespace {

spec::Device char_device(const char* path, int64_t major, int64_t minor) {
    spec::Device d;
    d.type = "c";
    d.path = path;
    d.major = major;
    d.minor = minor;
    d.fileMode = 0666;
    d.uid = 0;
    d.gid = 0;
    return d;
}

bool under_dev(const std::string& cleanPath) { return cleanPath == "/dev" || cleanPath.rfind("/dev/", 0) == 0; }

mode_t device_type(const spec::Device& d, const std::string& what) {
    if (d.type == "c" || d.type == "u") return S_IFCHR;
    if (d.type == "b") return S_IFBLK;
    if (d.type == "p") return S_IFIFO;
    throw Error(what + ": unknown device type \"" + d.type + "\"", EINVAL);
}

// An empty regular file at dir/name that is not a symlink: a placeholder to
// bind something on. A symlink there is removed, never followed.
UniqueFd placeholder_file(int dir, const std::string& name, mode_t mode, const std::string& what) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        int fd = ::openat(dir, name.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, mode);
        if (fd >= 0) {
            ::close(fd);
            break;
        }
        if (errno != EEXIST) throw_errno(what);
        struct stat st;
        if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) throw_errno(what);
        if (S_ISDIR(st.st_mode)) throw Error(what + ": a directory is in the way", EISDIR);
        if (!S_ISLNK(st.st_mode)) break;
        if (::unlinkat(dir, name.c_str(), 0) < 0) throw_errno(what + ": remove symlink");
    }
    UniqueFd node(::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!node) throw_errno(what);
    return node;
}

void bind_host_device(int dir, const std::string& name, const std::string& hostPath, const std::string& what) {
    UniqueFd node = placeholder_file(dir, name, 0, what);
    mount_on_fd(what + ": bind " + hostPath + " from the host", hostPath.c_str(), node.get(), nullptr, MS_BIND);
}

// The umask set to 0 while devices are made, so that mknod gives each node
// its fileMode and no chmod is needed; restored when done.
class NoUmask {
public:
    NoUmask() : saved_(::umask(0)) {}
    ~NoUmask() { ::umask(saved_); }
    NoUmask(const NoUmask&) = delete;
    NoUmask& operator=(const NoUmask&) = delete;
    mode_t saved() const { return saved_; }

private:
    mode_t saved_;
};

// create_device; devDir: an fd of the root's /dev (resolved as
// mkdir_all_in_root(rootFd, "/dev", Symlinks::Refuse) does), or -1.
// callerUmask: the caller's umask when it set it to 0 (parent directories are
// made as they would have been under it), or -1 when it did not.
void make_device(int rootFd, int devDir, const spec::Device& device, bool bindFromHost, bool replace,
                 int callerUmask) {
    const std::string path = clean_path(device.path);
    const std::string what = "create device " + path;
    const mode_t type = device_type(device, what);
    const dev_t dev = type == S_IFIFO ? 0
                                      : ::makedev(static_cast<unsigned>(device.major.value_or(0)),
                                                  static_cast<unsigned>(device.minor.value_or(0)));
    const mode_t perm = device.fileMode.value_or(0666) & 07777;
    const mode_t dirMode = callerUmask < 0 ? 0755 : 0755 & ~static_cast<mode_t>(callerUmask);

    UniqueFd parentFd;
    int dir = -1;
    std::string name;
    try {
        auto [parent, base] = split_parent(path);
        name = base;
        if (parent == "/dev" && devDir >= 0) {
            dir = devDir;
        } else {
            parentFd = mkdir_all_in_root(rootFd, parent, dirMode,
                                         under_dev(parent) ? Symlinks::Refuse : Symlinks::InRoot);
            dir = parentFd.get();
        }
    } catch (const Error& e) {
        throw e.wrap(what);
    }
    if (bindFromHost) {
        bind_host_device(dir, name, path, what);
        return;
    }
    for (int attempt = 0;; ++attempt) {
        if (::mknodat(dir, name.c_str(), type | perm, dev) == 0) break;
        if (errno == EPERM) {
            // Not allowed to make device nodes (a user namespace we were
            // not told about): use the host's, as runc does.
            bind_host_device(dir, name, path, what);
            return;
        }
        if (errno != EEXIST) throw_errno(what);
        struct stat st;
        if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) throw_errno(what);
        if ((st.st_mode & S_IFMT) == type && (type == S_IFIFO || st.st_rdev == dev)) break;
        if (!replace || attempt > 0) throw Error(what + ": a different file already exists there", EEXIST);
        if (S_ISDIR(st.st_mode)) throw Error(what + ": a directory is in the way", EISDIR);
        if (::unlinkat(dir, name.c_str(), 0) < 0) throw_errno(what + ": remove the file in the way");
    }
    const uid_t uid = device.uid.value_or(0);
    const gid_t gid = device.gid.value_or(0);
    // chown drops set-user-ID: with it in fileMode, chmod and chown both run, as always.
    const bool always = (perm & (S_ISUID | S_ISGID)) != 0;
    struct stat st;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) throw_errno(what);
    if ((st.st_mode & S_IFMT) != type) throw Error(what + ": replaced while being created", EEXIST);
    if (!always && (st.st_mode & 07777) == perm && st.st_uid == uid && st.st_gid == gid) return;
    // Mode and owner are changed through an fd of the node, checked again.
    UniqueFd node(::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!node) throw_errno(what);
    if (::fstat(node.get(), &st) < 0) throw_errno(what);
    if ((st.st_mode & S_IFMT) != type) throw Error(what + ": replaced while being created", EEXIST);
    // An O_PATH fd takes chmod through its /proc/self/fd link and chown
    // with AT_EMPTY_PATH.
    if ((always || (st.st_mode & 07777) != perm) && ::chmod(fd_path(node.get()).c_str(), perm) < 0)
        throw_errno(what + ": chmod");
    if ((always || st.st_uid != uid || st.st_gid != gid) && ::fchownat(node.get(), "", uid, gid, AT_EMPTY_PATH) < 0)
        throw_errno(what + ": chown");
}

}  // namespace

const std::vector<spec::Device>& default_devices() {
    static const std::vector<spec::Device> devices = {
        char_device("/dev/null", 1, 3),    char_device("/dev/zero", 1, 5),    char_device("/dev/full", 1, 7),
        char_device("/dev/random", 1, 8), char_device("/dev/urandom", 1, 9), char_device("/dev/tty", 5, 0),
    };
    return devices;
}

void create_device(int rootFd, const spec::Device& device, bool bindFromHost, bool replace) {
    make_device(rootFd, -1, device, bindFromHost, replace, -1);
}

void setup_dev(int rootFd, const spec::Config& config, bool bindFromHost, bool console) {
    UniqueFd devDir;
    try {
        devDir = mkdir_all_in_root(rootFd, "/dev", 0755, Symlinks::Refuse);
    } catch (const Error& e) {
        throw e.wrap("set up /dev");
    }
    {
        const NoUmask noUmask;
        const int callerUmask = static_cast<int>(noUmask.saved());
        if (config.linux)
            for (const spec::Device& d : config.linux->devices)
                if (clean_path(d.path) != "/dev/ptmx")
                    make_device(rootFd, devDir.get(), d, bindFromHost, false, callerUmask);
        for (const spec::Device& def : default_devices()) {
            bool inConfig = false;
            if (config.linux)
                for (const spec::Device& d : config.linux->devices)
                    inConfig = inConfig || clean_path(d.path) == def.path;
            if (!inConfig) make_device(rootFd, devDir.get(), def, bindFromHost, true, callerUmask);
        }
    }

    // /dev/ptmx is the devpts instance's ptmx, whatever the rootfs had there.
    if (::unlinkat(devDir.get(), "ptmx", 0) < 0 && errno != ENOENT) {
        if (errno != EISDIR || ::unlinkat(devDir.get(), "ptmx", AT_REMOVEDIR) < 0)
            throw_errno("set up /dev/ptmx: remove the file in the way");
    }
    if (::symlinkat("pts/ptmx", devDir.get(), "ptmx") < 0) throw_errno("set up /dev/ptmx: symlink");

    std::vector<std::pair<const char*, const char*>> links = {
        {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
    if (::access("/proc/kcore", F_OK) == 0) links.emplace_back("/proc/kcore", "core");
    for (const auto& [target, name] : links)
        if (::symlinkat(target, devDir.get(), name) < 0 && errno != EEXIST)
            throw_errno(std::string("set up /dev/") + name + ": symlink");

    if (console) placeholder_file(devDir.get(), "console", 0666, "create /dev/console");
}

}  // namespace berth::kernel

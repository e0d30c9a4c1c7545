// Support for the rootfs integration tests: a temporary bundle with a
// busybox rootfs, and a sandbox that runs rootfs code in a forked child in
// new mount/pid/ipc/uts (and more) namespaces, so the test process's own
// mount namespace is never touched. The child reports what it saw as
// key/value "facts" through a pipe; the test asserts on them.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "runtime/kernel/mountinfo.hpp"
#include "spec/config.hpp"

namespace berth::rootfs_test {

// /tmp/berth-rootfs-XXXXXX/{rootfs,...}: rootfs has bin/busybox (from
// busybox-static) with applet symlinks and empty proc, sys, dev, tmp, etc.
// Removed, recursively and without following symlinks, on destruction.
class TempBundle {
public:
    TempBundle();
    ~TempBundle();
    TempBundle(const TempBundle&) = delete;
    TempBundle& operator=(const TempBundle&) = delete;

    const std::string& dir() const { return dir_; }
    std::string rootfs() const { return dir_ + "/rootfs"; }
    // Host path of a path inside the rootfs ("/etc/x" -> <rootfs>/etc/x).
    std::string in_rootfs(const std::string& path) const { return rootfs() + path; }

    // Helpers on host paths (absolute) that throw std::runtime_error.
    static void write_file(const std::string& path, const std::string& content, unsigned mode = 0644);
    static void make_dir(const std::string& path, unsigned mode = 0755);
    static void make_symlink(const std::string& target, const std::string& path);

private:
    std::string dir_;
};

using Facts = std::map<std::string, std::string>;

struct SandboxResult {
    int status = -1;       // wait status of the sandbox
    std::string error;     // what() of an exception the body threw, "" if none
    Facts facts;
    std::string fact(const std::string& key) const {
        auto it = facts.find(key);
        return it == facts.end() ? "<missing " + key + ">" : it->second;
    }
};

struct SandboxOptions {
    int extraCloneFlags = 0;  // e.g. CLONE_NEWCGROUP
    // Run as uid 0 of a new user namespace (identity mapping of all ids)
    // that owns the new namespaces: mknod is refused and the mounts
    // inherited from the host are locked, as in a userns container.
    bool userNamespace = false;
    // Runs first, as real root, in a private mount namespace of its own
    // (mounts made here are inherited, and locked in the user namespace).
    std::function<void()> setup;
};

// Runs body in a grandchild that is pid 1 of new pid, mount, ipc and uts
// namespaces (plus the options'), with a 60 s alarm. The body fills facts;
// an exception it throws becomes `error`.
SandboxResult run_sandboxed(const std::function<void(Facts&)>& body, const SandboxOptions& options = {});

// A spec::Config with root = rootfs and mount+pid namespaces.
spec::Config base_config(const TempBundle& bundle);
spec::Mount mount_entry(const std::string& destination, const std::string& type, const std::string& source,
                        std::vector<std::string> options);

// --- for use inside the sandbox ---

// The topmost mount at mountPoint in /proc/self/mountinfo (an empty
// MountInfo with fsType "" when there is none).
kernel::MountInfo find_mount(const std::string& mountPoint);
// "<fstype> <per-mount options> [<propagation>]".
std::string mount_summary(const std::string& mountPoint);
// "c 1:3 0666 0:0", "b 7:200 0640 0:0", "p 0600 ...", "f 0644 ...", "d ...",
// "l -> target", or "missing: <errno text>". Never follows a final symlink.
std::string describe(const std::string& path);
// Whole content of a file, or "<error: ...>".
std::string read_text(const std::string& path);
// errno text of trying to create (O_CREAT|O_WRONLY) a file at path, "ok"
// if it could (the file is removed again).
std::string try_create(const std::string& path);
// errno text of open(path, O_WRONLY), "ok" if it opened (nothing written).
std::string try_open_write(const std::string& path);
// The open fds of this process, as "0,1,2,...".
std::string open_fds();

// --- for use in the test process ---

// Whether the test process's own mountinfo mentions `path` (a mount leak).
bool host_mounts_under(const std::string& path);

}  // namespace berth::rootfs_test

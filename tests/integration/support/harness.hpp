// The integration test harness: runs commands with a timeout, gives each test
// a private runtime state root and a bundle, and checks what a runtime must
// never leave behind (mounts, cgroups, processes). Independent of berth's own
// code, so the same tests can drive berth, runc or crun.
//
// Cleanup order: declare the TestBundle before the TestRoot, so the root's
// destructor (delete --force of every container) runs before the bundle's
// (which removes the bundle dir and any cgroup left at its cgroupsPath).
#pragma once

#include <sys/types.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace berth::test {

struct CommandResult {
    int status = -1;        // exit code, or 128+signal
    std::string out, err;   // what it wrote to stdout and stderr
    bool timedOut = false;  // killed (SIGKILL) because it ran past its timeout
};

// Runs argv (argv[0] absolute or found on PATH) with optional stdin data
// (empty: stdin is /dev/null), captures stdout/stderr, and kills it (by PID,
// SIGKILL) after timeoutSec. extraEnv entries ("K=V") are added to, or replace
// in, this process's environment. stdout/stderr are captured in memory files,
// not pipes, so a grandchild that keeps them open (a created container's init)
// does not hold up the call: it returns when argv[0]'s process exits. A failed
// exec gives status 127 and the reason in err.
CommandResult run_command(const std::vector<std::string>& argv, std::string_view stdinData = {},
                          int timeoutSec = 60, const std::vector<std::string>& extraEnv = {});

// A private state root for one test: a fresh dir /run/berth-test-<pid>-<n>.
// The destructor runs `<runtime> --root <path> delete --force <id>` for every
// container dir left in it, then removes the dir. runtime defaults to berth;
// tests may pass "runc" or "crun" for side-by-side comparisons (a name
// without a slash is looked up on PATH, then in /usr/local/sbin, /usr/sbin, /sbin).
class TestRoot {
public:
    explicit TestRoot(std::string runtime = BERTH_BINARY);
    ~TestRoot();
    TestRoot(const TestRoot&) = delete;
    TestRoot& operator=(const TestRoot&) = delete;

    const std::string& path() const { return path_; }
    const std::string& runtime() const { return runtime_; }
    // <runtime> --root <path> args...
    CommandResult run(const std::vector<std::string>& args, std::string_view stdinData = {},
                      int timeoutSec = 60) const;

private:
    std::string runtime_;  // as given
    std::string program_;  // what is run: runtime_, or where PATH or an sbin dir has it
    std::string path_;
};

// The busybox rootfs shared by all tests of one executable, built once
// (idempotent, also across executables) in BERTH_BUILD_DIR/test-rootfs.
// Tests must not modify it (TestBundle mounts it read-only).
const std::string& shared_rootfs();

// Makes a fresh busybox rootfs in dir (created; must not exist or be empty):
// /bin/busybox (Debian's static one) with a symlink per applet in /bin,
// /etc/passwd and /etc/group (root, nobody/nogroup), and the usual dirs
// (dev proc sys tmp root run var mnt home ...). For tests that modify the rootfs.
void make_busybox_rootfs(const std::string& dir);

// A bundle in a fresh temp dir (/tmp/berth-bundle-XXXXXX). config is prefilled
// like `runc spec`'s default, except: process.terminal false, args
// {"sh","-c","true"}, root.path = shared_rootfs() (absolute) or, with
// ownRootfs, <dir>/rootfs (a fresh busybox rootfs), linux.cgroupsPath =
// "/berth-test/<unique>" (always absolute), hostname "berth-test".
// Tests edit config, then call write(). The destructor removes the dir without
// crossing into other filesystems (it unmounts nothing: tests must not mount
// there) and removes the config's cgroupsPath from every hierarchy if the
// runtime left it behind (with a warning on stderr).
class TestBundle {
public:
    explicit TestBundle(bool ownRootfs = false);
    ~TestBundle();
    TestBundle(const TestBundle&) = delete;
    TestBundle& operator=(const TestBundle&) = delete;

    nlohmann::json config;
    std::string dir;

    std::string rootfs() const;  // absolute path of root.path
    std::string cgroups_path() const;  // linux.cgroupsPath of config
    void write() const;          // writes config to <dir>/config.json
    void set_args(std::vector<std::string> args);
};

// Container ids unique per process and call: <prefix>-<pid>-<n>.
std::string unique_id(const std::string& prefix = "t");

// Leftover checks after a test: what a runtime must never leave behind.
// Lines of /proc/self/mountinfo containing needle.
std::vector<std::string> mounts_mentioning(const std::string& needle);
// Whether cgroupPath (absolute, e.g. "/berth-test/x") exists in any hierarchy
// mounted under /sys/fs/cgroup (the v1 controllers and the unified one).
bool cgroup_exists_anywhere(const std::string& cgroupPath);
// Alive and not a zombie.
bool process_alive(pid_t pid);
// The pid in a pid file (as written by --pid-file), or -1 when missing or garbled.
int read_pid_file(const std::string& path);

// Polls predicate every 10 ms until it is true (returns true) or timeoutMs
// passed (returns false).
bool wait_for(const std::function<bool()>& predicate, int timeoutMs = 5000);

// Cleanup for a test cgroup: in every hierarchy under /sys/fs/cgroup, thaws it,
// SIGKILLs the processes still in it (they are the test's own containers) and
// removes it, deepest dirs first. Only paths whose first component starts with
// "berth-" are accepted (anything else, or a path naming process_api or "..",
// throws std::invalid_argument), so it never touches the machine's cgroups.
// Returns the directories it removed; a dir that could not be removed is
// reported on stderr.
std::vector<std::string> remove_test_cgroup(const std::string& cgroupPath);

// Mount points of the cgroup hierarchies under /sys/fs/cgroup.
std::vector<std::string> cgroup_mount_points();

}  // namespace berth::test

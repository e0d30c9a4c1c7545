// Fixtures of the security tests (security_test.cpp): a throw-away copy of
// the berth binary to run as the runtime under attack, host scratch dirs
// that play the "host files" an escape would reach, and bundles armed with
// the in-container attacker (security_attacker.hpp).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "integration/support/harness.hpp"

namespace berth::security_test {

// A host scratch dir /tmp/berth-sec-XXXXXX (mode 0755), removed at the end
// without following symlinks (and left alone, with a warning, if something
// is mounted under it).
class HostDir {
public:
    HostDir();
    ~HostDir();
    HostDir(const HostDir&) = delete;
    HostDir& operator=(const HostDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// A copy of the built berth (BERTH_BINARY) in its own HostDir: the tests run
// the copy, so an attack that works damages only the copy.
class BerthCopy {
public:
    BerthCopy();
    const std::string& path() const { return path_; }
    // Same bytes as BERTH_BINARY.
    bool unchanged() const;
    // "BERTH_SECURITY_TARGET=<dev>:<ino>" of the copy, for the attacker's env.
    std::string target_env() const;

private:
    HostDir dir_;
    std::string path_;
};

// The running test executable (bind-mounted into containers as /attacker).
std::string test_executable();

// Lets bundle run /attacker: the host's /usr/lib and /usr/lib64 bound
// read-only (the test executable and berth are dynamically linked), lib and
// lib64 symlinks in the rootfs (which must be the bundle's own), the test
// executable bound read-only at /attacker, BERTH_SECURITY_ATTACKER=1 and
// extraEnv in process.env. The root is left writable (reports go to /tmp).
void arm_bundle(test::TestBundle& bundle, const std::vector<std::string>& extraEnv = {});

// Adds a read-write bind mount of hostDir at destination.
void add_bind(test::TestBundle& bundle, const std::string& hostDir, const std::string& destination);

// A user namespace: container ids 0-65535 are host ids 100000-165535; the
// cgroup mount (not allowed there without a cgroup namespace) is dropped.
void use_user_namespace(test::TestBundle& bundle);

// Replaces the pid namespace entry with a join of hostPid's pid namespace.
void join_pid_namespace(test::TestBundle& bundle, pid_t hostPid);

// Files on the host.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content, mode_t mode = 0644);
void make_symlink(const std::string& target, const std::string& path);
bool exists(const std::string& path);  // lstat: a dangling symlink exists
// "name type mode uid size content-hash" of each entry of dir, recursively,
// never following symlinks: a fingerprint that changes when anything is
// created, removed, chmod-ed, chown-ed or written below dir.
std::string fingerprint(const std::string& dir);

// The state's pid of a container (`state` through root), -1 when unknown.
pid_t container_pid(const test::TestRoot& root, const std::string& id);
// hostPid's pid in its innermost pid namespace (NSpid), -1 when unknown.
pid_t innermost_pid(pid_t hostPid);
// Polls until the file at path contains needle (true) or timeoutMs passed.
bool wait_for_text(const std::string& path, const std::string& needle, int timeoutMs = 5000);

// Runs argv through /bin/sh with fds 3 and 4 open on /etc/passwd and fd 9 open on
// leakDir, none close-on-exec: a caller that leaks a host directory.
test::CommandResult run_leaking(const std::string& leakDir, const std::vector<std::string>& argv,
                                int timeoutSec = 30);

// <runtime> --root <root> args..., through run_leaking.
test::CommandResult runtime_leaking(const test::TestRoot& root, const std::string& leakDir,
                                    const std::vector<std::string>& args);

}  // namespace berth::security_test

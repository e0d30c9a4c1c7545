// Real OCI hook executables for tests: a POSIX shell script ("record") that
// logs what a hook sees, and one that wires a veth pair into the container
// ("netsetup"), as engines' network hooks do. The scripts run with the host's
// /bin/sh (dash) or, inside a container, busybox sh.
//
// record LABEL LOGDIR [PATH...]   (stdin: the state JSON)
//   appends LABEL to LOGDIR/order, saves stdin to LOGDIR/LABEL.state and
//   writes LOGDIR/LABEL.info with "key=value" lines:
//     ns.<type>       its own namespaces (readlink /proc/self/ns/<type>)
//     root            readlink /proc/self/root
//     mountinfo.proc  its own /proc/self/mountinfo lines whose mount point ends in /proc
//     args, env       its arguments and sorted environment (one line, space separated)
//     target.*        for the state's pid P, when /proc/P exists in its view:
//                     target.root (readlink /proc/P/root), target.cmdline,
//                     target.ns.<type>, target.mountinfo.proc
//     exists.<PATH>   yes|no for every PATH argument
//     init.alive      yes|no|zombie for the pid saved in LOGDIR/initpid (by a
//                     runtime-namespace hook: HOOK_SAVE_PID=1)
//   Environment knobs (hooks get exactly their env): HOOK_SLEEP=S sleeps S
//   seconds (in the background, its pid in LOGDIR/LABEL.sleeppid, then waits);
//   HOOK_EXIT=N exits N after saying "LABEL failing on purpose" on stderr.
//
// netsetup (stdin: the state JSON; env HOST, PEER, HOST_ADDR, PEER_ADDR, PATH)
//   creates veth HOST<->PEER, moves PEER into the network namespace of the
//   state's pid, gives both ends their address (CIDR) and brings them up.
// netcleanup (env HOST, PATH): deletes HOST if it still exists.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::test {

class HookRecorder {
public:
    // Makes /tmp/berth-hooks-XXXXXX (mode 0755) with the scripts and an empty log.
    HookRecorder();
    ~HookRecorder();  // removes the directory
    HookRecorder(const HookRecorder&) = delete;
    HookRecorder& operator=(const HookRecorder&) = delete;

    const std::string& dir() const { return dir_; }
    std::string script(const char* name) const { return dir_ + "/" + name; }

    // A hook entry running `record label dir checkPaths...` with env
    // (PATH is added when missing).
    nlohmann::json hook(const std::string& label, std::vector<std::string> env = {},
                        const std::vector<std::string>& checkPaths = {}) const;
    // The same for a hook that runs inside the container, where this
    // directory is bind-mounted at containerDir (see mount_entry()).
    nlohmann::json hook_in_container(const std::string& containerDir, const std::string& label,
                                     std::vector<std::string> env = {}) const;
    // The bind mount of this directory at containerDir.
    nlohmann::json mount_entry(const std::string& containerDir) const;

    // Appends a marker line ("== start") to the order log.
    void mark(const std::string& what) const;
    // The order log, one entry per line.
    std::vector<std::string> order() const;
    // LABEL.state parsed (null if the hook did not run).
    nlohmann::json state(const std::string& label) const;
    // LABEL.info as a map (empty if the hook did not run).
    std::map<std::string, std::string> info(const std::string& label) const;
    bool ran(const std::string& label) const;
    // The pid in LABEL.sleeppid, or -1.
    int sleep_pid(const std::string& label) const;

private:
    std::string dir_;
};

// readlink /proc/<pid or "self">/ns/<type>; "" when it cannot be read.
std::string ns_link(const std::string& pid, const std::string& type);

}  // namespace berth::test

// Linux security modules: process.apparmorProfile, process.selinuxLabel and
// linux.mountLabel. Each applies only when the module is active on the host.
#pragma once

#include <string>
#include <vector>

#include "runtime/kernel/exec_trampoline.hpp"

namespace berth::kernel {

// AppArmor is active: /sys/kernel/security/apparmor exists and
// /sys/module/apparmor/parameters/enabled starts with 'Y' (runc's test).
bool apparmor_enabled();

// SELinux is active: selinuxfs is mounted at /sys/fs/selinux (or /selinux)
// and this process has a real context (not "kernel").
bool selinux_enabled();

// Which LSMs the host runs. Looked at by the parent, in the host's /sys: after
// pivot_root the container's /sys has no securityfs, and a container could
// fake one.
struct LsmSupport {
    bool apparmor = false;
    bool selinux = false;
};
LsmSupport detect_lsm_support();

// The "exec" attribute writes for a process's profile and label, done just
// before the program's execve (by the exec trampoline), so they apply to it:
//  - apparmorProfile: "exec <profile>" to /proc/self/attr/apparmor/exec (Linux
//    5.8+) or /proc/self/attr/exec; without AppArmor it is skipped with a debug
//    message (runc does the same);
//  - selinuxLabel: the label to /proc/self/attr/exec; without SELinux it is an
//    error, as in runc: "selinux label is specified in config, but selinux is
//    disabled or not supported".
// Empty profile and label give no writes.
std::vector<ExecAttr> lsm_exec_attrs(const std::string& apparmorProfile, const std::string& selinuxLabel,
                                     LsmSupport host);

// Pure: adds context="<label>" to comma-separated mount data
// ("mode=755" -> `mode=755,context="system_u:object_r:svirt_sandbox_file_t:s0"`).
// An empty label returns data unchanged.
std::string format_mount_label(const std::string& data, const std::string& mountLabel);

// format_mount_label when SELinux is enabled, data unchanged otherwise.
std::string selinux_mount_context(const std::string& mountLabel, const std::string& data);

}  // namespace berth::kernel

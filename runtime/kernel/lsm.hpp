// Linux security modules: process.apparmorProfile, process.selinuxLabel and
// linux.mountLabel. Each applies only when the module is active on the host.
#pragma once

#include <string>

namespace berth::kernel {

// AppArmor is active: /sys/kernel/security/apparmor exists and
// /sys/module/apparmor/parameters/enabled starts with 'Y' (runc's test).
bool apparmor_enabled();

// Writes "exec <profile>" to /proc/self/attr/apparmor/exec (Linux 5.8+) or
// /proc/self/attr/exec, so the profile applies at the next execve. An empty
// profile does nothing; without AppArmor, the profile is skipped with a debug
// message (runc does the same).
void apply_apparmor_profile(const std::string& profile);

// SELinux is active: selinuxfs is mounted at /sys/fs/selinux (or /selinux)
// and this process has a real context (not "kernel").
bool selinux_enabled();

// Writes label to /proc/self/attr/exec (applies at the next execve). An empty
// label does nothing; a label without SELinux is an error, as in runc:
// "selinux label is specified in config, but selinux is disabled or not supported".
void apply_selinux_exec_label(const std::string& label);

// Pure: adds context="<label>" to comma-separated mount data
// ("mode=755" -> `mode=755,context="system_u:object_r:svirt_sandbox_file_t:s0"`).
// An empty label returns data unchanged.
std::string format_mount_label(const std::string& data, const std::string& mountLabel);

// format_mount_label when SELinux is enabled, data unchanged otherwise.
std::string selinux_mount_context(const std::string& mountLabel, const std::string& data);

}  // namespace berth::kernel

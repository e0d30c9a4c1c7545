// linux.sysctl: which keys a container may set (only those of kernel
// namespaces it owns, as runc decides) and writing them under /proc/sys.
#pragma once

#include <map>
#include <string>

#include "spec/config.hpp"

namespace berth::kernel {

// A key in dotted form. sysctl(8) also accepts '/' as the separator; then a
// '.' is part of a name ("net/ipv4/conf/eth0.100/rp_filter" is
// "net.ipv4.conf.eth0/100.rp_filter"). Keys whose first separator is '/' are
// converted by swapping the two characters; others are returned unchanged.
std::string sysctl_dotted(const std::string& key);

// The path below /proc/sys for a key in either form ("net/ipv4/ip_forward").
std::string sysctl_path(const std::string& key);

// Refuses keys the container's namespaces do not isolate (runc's rules):
//  - kernel.msgmax/msgmnb/msgmni/sem/shmall/shmmax/shmmni/shm_rmid_forced and
//    fs.mqueue.*: need an ipc namespace (new or joined),
//    `sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace`;
//  - net.*: need a network namespace other than the caller's,
//    `sysctl "net.ipv4.ip_forward" not allowed in host network namespace`;
//  - kernel.domainname: needs a uts namespace; kernel.hostname is refused
//    (the OCI "hostname" field sets it);
//  - anything else: `sysctl "vm.swappiness" is not in a separate kernel namespace`.
// Also refuses empty keys and keys with empty, "." or ".." components.
void validate_sysctls(const spec::Config& config);

// Writes each value to /proc/sys/<path>, resolved beneath an fd of /proc/sys
// with no symlinks or magic links followed, after checking that /proc/sys is
// really procfs (a container could have placed anything at /proc). Call in
// the container after pivot_root, once /proc is mounted.
// Errors: `write sysctl net.ipv4.ip_forward=1: permission denied`.
void apply_sysctls(const std::map<std::string, std::string>& sysctls);

}  // namespace berth::kernel

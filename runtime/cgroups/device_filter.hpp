// cgroup v2 device control: a BPF_PROG_TYPE_CGROUP_DEVICE program written
// instruction by instruction (no libbpf), loaded with bpf(2) and attached to
// the container's cgroup directory.
//
// The program sees struct bpf_cgroup_dev_ctx {u32 access_type; u32 major;
// u32 minor;} (access_type = device type in the low 16 bits, access in the
// high 16) and returns 1 to allow, 0 to deny.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/cgroups/devices.hpp"

namespace berth::cgroups {

// Rules are checked from the LAST to the first; the first that matches the
// request decides; when none matches, defaultAllow decides. A rule of type
// 'a' matches both char and block devices; major/minor -1 match any number;
// a rule matches an access only if it grants every requested bit.
std::vector<bpf_insn> device_filter_program(const std::vector<DeviceRule>& rules, bool defaultAllow);

// The program for an emulated device state (see devices.hpp).
inline std::vector<bpf_insn> device_filter_program(const DeviceState& s) {
    return device_filter_program(s.exceptions, s.defaultAllow);
}

// Loads the program and attaches it to the cgroup directory fd, replacing the
// program attached before (BPF_F_REPLACE when exactly one is attached;
// otherwise attach, then detach every older one), so updates never stack
// programs. `where` names the cgroup in errors.
void install_device_filter(int cgroupDirFd, const std::vector<bpf_insn>& program, const std::string& where);

// IDs of the device programs attached directly to the cgroup.
std::vector<uint32_t> attached_device_programs(int cgroupDirFd, const std::string& where);

}  // namespace berth::cgroups

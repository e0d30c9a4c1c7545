// linux.resources.devices: the device allow-list, with the semantics of the
// cgroup v1 devices controller, on both backends.
//
// Rules are applied in order to a model of the v1 controller (as runc's
// emulator does): a type-'a' rule resets the whole list (allow -> allow all
// with deny exceptions, deny -> deny all with allow exceptions); any other
// rule adds or removes access bits of the exception with exactly that
// (type, major, minor). Removing access from a device covered by a broader
// wildcard exception ("punching a hole") cannot be expressed in v1 and is an
// error, as in runc. The result is a default (allow/deny) plus exceptions that
// all carry the opposite verdict, so on v2 the eBPF program built from it
// gives the same answers as v1: for the normalized list "last match wins" and
// "any match wins" agree. The default before any rule is deny.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spec/config.hpp"

namespace berth::cgroups {

enum DeviceAccess : uint8_t { kAccessRead = 1, kAccessWrite = 2, kAccessMknod = 4, kAccessAll = 7 };

struct DeviceRule {
    char type = 'a';       // 'a', 'c' or 'b'
    int64_t major = -1;    // -1 = any
    int64_t minor = -1;    // -1 = any
    uint8_t access = kAccessAll;
    bool allow = false;

    // "c 1:3 rwm" (the v1 devices.allow / devices.deny / devices.list format)
    std::string cgroup_string() const;
    bool operator==(const DeviceRule&) const = default;
};

// The model of one devices cgroup: the default verdict plus exceptions.
struct DeviceState {
    bool defaultAllow = false;
    std::vector<DeviceRule> exceptions;  // sorted by (major, minor, type); allow == !defaultAllow

    bool operator==(const DeviceState&) const = default;
};

// spec rules -> DeviceRule, validating type, access and numbers; errors name
// "linux.resources.devices[i]".
std::vector<DeviceRule> to_device_rules(const std::vector<spec::DeviceCgroupRule>& rules);

// Applies rules in order, starting from deny-all. Throws on hole punching.
DeviceState emulate_devices(const std::vector<DeviceRule>& rules);

// Parses a v1 devices.list ("a *:* rwm" alone means allow-all).
DeviceState parse_devices_list(const std::string& text);

// The v1 writes that take a cgroup from `current` to `target` with the least
// disruption: a reset rule only when the default changes (or the current
// state is allow-all, whose deny exceptions devices.list does not show),
// then removals, then additions. Each entry: {"devices.allow"|"devices.deny", line}.
std::vector<std::pair<std::string, std::string>> v1_device_writes(const DeviceState& current,
                                                                   const DeviceState& target);

// The device rules of a new container, as runc builds them: the spec's
// linux.resources.devices, then runc's default allow list (mknod of any char
// or block device; /dev/null, zero, full, random, urandom, tty, ptmx,
// /dev/pts/*, /dev/net/tun), leaving out a default whose path linux.devices
// redefines. linux.devices entries get no rule of their own (as in runc;
// engines send explicit rules for them).
std::vector<spec::DeviceCgroupRule> container_device_rules(const spec::Linux& linux);

}  // namespace berth::cgroups

// The Features structure (features.md, features-linux.md, v1.3.0) that
// `berth features` prints. Every property but ociVersionMin/Max is optional;
// std::nullopt is left out of the JSON, and an empty value ([] / {} / false)
// is printed, since the spec says null and empty mean different things. The
// CLI fills in the values (lists of known values are in known_values.hpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth::spec {

struct EnabledFeature {
    std::optional<bool> enabled;
    bool operator==(const EnabledFeature&) const = default;
};

struct CgroupFeatures {
    std::optional<bool> v1;
    std::optional<bool> v2;
    std::optional<bool> systemd;
    std::optional<bool> systemdUser;
    std::optional<bool> rdma;
    bool operator==(const CgroupFeatures&) const = default;
};

struct SeccompFeatures {
    std::optional<bool> enabled;
    std::optional<std::vector<std::string>> actions;
    std::optional<std::vector<std::string>> operators;
    std::optional<std::vector<std::string>> archs;
    std::optional<std::vector<std::string>> knownFlags;
    std::optional<std::vector<std::string>> supportedFlags;
    bool operator==(const SeccompFeatures&) const = default;
};

struct IntelRdtFeatures {
    std::optional<bool> enabled;
    std::optional<bool> schemata;    // linux.intelRdt.schemata supported
    std::optional<bool> monitoring;  // linux.intelRdt.enableMonitoring supported
    bool operator==(const IntelRdtFeatures&) const = default;
};

struct MountExtensionsFeatures {
    std::optional<EnabledFeature> idmap;
    bool operator==(const MountExtensionsFeatures&) const = default;
};

struct MemoryPolicyFeatures {
    std::optional<std::vector<std::string>> modes;
    std::optional<std::vector<std::string>> flags;
    bool operator==(const MemoryPolicyFeatures&) const = default;
};

struct LinuxFeatures {
    std::optional<std::vector<std::string>> namespaces;
    std::optional<std::vector<std::string>> capabilities;
    std::optional<CgroupFeatures> cgroup;
    std::optional<SeccompFeatures> seccomp;
    std::optional<EnabledFeature> apparmor;
    std::optional<EnabledFeature> selinux;
    std::optional<IntelRdtFeatures> intelRdt;
    std::optional<MountExtensionsFeatures> mountExtensions;
    std::optional<EnabledFeature> netDevices;
    std::optional<MemoryPolicyFeatures> memoryPolicy;
    bool operator==(const LinuxFeatures&) const = default;
};

struct Features {
    std::string ociVersionMin;
    std::string ociVersionMax;
    std::optional<std::vector<std::string>> hooks;
    std::optional<std::vector<std::string>> mountOptions;
    std::optional<std::map<std::string, std::string>> annotations;
    std::optional<std::vector<std::string>> potentiallyUnsafeConfigAnnotations;
    std::optional<LinuxFeatures> linux;
    bool operator==(const Features&) const = default;
};

// Pretty-printed with two spaces, fields in features.md's order, no trailing newline.
std::string features_to_json(const Features& f);

}  // namespace berth::spec

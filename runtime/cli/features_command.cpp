// `berth features`: what this berth implements (runtime-spec features.md,
// features-linux.md). One place to update as features land: each value below
// says where it comes from.
#include <unistd.h>

#include "runtime/cli/cli.hpp"
#include "runtime/kernel/capabilities.hpp"
#include "runtime/kernel/lsm.hpp"
#include "runtime/kernel/seccomp.hpp"
#include "spec/config.hpp"
#include "spec/features.hpp"
#include "spec/known_values.hpp"

#ifndef BERTH_VERSION
#define BERTH_VERSION "0.0.0"
#endif
#ifndef BERTH_COMMIT
#define BERTH_COMMIT "unknown"
#endif

namespace berth::cli {

namespace {

template <class Array>
std::vector<std::string> strings(const Array& a) {
    return std::vector<std::string>(a.begin(), a.end());
}

spec::EnabledFeature enabled(bool on) { return spec::EnabledFeature{on}; }

}  // namespace

spec::Features berth_features() {
    spec::Features f;
    f.ociVersionMin = "1.0.0";
    f.ociVersionMax = spec::kSpecVersion;
    f.hooks = strings(spec::known::kHooks);                // hooks/: all six, prestart included
    f.mountOptions = strings(spec::known::kMountOptions);  // runtime/kernel/mount_options.cpp reads each one

    spec::LinuxFeatures linux;
    linux.namespaces = strings(spec::known::kNamespaceTypes);  // all 8, time included
    linux.capabilities = kernel::known_capabilities();         // every name libcap knows

    spec::CgroupFeatures cgroup;
    cgroup.v1 = true;  // runtime/cgroups: v1 (legacy and hybrid) and v2 backends
    cgroup.v2 = true;
    // --systemd-cgroup maps "slice:prefix:name" to the cgroupfs path systemd
    // would use (runtime/cgroups/cgroup_path.hpp); no units over D-Bus.
    cgroup.systemd = false;
    cgroup.systemdUser = false;
    cgroup.rdma = true;  // v1_resources.cpp / v2_resources.cpp write rdma.max
    linux.cgroup = cgroup;

    spec::SeccompFeatures seccomp;
    seccomp.enabled = true;
    seccomp.actions = kernel::seccomp_known_actions();
    seccomp.operators = kernel::seccomp_known_operators();
    seccomp.archs = kernel::seccomp_known_archs();
    seccomp.knownFlags = kernel::seccomp_known_flags();
    seccomp.supportedFlags = kernel::seccomp_supported_flags();
    linux.seccomp = seccomp;

    // The profiles and labels are applied when the module is active on this host.
    linux.apparmor = enabled(kernel::apparmor_enabled());
    linux.selinux = enabled(kernel::selinux_enabled());

    linux.intelRdt = spec::IntelRdtFeatures{false, false, false};  // no Intel RDT support
    spec::MountExtensionsFeatures mountExtensions;
    mountExtensions.idmap = enabled(true);  // runtime/kernel/mounts.cpp: idmap / ridmap mounts
    linux.mountExtensions = mountExtensions;
    linux.netDevices = enabled(false);                      // linux.netDevices is not implemented yet
    linux.memoryPolicy = spec::MemoryPolicyFeatures{std::vector<std::string>{}, std::vector<std::string>{}};
    f.linux = linux;

    f.annotations = std::map<std::string, std::string>{
        {"io.github.seccomp.libseccomp.version", kernel::libseccomp_version()},
        {"org.berth.commit", BERTH_COMMIT},
        {"org.berth.version", BERTH_VERSION},
    };
    return f;
}

std::string features_json() { return spec::features_to_json(berth_features()) + "\n"; }

}  // namespace berth::cli

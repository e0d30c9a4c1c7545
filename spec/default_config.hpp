// The config.json that `berth spec` writes: the same content as runc's
// (libcontainer/specconv/example.go, Example and ToRootless) with ociVersion
// 1.3.0 and hostname "berth". Pure data: the caller supplies the ids and
// whether the host is on cgroup v2.
#pragma once

#include <cstdint>
#include <string>

#include "spec/config.hpp"

namespace berth::spec {

// rootless: user namespace instead of a network namespace, uid/gid 0 in the
// container mapped to `uid`/`gid` (size 1), /sys bind-mounted, no uid=/gid=
// mount options, no resources. cgroup_ns: add a cgroup namespace (runc does
// so on cgroup v2 hosts).
Config default_config(bool rootless, uint32_t uid = 0, uint32_t gid = 0, bool cgroup_ns = false);

// default_config() as JSON indented with tabs like `runc spec` (no trailing
// newline).
std::string default_config_json(bool rootless, uint32_t uid = 0, uint32_t gid = 0, bool cgroup_ns = false);

}  // namespace berth::spec

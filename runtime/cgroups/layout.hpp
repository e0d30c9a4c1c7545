// Where the cgroup hierarchies of this host are mounted, and in which mode
// (pure v2, hybrid, legacy v1). Found once per command from statfs and
// /proc/self/mountinfo; tests build a Layout by hand that points at a fake
// directory tree.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace berth::cgroups {

enum class Mode {
    Unified,  // cgroup v2 only, mounted at the mount root
    Hybrid,   // v1 controllers plus a cgroup2 mount at <root>/unified
    Legacy,   // v1 controllers only
};

const char* to_string(Mode m);

// One mounted v1 hierarchy, e.g. {"/sys/fs/cgroup/cpu,cpuacct", {"cpu", "cpuacct"}}.
// Named hierarchies carry their name option, e.g. "name=systemd".
struct V1Hierarchy {
    std::string mountpoint;
    std::vector<std::string> controllers;
};

struct Layout {
    Mode mode = Mode::Unified;
    std::string unified;            // the cgroup2 mountpoint; empty in Legacy mode
    std::vector<V1Hierarchy> v1;    // empty in Unified mode

    // The mountpoint of the v1 hierarchy that carries `controller`, if mounted.
    std::optional<std::string> v1_mount(const std::string& controller) const;
};

// statfs on mountRoot: CGROUP2_SUPER_MAGIC -> Unified; otherwise a cgroup2
// filesystem at mountRoot/unified -> Hybrid; otherwise Legacy.
Mode detect_mode(const std::string& mountRoot = "/sys/fs/cgroup");

// detect_mode plus the v1 hierarchies mounted below mountRoot, read from a
// mountinfo file. Only the controllers berth manages are kept (see
// kV1Controllers in layout.cpp); hierarchies with none of them are ignored.
Layout detect_layout(const std::string& mountRoot = "/sys/fs/cgroup",
                     const std::string& mountinfoPath = "/proc/self/mountinfo");

// Parses mountinfo text; exposed for tests. Returns the layout of the cgroup
// mounts below mountRoot, with the mode given.
Layout parse_layout(const std::string& mountinfoText, const std::string& mountRoot, Mode mode);

}  // namespace berth::cgroups

// /proc/<pid>/mountinfo, parsed (proc(5)): what is mounted where, with which
// per-mount flags, propagation and filesystem options.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::kernel {

struct MountInfo {
    int id = 0;
    int parentId = 0;
    unsigned major = 0;
    unsigned minor = 0;
    std::string root;          // the directory of the filesystem mounted here
    std::string mountPoint;    // in the reader's root
    std::string options;       // per-mount: "rw,nosuid,relatime"
    std::string optional;      // propagation: "shared:1 master:2", "unbindable", ""
    std::string fsType;
    std::string source;
    std::string superOptions;  // per-superblock: "rw,size=65536k,mode=755"

    // Whether a comma-separated option list holds `name` exactly.
    static bool has_option(std::string_view list, std::string_view name);
};

// Parses mountinfo text; malformed lines are skipped. Octal escapes (\040)
// in paths are decoded.
std::vector<MountInfo> parse_mountinfo(std::string_view text);

// The text of a mountinfo file (whole). Throws Error on read failure.
std::string read_mountinfo_text(const std::string& path = "/proc/self/mountinfo");

// Reads and parses a mountinfo file. Throws Error on read failure.
std::vector<MountInfo> read_mountinfo(const std::string& path = "/proc/self/mountinfo");

}  // namespace berth::kernel

// The in-container checker of the conformance suite: a small static program
// that inspects the view of the process it runs as (ids, capabilities, mounts,
// namespaces, cgroups, seccomp...) and compares it with expectations given on
// its command line. It uses only libc and the C++ standard library so that it
// builds with `g++ -static` and runs in any root filesystem.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace checker {

// The outcome of one expectation: passed, and if not, why (shown in the TAP
// line after '#').
struct Outcome {
    bool ok = false;
    std::string detail;
};

inline Outcome pass(std::string detail = {}) { return {true, std::move(detail)}; }
inline Outcome fail(std::string detail) { return {false, std::move(detail)}; }

// One expectation: "ID<TAB>KIND<TAB>ARG..." on the command line.
struct Expectation {
    std::string id;
    std::string kind;
    std::vector<std::string> args;
};

Outcome evaluate(const Expectation& e);

// --- helpers shared by the check files (util.cpp) ---
std::vector<std::string> split(const std::string& s, char sep);
std::string trim(const std::string& s);
std::optional<std::string> read_file(const std::string& path);
std::string errno_name(int err);
int errno_from_name(const std::string& name);  // "EPERM" or a number; -1 when unknown
uint64_t parse_u64(const std::string& s);      // decimal, 0x hex, or "unlimited"
std::string status_field(const std::string& name);  // a field of /proc/self/status, trimmed

// One line of /proc/self/mountinfo.
struct MountEntry {
    int id = 0;
    int parent = 0;
    std::string root;
    std::string mount_point;
    std::vector<std::string> mount_options;  // per-mount options (ro, nosuid...)
    std::vector<std::string> optional_fields;  // shared:N, master:N, unbindable...
    std::string fstype;
    std::string source;
    std::vector<std::string> super_options;
};
std::vector<MountEntry> read_mountinfo();

// check_*.cpp: each returns nullopt when it does not know the kind.
std::optional<Outcome> check_process(const Expectation& e);
std::optional<Outcome> check_filesystem(const Expectation& e);
std::optional<Outcome> check_kernel(const Expectation& e);

}  // namespace checker

// Reading and writing cgroupfs files. Cgroup files are never created: a write
// to a missing file fails with ENOENT, which is how berth learns that a
// controller or feature is absent.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::cgroups {

// Writes value to dir/name (O_WRONLY|O_TRUNC, no O_CREAT, no symlinks).
// Returns 0 or the errno of the failed open/write.
int try_write_file(const std::string& dir, const std::string& name, std::string_view value);

// Throws "write \"value\" to dir/name: <errno text>".
void write_file(const std::string& dir, const std::string& name, std::string_view value);

// Writes one resource setting; errors name the spec field:
//   ENOENT -> "<field>: <what> is not supported on this host (<name> missing in <dir>)"
//   other  -> "<field>: write \"value\" to <dir>/<name>: <errno text>"
void write_setting(const std::string& field, const std::string& what, const std::string& dir,
                   const std::string& name, std::string_view value);

// Whole file; throws "read <dir>/<name>: ...".
std::string read_file(const std::string& dir, const std::string& name);
// nullopt when the file does not exist; throws on other errors.
std::optional<std::string> read_file_if_exists(const std::string& dir, const std::string& name);
bool file_exists(const std::string& dir, const std::string& name);

std::string trim(std::string_view s);
// "max" -> UINT64_MAX; throws on anything that is not a number.
uint64_t parse_u64(std::string_view s, const std::string& where);
// "key value" lines (memory.stat, cpu.stat, memory.events...).
std::map<std::string, uint64_t> parse_flat_keyed(std::string_view text);

// PIDs in dir/cgroup.procs, and with recursive=true in every cgroup below it.
// A cgroup that vanished meanwhile contributes nothing.
std::vector<pid_t> read_pids(const std::string& dir, bool recursive);

// mkdir -p of cgroupPath ("/a/b") below a hierarchy mountpoint; returns the
// directories it created, top first.
std::vector<std::string> make_cgroup_dirs(const std::string& mountpoint, const std::string& cgroupPath);

// Path of `cgroupPath` ("/a/b") below a hierarchy mountpoint.
std::string join_cgroup(const std::string& mountpoint, const std::string& cgroupPath);

}  // namespace berth::cgroups

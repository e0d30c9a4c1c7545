// Signalling a cgroup's processes and removing cgroup directories.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace berth::cgroups {

// kill(2) every pid; ESRCH (already gone) is not an error.
void signal_pids(const std::vector<pid_t>& pids, int signal);

// Removes dir and every cgroup below it, children first. When rmdir says
// EBUSY (tasks still exiting), calls kick() (which should kill what is left)
// and retries with a growing pause (1 ms doubling to 100 ms) for up to
// `timeoutMs`. A directory that is already gone counts as removed. Throws
// "remove cgroup <dir>: device or resource busy (pids: ...)" in the end.
void remove_cgroup_tree(const std::string& dir, const std::function<void()>& kick, int timeoutMs = 5000);

// Sorted, without duplicates.
std::vector<pid_t> unique_sorted(std::vector<pid_t> pids);

}  // namespace berth::cgroups

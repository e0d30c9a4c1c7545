// Reading a cgroup v2 directory into Stats (runc's fs2 GetStats shapes).
#pragma once

#include <string>

#include "runtime/cgroups/stats.hpp"

namespace berth::cgroups {

// cpu.stat, memory.{stat,current,max,peak,swap.*,events}, pids.{current,max},
// io.stat, hugetlb.*, *.pressure. Files that are missing leave fields zero.
Stats read_v2_stats(const std::string& dir);

// Only the hugetlb.<size>.{current,max,events} files (hybrid hosts keep
// hugetlb on the unified hierarchy).
void read_v2_hugetlb(const std::string& dir, Stats& out);

}  // namespace berth::cgroups

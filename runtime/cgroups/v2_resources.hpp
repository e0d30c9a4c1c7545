// linux.resources -> cgroup v2 files. Used by the v2 backend, and by the
// hybrid backend for what only the unified hierarchy can do.
//
// Mapping (the conversions are runc's, so limits match what runc sets):
//   memory.limit        -> memory.max           (-1 -> "max")
//   memory.swap         -> memory.swap.max = swap - limit (swap is memory+swap, as on v1);
//                          -1 -> "max"; limit -1 with swap unset -> "max"
//   memory.reservation  -> memory.low
//   cpu.shares          -> cpu.weight = 1 + ((shares - 2) * 9999) / 262142   (runc's formula;
//                          shares clamped to 2..262144 first; crun's newer formula differs)
//   cpu.quota/period    -> cpu.max "quota period" ("max" for quota -1; a missing half is kept
//                          from the current cpu.max)
//   cpu.burst           -> cpu.max.burst;   cpu.idle -> cpu.idle
//   cpu.cpus/mems       -> cpuset.cpus / cpuset.mems
//   pids.limit          -> pids.max ("max" when < 0; 0 is a real limit; absent = leave alone)
//   blockIO.weight      -> io.bfq.weight (as is) when BFQ is there, else
//                          io.weight = 1 + (weight - 10) * 9999 / 990
//   blockIO.weightDevice-> io.bfq.weight "maj:min w" (per-device BFQ only)
//   blockIO.throttle*   -> io.max "maj:min rbps=.. wbps=.. riops=.. wiops=.." (rate 0 -> "max")
//   hugepageLimits      -> hugetlb.<size>.max (and .rsvd.max when present)
//   rdma                -> rdma.max "<dev> hca_handle=N hca_object=M"
//   unified             -> written verbatim, last (so it overrides the above)
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "spec/config.hpp"

namespace berth::cgroups {

uint64_t cpu_weight_from_shares(uint64_t shares);
uint64_t io_weight_from_blkio(uint64_t weight);

// Enables controllers in cgroup.subtree_control of every cgroup from the
// mount root down to the parent of mount+path (creating missing parents).
// `only` empty = every controller each level offers in cgroup.controllers.
// Controllers a level cannot enable are skipped (the resource that needs one
// then fails with a clear error).
void enable_v2_controllers(const std::string& mount, const std::string& path, const std::vector<std::string>& only);

// Everything but devices (the eBPF filter needs the backend's directory fd).
void apply_v2_resources(const std::string& dir, const spec::Resources& r, bool isUpdate);

void apply_v2_hugetlb(const std::string& dir, const std::vector<spec::HugepageLimit>& limits);

// Validates and writes linux.resources.unified: a key must be one file name
// "<controller>.<knob>" (no '/', no ".."), its controller must be enabled in
// the cgroup (cgroup.controllers), and lifecycle files (cgroup.procs,
// cgroup.threads, cgroup.kill, cgroup.freeze) are refused.
void apply_v2_unified(const std::string& dir, const std::map<std::string, std::string>& unified);

// Controllers that the unified keys and hugepage limits need (for hybrid hosts).
std::vector<std::string> v2_controllers_needed(const std::map<std::string, std::string>& unified, bool hugetlb);

}  // namespace berth::cgroups

// linux.resources -> cgroup v1 files, one directory per controller.
//
// Mapping (as runc's fs driver):
//   memory.limit         -> memory.limit_in_bytes   (written after memsw when raising, before when lowering)
//   memory.swap          -> memory.memsw.limit_in_bytes (memory+swap); limit -1 with swap unset -> -1
//   memory.reservation   -> memory.soft_limit_in_bytes
//   memory.swappiness    -> memory.swappiness (0..100)
//   memory.disableOOMKiller -> memory.oom_control (1/0)
//   cpu.shares           -> cpu.shares;  cpu.period/quota -> cpu.cfs_period_us / cpu.cfs_quota_us
//   cpu.burst            -> cpu.cfs_burst_us;  cpu.idle -> cpu.idle
//   cpu.realtimePeriod/Runtime -> cpu.rt_period_us / cpu.rt_runtime_us
//   cpu.cpus/mems        -> cpuset.cpus / cpuset.mems
//   pids.limit           -> pids.max ("max" when < 0; 0 is a real limit; absent = leave alone)
//   blockIO.weight       -> blkio.weight, or blkio.bfq.weight when that is what the kernel has
//   blockIO.leafWeight   -> blkio.leaf_weight;  weightDevice -> blkio[.bfq].weight_device, blkio.leaf_weight_device
//   blockIO.throttle*    -> blkio.throttle.{read,write}_{bps,iops}_device "maj:min rate"
//   hugepageLimits       -> hugetlb.<size>.limit_in_bytes (and .rsvd.limit_in_bytes when present)
//   network.classID      -> net_cls.classid;  network.priorities -> net_prio.ifpriomap "name prio"
//   rdma                 -> rdma.max
// A setting whose controller is not mounted fails with an error naming the field.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "spec/config.hpp"

namespace berth::cgroups {

// One v1 cgroup: its directory in each mounted hierarchy, by controller
// ("cpu" and "cpuacct" share one directory when co-mounted).
struct V1Dirs {
    std::map<std::string, std::string> byController;
    std::optional<std::string> find(const std::string& controller) const;
};

// Everything but devices, hugepage limits without a v1 hugetlb hierarchy, and
// `unified` (the backend routes those).
void apply_v1_resources(const V1Dirs& dirs, const spec::Resources& r, bool isUpdate);

// Makes the devices cgroup match the rules with the fewest writes (see devices.hpp).
void apply_v1_devices(const std::string& devicesDir, const std::vector<spec::DeviceCgroupRule>& rules);

// cpuset.cpus / cpuset.mems are empty in a new v1 cpuset cgroup and no task
// can join until they are set: fills `file` of dir (below the hierarchy's
// mountpoint) from the nearest ancestor that has a value, writing every empty
// level on the way. knownEmpty: dir was just made, so it is not read first.
// Returns the value (empty only if the whole chain is empty).
std::string cpuset_fill(const std::string& mountpoint, const std::string& dir, const char* file, bool knownEmpty);

}  // namespace berth::cgroups

#include "runtime/cgroups/v1_resources.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <map>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/fault.hpp"
#include "common/unique_fd.hpp"
#include "runtime/cgroups/devices.hpp"
#include "runtime/cgroups/files.hpp"

namespace berth::cgroups {

std::optional<std::string> V1Dirs::find(const std::string& controller) const {
    auto it = byController.find(controller);
    if (it == byController.end()) return std::nullopt;
    return it->second;
}

namespace {

std::string need(const V1Dirs& dirs, const std::string& controller, const std::string& field) {
    auto d = dirs.find(controller);
    if (!d) throw Error(field + ": the " + controller + " controller is not mounted on this host", ENOENT);
    return *d;
}

void apply_memory(const V1Dirs& dirs, const spec::Resources& r, bool isUpdate) {
    if (!r.memory) return;
    const spec::Memory& m = *r.memory;
    int64_t limit = m.limit.value_or(0);
    int64_t swap = m.swap.value_or(0);
    int64_t reservation = m.reservation.value_or(0);
    const bool oom = m.disableOOMKiller.has_value();
    const bool swappiness = m.swappiness.has_value() && *m.swappiness != UINT64_MAX;  // -1 in JSON = unset
    if (limit == 0 && swap == 0 && reservation == 0 && !oom && !swappiness) return;
    if (swappiness && *m.swappiness > 100)
        throw Error("linux.resources.memory.swappiness: " + std::to_string(*m.swappiness) + " is out of range (0-100)");
    const std::string dir = need(dirs, "memory", "linux.resources.memory");
    const bool hasMemsw = file_exists(dir, "memory.memsw.limit_in_bytes");

    if (m.checkBeforeUpdate.value_or(false) && isUpdate && limit > 0) {
        uint64_t usage = parse_u64(read_file(dir, "memory.usage_in_bytes"), dir + "/memory.usage_in_bytes");
        if (static_cast<uint64_t>(limit) <= usage)
            throw Error("linux.resources.memory.limit: the new limit " + std::to_string(limit) +
                        " is not above the current usage " + std::to_string(usage));
    }
    // Unlimited memory without a swap setting means unlimited swap too.
    if (limit == -1 && swap == 0 && hasMemsw) swap = -1;
    if (swap == -1 && !hasMemsw) {
        spdlog::debug("memory.memsw.limit_in_bytes missing in {}; unlimited swap needs no setting", dir);
        swap = 0;
    }

    auto setLimit = [&] {
        if (limit == 0) return;
        int err = try_write_file(dir, "memory.limit_in_bytes", std::to_string(limit));
        if (err == EBUSY) {
            auto usage = trim(read_file(dir, "memory.usage_in_bytes"));
            auto peak = trim(read_file(dir, "memory.max_usage_in_bytes"));
            throw Error("linux.resources.memory.limit: cannot set the limit to " + std::to_string(limit) +
                            " (current usage " + usage + ", peak " + peak + ")",
                        err);
        }
        if (err) write_setting("linux.resources.memory.limit", "memory limit", dir, "memory.limit_in_bytes",
                               std::to_string(limit));
    };
    auto setSwap = [&] {
        if (swap == 0) return;
        write_setting("linux.resources.memory.swap", "swap limit", dir, "memory.memsw.limit_in_bytes",
                      std::to_string(swap));
    };
    // The kernel keeps memsw >= limit at every step: raise memsw first, lower it last.
    bool swapFirst = false;
    if (limit != 0 && swap != 0) {
        uint64_t cur = parse_u64(read_file(dir, "memory.limit_in_bytes"), dir + "/memory.limit_in_bytes");
        swapFirst = swap == -1 || cur < static_cast<uint64_t>(swap);
    }
    if (swapFirst) {
        setSwap();
        setLimit();
    } else {
        setLimit();
        setSwap();
    }
    if (reservation != 0)
        write_setting("linux.resources.memory.reservation", "memory reservation", dir, "memory.soft_limit_in_bytes",
                      std::to_string(reservation));
    if (oom)
        write_setting("linux.resources.memory.disableOOMKiller", "oom control", dir, "memory.oom_control",
                      *m.disableOOMKiller ? "1" : "0");
    if (swappiness)
        write_setting("linux.resources.memory.swappiness", "memory swappiness", dir, "memory.swappiness",
                      std::to_string(*m.swappiness));
}

void apply_cpu(const V1Dirs& dirs, const spec::Resources& r) {
    if (!r.cpu) return;
    const spec::Cpu& c = *r.cpu;
    const bool any = c.shares.value_or(0) != 0 || c.quota.value_or(0) != 0 || c.period.value_or(0) != 0 ||
                     c.burst.has_value() || c.idle.has_value() || c.realtimePeriod.value_or(0) != 0 ||
                     c.realtimeRuntime.value_or(0) != 0;
    if (any) {
        const std::string dir = need(dirs, "cpu", "linux.resources.cpu");
        if (c.shares.value_or(0) != 0)
            write_setting("linux.resources.cpu.shares", "cpu shares", dir, "cpu.shares", std::to_string(*c.shares));
        // A burst must stay below the quota: try it first (lowering), else after (raising the quota).
        bool burstDone = false;
        if (c.burst && try_write_file(dir, "cpu.cfs_burst_us", std::to_string(*c.burst)) == 0) burstDone = true;
        if (c.period.value_or(0) != 0)
            write_setting("linux.resources.cpu.period", "cpu bandwidth limit", dir, "cpu.cfs_period_us",
                          std::to_string(*c.period));
        if (c.quota.value_or(0) != 0)
            write_setting("linux.resources.cpu.quota", "cpu bandwidth limit", dir, "cpu.cfs_quota_us",
                          std::to_string(*c.quota));
        if (c.burst && !burstDone)
            write_setting("linux.resources.cpu.burst", "cpu burst", dir, "cpu.cfs_burst_us", std::to_string(*c.burst));
        // Real-time bandwidth: the period first, or the runtime may not fit it.
        if (c.realtimePeriod.value_or(0) != 0)
            write_setting("linux.resources.cpu.realtimePeriod", "real-time cpu scheduling", dir, "cpu.rt_period_us",
                          std::to_string(*c.realtimePeriod));
        if (c.realtimeRuntime.value_or(0) != 0)
            write_setting("linux.resources.cpu.realtimeRuntime", "real-time cpu scheduling", dir,
                          "cpu.rt_runtime_us", std::to_string(*c.realtimeRuntime));
        if (c.idle)
            write_setting("linux.resources.cpu.idle", "cpu idle scheduling", dir, "cpu.idle", std::to_string(*c.idle));
    }
    if (!c.cpus.empty())
        write_setting("linux.resources.cpu.cpus", "cpuset", need(dirs, "cpuset", "linux.resources.cpu.cpus"),
                      "cpuset.cpus", c.cpus);
    if (!c.mems.empty())
        write_setting("linux.resources.cpu.mems", "cpuset", need(dirs, "cpuset", "linux.resources.cpu.mems"),
                      "cpuset.mems", c.mems);
}

void apply_pids(const V1Dirs& dirs, const spec::Resources& r, bool isUpdate) {
    // Absent = leave alone; negative = no limit; 0 is a real limit at create
    // (runtime-spec 1.3) but "unchanged" on update, like every other zero there.
    if (!r.pids || !r.pids->limit) return;
    int64_t limit = *r.pids->limit;
    if (limit == 0 && isUpdate) return;
    write_setting("linux.resources.pids.limit", "the pids controller", need(dirs, "pids", "linux.resources.pids.limit"),
                  "pids.max", limit >= 0 ? std::to_string(limit) : "max");
}

void apply_blkio(const V1Dirs& dirs, const spec::Resources& r) {
    if (!r.blockIO) return;
    const spec::BlockIo& b = *r.blockIO;
    const bool any = b.weight.value_or(0) != 0 || b.leafWeight.value_or(0) != 0 || !b.weightDevice.empty() ||
                     !b.throttleReadBpsDevice.empty() || !b.throttleWriteBpsDevice.empty() ||
                     !b.throttleReadIOPSDevice.empty() || !b.throttleWriteIOPSDevice.empty();
    if (!any) return;
    const std::string dir = need(dirs, "blkio", "linux.resources.blockIO");
    // CFQ kernels have blkio.weight; BFQ ones blkio.bfq.weight (Linux 5.0+).
    const bool cfq = file_exists(dir, "blkio.weight");
    const std::string weightFile = cfq ? "blkio.weight" : "blkio.bfq.weight";
    const std::string weightDeviceFile = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";
    if (b.weight.value_or(0) != 0)
        write_setting("linux.resources.blockIO.weight", "block io weight", dir, weightFile, std::to_string(*b.weight));
    if (b.leafWeight.value_or(0) != 0)
        write_setting("linux.resources.blockIO.leafWeight", "block io leaf weight", dir, "blkio.leaf_weight",
                      std::to_string(*b.leafWeight));
    for (size_t i = 0; i < b.weightDevice.size(); ++i) {
        const auto& wd = b.weightDevice[i];
        const std::string field = "linux.resources.blockIO.weightDevice[" + std::to_string(i) + "]";
        const std::string dev = std::to_string(wd.major) + ":" + std::to_string(wd.minor) + " ";
        if (wd.weight) write_setting(field, "per-device io weight", dir, weightDeviceFile, dev + std::to_string(*wd.weight));
        if (wd.leafWeight)
            write_setting(field, "per-device io leaf weight", dir, "blkio.leaf_weight_device",
                          dev + std::to_string(*wd.leafWeight));
    }
    auto throttle = [&](const std::vector<spec::BlockIoDeviceThrottle>& list, const char* file, const char* name) {
        for (size_t i = 0; i < list.size(); ++i)
            write_setting(std::string("linux.resources.blockIO.") + name + "[" + std::to_string(i) + "]",
                          "block io throttling", dir, file,
                          std::to_string(list[i].major) + ":" + std::to_string(list[i].minor) + " " +
                              std::to_string(list[i].rate));
    };
    throttle(b.throttleReadBpsDevice, "blkio.throttle.read_bps_device", "throttleReadBpsDevice");
    throttle(b.throttleWriteBpsDevice, "blkio.throttle.write_bps_device", "throttleWriteBpsDevice");
    throttle(b.throttleReadIOPSDevice, "blkio.throttle.read_iops_device", "throttleReadIOPSDevice");
    throttle(b.throttleWriteIOPSDevice, "blkio.throttle.write_iops_device", "throttleWriteIOPSDevice");
}

void apply_hugetlb(const V1Dirs& dirs, const spec::Resources& r) {
    if (r.hugepageLimits.empty()) return;
    const std::string dir = need(dirs, "hugetlb", "linux.resources.hugepageLimits");
    for (size_t i = 0; i < r.hugepageLimits.size(); ++i) {
        const auto& h = r.hugepageLimits[i];
        const std::string field = "linux.resources.hugepageLimits[" + std::to_string(i) + "]";
        if (h.pageSize.empty() || h.pageSize.find('/') != std::string::npos || h.pageSize.find("..") != std::string::npos)
            throw Error(field + ": invalid page size \"" + h.pageSize + "\"");
        write_setting(field, "huge page size " + h.pageSize, dir, "hugetlb." + h.pageSize + ".limit_in_bytes",
                      std::to_string(h.limit));
        const std::string rsvd = "hugetlb." + h.pageSize + ".rsvd.limit_in_bytes";
        if (file_exists(dir, rsvd)) write_setting(field, "huge page reservation", dir, rsvd, std::to_string(h.limit));
    }
}

void apply_network(const V1Dirs& dirs, const spec::Resources& r) {
    if (!r.network) return;
    if (r.network->classID)
        write_setting("linux.resources.network.classID", "net_cls",
                      need(dirs, "net_cls", "linux.resources.network.classID"), "net_cls.classid",
                      std::to_string(*r.network->classID));
    for (size_t i = 0; i < r.network->priorities.size(); ++i) {
        const auto& p = r.network->priorities[i];
        const std::string field = "linux.resources.network.priorities[" + std::to_string(i) + "]";
        write_setting(field, "net_prio", need(dirs, "net_prio", field), "net_prio.ifpriomap",
                      p.name + " " + std::to_string(p.priority));
    }
}

void apply_rdma(const V1Dirs& dirs, const spec::Resources& r) {
    for (const auto& [device, limit] : r.rdma) {
        std::string line = device;
        if (limit.hcaHandles) line += " hca_handle=" + std::to_string(*limit.hcaHandles);
        if (limit.hcaObjects) line += " hca_object=" + std::to_string(*limit.hcaObjects);
        if (line == device) continue;
        const std::string field = "linux.resources.rdma[\"" + device + "\"]";
        write_setting(field, "the rdma controller", need(dirs, "rdma", field), "rdma.max", line);
    }
}

}  // namespace

void apply_v1_resources(const V1Dirs& dirs, const spec::Resources& r, bool isUpdate) {
    apply_memory(dirs, r, isUpdate);
    apply_cpu(dirs, r);
    apply_pids(dirs, r, isUpdate);
    apply_blkio(dirs, r);
    if (dirs.find("hugetlb")) apply_hugetlb(dirs, r);
    apply_network(dirs, r);
    apply_rdma(dirs, r);
    if (r.memory && (r.memory->kernel || r.memory->kernelTCP))
        spdlog::debug("kernel memory limits are ignored (deprecated by the kernel; runc ignores them too)");
}

void apply_v1_devices(const std::string& devicesDir, const std::vector<spec::DeviceCgroupRule>& rules) {
    DeviceState target = emulate_devices(to_device_rules(rules));
    DeviceState current = parse_devices_list(read_file(devicesDir, "devices.list"));
    // One rule per write(2), but devices.allow and devices.deny are each opened once.
    std::map<std::string, UniqueFd> opened;
    for (const auto& [file, line] : v1_device_writes(current, target)) {
        BERTH_FAULT_MARK("cgroup", "write " + devicesDir + "/" + file);
        UniqueFd& fd = opened[file];
        if (!fd) fd.reset(::open((devicesDir + "/" + file).c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
        int err = !fd ? errno : 0;
        if (!err) {
            ssize_t n = ::write(fd.get(), line.data(), line.size());
            err = n < 0 ? errno : static_cast<size_t>(n) != line.size() ? EIO : 0;
        }
        if (err)
            throw Error("linux.resources.devices: write \"" + line + "\" to " + devicesDir + "/" + file + ": " +
                            errno_text(err),
                        err);
    }
    // The kernel may refuse silently (e.g. a parent that denies): check the result.
    DeviceState after = parse_devices_list(read_file(devicesDir, "devices.list"));
    if (after.defaultAllow != target.defaultAllow || (!target.defaultAllow && after != target))
        throw Error("linux.resources.devices: " + devicesDir + "/devices.list does not match the requested rules");
}

std::string cpuset_fill(const std::string& mountpoint, const std::string& dir, const char* file, bool knownEmpty) {
    if (!knownEmpty) {
        std::string value = trim(read_file(dir, file));
        if (!value.empty() || dir.size() <= mountpoint.size()) return value;
    }
    std::string value = cpuset_fill(mountpoint, dir.substr(0, dir.rfind('/')), file, false);
    if (!value.empty()) write_file(dir, file, value);
    return value;
}

}  // namespace berth::cgroups

#include "runtime/cgroups/v2_resources.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

#include "common/error.hpp"
#include "runtime/cgroups/files.hpp"

namespace berth::cgroups {

namespace {

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// -1 -> "max", other values as is.
std::string limit_string(int64_t v) {
    return v == -1 ? "max" : std::to_string(v);
}

void apply_pids(const std::string& dir, const spec::Resources& r, bool isUpdate) {
    // Absent = leave alone; negative = no limit; 0 is a real limit at create
    // (runtime-spec 1.3) but "unchanged" on update, like every other zero there.
    if (!r.pids || !r.pids->limit) return;
    int64_t limit = *r.pids->limit;
    if (limit == 0 && isUpdate) return;
    write_setting("linux.resources.pids.limit", "the pids controller", dir, "pids.max",
                  limit >= 0 ? std::to_string(limit) : "max");
}

void apply_memory(const std::string& dir, const spec::Resources& r, bool isUpdate) {
    if (!r.memory) return;
    const spec::Memory& m = *r.memory;
    int64_t limit = m.limit.value_or(0);
    int64_t swap = m.swap.value_or(0);
    int64_t reservation = m.reservation.value_or(0);
    if (m.swappiness) spdlog::debug("cgroup v2 has no memory.swappiness; linux.resources.memory.swappiness ignored");
    if (m.disableOOMKiller.value_or(false))
        spdlog::debug("cgroup v2 cannot disable the OOM killer; linux.resources.memory.disableOOMKiller ignored");
    if (limit == 0 && swap == 0 && reservation == 0) return;

    if (m.checkBeforeUpdate.value_or(false) && isUpdate && limit > 0) {
        uint64_t usage = parse_u64(read_file(dir, "memory.current"), dir + "/memory.current");
        if (static_cast<uint64_t>(limit) <= usage)
            throw Error("linux.resources.memory.limit: the new limit " + std::to_string(limit) +
                        " is not above the current usage " + std::to_string(usage));
    }

    // swap is memory+swap (the v1 meaning); v2 limits swap alone.
    int64_t swapMax = 0;  // 0 = leave memory.swap.max alone
    bool swapSet = false;
    if (limit == -1 && swap == 0) {
        swapMax = -1, swapSet = true;
    } else if (swap == -1) {
        swapMax = -1, swapSet = true;
    } else if (swap != 0) {
        int64_t mem = limit;
        if (mem == 0 && isUpdate) {
            // `update --memory-swap` alone: subtract the limit in force.
            auto cur = trim(read_file(dir, "memory.max"));
            mem = cur == "max" ? -1 : static_cast<int64_t>(parse_u64(cur, dir + "/memory.max"));
        }
        if (mem == -1) {
            swapMax = swap;
        } else if (mem <= 0) {
            throw Error("linux.resources.memory.swap: a swap limit needs a memory limit");
        } else if (swap < mem) {
            throw Error("linux.resources.memory.swap: memory+swap (" + std::to_string(swap) +
                        ") must not be below the memory limit (" + std::to_string(mem) + ")");
        } else {
            swapMax = swap - mem;  // 0 = no swap at all
        }
        swapSet = true;
    }
    if (swapSet) {
        std::string v = limit_string(swapMax);
        if (!file_exists(dir, "memory.swap.max") && (v == "max" || v == "0")) {
            // No swap accounting: "unlimited" or "none" is already what the host does (runc skips too).
            spdlog::debug("memory.swap.max missing in {}; swap setting {} skipped", dir, v);
        } else {
            write_setting("linux.resources.memory.swap", "swap limit", dir, "memory.swap.max", v);
        }
    }
    if (limit != 0) write_setting("linux.resources.memory.limit", "memory limit", dir, "memory.max", limit_string(limit));
    if (reservation != 0)
        write_setting("linux.resources.memory.reservation", "memory reservation", dir, "memory.low",
                      limit_string(reservation));
}

void apply_io(const std::string& dir, const spec::Resources& r) {
    if (!r.blockIO) return;
    const spec::BlockIo& b = *r.blockIO;
    const bool bfq = file_exists(dir, "io.bfq.weight");
    if (b.weight.value_or(0) != 0) {
        if (bfq)
            write_setting("linux.resources.blockIO.weight", "block io weight", dir, "io.bfq.weight",
                          std::to_string(*b.weight));
        else
            write_setting("linux.resources.blockIO.weight", "block io weight", dir, "io.weight",
                          std::to_string(io_weight_from_blkio(*b.weight)));
    }
    if (b.leafWeight.value_or(0) != 0) spdlog::debug("cgroup v2 has no leaf weight; linux.resources.blockIO.leafWeight ignored");
    if (!b.weightDevice.empty()) {
        // Per-device BFQ weights (Linux 5.4+) show "default N" lines; older kernels a bare number.
        auto cur = bfq ? read_file_if_exists(dir, "io.bfq.weight") : std::nullopt;
        bool perDevice = cur && trim(*cur).rfind("default", 0) == 0;
        for (size_t i = 0; i < b.weightDevice.size(); ++i) {
            const auto& wd = b.weightDevice[i];
            if (!perDevice || !wd.weight) {
                spdlog::debug("no per-device BFQ weights in {}; linux.resources.blockIO.weightDevice[{}] ignored", dir, i);
                continue;
            }
            write_setting("linux.resources.blockIO.weightDevice[" + std::to_string(i) + "]", "per-device io weight",
                          dir, "io.bfq.weight",
                          std::to_string(wd.major) + ":" + std::to_string(wd.minor) + " " + std::to_string(*wd.weight));
        }
    }
    // One io.max line per device, all its limits together.
    std::map<std::pair<int64_t, int64_t>, std::string> lines;
    auto add = [&](const std::vector<spec::BlockIoDeviceThrottle>& list, const char* key) {
        for (const auto& t : list) {
            std::string& l = lines[{t.major, t.minor}];
            l += std::string(" ") + key + "=" + (t.rate == 0 ? std::string("max") : std::to_string(t.rate));
        }
    };
    add(b.throttleReadBpsDevice, "rbps");
    add(b.throttleWriteBpsDevice, "wbps");
    add(b.throttleReadIOPSDevice, "riops");
    add(b.throttleWriteIOPSDevice, "wiops");
    for (const auto& [dev, keys] : lines)
        write_setting("linux.resources.blockIO.throttle", "block io throttling", dir, "io.max",
                      std::to_string(dev.first) + ":" + std::to_string(dev.second) + keys);
}

void apply_cpu(const std::string& dir, const spec::Resources& r) {
    if (!r.cpu) return;
    const spec::Cpu& c = *r.cpu;
    if (c.shares.value_or(0) != 0)
        write_setting("linux.resources.cpu.shares", "cpu weight", dir, "cpu.weight",
                      std::to_string(cpu_weight_from_shares(*c.shares)));
    int64_t quota = c.quota.value_or(0);
    uint64_t period = c.period.value_or(0);
    if (quota != 0 || period != 0) {
        // cpu.max is "quota period"; keep the half that is not being set.
        std::string curQuota = "max", curPeriod = "100000";
        if (auto cur = read_file_if_exists(dir, "cpu.max")) {
            auto w = words(*cur);
            if (w.size() >= 1) curQuota = w[0];
            if (w.size() >= 2) curPeriod = w[1];
        }
        std::string q = quota == 0 ? curQuota : quota < 0 ? "max" : std::to_string(quota);
        std::string p = period == 0 ? curPeriod : std::to_string(period);
        write_setting(quota != 0 ? "linux.resources.cpu.quota" : "linux.resources.cpu.period", "cpu bandwidth limit",
                      dir, "cpu.max", q + " " + p);
    }
    if (c.burst)
        write_setting("linux.resources.cpu.burst", "cpu burst", dir, "cpu.max.burst", std::to_string(*c.burst));
    if (c.idle) write_setting("linux.resources.cpu.idle", "cpu idle scheduling", dir, "cpu.idle", std::to_string(*c.idle));
    if (c.realtimeRuntime.value_or(0) != 0 || c.realtimePeriod.value_or(0) != 0)
        spdlog::warn("cgroup v2 has no real-time cpu bandwidth; linux.resources.cpu.realtime* ignored (as runc does)");
    if (!c.cpus.empty()) write_setting("linux.resources.cpu.cpus", "cpuset", dir, "cpuset.cpus", c.cpus);
    if (!c.mems.empty()) write_setting("linux.resources.cpu.mems", "cpuset", dir, "cpuset.mems", c.mems);
}

void apply_rdma(const std::string& dir, const spec::Resources& r) {
    for (const auto& [device, limit] : r.rdma) {
        std::string line = device;
        if (limit.hcaHandles) line += " hca_handle=" + std::to_string(*limit.hcaHandles);
        if (limit.hcaObjects) line += " hca_object=" + std::to_string(*limit.hcaObjects);
        if (line == device) continue;
        write_setting("linux.resources.rdma[\"" + device + "\"]", "the rdma controller", dir, "rdma.max", line);
    }
}

}  // namespace

uint64_t cpu_weight_from_shares(uint64_t shares) {
    if (shares == 0) return 0;
    shares = std::clamp<uint64_t>(shares, 2, 262144);
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t io_weight_from_blkio(uint64_t weight) {
    if (weight == 0) return 0;
    weight = std::clamp<uint64_t>(weight, 10, 1000);
    return 1 + (weight - 10) * 9999 / 990;
}

void enable_v2_controllers(const std::string& mount, const std::string& path, const std::vector<std::string>& only) {
    // Levels: the mount root, then each ancestor of the target.
    std::vector<std::string> levels = {mount};
    std::string cur = mount;
    size_t i = 1;
    while (i < path.size()) {
        size_t slash = path.find('/', i);
        if (slash == std::string::npos) break;  // the last element is the target itself
        cur += "/" + path.substr(i, slash - i);
        levels.push_back(cur);
        i = slash + 1;
    }
    for (size_t l = 0; l < levels.size(); ++l) {
        const std::string& dir = levels[l];
        if (l > 0) make_cgroup_dirs(mount, dir.substr(mount.size()));
        auto available = words(read_file(dir, "cgroup.controllers"));
        auto enabled = words(read_file(dir, "cgroup.subtree_control"));
        std::vector<std::string> want;
        for (const auto& c : available)
            if ((only.empty() || contains(only, c)) && !contains(enabled, c)) want.push_back(c);
        if (want.empty()) continue;
        std::string all;
        for (const auto& c : want) all += (all.empty() ? "+" : " +") + c;
        if (try_write_file(dir, "cgroup.subtree_control", all) == 0) continue;
        for (const auto& c : want)
            if (int err = try_write_file(dir, "cgroup.subtree_control", "+" + c))
                spdlog::debug("enable controller {} in {}: {}", c, dir, errno_text(err));
    }
}

void apply_v2_hugetlb(const std::string& dir, const std::vector<spec::HugepageLimit>& limits) {
    for (size_t i = 0; i < limits.size(); ++i) {
        const auto& h = limits[i];
        const std::string field = "linux.resources.hugepageLimits[" + std::to_string(i) + "]";
        if (h.pageSize.empty() || h.pageSize.find('/') != std::string::npos || h.pageSize.find("..") != std::string::npos)
            throw Error(field + ": invalid page size \"" + h.pageSize + "\"");
        const std::string file = "hugetlb." + h.pageSize + ".max";
        write_setting(field, "huge page size " + h.pageSize, dir, file, std::to_string(h.limit));
        const std::string rsvd = "hugetlb." + h.pageSize + ".rsvd.max";
        if (file_exists(dir, rsvd)) write_setting(field, "huge page reservation", dir, rsvd, std::to_string(h.limit));
    }
}

void apply_v2_unified(const std::string& dir, const std::map<std::string, std::string>& unified) {
    if (unified.empty()) return;
    auto available = words(read_file_if_exists(dir, "cgroup.controllers").value_or(""));
    for (const auto& [key, value] : unified) {
        const std::string field = "linux.resources.unified[\"" + key + "\"]";
        if (key.empty() || key.find('/') != std::string::npos || key.find('\0') != std::string::npos || key == "." ||
            key == ".." || key.find("..") != std::string::npos)
            throw Error(field + ": a key must be one file name of the cgroup directory");
        auto dot = key.find('.');
        if (dot == std::string::npos || dot == 0 || dot + 1 == key.size())
            throw Error(field + ": a key must have the form <controller>.<knob>");
        if (key == "cgroup.procs" || key == "cgroup.threads" || key == "cgroup.kill" || key == "cgroup.freeze")
            throw Error(field + ": " + key + " is managed by the runtime and cannot be set as a resource");
        const std::string controller = key.substr(0, dot);
        if (controller != "cgroup" && !contains(available, controller)) {
            std::string list;
            for (const auto& c : available) list += (list.empty() ? "" : " ") + c;
            throw Error(field + ": controller \"" + controller + "\" is not enabled for " + dir + " (enabled: " +
                        (list.empty() ? "none" : list) + ")");
        }
        int err = try_write_file(dir, key, value);
        if (err == ENOENT) throw Error(field + ": no such file in " + dir, err);
        if (err) throw Error(field + ": write \"" + value + "\" to " + dir + "/" + key + ": " + errno_text(err), err);
    }
}

std::vector<std::string> v2_controllers_needed(const std::map<std::string, std::string>& unified, bool hugetlb) {
    std::vector<std::string> out;
    if (hugetlb) out.push_back("hugetlb");
    for (const auto& [key, value] : unified) {
        auto dot = key.find('.');
        if (dot == std::string::npos || dot == 0) continue;
        std::string c = key.substr(0, dot);
        if (c != "cgroup" && !contains(out, c)) out.push_back(c);
    }
    return out;
}

void apply_v2_resources(const std::string& dir, const spec::Resources& r, bool isUpdate) {
    apply_pids(dir, r, isUpdate);
    apply_memory(dir, r, isUpdate);
    apply_io(dir, r);
    apply_cpu(dir, r);
    apply_v2_hugetlb(dir, r.hugepageLimits);
    apply_rdma(dir, r);
    if (r.network && (r.network->classID || !r.network->priorities.empty()))
        spdlog::debug("cgroup v2 has no net_cls/net_prio; linux.resources.network ignored (as runc does)");
    apply_v2_unified(dir, r.unified);
}

}  // namespace berth::cgroups

#include "runtime/cgroups/v2_stats.hpp"

#include <dirent.h>

#include "runtime/cgroups/files.hpp"

namespace berth::cgroups {

namespace {

uint64_t value_or_zero(const std::string& dir, const std::string& name) {
    auto s = read_file_if_exists(dir, name);
    if (!s) return 0;
    try {
        return parse_u64(*s, dir + "/" + name);
    } catch (const std::exception&) {
        return 0;
    }
}

std::vector<std::string> list_files(const std::string& dir) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) out.emplace_back(e->d_name);
    ::closedir(d);
    return out;
}

}  // namespace

void read_v2_hugetlb(const std::string& dir, Stats& out) {
    for (const auto& name : list_files(dir)) {
        // hugetlb.<size>.current
        const std::string prefix = "hugetlb.", suffix = ".current";
        if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        std::string size = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
        if (size.find('.') != std::string::npos) continue;  // hugetlb.2MB.rsvd.current
        HugetlbStats h;
        h.usage = value_or_zero(dir, name);
        h.max = value_or_zero(dir, prefix + size + ".max");
        if (auto ev = read_file_if_exists(dir, prefix + size + ".events")) h.failcnt = parse_flat_keyed(*ev)["max"];
        out.hugetlb[size] = h;
    }
}

Stats read_v2_stats(const std::string& dir) {
    Stats st;
    if (auto cpu = read_file_if_exists(dir, "cpu.stat")) {
        auto kv = parse_flat_keyed(*cpu);
        st.cpu.usage.total = kv["usage_usec"] * 1000;
        st.cpu.usage.user = kv["user_usec"] * 1000;
        st.cpu.usage.kernel = kv["system_usec"] * 1000;
        st.cpu.throttling.periods = kv["nr_periods"];
        st.cpu.throttling.throttledPeriods = kv["nr_throttled"];
        st.cpu.throttling.throttledTime = kv["throttled_usec"] * 1000;
    }
    if (auto p = read_file_if_exists(dir, "cpu.pressure")) st.cpu.psi = parse_psi(*p);

    if (auto ms = read_file_if_exists(dir, "memory.stat")) {
        st.memory.raw = parse_flat_keyed(*ms);
        st.memory.cache = st.memory.raw.count("file") ? st.memory.raw["file"] : 0;
    }
    st.memory.usage.usage = value_or_zero(dir, "memory.current");
    st.memory.usage.limit = value_or_zero(dir, "memory.max");
    st.memory.usage.max = value_or_zero(dir, "memory.peak");
    if (file_exists(dir, "memory.swap.current")) {
        // v1 reports memory+swap; so does runc on v2.
        st.memory.swap.usage = value_or_zero(dir, "memory.swap.current") + st.memory.usage.usage;
        uint64_t swapMax = value_or_zero(dir, "memory.swap.max");
        st.memory.swap.limit = swapMax == UINT64_MAX || st.memory.usage.limit == UINT64_MAX
                                   ? UINT64_MAX
                                   : swapMax + st.memory.usage.limit;
        st.memory.swap.max = value_or_zero(dir, "memory.swap.peak");
    }
    if (auto ev = read_file_if_exists(dir, "memory.events")) {
        auto kv = parse_flat_keyed(*ev);
        st.memory.events = {kv["low"], kv["high"], kv["max"], kv["oom"], kv["oom_kill"]};
        st.memory.usage.failcnt = kv["max"];
    }
    if (auto p = read_file_if_exists(dir, "memory.pressure")) st.memory.psi = parse_psi(*p);

    st.pids.current = value_or_zero(dir, "pids.current");
    uint64_t pmax = value_or_zero(dir, "pids.max");
    st.pids.limit = pmax == UINT64_MAX ? 0 : pmax;

    if (auto io = read_file_if_exists(dir, "io.stat")) parse_io_stat(*io, st.blkio);
    if (auto p = read_file_if_exists(dir, "io.pressure")) st.blkio.psi = parse_psi(*p);

    read_v2_hugetlb(dir, st);
    return st;
}

}  // namespace berth::cgroups

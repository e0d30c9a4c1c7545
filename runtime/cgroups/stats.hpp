// A container's resource usage, in the shapes of runc's `events --stats`
// JSON (types/events.go): the lifecycle turns this struct into that JSON.
// Units: CPU times in nanoseconds, memory in bytes. Fields a backend cannot
// read stay zero / empty.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth::cgroups {

struct PsiData {
    double avg10 = 0, avg60 = 0, avg300 = 0;
    uint64_t total = 0;
};
struct PsiStats {
    PsiData some, full;
};

struct CpuUsage {
    uint64_t total = 0, kernel = 0, user = 0;
    std::vector<uint64_t> percpu, percpuKernel, percpuUser;  // v1 only
};
struct Throttling {
    uint64_t periods = 0, throttledPeriods = 0, throttledTime = 0;
};
struct CpuStats {
    CpuUsage usage;
    Throttling throttling;
    std::optional<PsiStats> psi;
};

struct MemoryEntry {
    uint64_t limit = 0, usage = 0, max = 0, failcnt = 0;
};
struct MemoryEvents {  // v2 memory.events (v1: oom/oom_kill from memory.oom_control)
    uint64_t low = 0, high = 0, max = 0, oom = 0, oomKill = 0;
};
struct MemoryStats {
    uint64_t cache = 0;
    MemoryEntry usage, swap, kernel, kernelTCP;  // swap = memory+swap, as v1 reports it
    std::map<std::string, uint64_t> raw;          // memory.stat as is
    MemoryEvents events;
    std::optional<PsiStats> psi;
};

struct PidsStats {
    uint64_t current = 0, limit = 0;  // limit 0 = unlimited ("max")
};

struct BlkioEntry {
    uint64_t major = 0, minor = 0;
    std::string op;
    uint64_t value = 0;
};
struct BlkioStats {
    std::vector<BlkioEntry> ioServiceBytesRecursive, ioServicedRecursive, ioQueuedRecursive,
        ioServiceTimeRecursive, ioWaitTimeRecursive, ioMergedRecursive, ioTimeRecursive, sectorsRecursive;
    std::optional<PsiStats> psi;
};

struct HugetlbStats {
    uint64_t usage = 0, max = 0, failcnt = 0;
};

struct Stats {
    CpuStats cpu;
    MemoryStats memory;
    PidsStats pids;
    BlkioStats blkio;
    std::map<std::string, HugetlbStats> hugetlb;  // keyed by page size, e.g. "2MB"
};

// Parsers shared by the backends and the tests.
std::optional<PsiStats> parse_psi(const std::string& text);
// v1 blkio files ("8:0 Read 123" lines, "Total N" skipped).
std::vector<BlkioEntry> parse_blkio_v1(const std::string& text);
// v2 io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...") into the v1 tables.
void parse_io_stat(const std::string& text, BlkioStats& out);

}  // namespace berth::cgroups

// Facts about a process read from /proc, used to tell a live container init
// from a recycled pid.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace berth::kernel {

struct ProcStat {
    char state = '?';         // R, S, D, Z, X, ...
    uint64_t startTime = 0;   // field 22, clock ticks since boot
};

// std::nullopt when the process does not exist.
std::optional<ProcStat> read_proc_stat(pid_t pid);

// True when pid is alive (not a zombie) and is the process that started at startTime.
bool process_is_alive(pid_t pid, uint64_t startTime);

}  // namespace berth::kernel

// Per-process attributes from process.* and linux.personality that are one
// system call each: oom_score_adj, personality, I/O priority, scheduler, CPU
// affinity, no_new_privs. All act on the calling process unless a pid is given.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "spec/config.hpp"

namespace berth::kernel {

// Writes /proc/<pid|self>/oom_score_adj. Lowering it below the current
// minimum needs CAP_SYS_RESOURCE in the initial user namespace: with a user
// namespace, do it before entering it or from the parent on the child's pid.
void apply_oom_score_adj(int value, pid_t pid = 0);

// The personality(2) value for a spec domain: LINUX -> PER_LINUX,
// LINUX32 -> PER_LINUX32; throws `unknown personality domain "X"`.
unsigned long personality_value(const spec::Personality& p);
// personality(2); flags (the spec defines none) are ignored with a warning.
void apply_personality(const spec::Personality& p);

// IOPRIO_PRIO_VALUE for process.ioPriority; throws for an unknown class or a
// priority outside 0..7.
int io_priority_value(const spec::IoPriority& io);
// ioprio_set(IOPRIO_WHO_PROCESS, pid, ...), as runc does.
void apply_io_priority(const spec::IoPriority& io, pid_t pid = 0);

// runc's checks: known policy and flags, nice in -20..19, priority only for
// SCHED_FIFO/SCHED_RR, runtime/deadline/period only for SCHED_DEADLINE.
void validate_scheduler(const spec::Scheduler& s);
int scheduler_policy(const std::string& name);        // SCHED_OTHER -> 0 ...
uint64_t scheduler_flags(const std::vector<std::string>& names);
// Validates, then sched_setattr(pid, ...).
void apply_scheduler(const spec::Scheduler& s, pid_t pid = 0);

// "0-3,7" -> {0,1,2,3,7}, sorted and unique; throws `invalid cpu list "x"`.
std::vector<int> parse_cpu_list(const std::string& list);
// sched_setaffinity(pid, cpus in list); an empty list changes nothing.
void apply_cpu_affinity(const std::string& cpulist, pid_t pid = 0);

// prctl(PR_SET_NO_NEW_PRIVS, 1): execve can no longer grant privileges.
void set_no_new_privileges();

}  // namespace berth::kernel

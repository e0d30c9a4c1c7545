// The closed value sets that runtime-spec v1.3.0 defines for Linux
// (config.md, config-linux.md, schema/defs-linux.json), in one place so the
// validator, the features document and the kernel floor agree. Each list is
// sorted (error messages print them in that order), except kHooks, which is in
// lifecycle order.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

namespace berth::spec::known {

inline constexpr auto kNamespaceTypes = std::to_array<std::string_view>({
    "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"});

inline constexpr auto kSeccompActions = std::to_array<std::string_view>({
    "SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",       "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"});

inline constexpr auto kSeccompOperators = std::to_array<std::string_view>({
    "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
    "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"});

inline constexpr auto kSeccompArchs = std::to_array<std::string_view>({
    "SCMP_ARCH_AARCH64",  "SCMP_ARCH_ARM",        "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
    "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",     "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",     "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_PPC",      "SCMP_ARCH_PPC64",      "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",      "SCMP_ARCH_SH",          "SCMP_ARCH_SHEB",
    "SCMP_ARCH_X32",      "SCMP_ARCH_X86",        "SCMP_ARCH_X86_64"});

inline constexpr auto kSeccompFlags = std::to_array<std::string_view>({
    "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"});

// getrlimit(2) resources; config.md: values that cannot be mapped to a kernel
// interface MUST be rejected.
inline constexpr auto kRlimits = std::to_array<std::string_view>({
    "RLIMIT_AS",     "RLIMIT_CORE",   "RLIMIT_CPU",    "RLIMIT_DATA",
    "RLIMIT_FSIZE",  "RLIMIT_LOCKS",  "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",   "RLIMIT_NOFILE", "RLIMIT_NPROC",  "RLIMIT_RSS",
    "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK"});

inline constexpr auto kIoPriorityClasses = std::to_array<std::string_view>({
    "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", "IOPRIO_CLASS_RT"});

inline constexpr auto kSchedulerPolicies = std::to_array<std::string_view>({
    "SCHED_BATCH", "SCHED_DEADLINE", "SCHED_FIFO", "SCHED_IDLE",
    "SCHED_ISO",   "SCHED_OTHER",    "SCHED_RR"});

inline constexpr auto kSchedulerFlags = std::to_array<std::string_view>({
    "SCHED_FLAG_DL_OVERRUN",     "SCHED_FLAG_KEEP_PARAMS",   "SCHED_FLAG_KEEP_POLICY",
    "SCHED_FLAG_RECLAIM",        "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_UTIL_CLAMP_MAX",
    "SCHED_FLAG_UTIL_CLAMP_MIN"});

// The schema's four values plus the recursive forms runc and crun accept and
// CRI-O sends ("rslave", "rshared").
inline constexpr auto kRootfsPropagations = std::to_array<std::string_view>({
    "private", "rprivate", "rshared", "rslave", "runbindable", "shared", "slave", "unbindable"});

inline constexpr auto kPersonalityDomains = std::to_array<std::string_view>({"LINUX", "LINUX32"});

inline constexpr auto kMemoryPolicyModes = std::to_array<std::string_view>({
    "MPOL_BIND",      "MPOL_DEFAULT",        "MPOL_INTERLEAVE", "MPOL_LOCAL",
    "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE"});

inline constexpr auto kMemoryPolicyFlags = std::to_array<std::string_view>({
    "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"});

inline constexpr auto kDeviceTypes = std::to_array<std::string_view>({"b", "c", "p", "u"});

// Hook names (config.md "POSIX-platform Hooks"), in lifecycle order.
inline constexpr auto kHooks = std::to_array<std::string_view>({
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"});

// The Linux mount options of config.md's table ("Linux mount options"), which
// a runtime recognises itself rather than passing to mount(2) as data.
inline constexpr auto kMountOptions = std::to_array<std::string_view>({
    "async",      "atime",       "bind",        "defaults",    "dev",         "diratime",
    "dirsync",    "exec",        "idmap",       "iversion",    "lazytime",    "loud",
    "mand",       "noatime",     "nodev",       "nodiratime",  "noexec",      "noiversion",
    "nolazytime", "nomand",      "norelatime",  "nostrictatime", "nosuid",    "nosymfollow",
    "private",    "ratime",      "rbind",       "rdev",        "rdiratime",   "relatime",
    "remount",    "rexec",       "ridmap",      "rnoatime",    "rnodev",      "rnodiratime",
    "rnoexec",    "rnorelatime", "rnostrictatime", "rnosuid",  "rnosymfollow", "ro",
    "rprivate",   "rrelatime",   "rro",         "rrw",         "rshared",     "rslave",
    "rstrictatime", "rsuid",     "rsymfollow",  "runbindable", "rw",          "shared",
    "silent",     "slave",       "strictatime", "suid",        "symfollow",   "sync",
    "tmpcopyup",  "unbindable"});

template <std::size_t N>
constexpr bool contains(const std::array<std::string_view, N>& set, std::string_view v) {
    return std::find(set.begin(), set.end(), v) != set.end();
}

}  // namespace berth::spec::known

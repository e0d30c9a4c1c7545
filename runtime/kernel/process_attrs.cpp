#include "runtime/kernel/process_attrs.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace berth::kernel {
namespace {

// <linux/ioprio.h> values, spelled out to keep kernel headers away from glibc's.
constexpr int kIoprioWhoProcess = 1;
constexpr int kIoprioClassShift = 13;

// struct sched_attr (SCHED_ATTR_SIZE_VER1); glibc before 2.41 does not declare it.
struct SchedAttr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};
static_assert(sizeof(SchedAttr) == 56);

struct NamedValue {
    std::string_view name;
    uint64_t value;
};

constexpr std::array<NamedValue, 7> kPolicies{{
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2}, {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
}};

constexpr std::array<NamedValue, 7> kSchedFlags{{
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},
    {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},
    {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},
    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
}};

std::string proc_path(pid_t pid, const char* file) {
    return (pid == 0 ? std::string("/proc/self/") : "/proc/" + std::to_string(pid) + "/") + file;
}

bool parse_uint(std::string_view s, int& out) {
    if (s.empty() || s[0] < '0' || s[0] > '9') return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

void apply_oom_score_adj(int value, pid_t pid) {
    const std::string path = proc_path(pid, "oom_score_adj");
    const std::string what = "set oom_score_adj to " + std::to_string(value) + " (" + path + ")";
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno(what);
    const std::string text = std::to_string(value);
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) throw_errno(what);
}

unsigned long personality_value(const spec::Personality& p) {
    if (p.domain == "LINUX") return PER_LINUX;
    if (p.domain == "LINUX32") return PER_LINUX32;
    throw Error("unknown personality domain \"" + p.domain + "\"", EINVAL);
}

void apply_personality(const spec::Personality& p) {
    const unsigned long value = personality_value(p);
    if (!p.flags.empty()) spdlog::warn("personality flags are not supported; ignoring {} flag(s)", p.flags.size());
    if (::personality(value) == -1) throw_errno("set personality " + p.domain);
}

int io_priority_value(const spec::IoPriority& io) {
    int cls = 0;
    if (io.ioClass == "IOPRIO_CLASS_RT") cls = 1;
    else if (io.ioClass == "IOPRIO_CLASS_BE") cls = 2;
    else if (io.ioClass == "IOPRIO_CLASS_IDLE") cls = 3;
    else throw Error("invalid io priority class \"" + io.ioClass + "\"", EINVAL);
    if (io.priority < 0 || io.priority > 7)
        throw Error("invalid io priority " + std::to_string(io.priority) + ": must be 0..7", EINVAL);
    return (cls << kIoprioClassShift) | io.priority;
}

void apply_io_priority(const spec::IoPriority& io, pid_t pid) {
    const int value = io_priority_value(io);
    if (::syscall(SYS_ioprio_set, kIoprioWhoProcess, pid, value) != 0)
        throw_errno("set io priority " + io.ioClass + "/" + std::to_string(io.priority));
}

int scheduler_policy(const std::string& name) {
    for (const auto& p : kPolicies)
        if (p.name == name) return static_cast<int>(p.value);
    throw Error("invalid scheduler policy \"" + name + "\"", EINVAL);
}

uint64_t scheduler_flags(const std::vector<std::string>& names) {
    uint64_t flags = 0;
    for (const auto& n : names) {
        auto it = std::find_if(kSchedFlags.begin(), kSchedFlags.end(), [&](const auto& f) { return f.name == n; });
        if (it == kSchedFlags.end()) throw Error("invalid scheduler flag \"" + n + "\"", EINVAL);
        flags |= it->value;
    }
    return flags;
}

void validate_scheduler(const spec::Scheduler& s) {
    scheduler_policy(s.policy);
    scheduler_flags(s.flags);
    const int nice = s.nice.value_or(0);
    if (nice < -20 || nice > 19)
        throw Error("invalid scheduler.nice: " + std::to_string(nice) + " when scheduler.policy is " + s.policy,
                    EINVAL);
    if (s.priority.value_or(0) != 0 && s.policy != "SCHED_FIFO" && s.policy != "SCHED_RR")
        throw Error("scheduler.priority can only be specified for SCHED_FIFO or SCHED_RR policy", EINVAL);
    if (s.policy != "SCHED_DEADLINE" &&
        (s.runtime.value_or(0) != 0 || s.deadline.value_or(0) != 0 || s.period.value_or(0) != 0))
        throw Error("scheduler runtime/deadline/period can only be specified for SCHED_DEADLINE policy", EINVAL);
}

void apply_scheduler(const spec::Scheduler& s, pid_t pid) {
    validate_scheduler(s);
    SchedAttr attr{};
    attr.size = sizeof attr;
    attr.sched_policy = static_cast<uint32_t>(scheduler_policy(s.policy));
    attr.sched_flags = scheduler_flags(s.flags);
    attr.sched_nice = s.nice.value_or(0);
    attr.sched_priority = static_cast<uint32_t>(s.priority.value_or(0));
    attr.sched_runtime = s.runtime.value_or(0);
    attr.sched_deadline = s.deadline.value_or(0);
    attr.sched_period = s.period.value_or(0);
    if (::syscall(SYS_sched_setattr, pid, &attr, 0) != 0) throw_errno("set scheduler " + s.policy);
}

std::vector<int> parse_cpu_list(const std::string& list) {
    auto invalid = [&]() { return Error("invalid cpu list \"" + list + "\"", EINVAL); };
    std::string_view rest(list);
    while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' ')) rest.remove_suffix(1);
    if (rest.empty()) throw invalid();
    std::vector<int> cpus;
    while (true) {
        size_t comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        size_t dash = item.find('-');
        int lo = 0, hi = 0;
        if (dash == std::string_view::npos) {
            if (!parse_uint(item, lo)) throw invalid();
            hi = lo;
        } else if (!parse_uint(item.substr(0, dash), lo) || !parse_uint(item.substr(dash + 1), hi) || hi < lo) {
            throw invalid();
        }
        // CPU numbers beyond what any kernel supports (CONFIG_NR_CPUS <= 8192).
        if (hi >= 8192) throw invalid();
        for (int c = lo; c <= hi; ++c) cpus.push_back(c);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    return cpus;
}

void apply_cpu_affinity(const std::string& cpulist, pid_t pid) {
    if (cpulist.empty()) return;
    const std::vector<int> cpus = parse_cpu_list(cpulist);
    const int count = cpus.back() + 1;
    std::unique_ptr<cpu_set_t, void (*)(cpu_set_t*)> set(CPU_ALLOC(count), [](cpu_set_t* s) { CPU_FREE(s); });
    if (!set) throw Error("allocate cpu set", ENOMEM);
    const size_t size = CPU_ALLOC_SIZE(count);
    CPU_ZERO_S(size, set.get());
    for (int c : cpus) CPU_SET_S(c, size, set.get());
    if (::sched_setaffinity(pid, size, set.get()) != 0) throw_errno("set cpu affinity to " + cpulist);
}

void set_no_new_privileges() {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw_errno("prctl(PR_SET_NO_NEW_PRIVS)");
}

}  // namespace berth::kernel

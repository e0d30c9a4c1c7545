#include "runtime/kernel/rlimits.hpp"

#include <sys/resource.h>

#include <array>
#include <set>
#include <string>

#include "common/error.hpp"

namespace berth::kernel {
namespace {

struct Named {
    std::string_view name;
    int resource;
};

constexpr std::array<Named, 16> kRlimits{{
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
}};

}  // namespace

int rlimit_resource(std::string_view type) {
    for (const auto& r : kRlimits)
        if (r.name == type) return r.resource;
    throw Error("unknown rlimit type \"" + std::string(type) + "\"", EINVAL);
}

void validate_rlimits(const std::vector<spec::Rlimit>& rlimits) {
    std::set<std::string> seen;
    for (const auto& r : rlimits) {
        rlimit_resource(r.type);
        if (!seen.insert(r.type).second) throw Error("rlimit " + r.type + " is set more than once", EINVAL);
        if (r.soft > r.hard)
            throw Error("rlimit " + r.type + ": soft limit " + std::to_string(r.soft) + " is above hard limit " +
                            std::to_string(r.hard),
                        EINVAL);
    }
}

void apply_rlimits(const std::vector<spec::Rlimit>& rlimits, pid_t pid) {
    validate_rlimits(rlimits);
    for (const auto& r : rlimits) {
        // The spec's uint64 maps 1:1 onto rlim_t; UINT64_MAX is RLIM_INFINITY.
        // (glibc declares prlimit with its own enum type, hence the cast.)
        struct rlimit lim {};
        lim.rlim_cur = static_cast<rlim_t>(r.soft);
        lim.rlim_max = static_cast<rlim_t>(r.hard);
        if (::prlimit(pid, static_cast<__rlimit_resource>(rlimit_resource(r.type)), &lim, nullptr) != 0)
            throw_errno("set rlimit " + r.type + " (soft " + std::to_string(r.soft) + ", hard " +
                        std::to_string(r.hard) + ")");
    }
}

}  // namespace berth::kernel

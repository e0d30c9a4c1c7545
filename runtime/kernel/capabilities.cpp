#include "runtime/kernel/capabilities.hpp"

#include <sys/prctl.h>

#include <cctype>
#include <cerrno>
#include <memory>

#include <spdlog/spdlog.h>

#include "common/error.hpp"

namespace berth::kernel {
namespace {

constexpr cap_value_t kMaxBits = 64;

uint64_t bit(cap_value_t cap) { return uint64_t{1} << cap; }

// libcap's name for cap, or "" when it only knows the number.
std::string libcap_name(cap_value_t cap) {
    std::unique_ptr<char, int (*)(void*)> name(cap_to_name(cap), cap_free);
    if (!name) return {};
    std::string s(name.get());
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return {};
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;  // already "CAP_..."
}

uint64_t names_to_mask(const std::optional<std::vector<std::string>>& names, uint64_t available,
                       std::vector<std::string>& ignored) {
    uint64_t mask = 0;
    if (!names) return mask;
    for (const auto& n : *names) {
        auto cap = parse_capability(n);
        if (!cap || !(available & bit(*cap))) {
            bool seen = false;
            for (const auto& i : ignored) seen = seen || i == n;
            if (!seen) ignored.push_back(n);
            continue;
        }
        mask |= bit(*cap);
    }
    return mask;
}

}  // namespace

std::vector<std::string> known_capabilities() {
    std::vector<std::string> out;
    for (cap_value_t c = 0; c < kMaxBits; ++c) {
        std::string n = libcap_name(c);
        if (!n.empty()) out.push_back(std::move(n));
    }
    return out;
}

std::optional<cap_value_t> parse_capability(std::string_view name) {
    if (name.substr(0, 4) != "CAP_" || name.size() == 4) return std::nullopt;
    // cap_from_name is case-insensitive and also takes numbers; runc only
    // knows the exact upper-case names, so the name must round-trip.
    cap_value_t cap = 0;
    if (cap_from_name(std::string(name).c_str(), &cap) != 0) return std::nullopt;
    if (cap < 0 || cap >= kMaxBits || libcap_name(cap) != name) return std::nullopt;
    return cap;
}

std::string capability_name(cap_value_t cap) {
    std::string n = libcap_name(cap);
    return n.empty() ? "CAP_" + std::to_string(cap) : n;
}

cap_value_t last_capability() {
    // PR_CAPBSET_READ fails (EINVAL) exactly above the last capability:
    // a binary search, 6 probes instead of one per capability.
    cap_value_t known = -1, unknown = kMaxBits;  // known <= last < unknown
    while (unknown - known > 1) {
        const cap_value_t mid = known + (unknown - known) / 2;
        if (::prctl(PR_CAPBSET_READ, mid, 0, 0, 0) >= 0)
            known = mid;
        else
            unknown = mid;
    }
    return known;
}

std::string capability_list(uint64_t mask) {
    std::string out;
    for (cap_value_t c = 0; c < kMaxBits; ++c) {
        if (!(mask & bit(c))) continue;
        if (!out.empty()) out += ", ";
        out += capability_name(c);
    }
    return out;
}

ResolvedCapabilities resolve_capabilities(const std::optional<spec::Capabilities>& caps, uint64_t available) {
    ResolvedCapabilities r;
    if (!caps) return r;
    std::vector<std::string> ignored;
    r.sets.bounding = names_to_mask(caps->bounding, available, ignored);
    r.sets.effective = names_to_mask(caps->effective, available, ignored);
    r.sets.inheritable = names_to_mask(caps->inheritable, available, ignored);
    r.sets.permitted = names_to_mask(caps->permitted, available, ignored);
    r.sets.ambient = names_to_mask(caps->ambient, available, ignored);
    if (!ignored.empty()) {
        std::string list;
        for (const auto& n : ignored) list += (list.empty() ? "" : ", ") + n;
        r.warnings.push_back("ignoring unknown or unavailable capabilities: " + list);
    }
    auto restrict_to = [&](uint64_t& set, uint64_t allowed, const char* what) {
        if (uint64_t extra = set & ~allowed) {
            r.warnings.push_back(std::string("ignoring ") + what + ": " + capability_list(extra));
            set &= allowed;
        }
    };
    restrict_to(r.sets.effective, r.sets.permitted, "effective capabilities not in the permitted set");
    restrict_to(r.sets.inheritable, r.sets.bounding, "inheritable capabilities not in the bounding set");
    restrict_to(r.sets.ambient, r.sets.permitted & r.sets.inheritable,
                "ambient capabilities not in both the permitted and inheritable sets");
    return r;
}

uint64_t available_capabilities() { return available_capabilities(~uint64_t{0}); }

uint64_t named_capabilities(const std::optional<spec::Capabilities>& caps) {
    uint64_t mask = 0;
    if (!caps) return mask;
    for (const auto* set : {&caps->bounding, &caps->effective, &caps->inheritable, &caps->permitted, &caps->ambient})
        if (*set)
            for (const auto& n : **set)
                if (auto cap = parse_capability(n)) mask |= bit(*cap);
    return mask;
}

uint64_t available_capabilities(uint64_t among) {
    std::unique_ptr<_cap_struct, int (*)(void*)> current(cap_get_proc(), cap_free);
    if (!current) throw_errno("read process capabilities");
    uint64_t mask = 0;
    // The kernel sets no permitted bit above its last capability, and
    // PR_CAPBSET_READ answers -1 (EINVAL) there.
    for (cap_value_t c = 0; c < kMaxBits; ++c) {
        if (!(among & bit(c))) continue;
        cap_flag_value_t permitted = CAP_CLEAR;
        if (cap_get_flag(current.get(), c, CAP_PERMITTED, &permitted) != 0) continue;
        if (permitted == CAP_SET && ::prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1) mask |= bit(c);
    }
    return mask;
}

void drop_bounding_set(uint64_t keep) {
    // Dropping a capability that is already gone succeeds, so each one is
    // dropped without reading it first. EINVAL: past the kernel's last
    // capability. EPERM (no CAP_SETPCAP, which the kernel checks first) is
    // only an error for a capability that is still in the set.
    for (cap_value_t c = 0; c < kMaxBits; ++c) {
        if (keep & bit(c)) continue;
        if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0) continue;
        const int err = errno;
        if (err == EINVAL) break;
        const int present = ::prctl(PR_CAPBSET_READ, c, 0, 0, 0);
        if (present < 0) break;
        if (present == 0) continue;
        throw_errno("drop " + capability_name(c) + " from the bounding set", err);
    }
}

void apply_capability_sets(const CapabilitySets& sets) {
    std::unique_ptr<_cap_struct, int (*)(void*)> caps(cap_init(), cap_free);
    if (!caps) throw_errno("allocate capability state");
    for (cap_value_t c = 0; c < kMaxBits; ++c) {
        const cap_value_t one[] = {c};
        if (sets.effective & bit(c)) cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, one, CAP_SET);
        if (sets.permitted & bit(c)) cap_set_flag(caps.get(), CAP_PERMITTED, 1, one, CAP_SET);
        if (sets.inheritable & bit(c)) cap_set_flag(caps.get(), CAP_INHERITABLE, 1, one, CAP_SET);
    }
    if (cap_set_proc(caps.get()) != 0)
        throw_errno("set capabilities (effective: " + capability_list(sets.effective) +
                    "; permitted: " + capability_list(sets.permitted) +
                    "; inheritable: " + capability_list(sets.inheritable) + ")");
    // PR_CAP_AMBIENT needs Linux 4.3; with nothing to raise, an old kernel is fine.
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && sets.ambient != 0)
        throw_errno("clear ambient capabilities");
    for (cap_value_t c = 0; c < kMaxBits; ++c) {
        if (!(sets.ambient & bit(c))) continue;
        if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0)
            throw_errno("raise ambient capability " + capability_name(c));
    }
}

}  // namespace berth::kernel

// Capability names and the five capability sets of process.capabilities.
// Names are the spec's "CAP_CHOWN" spelling (exact, upper case, as runc
// matches them); numbers come from libcap.
//
// config.md: a capability that cannot be mapped or granted MUST be logged as
// a warning and SHOULD NOT fail the container. So unknown names, names the
// running kernel lacks, and capabilities outside the caller's bounding or
// permitted set are dropped with a spdlog::warn naming them (runc 1.1 fails
// on the latter with "unable to apply caps").
#pragma once

#include <sys/capability.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/config.hpp"

namespace berth::kernel {

// Every name libcap knows, "CAP_" prefixed, in number order (for `berth features`).
std::vector<std::string> known_capabilities();

// "CAP_SYS_ADMIN" -> CAP_SYS_ADMIN; nullopt for anything else (lower case,
// no prefix, numbers, names libcap does not know).
std::optional<cap_value_t> parse_capability(std::string_view name);

// CAP_SYS_ADMIN -> "CAP_SYS_ADMIN"; "CAP_<n>" for a number libcap does not name.
std::string capability_name(cap_value_t cap);

// The running kernel's highest capability number (probed with PR_CAPBSET_READ).
cap_value_t last_capability();

// Sets as bit masks (bit n = capability n); the kernel ABI has 64 bits.
struct CapabilitySets {
    uint64_t bounding = 0;
    uint64_t effective = 0;
    uint64_t inheritable = 0;
    uint64_t permitted = 0;
    uint64_t ambient = 0;
};

// The result of matching a spec against what can be granted.
struct ResolvedCapabilities {
    CapabilitySets sets;
    std::vector<std::string> warnings;  // one line per kind of problem, naming the capabilities
};

// Pure: turns the spec's names into masks. `available` holds the capabilities
// that can be granted at all (known to the kernel, in the bounding and
// permitted sets of the caller). Absent capabilities (or an absent set)
// mean none. Then, as the kernel requires for capset(2) and
// PR_CAP_AMBIENT_RAISE: effective ⊆ permitted, inheritable ⊆ bounding,
// ambient ⊆ permitted ∩ inheritable; anything removed is named in warnings.
ResolvedCapabilities resolve_capabilities(const std::optional<spec::Capabilities>& caps, uint64_t available);

// Capabilities this process could grant now: known to the kernel and in both
// its bounding and permitted sets.
uint64_t available_capabilities();
// The same, looking only at the capabilities in `among` (0 for the others):
// resolve_capabilities only asks about the names a spec has.
uint64_t available_capabilities(uint64_t among);

// Every capability named in any set of `caps` (unknown names left out).
uint64_t named_capabilities(const std::optional<spec::Capabilities>& caps);

// Drops every capability not in `keep` from the bounding set (needs CAP_SETPCAP).
void drop_bounding_set(uint64_t keep);

// capset(2) with effective/permitted/inheritable, then clears the ambient set
// and raises each ambient capability.
void apply_capability_sets(const CapabilitySets& sets);

// "CAP_CHOWN, CAP_KILL" for a mask (for messages).
std::string capability_list(uint64_t mask);

}  // namespace berth::kernel

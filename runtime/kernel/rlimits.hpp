// process.rlimits: names to RLIMIT_* numbers and prlimit(2).
#pragma once

#include <sys/types.h>

#include <string_view>
#include <vector>

#include "spec/config.hpp"

namespace berth::kernel {

// RLIMIT_* number for a spec name ("RLIMIT_NOFILE"); throws
// berth::Error(`unknown rlimit type "RLIMIT_FOO"`).
int rlimit_resource(std::string_view type);

// Throws for unknown types, soft > hard, and duplicated types (config.md: MUST error).
void validate_rlimits(const std::vector<spec::Rlimit>& rlimits);

// Validates, then sets each limit with prlimit(pid, ...); pid 0 is the
// calling process. Raising a hard limit needs CAP_SYS_RESOURCE in the
// initial user namespace, so with a user namespace call this from the
// parent on the child's pid (as runc does).
// Errors: `set rlimit RLIMIT_NOFILE (soft 1024, hard 2048): operation not permitted`.
void apply_rlimits(const std::vector<spec::Rlimit>& rlimits, pid_t pid = 0);

}  // namespace berth::kernel

// Running OCI hooks (config.md "POSIX-platform Hooks"): each hook is exec'd
// with its args and env, the container state JSON on stdin, and killed when
// its timeout passes. Which namespace a hook runs in is decided by who calls
// these functions: the runtime (prestart, createRuntime, poststart, poststop)
// or the container's init (createContainer, startContainer).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/config.hpp"

namespace berth::hooks {

enum class Phase { Prestart, CreateRuntime, CreateContainer, StartContainer, Poststart, Poststop };

const char* phase_name(Phase);

// Runs one hook; throws berth::Error naming the phase, the path and what went
// wrong (exit status, signal, timeout, exec failure).
void run_hook(Phase, const spec::Hook&, std::string_view stateJson);

// Runs hooks in order; stops at the first failure and throws.
void run_hooks(Phase, const std::vector<spec::Hook>&, std::string_view stateJson);

// Runs every hook; a failure is logged as a warning and the rest still run
// (poststop: runtime.md lifecycle step 13).
void run_hooks_warn_only(Phase, const std::vector<spec::Hook>&, std::string_view stateJson);

}  // namespace berth::hooks

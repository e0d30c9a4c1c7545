// Running OCI hooks (config.md "POSIX-platform Hooks"): each hook is exec'd
// with its args and exactly its env, the container state JSON on stdin (a
// pipe that already holds all of it), stdout and stderr captured (the tail of
// a failed hook's output goes into the error), no other fd, a process group of
// its own that is SIGKILLed when the timeout passes. Which namespace a hook
// runs in is decided by who calls these functions: the runtime (prestart,
// createRuntime, poststart, poststop) or the container's init
// (createContainer, startContainer). The state's pid must be the one the
// hook's namespace sees (runtime.md "State").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/config.hpp"

namespace berth::hooks {

enum class Phase { Prestart, CreateRuntime, CreateContainer, StartContainer, Poststart, Poststop };

const char* phase_name(Phase);

// Runs one hook; throws berth::Error naming the phase, the path and what went
// wrong (exit status, signal, timeout, exec failure), e.g.
// "createRuntime hook /usr/bin/x: exit status 2: <last output>".
void run_hook(Phase, const spec::Hook&, std::string_view stateJson);

// Whether `message` is the error run_hook threw for a hook of `phase`, taken
// as text that crossed a process boundary unchanged (the container's init
// reports its errors through a socket or exec.fifo): it starts with
// "<phase> hook ".
bool is_hook_failure(std::string_view message, Phase phase);

// Runs hooks in order; stops at the first failure and throws.
void run_hooks(Phase, const std::vector<spec::Hook>&, std::string_view stateJson);

// Runs every hook; a failure is logged as a warning and the rest still run
// (poststop: runtime.md lifecycle step 13).
void run_hooks_warn_only(Phase, const std::vector<spec::Hook>&, std::string_view stateJson);

}  // namespace berth::hooks

// A container's status, derived from its init process and state files
// rather than stored, so it is never stale.
#pragma once

#include "runtime/container/state_store.hpp"
#include "spec/state.hpp"

namespace berth::container {

// creating: no record yet, or create has not finished (a create that was
// killed leaves a dead init: stopped);
// created: init alive and exec.fifo present; running: init alive, fifo gone;
// paused: running with its cgroup frozen; stopped: init gone (or pid reused).
spec::Status container_status(const ContainerDir&, const ContainerRecord*);

// The state `berth state` prints.
spec::State make_state(const ContainerDir&, const ContainerRecord&, spec::Status);

}  // namespace berth::container

// Steps shared by several commands: starting a created container, waiting
// for an init to exit, and destroying a stopped container.
#pragma once

#include "runtime/container/state_store.hpp"
#include "spec/config.hpp"
#include "spec/state.hpp"

namespace berth::cgroups { class Manager; }

namespace berth::container {

// `start`: lets a created container's init exec the user program, reports an
// exec failure, then runs the poststart hooks. Status must be created.
// initPidfd: a pidfd of the init this process created and still holds (run);
// -1: one is opened and checked against the record. fifo: exec.fifo already
// opened for reading (run's create did, before Commit); empty: opened here.
void start_container(const ContainerDir&, const ContainerRecord&, int initPidfd = -1, UniqueFd fifo = {});

// SIGKILLs the container (every process of its cgroup and its init) and waits
// until the init is gone.
void kill_and_wait(const ContainerRecord&);

// Undoes create: cgroup, state directory; then the poststop hooks. `created`:
// the cgroup manager of this process's own create (run), if it has one.
void destroy_container(ContainerDir&, const ContainerRecord*, cgroups::Manager* created = nullptr);

// The config saved at create (state dir's config.json).
spec::Config saved_config(const ContainerDir&);

const char* status_name(spec::Status);

}  // namespace berth::container

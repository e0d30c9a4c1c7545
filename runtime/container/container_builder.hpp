// The parent side of `create`: turns a bundle into a container whose init
// waits for `start`. One clone3(), no re-exec; the protocol with the child is
// in sync_protocol.hpp. Every step that makes something (state directory,
// cgroup, fifo, process) is owned by an RAII guard, so a failure anywhere
// unwinds all of it and leaves nothing behind.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/unique_fd.hpp"
#include "runtime/cgroups/manager.hpp"
#include "runtime/container/operations.hpp"
#include "runtime/container/state_store.hpp"
#include "spec/config.hpp"

namespace berth::container {

// A container made by create, still owned by this process.
struct CreatedContainer {
    ContainerDir dir;
    ContainerRecord record;
    spec::Config config;
    UniqueFd pidfd;
    std::unique_ptr<cgroups::Manager> cgroup;  // for run's delete: the layout is known
    UniqueFd execFifo;                         // read end, when BuildOptions::startAfterCommit
};

struct BuildOptions {
    CreateOptions create;
    // `run` in the foreground: berth stays the init's parent and keeps the
    // console master itself when there is no --console-socket.
    bool foreground = false;
    int consoleSocketFd = -1;  // an already-connected console socket (run's own socketpair)
    // `run` starts the container right after create: exec.fifo is opened for
    // reading before Commit, so the init's open of it does not block and wait
    // for a second message (not when run must size the pty it receives first).
    bool startAfterCommit = false;
};

CreatedContainer build_container(const GlobalOptions&, const BuildOptions&);

// RFC 3339 UTC with nanoseconds, trailing zeros trimmed (Go's RFC3339Nano).
std::string rfc3339_now();

// Writes `pid` to path atomically (temp file + rename), without a newline, like runc.
void write_pid_file(const std::string& path, pid_t pid);

}  // namespace berth::container

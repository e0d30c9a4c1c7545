// Staying in the foreground of a container process (`run`, `exec` without
// --detach): forward signals to it, relay the caller's terminal to the pty
// master when berth holds it, and return its exit status as a shell would
// (128+N for signal N).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include "common/unique_fd.hpp"

namespace berth::container {

// Blocks every catchable signal for the lifetime of the object, so they can
// be read from a signalfd; restores the old mask afterwards. Children undo
// the mask themselves before execve.
class BlockedSignals {
public:
    BlockedSignals();
    ~BlockedSignals();
    const sigset_t& set() const { return set_; }

private:
    sigset_t set_{}, old_{};
};

// The window size of the terminal at `from` (if it is one) given to the pty at `to`.
void copy_terminal_size(int from, int to);

// Waits for `pid` (our child) to exit; returns its shell-style exit code.
int wait_in_foreground(pid_t pid, int pidfd, UniqueFd master, const BlockedSignals&);

}  // namespace berth::container

// process.terminal: the container's pseudo-terminal. The pty is created in
// the container (from its own devpts instance, after pivot_root) and its
// master end is sent to the --console-socket, as runc does; the slave becomes
// the process's stdio, controlling terminal and /dev/console.
#pragma once

#include <optional>
#include <string>

#include "common/unique_fd.hpp"
#include "spec/config.hpp"

namespace berth::kernel {

// In the runtime (before clone): connects a SOCK_STREAM AF_UNIX socket
// (O_CLOEXEC) to path. Paths longer than sun_path are reached through an
// O_PATH fd of their directory. Errors: `connect console socket /x.sock: connection refused`.
UniqueFd connect_console_socket(const std::string& path);

// TIOCSWINSZ on a terminal fd.
void set_window_size(int ttyFd, const spec::ConsoleSize& size);

// In the container, after pivot_root (the container's /dev/pts is mounted and
// /dev/ptmx leads to it), before the switch to the container user:
//  1. open /dev/ptmx, unlock the pty, open its slave (TIOCGPTPEER, or by
//     name on kernels before 4.13);
//  2. set the window size from consoleSize, when given;
//  3. with bindDevConsole, bind-mount the slave onto /dev/console (created as an empty file if
//     missing; refused if it is a symlink);
//  4. send the master over consoleSocket (name "/dev/ptmx");
//  5. setsid() unless already a session leader, TIOCSCTTY on the slave;
//  6. dup2 the slave onto fds 0, 1 and 2.
// Takes ownership of consoleSocket and closes it; the master is closed too.
// `exec` passes bindDevConsole=false: /dev/console stays the init's terminal.
void setup_console(int consoleSocket, const std::optional<spec::ConsoleSize>& size, bool bindDevConsole = true);

}  // namespace berth::kernel

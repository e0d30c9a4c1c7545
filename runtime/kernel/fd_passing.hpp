// Passing one file descriptor over an AF_UNIX socket (SCM_RIGHTS), in the
// format runc uses for --console-socket (libcontainer/utils SendFile/RecvFile):
// one message whose data is the file's name and whose control part carries
// exactly one fd. Receivers such as containerd's and runc's recvtty read up to
// 4096 bytes of name.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.hpp"

namespace berth::kernel {

inline constexpr size_t kMaxFdNameLen = 4096;

// One message: `data` plus any number of fds as SCM_RIGHTS (MSG_NOSIGNAL).
// Returns the bytes sent; throws "<what>: <errno text>" with the errno.
size_t send_with_fds(int sock, std::string_view data, const std::vector<int>& fds, const std::string& what);

// Receives one message into buf; the fds that came with it (O_CLOEXEC) go to
// `fds`. Returns the bytes received (0 with no fds: the peer closed). Throws
// "<what>: ..." on errors, and EMSGSIZE when more than maxFds came (those are
// closed, never leaked).
size_t recv_with_fds(int sock, char* buf, size_t len, std::vector<UniqueFd>& fds, size_t maxFds,
                     const std::string& what);

// Sends fd with `name` as the data. name must be non-empty (a stream socket
// drops control data sent with zero bytes) and shorter than kMaxFdNameLen.
void send_fd(int sock, int fd, std::string_view name);

// Receives one fd (O_CLOEXEC) and, if name is not null, its name. Throws if
// the peer closed the socket, sent no fd, or sent more than one.
UniqueFd recv_fd(int sock, std::string* name = nullptr);

}  // namespace berth::kernel

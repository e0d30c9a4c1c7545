// The receiving end of a --console-socket, for tests: what containerd or
// runc's recvtty do. Listens on a unix socket, accepts one connection and
// receives the pty master the runtime sends over it (SCM_RIGHTS).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/unique_fd.hpp"

namespace berth::test {

class ConsoleReceiver {
public:
    // Binds and listens on socketPath (any length: long paths are bound
    // through an O_PATH fd of their directory). The destructor removes it.
    explicit ConsoleReceiver(std::string socketPath);
    ~ConsoleReceiver();
    ConsoleReceiver(const ConsoleReceiver&) = delete;
    ConsoleReceiver& operator=(const ConsoleReceiver&) = delete;

    const std::string& path() const { return path_; }
    int listen_fd() const { return listen_.get(); }

    // Waits up to timeout for one connection and the fd sent over it; the
    // name sent with it goes to *name when given. Throws berth::Error on
    // timeout or protocol errors.
    UniqueFd accept_master(std::chrono::milliseconds timeout, std::string* name = nullptr);

private:
    std::string path_;
    UniqueFd listen_;
};

// Reads from fd (polling) until the data read so far contains needle; returns
// everything read. Throws berth::Error with the data read so far on timeout
// or EOF (EIO on a pty master whose slave side closed is EOF).
std::string read_until(int fd, std::string_view needle, std::chrono::milliseconds timeout);

// Writes all of data to fd or throws.
void write_all(int fd, std::string_view data);

}  // namespace berth::test

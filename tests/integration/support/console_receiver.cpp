#include "integration/support/console_receiver.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "common/error.hpp"
#include "runtime/kernel/fd_passing.hpp"

namespace berth::test {
namespace {

// Waits until fd is readable; false on timeout.
bool wait_readable(int fd, std::chrono::milliseconds timeout) {
    struct pollfd p {};
    p.fd = fd;
    p.events = POLLIN;
    int rc;
    do {
        rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) throw_errno("poll");
    return rc > 0;
}

}  // namespace

ConsoleReceiver::ConsoleReceiver(std::string socketPath) : path_(std::move(socketPath)) {
    listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listen_) throw_errno("console receiver: socket");
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    std::string target = path_;
    UniqueFd dir;
    if (target.size() >= sizeof addr.sun_path) {
        size_t slash = path_.rfind('/');
        std::string dirPath = slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
        dir.reset(::open(dirPath.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!dir) throw_errno("console receiver: open " + dirPath);
        target = "/proc/self/fd/" + std::to_string(dir.get()) + "/" + path_.substr(slash + 1);
    }
    std::memcpy(addr.sun_path, target.data(), target.size());
    if (::bind(listen_.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0)
        throw_errno("console receiver: bind " + path_);
    if (::listen(listen_.get(), 4) != 0) throw_errno("console receiver: listen " + path_);
}

ConsoleReceiver::~ConsoleReceiver() { ::unlink(path_.c_str()); }

UniqueFd ConsoleReceiver::accept_master(std::chrono::milliseconds timeout, std::string* name) {
    if (!wait_readable(listen_.get(), timeout)) throw Error("console receiver: no connection on " + path_, ETIMEDOUT);
    UniqueFd conn(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) throw_errno("console receiver: accept");
    if (!wait_readable(conn.get(), timeout)) throw Error("console receiver: no fd received on " + path_, ETIMEDOUT);
    return kernel::recv_fd(conn.get(), name);
}

std::string read_until(int fd, std::string_view needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string data;
    while (data.find(needle) == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !wait_readable(fd, left))
            throw Error("timed out waiting for \"" + std::string(needle) + "\"; read so far: \"" + data + "\"",
                        ETIMEDOUT);
        char buf[4096];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EIO) throw_errno("read");
        if (n <= 0)
            throw Error("end of file waiting for \"" + std::string(needle) + "\"; read so far: \"" + data + "\"", EIO);
        data.append(buf, static_cast<size_t>(n));
    }
    return data;
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("write");
        data.remove_prefix(static_cast<size_t>(n));
    }
}

}  // namespace berth::test

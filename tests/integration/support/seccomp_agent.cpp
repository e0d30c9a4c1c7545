#include "integration/support/seccomp_agent.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace berth::test {
namespace {

struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

std::string sys_error(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Waits for `fd` to be readable; false on timeout or stop request.
bool wait_readable(int fd, const std::atomic<bool>& stop, short* revents = nullptr) {
    for (int waited = 0; waited < 30000 && !stop; waited += 100) {
        pollfd p{fd, POLLIN, 0};
        int rc = ::poll(&p, 1, 100);
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) return false;
        if (rc > 0) {
            if (revents) *revents = p.revents;
            return true;
        }
    }
    return false;
}

}  // namespace

SeccompAgent::SeccompAgent(std::string socketPath, Policy policy) : path_(std::move(socketPath)), policy_(std::move(policy)) {
    listenFd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listenFd_ < 0) throw std::runtime_error(sys_error("agent socket"));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.size() >= sizeof addr.sun_path) throw std::runtime_error("agent socket path too long");
    std::memcpy(addr.sun_path, path_.c_str(), path_.size());
    ::unlink(path_.c_str());
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(listenFd_, 1) < 0) {
        std::string err = sys_error("agent bind/listen");
        ::close(listenFd_);
        throw std::runtime_error(err);
    }
    thread_ = std::thread([this] { serve(); });
}

SeccompAgent::~SeccompAgent() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listenFd_ >= 0) ::close(listenFd_);
    ::unlink(path_.c_str());
}

bool SeccompAgent::wait(int timeoutMs) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (!done_) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

void SeccompAgent::serve() {
    auto finish = [this](std::string err = {}) {
        error_ = std::move(err);
        done_ = true;
    };
    if (!wait_readable(listenFd_, stop_)) return finish("no connection");
    Fd conn(::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC));
    if (conn.fd < 0) return finish(sys_error("accept"));

    // First message: payload + the fd; the runtime then closes the connection.
    char buf[65536];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(conn.fd, &msg, MSG_CMSG_CLOEXEC);
    if (n <= 0) return finish(sys_error("recvmsg"));
    stateJson_.assign(buf, static_cast<size_t>(n));
    int notifyFd = -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(&notifyFd, CMSG_DATA(c), sizeof(int));
    while ((n = ::recv(conn.fd, buf, sizeof buf, 0)) > 0) stateJson_.append(buf, static_cast<size_t>(n));
    if (notifyFd < 0) return finish("no fd in SCM_RIGHTS");
    receivedFd_ = true;
    Fd notify(notifyFd);

    for (;;) {
        short revents = 0;
        if (!wait_readable(notify.fd, stop_, &revents)) return finish("timed out waiting for notifications");
        if (!(revents & POLLIN)) return finish();  // POLLHUP: every filtered task is gone
        seccomp_notif req;
        std::memset(&req, 0, sizeof req);  // the kernel insists on a zeroed buffer
        if (::ioctl(notify.fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
            if (errno == EINTR || errno == ENOENT) continue;  // the caller went away meanwhile
            return finish(sys_error("NOTIF_RECV"));
        }
        NotifyAnswer a = policy_(req);
        seccomp_notif_resp resp;
        std::memset(&resp, 0, sizeof resp);
        resp.id = req.id;
        if (a.continueSyscall) resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        else {
            resp.val = a.val;
            resp.error = a.error;
        }
        if (::ioctl(notify.fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
            return finish(sys_error("NOTIF_SEND"));
        ++handled_;
    }
}

}  // namespace berth::test

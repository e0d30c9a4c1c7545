#include "runtime/kernel/fd_passing.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstring>
#include <vector>

#include "common/error.hpp"

namespace berth::kernel {

void send_fd(int sock, int fd, std::string_view name) {
    if (name.empty()) throw Error("send fd: empty name", EINVAL);
    if (name.size() >= kMaxFdNameLen) throw Error("send fd: name too long: " + std::string(name), ENAMETOOLONG);

    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    struct iovec iov {};
    iov.iov_base = const_cast<char*>(name.data());
    iov.iov_len = name.size();
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

    ssize_t n;
    do {
        n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw_errno("send fd " + std::string(name));
    // The fd travels with the first byte; a short write of the name is still
    // a protocol error for receivers that read one message.
    if (static_cast<size_t>(n) != name.size()) throw Error("send fd " + std::string(name) + ": short write", EIO);
}

UniqueFd recv_fd(int sock, std::string* name) {
    std::vector<char> data(kMaxFdNameLen);
    // Room for a few fds, so that a peer sending too many is detected and
    // the extra fds are closed rather than silently truncated (MSG_CTRUNC).
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)] = {};
    struct iovec iov {};
    iov.iov_base = data.data();
    iov.iov_len = data.size();
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;

    ssize_t n;
    do {
        n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw_errno("receive fd");

    std::vector<UniqueFd> fds;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            fds.emplace_back(fd);
        }
    }
    if (n == 0 && fds.empty()) throw Error("receive fd: connection closed by peer", ECONNRESET);
    if (msg.msg_flags & MSG_CTRUNC) throw Error("receive fd: control data truncated (too many fds)", EMSGSIZE);
    if (fds.size() != 1) throw Error("receive fd: expected 1 fd, got " + std::to_string(fds.size()), EBADMSG);
    if (name) name->assign(data.data(), static_cast<size_t>(n));
    return std::move(fds[0]);
}

}  // namespace berth::kernel

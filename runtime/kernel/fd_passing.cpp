#include "runtime/kernel/fd_passing.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstring>
#include <vector>

#include "common/error.hpp"

namespace berth::kernel {

size_t send_with_fds(int sock, std::string_view data, const std::vector<int>& fds, const std::string& what) {
    struct iovec iov {};
    iov.iov_base = const_cast<char*>(data.data());
    iov.iov_len = data.size();
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control(fds.empty() ? 0 : CMSG_SPACE(sizeof(int) * fds.size()));
    if (!fds.empty()) {
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
    }
    ssize_t n;
    do {
        n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw_errno(what);
    return static_cast<size_t>(n);
}

size_t recv_with_fds(int sock, char* buf, size_t len, std::vector<UniqueFd>& fds, size_t maxFds,
                     const std::string& what) {
    // Room for one fd more than allowed, so that a peer sending too many is
    // detected (and the extras closed) rather than silently truncated.
    std::vector<char> control(CMSG_SPACE(sizeof(int) * (maxFds + 1)));
    struct iovec iov {};
    iov.iov_base = buf;
    iov.iov_len = len;
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();

    ssize_t n;
    do {
        n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw_errno(what);

    fds.clear();
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            fds.emplace_back(fd);
        }
    }
    if ((msg.msg_flags & MSG_CTRUNC) || fds.size() > maxFds) {
        fds.clear();
        throw Error(what + ": control data truncated (too many fds)", EMSGSIZE);
    }
    return static_cast<size_t>(n);
}

void send_fd(int sock, int fd, std::string_view name) {
    if (name.empty()) throw Error("send fd: empty name", EINVAL);
    if (name.size() >= kMaxFdNameLen) throw Error("send fd: name too long: " + std::string(name), ENAMETOOLONG);
    // The fd travels with the first byte; a short write of the name is still
    // a protocol error for receivers that read one message.
    if (send_with_fds(sock, name, {fd}, "send fd " + std::string(name)) != name.size())
        throw Error("send fd " + std::string(name) + ": short write", EIO);
}

UniqueFd recv_fd(int sock, std::string* name) {
    std::vector<char> data(kMaxFdNameLen);
    std::vector<UniqueFd> fds;
    size_t n = recv_with_fds(sock, data.data(), data.size(), fds, 7, "receive fd");
    if (n == 0 && fds.empty()) throw Error("receive fd: connection closed by peer", ECONNRESET);
    if (fds.size() != 1) throw Error("receive fd: expected 1 fd, got " + std::to_string(fds.size()), EBADMSG);
    if (name) name->assign(data.data(), n);
    return std::move(fds[0]);
}

}  // namespace berth::kernel

#include "runtime/container/sync_protocol.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "common/error.hpp"

namespace berth::container {

namespace {
constexpr size_t kMaxFds = 64;  // more than any message carries (one per v1 hierarchy)
}  // namespace

void SyncChannel::make_pair(SyncChannel& parent, SyncChannel& child) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) throw_errno("create sync socket");
    parent = SyncChannel(UniqueFd(sv[0]));
    child = SyncChannel(UniqueFd(sv[1]));
}

void SyncChannel::send(SyncMsg type, std::string_view payload, const std::vector<int>& fds) const {
    std::string buf;
    buf.reserve(payload.size() + 1);
    buf.push_back(static_cast<char>(type));
    buf.append(payload);
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control(fds.empty() ? 0 : CMSG_SPACE(sizeof(int) * fds.size()));
    if (!fds.empty()) {
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    for (;;) {
        ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
        if (n >= 0) return;
        if (errno == EINTR) continue;
        int err = errno;
        // The peer failed and exited before reading: its Error says why.
        char reply[8192];
        ssize_t r = ::recv(fd_.get(), reply, sizeof reply, MSG_DONTWAIT);
        if (r > 1 && static_cast<SyncMsg>(reply[0]) == SyncMsg::Error)
            throw Error(std::string(reply + 1, static_cast<size_t>(r - 1)));
        throw_errno("sync send", err);
    }
}

SyncMsg SyncChannel::receive(std::string* payload, std::vector<UniqueFd>* fds) const {
    char buf[8192];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = ::recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw_errno("sync receive");
    std::vector<UniqueFd> received;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            received.emplace_back(fd);
        }
    }
    if (msg.msg_flags & MSG_CTRUNC) throw Error("sync receive: too many file descriptors");
    if (n == 0) throw Error("container init exited unexpectedly", EPIPE);
    if (payload) payload->assign(buf + 1, static_cast<size_t>(n - 1));
    if (fds) *fds = std::move(received);
    return static_cast<SyncMsg>(buf[0]);
}

void SyncChannel::expect(SyncMsg expected, std::vector<UniqueFd>* fds) const {
    std::string payload;
    SyncMsg got = receive(&payload, fds);
    if (got == SyncMsg::Error) throw Error(payload);
    if (got != expected)
        throw Error("sync protocol: expected message " + std::to_string(int(expected)) + ", got " +
                    std::to_string(int(got)));
}

}  // namespace berth::container

#include "runtime/container/sync_protocol.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include "common/error.hpp"
#include "runtime/kernel/fd_passing.hpp"

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
    try {
        kernel::send_with_fds(fd_.get(), buf, fds, "sync send");
    } catch (const Error&) {
        // The peer failed and exited before reading: its Error says why.
        char reply[8192];
        ssize_t r = ::recv(fd_.get(), reply, sizeof reply, MSG_DONTWAIT);
        if (r > 1 && static_cast<SyncMsg>(reply[0]) == SyncMsg::Error)
            throw Error(std::string(reply + 1, static_cast<size_t>(r - 1)));
        throw;
    }
}

SyncMsg SyncChannel::receive(std::string* payload, std::vector<UniqueFd>* fds) const {
    char buf[8192];
    std::vector<UniqueFd> received;
    size_t n = kernel::recv_with_fds(fd_.get(), buf, sizeof buf, received, kMaxFds, "sync receive");
    if (n == 0) throw Error("container init exited unexpectedly", EPIPE);
    if (payload) payload->assign(buf + 1, n - 1);
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

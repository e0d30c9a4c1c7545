#include "runtime/kernel/seccomp_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "spec/config.hpp"

namespace berth::kernel {

std::string container_process_state_json(const ContainerProcessState& st) {
    nlohmann::ordered_json state{
        {"ociVersion", spec::kSpecVersion},
        {"id", st.id},
        {"status", st.status},
        {"pid", st.pid},
        {"bundle", st.bundle},
    };
    if (!st.annotations.empty()) state["annotations"] = st.annotations;

    nlohmann::ordered_json j{
        {"ociVersion", spec::kSpecVersion},
        {"fds", nlohmann::ordered_json::array({"seccompFd"})},
        {"pid", st.pid},
    };
    if (!st.metadata.empty()) j["metadata"] = st.metadata;
    j["state"] = std::move(state);
    return j.dump();
}

UniqueFd connect_seccomp_listener(const std::string& listenerPath) {
    const std::string ctx = "send seccomp fd to " + listenerPath;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (listenerPath.empty() || listenerPath.size() >= sizeof addr.sun_path)
        throw Error(ctx + ": socket path is empty or too long", ENAMETOOLONG);
    std::memcpy(addr.sun_path, listenerPath.data(), listenerPath.size());
    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) throw_errno(ctx + ": socket");
    int rc;
    do rc = ::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) throw_errno(ctx + ": connect");
    return sock;
}

void send_seccomp_state(int connectedSocket, int listenerFd, const std::string& stateJson, const std::string& what) {
    const std::string ctx = "send seccomp fd to " + what;
    if (listenerFd < 0) throw Error(ctx + ": no listener fd", EBADF);
    if (stateJson.empty()) throw Error(ctx + ": empty state", EINVAL);

    // The fd travels with the first chunk only (config-linux.md).
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    iovec iov{const_cast<char*>(stateJson.data()), stateJson.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cm), &listenerFd, sizeof(int));

    ssize_t n;
    do n = ::sendmsg(connectedSocket, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) throw_errno(ctx + ": sendmsg");
    size_t sent = static_cast<size_t>(n);
    while (sent < stateJson.size()) {
        n = ::send(connectedSocket, stateJson.data() + sent, stateJson.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw_errno(ctx + ": send", n < 0 ? errno : EPIPE);
        sent += static_cast<size_t>(n);
    }
}

void send_seccomp_listener(const std::string& listenerPath, int listenerFd, const std::string& stateJson) {
    if (listenerFd < 0) throw Error("send seccomp fd to " + listenerPath + ": no listener fd", EBADF);
    UniqueFd sock = connect_seccomp_listener(listenerPath);
    send_seccomp_state(sock.get(), listenerFd, stateJson, listenerPath);
    // The connection is not reused; closing it (sock's destructor) ends the message.
}

}  // namespace berth::kernel

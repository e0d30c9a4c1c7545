// Handing the seccomp user-notification fd to the agent at
// linux.seccomp.listenerPath (config-linux.md "The Container Process State"):
// one AF_UNIX SOCK_STREAM connection per container, the state JSON as payload,
// the fd in SCM_RIGHTS of the first (only) sendmsg, then close. Runs in the
// runtime (parent), which got the fd from the container's init.
#pragma once

#include <map>
#include <string>

#include "common/unique_fd.hpp"

namespace berth::kernel {

// The fields of the container process state (and of the runtime.md state
// nested in it) that the runtime fills in.
struct ContainerProcessState {
    std::string id;
    std::string status = "creating";
    int pid = 0;  // the container process, as the runtime sees it
    std::string bundle;
    std::map<std::string, std::string> annotations;
    std::string metadata;  // linux.seccomp.listenerMetadata; omitted when empty
};

// {"ociVersion", "fds":["seccompFd"], "pid", "metadata"?, "state":{"ociVersion",
// "id", "status", "pid", "bundle", "annotations"?}}
std::string container_process_state_json(const ContainerProcessState& st);

// Connects to listenerPath, sends `stateJson` with `listenerFd` attached
// (SCM_RIGHTS) and closes the connection. listenerFd stays owned by the
// caller. Throws berth::Error ("send seccomp fd to <path>: ...") on failure,
// which the runtime must treat as a create error.
void send_seccomp_listener(const std::string& listenerPath, int listenerFd, const std::string& stateJson);

// The same in two steps, for a sender that cannot reach listenerPath any more
// when it has the fd (e.g. the container's init after pivot_root): connect
// early (O_CLOEXEC socket), send later. send_seccomp_state() uses only
// sendmsg/send, never write(2); `what` names the peer in errors.
UniqueFd connect_seccomp_listener(const std::string& listenerPath);
void send_seccomp_state(int connectedSocket, int listenerFd, const std::string& stateJson, const std::string& what);

}  // namespace berth::kernel

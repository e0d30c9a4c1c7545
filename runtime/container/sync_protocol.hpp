// The parent/child protocol of `create`.
//
// berth makes a container with one clone3() and no re-exec: the parent is the
// `berth create` (or `run`) process, the child is the container's init, a copy
// of the same process that sets the container up and finally execs the
// user's program through the exec trampoline (runtime/kernel/exec_trampoline.hpp). They talk over a SOCK_SEQPACKET socketpair; each message is
// one packet: a type byte, then an optional payload.
//
//   parent                                   child (container init)
//   ------                                   ----------------------
//   clone3(new namespaces but the network
//          one, pidfd, CLONE_INTO_CGROUP
//          into the cgroup2 directory)       unshare(CLONE_NEWNET) (no user namespace:
//   meanwhile: v1 cgroup directories,        setup_net is the costliest namespace,
//   linux.resources, device rules            so it overlaps the parent's cgroup work)
//   [parent joins the cgroups itself when
//    the child cannot; uid/gid maps]
//   open the v1 `tasks` files
//                         ---- Go ------->   (with those files' fds, SCM_RIGHTS)
//                                            (waits for Go only when told to by the plan:
//                                            always when it joins v1 hierarchies, which
//                                            exist and are limited only from Go on)
//                                            write 0 to the v1 `tasks` files (self-join),
//                                            join namespaces by path, time ns offsets,
//                                            hostname, rootfs mounts, /dev
//   [if prestart/createRuntime hooks]
//                         <--- Mounted ---
//   run prestart, createRuntime hooks
//   (runtime namespace, state "creating")
//                         ---- Go ------->
//                                            createContainer hooks (container namespaces),
//                                            pivot_root, masked/readonly paths, sysctl,
//                                            console, rlimits, args[0] looked up
//                         <--- Ready -----
//   write state.json, pid file
//                         ---- Commit --->
//   exit (create) / go on (run)              open exec.fifo for writing: blocks until
//                                            `start` opens it for reading
//
// Any failure in the child is sent as Error(message) and the child exits; a
// read that returns EOF means the other side died, and the child exits too,
// so a SIGKILLed `create` never leaves a half-made init waiting.
//
// `start` and init meet at <state dir>/exec.fifo (runc's protocol): start opens
// it for reading, which unblocks init's open(); init writes one byte, runs the
// startContainer hooks and the launch sequence (program_launch.hpp: seccomp,
// user, capabilities, cwd, args[0]), and execs the sealed trampoline, which
// execs the program. The fifo fd is close-on-exec in the program, so start
// reads EOF exactly when the program's execve succeeded; if a step failed,
// init (or the trampoline, as "berth-exec-failed <errno> <what>") writes the
// error text first, and start reports it. start then removes the fifo:
// "fifo exists" is how `state` tells created from running.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.hpp"

namespace berth::container {

enum class SyncMsg : uint8_t { Go = 1, Mounted = 2, Ready = 3, Commit = 4, Error = 5 };

// One end of the socketpair.
class SyncChannel {
public:
    SyncChannel() = default;
    explicit SyncChannel(UniqueFd fd) : fd_(std::move(fd)) {}
    static void make_pair(SyncChannel& parent, SyncChannel& child);

    void send(SyncMsg, std::string_view payload = {}, const std::vector<int>& fds = {}) const;
    // Receives one message; throws on EOF ("peer exited") or I/O errors. Fds
    // that came with it (SCM_RIGHTS, O_CLOEXEC) go to *fds, or are closed.
    SyncMsg receive(std::string* payload = nullptr, std::vector<UniqueFd>* fds = nullptr) const;
    // Receives and requires `expected`; an Error message becomes a thrown Error.
    void expect(SyncMsg expected, std::vector<UniqueFd>* fds = nullptr) const;

    int fd() const { return fd_.get(); }
    void close() { fd_.reset(); }

private:
    UniqueFd fd_;
};

}  // namespace berth::container

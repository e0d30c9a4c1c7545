// `run`: create + start; in the foreground berth stays the init's parent and
// exits with its status, deleting the container unless --keep.
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "runtime/container/container_builder.hpp"
#include "runtime/container/foreground.hpp"
#include "runtime/container/lifecycle.hpp"
#include "runtime/container/operations.hpp"
#include "runtime/kernel/fd_passing.hpp"

namespace berth::container {

namespace {

// True when the container has a pid namespace of its own (not a joined one).
bool own_pid_namespace(const spec::Config& config) {
    if (!config.linux) return false;
    for (const auto& ns : config.linux->namespaces)
        if (ns.type == spec::NamespaceType::Pid) return ns.path.empty();
    return false;
}

// initReaped: we reaped the init. With its own pid namespace every other
// process of the container died with it (the kernel kills the namespace when
// its init exits), so kill_and_wait has nothing left to do; destroy_container
// still kills whatever else sits in the cgroup before removing it.
void delete_quietly(CreatedContainer& c, bool initReaped = false) {
    try {
        if (!initReaped || !own_pid_namespace(c.config)) kill_and_wait(c.record);
        destroy_container(c.dir, &c.record, c.cgroup.get());
    } catch (const Error& e) {
        spdlog::warn("run: delete: {}", e.what());
    }
}

}  // namespace

int run(const GlobalOptions& g, const RunOptions& o) {
    std::optional<BlockedSignals> blocked;
    if (!o.detach) blocked.emplace();

    BuildOptions bo;
    bo.create = o;
    bo.foreground = !o.detach;
    bo.startAfterCommit = true;
    // Foreground without --console-socket: if the process wants a terminal,
    // berth receives the pty master itself over this socketpair.
    UniqueFd consoleOurs, consoleTheirs;
    if (!o.detach && o.consoleSocket.empty()) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) throw_errno("create console socket");
        consoleOurs.reset(sv[0]);
        consoleTheirs.reset(sv[1]);
        bo.consoleSocketFd = consoleTheirs.get();
    }

    CreatedContainer c = build_container(g, bo);
    consoleTheirs.reset();
    // init sent the pty master during create: size it like the caller's
    // terminal before the program starts, so its first look at it is right.
    UniqueFd master;
    try {
        if (c.config.process->terminal && consoleOurs) {
            master = kernel::recv_fd(consoleOurs.get(), nullptr);
            copy_terminal_size(STDIN_FILENO, master.get());
        }
        consoleOurs.reset();
        start_container(c.dir, c.record, c.pidfd.get(), std::move(c.execFifo));
    } catch (const Error&) {
        if (!o.keep) delete_quietly(c);
        throw;
    }
    if (o.detach) return 0;

    // The container is now anyone's to kill, exec into, pause or delete --force:
    // hold its lock again only to delete it.
    c.dir.unlock();
    int code = wait_in_foreground(c.record.pid, c.pidfd.get(), std::move(master), *blocked);
    if (!o.keep) {
        try {
            c.dir.relock();
        } catch (const Error& e) {
            if (e.code() == ENOENT) return code;  // deleted meanwhile (delete --force)
            throw;
        }
        delete_quietly(c, /*initReaped=*/true);
    }
    return code;
}

}  // namespace berth::container

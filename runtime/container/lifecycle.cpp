#include "runtime/container/lifecycle.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "hooks/hooks.hpp"
#include "runtime/cgroups/manager.hpp"
#include "runtime/container/cgroup_link.hpp"
#include "runtime/container/container_status.hpp"
#include "runtime/container/hook_state.hpp"
#include "runtime/kernel/exec_trampoline.hpp"
#include "runtime/kernel/proc_status.hpp"
#include "spec/parse.hpp"

namespace berth::container {

const char* status_name(spec::Status s) { return spec::to_string(s); }

spec::Config saved_config(const ContainerDir& dir) {
    return spec::parse_config(dir.read_file("config.json"), dir.file("config.json"));
}

namespace {

// A pidfd for the record's init, or an empty fd when that process is gone
// (or its pid now belongs to another process).
UniqueFd open_init(const ContainerRecord& rec) {
    UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, rec.pid, 0)));
    if (!fd) return fd;
    // The pidfd pins the process; check it is still the one we started.
    if (!kernel::process_is_alive(rec.pid, rec.pidStartTime)) fd.reset();
    return fd;
}

bool wait_exit(int pidfd, int timeoutMs) {
    pollfd p{pidfd, POLLIN, 0};
    for (;;) {
        int n = ::poll(&p, 1, timeoutMs);
        if (n < 0 && errno == EINTR) continue;
        return n > 0;
    }
}

}  // namespace

void start_container(const ContainerDir& dir, const ContainerRecord& rec, int initPidfd, UniqueFd fifo) {
    // The pidfd first: opening the fifo releases init, and an init whose exec
    // fails exits at once; its error is then in the fifo, not "stopped".
    UniqueFd opened;
    if (initPidfd < 0) {
        opened = open_init(rec);
        if (!opened) throw Error("cannot start a container that has stopped");
        initPidfd = opened.get();
    }
    std::string fifoPath = dir.file("exec.fifo");
    if (!fifo) fifo.reset(::open(fifoPath.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fifo) throw_errno("open " + fifoPath);

    // Opening the fifo released init; wait for its byte (or its death).
    pollfd fds[2] = {{fifo.get(), POLLIN, 0}, {initPidfd, POLLIN, 0}};
    for (;;) {
        int n = ::poll(fds, 2, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("wait for container init");
        break;
    }
    std::string msg;
    char buf[4096];
    bool gotByte = false;
    if (fds[0].revents & (POLLIN | POLLHUP)) {
        ::fcntl(fifo.get(), F_SETFL, 0);
        for (;;) {
            ssize_t n = ::read(fifo.get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;  // EOF: execve closed init's end (O_CLOEXEC)
            std::string_view chunk(buf, static_cast<size_t>(n));
            if (!gotByte) {
                gotByte = true;
                chunk.remove_prefix(1);
            }
            msg.append(chunk);
        }
    }
    ::unlink(fifoPath.c_str());
    if (!gotByte) throw Error("container init exited before start");
    if (!msg.empty()) throw Error(kernel::describe_exec_report(msg));

    if (rec.hasLifecycleHooks) {
        spec::Config config = saved_config(dir);
        if (config.hooks && !config.hooks->poststart.empty()) {
            try {
                hooks::run_hooks(hooks::Phase::Poststart, config.hooks->poststart,
                                 hook_state_json(rec.id, "running", rec.pid, rec.bundle, rec.annotations));
            } catch (const Error&) {
                // runtime.md lifecycle step 9: a failed poststart hook stops the container.
                kill_and_wait(rec);
                throw;
            }
        }
    }
}

void kill_and_wait(const ContainerRecord& rec) {
    if (auto cg = open_cgroup(rec)) {
        try {
            cg->thaw();
            cg->kill_all(SIGKILL);
        } catch (const Error& e) {
            spdlog::debug("kill cgroup {}: {}", rec.cgroupPath, e.what());
        }
    }
    UniqueFd init = open_init(rec);
    if (!init) return;
    ::syscall(SYS_pidfd_send_signal, init.get(), SIGKILL, nullptr, 0);
    if (!wait_exit(init.get(), 10000)) throw Error("container init " + std::to_string(rec.pid) + " did not exit after SIGKILL");
}

void destroy_container(ContainerDir& dir, const ContainerRecord* rec, cgroups::Manager* created) {
    std::vector<spec::Hook> poststop;
    std::string state;
    if (rec) {
        destroy_cgroup(*rec, created);
        if (rec->hasLifecycleHooks) {
            try {
                spec::Config config = saved_config(dir);
                if (config.hooks) poststop = config.hooks->poststop;
            } catch (const Error& e) {
                spdlog::warn("poststop hooks not run: {}", e.what());
            }
            state = hook_state_json(rec->id, "stopped", 0, rec->bundle, rec->annotations);
        }
    }
    dir.remove();
    hooks::run_hooks_warn_only(hooks::Phase::Poststop, poststop, state);
}

}  // namespace berth::container

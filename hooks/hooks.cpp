#include "hooks/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace berth::hooks {

const char* phase_name(Phase p) {
    switch (p) {
        case Phase::Prestart: return "prestart";
        case Phase::CreateRuntime: return "createRuntime";
        case Phase::CreateContainer: return "createContainer";
        case Phase::StartContainer: return "startContainer";
        case Phase::Poststart: return "poststart";
        case Phase::Poststop: return "poststop";
    }
    return "?";
}

namespace {

std::vector<char*> c_strings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

long now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// Feeds the state to the hook's stdin and waits for it to exit, within the
// timeout. A hook that does not read its stdin must not block us: the pipe is
// non-blocking and EPIPE just ends the feeding.
int feed_and_wait(pid_t pid, int pidfd, int stdinFd, std::string_view data, long timeoutMs, bool* timedOut) {
    size_t off = 0;
    long deadline = timeoutMs > 0 ? now_ms() + timeoutMs : -1;
    UniqueFd in(stdinFd);
    for (;;) {
        pollfd fds[2] = {{pidfd, POLLIN, 0}, {in ? in.get() : -1, POLLOUT, 0}};
        int wait = deadline < 0 ? -1 : static_cast<int>(std::max(0L, deadline - now_ms()));
        int n = ::poll(fds, 2, wait);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll");
        }
        if (n == 0) {
            *timedOut = true;
            ::kill(pid, SIGKILL);
            break;
        }
        if (fds[1].revents & (POLLOUT | POLLERR | POLLHUP)) {
            ssize_t w = off < data.size() ? ::write(in.get(), data.data() + off, data.size() - off) : 0;
            if (w > 0) off += static_cast<size_t>(w);
            if (w < 0 && errno == EAGAIN) continue;
            if (w <= 0 || off >= data.size()) in.reset();  // done, or the hook closed its stdin
        }
        if (fds[0].revents & POLLIN) break;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw_errno("wait for hook");
    }
    return status;
}

}  // namespace

void run_hook(Phase phase, const spec::Hook& hook, std::string_view stateJson) {
    std::string what = std::string(phase_name(phase)) + " hook " + hook.path;
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0) throw_errno(what);
    UniqueFd readEnd(pipefd[0]), writeEnd(pipefd[1]);
    ::fcntl(writeEnd.get(), F_SETFL, O_NONBLOCK);

    std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
    auto argv = c_strings(args);
    auto envp = c_strings(hook.env);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, readEnd.get(), 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Hooks start with default signal handling and an empty mask, whatever ours are.
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    int err = ::posix_spawn(&pid, hook.path.c_str(), &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (err != 0) throw_errno(what, err);
    readEnd.reset();

    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) {
        int e = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw_errno(what + ": pidfd_open", e);
    }
    bool timedOut = false;
    long timeoutMs = hook.timeout ? *hook.timeout * 1000 : 0;
    int status = feed_and_wait(pid, pidfd.get(), writeEnd.release(), stateJson, timeoutMs, &timedOut);
    if (timedOut) throw Error(what + ": timed out after " + std::to_string(*hook.timeout) + "s", ETIMEDOUT);
    if (WIFSIGNALED(status)) throw Error(what + ": killed by signal " + std::to_string(WTERMSIG(status)));
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        throw Error(what + ": exit status " + std::to_string(WEXITSTATUS(status)));
}

void run_hooks(Phase phase, const std::vector<spec::Hook>& hooks, std::string_view stateJson) {
    for (const auto& h : hooks) run_hook(phase, h, stateJson);
}

void run_hooks_warn_only(Phase phase, const std::vector<spec::Hook>& hooks, std::string_view stateJson) {
    for (const auto& h : hooks) {
        try {
            run_hook(phase, h, stateJson);
        } catch (const Error& e) {
            spdlog::warn("{}", e.what());
        }
    }
}

}  // namespace berth::hooks

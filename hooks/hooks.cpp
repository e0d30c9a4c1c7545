#include "hooks/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/fault.hpp"
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

// What of a failed hook's output goes into the error message.
constexpr size_t kOutputTail = 1024;

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

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

// The hook's stdin: a pipe that already holds the whole state, its write end
// closed, so the hook reads the state then EOF and we never write to a pipe
// whose reader may be gone (no SIGPIPE, no blocking on a hook that does not
// read). A state too big for any pipe goes in a memory file instead.
UniqueFd state_stdin(std::string_view state) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) throw_errno("pipe");
    UniqueFd readEnd(p[0]), writeEnd(p[1]);
    int capacity = ::fcntl(writeEnd.get(), F_GETPIPE_SZ);
    if (capacity >= 0 && static_cast<size_t>(capacity) < state.size())
        capacity = ::fcntl(writeEnd.get(), F_SETPIPE_SZ, static_cast<int>(std::min<size_t>(state.size(), 1u << 30)));
    if (capacity >= 0 && static_cast<size_t>(capacity) >= state.size() && write_all(writeEnd.get(), state)) {
        ::fcntl(readEnd.get(), F_SETFL, 0);  // the hook gets an ordinary blocking pipe
        return readEnd;
    }
    UniqueFd mem(::memfd_create("hook-state", MFD_CLOEXEC));
    if (!mem) throw_errno("memfd_create");
    if (!write_all(mem.get(), state) || ::lseek(mem.get(), 0, SEEK_SET) != 0) throw_errno("write hook state");
    return mem;
}

// The last kOutputTail bytes the hook wrote to stdout/stderr, one line.
std::string output_tail(int fd) {
    off_t size = ::lseek(fd, 0, SEEK_END);
    if (size <= 0) return {};
    off_t from = std::max<off_t>(0, size - static_cast<off_t>(kOutputTail));
    std::string s(static_cast<size_t>(size - from), '\0');
    ssize_t n = ::pread(fd, s.data(), s.size(), from);
    s.resize(n > 0 ? static_cast<size_t>(n) : 0);
    for (char& c : s)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

// Waits for the hook to exit, for at most timeoutMs (0 = no limit). Past the
// timeout the hook's whole process group is SIGKILLed (a shell script's
// `sleep` must not outlive it). Returns the wait status.
int wait_hook(pid_t pid, int pidfd, long timeoutMs, bool* timedOut) {
    long deadline = timeoutMs > 0 ? now_ms() + timeoutMs : -1;
    for (;;) {
        pollfd p{pidfd, POLLIN, 0};
        int wait = deadline < 0 ? -1 : static_cast<int>(std::max(0L, deadline - now_ms()));
        int n = ::poll(&p, 1, wait);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("poll");
        if (n > 0) break;
        *timedOut = true;
        ::kill(-pid, SIGKILL);  // the hook leads its group; not reaped yet, so the id is still ours
        ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
        break;
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
    UniqueFd in, out;
    try {
        BERTH_FAULT_MARK("hook", what);
        in = state_stdin(stateJson);
        out.reset(::memfd_create("hook-output", MFD_CLOEXEC));
        if (!out) throw_errno("memfd_create");
    } catch (const Error& e) {
        throw e.wrap(what);
    }

    std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
    auto argv = c_strings(args);
    auto envp = c_strings(hook.env);

    // stdin: the state; stdout and stderr: captured (they would otherwise be
    // the container's stdio, or an engine's log); no other fd of ours.
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in.get(), 0);
    posix_spawn_file_actions_adddup2(&fa, out.get(), 1);
    posix_spawn_file_actions_adddup2(&fa, out.get(), 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Hooks start with default signal handling and an empty mask, whatever
    // ours are, in a process group of their own (killed as one on timeout).
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    pid_t pid = -1;
    int err = ::posix_spawn(&pid, hook.path.c_str(), &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (err != 0) throw_errno(what, err);
    in.reset();

    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) {
        int e = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw_errno(what + ": pidfd_open", e);
    }
    bool timedOut = false;
    long timeoutMs = hook.timeout ? *hook.timeout * 1000 : 0;
    int status = wait_hook(pid, pidfd.get(), timeoutMs, &timedOut);

    std::string output = output_tail(out.get());
    std::string suffix = output.empty() ? "" : ": " + output;
    if (timedOut) throw Error(what + ": timed out after " + std::to_string(*hook.timeout) + "s" + suffix, ETIMEDOUT);
    if (WIFSIGNALED(status)) throw Error(what + ": killed by signal " + std::to_string(WTERMSIG(status)) + suffix);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        throw Error(what + ": exit status " + std::to_string(WEXITSTATUS(status)) + suffix);
    if (!output.empty()) spdlog::debug("{}: {}", what, output);
}

bool is_hook_failure(std::string_view message, Phase phase) {
    std::string prefix = std::string(phase_name(phase)) + " hook ";
    return message.substr(0, prefix.size()) == prefix;
}

void run_hooks(Phase phase, const std::vector<spec::Hook>& hooks, std::string_view stateJson) {
    for (const auto& h : hooks) run_hook(phase, h, stateJson);
}

void run_hooks_warn_only(Phase phase, const std::vector<spec::Hook>& hooks, std::string_view stateJson) {
    for (const auto& h : hooks) {
        try {
            run_hook(phase, h, stateJson);
        } catch (const std::exception& e) {
            spdlog::warn("{}", e.what());
        }
    }
}

}  // namespace berth::hooks

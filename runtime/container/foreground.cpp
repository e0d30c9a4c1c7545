#include "runtime/container/foreground.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <optional>

#include "common/error.hpp"

namespace berth::container {

BlockedSignals::BlockedSignals() {
    sigfillset(&set_);
    // Synchronous faults must stay deliverable to berth itself.
    for (int s : {SIGSEGV, SIGBUS, SIGILL, SIGFPE}) sigdelset(&set_, s);
    ::sigprocmask(SIG_BLOCK, &set_, &old_);
}

BlockedSignals::~BlockedSignals() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }

namespace {

// The caller's terminal in raw mode while we relay, restored afterwards.
class RawTerminal {
public:
    explicit RawTerminal(int fd) : fd_(fd) {
        if (!::isatty(fd) || ::tcgetattr(fd, &saved_) < 0) return;
        termios raw = saved_;
        ::cfmakeraw(&raw);
        if (::tcsetattr(fd, TCSANOW, &raw) == 0) active_ = true;
    }
    ~RawTerminal() {
        if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
    }

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

bool pump(int from, int to) {
    char buf[8192];
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n <= 0) return false;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        off += w;
    }
    return true;
}

int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 255;
}

}  // namespace

void copy_terminal_size(int from, int to) {
    winsize ws;
    if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

int wait_in_foreground(pid_t pid, int pidfd, UniqueFd master, const BlockedSignals& blocked) {
    std::optional<RawTerminal> raw;
    if (master) {
        raw.emplace(STDIN_FILENO);
        copy_terminal_size(STDIN_FILENO, master.get());
    }
    UniqueFd sfd(::signalfd(-1, &blocked.set(), SFD_CLOEXEC));
    if (!sfd) throw_errno("signalfd");
    int status = 0;
    bool stdinOpen = true;
    for (bool done = false; !done;) {
        pollfd fds[3] = {{sfd.get(), POLLIN, 0},
                         {master ? master.get() : -1, POLLIN, 0},
                         {master && stdinOpen ? STDIN_FILENO : -1, POLLIN, 0}};
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll");
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!pump(master.get(), STDOUT_FILENO)) master.reset();
        }
        if (fds[2].revents & (POLLIN | POLLHUP)) {
            if (!pump(STDIN_FILENO, master.get())) stdinOpen = false;
        }
        if (!(fds[0].revents & POLLIN)) continue;
        signalfd_siginfo si;
        if (::read(sfd.get(), &si, sizeof si) != sizeof si) continue;
        if (si.ssi_signo == SIGCHLD) {
            int st;
            pid_t r;
            while ((r = ::waitpid(-1, &st, WNOHANG)) > 0) {
                if (r == pid) {
                    status = st;
                    done = true;
                }
            }
        } else if (si.ssi_signo == SIGWINCH) {
            if (master) copy_terminal_size(STDIN_FILENO, master.get());
        } else {
            ::syscall(SYS_pidfd_send_signal, pidfd, si.ssi_signo, nullptr, 0);
        }
    }
    if (master) {  // what the process wrote last
        ::fcntl(master.get(), F_SETFL, O_NONBLOCK);
        while (pump(master.get(), STDOUT_FILENO)) {}
    }
    return exit_code(status);
}

}  // namespace berth::container

// setup_console in a forked child that plays the container: a private mount
// namespace with its own devpts instance mounted on /dev/pts, /dev/ptmx ->
// pts/ptmx. The test receives the pty master over the console socket and
// talks to the child through it, as containerd does. Needs root.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "integration/support/console_receiver.hpp"
#include "runtime/kernel/console.hpp"
#include "runtime/kernel/fd_passing.hpp"

using namespace std::chrono_literals;
using berth::UniqueFd;

namespace {

enum class ConsoleFile { Placeholder, Missing, Symlink };

struct ChildOptions {
    ConsoleFile console = ConsoleFile::Placeholder;
    std::optional<berth::spec::ConsoleSize> size;
    bool setsidFirst = false;
    bool bindDevConsole = true;  // false: as for `exec`
};

// Kills (by pid) and reaps the child if the test ends early.
struct ChildGuard {
    pid_t pid = -1;
    ~ChildGuard() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
    int wait() {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        pid = -1;
        return status;
    }
};

void check(bool ok, const char* what) {
    if (!ok) berth::throw_errno(what);
}

void say(const std::string& s) { berth::test::write_all(1, s); }

// The "container": never returns. Errors go to errFd (the test reads them).
[[noreturn]] void console_child(int sock, int errFd, const ChildOptions& opt) {
    // The pty becomes our controlling terminal: when the test closes the
    // master after the last "got:" line, the kernel hangs us up, and under
    // load that SIGHUP could land before _exit(0) (a raw wait status of 1).
    ::signal(SIGHUP, SIG_IGN);
    try {
        check(::unshare(CLONE_NEWNS) == 0, "unshare(CLONE_NEWNS)");
        check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0, "make / private");
        check(::mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=755") == 0, "mount tmpfs on /dev");
        check(::mkdir("/dev/pts", 0755) == 0, "mkdir /dev/pts");
        check(::mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                      "newinstance,ptmxmode=0666,mode=0620") == 0,
              "mount devpts");
        check(::symlink("pts/ptmx", "/dev/ptmx") == 0, "symlink /dev/ptmx");
        if (opt.console == ConsoleFile::Placeholder) {
            int fd = ::open("/dev/console", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            check(fd >= 0, "create /dev/console");
            ::close(fd);
        } else if (opt.console == ConsoleFile::Symlink) {
            check(::symlink("/dev/pts/ptmx", "/dev/console") == 0, "symlink /dev/console");
        }
        if (opt.setsidFirst) check(::setsid() > 0, "setsid");

        berth::kernel::setup_console(sock, opt.size, opt.bindDevConsole);

        // From here stdio is the pty: report what the test checks.
        struct winsize ws {};
        check(::ioctl(0, TIOCGWINSZ, &ws) == 0, "TIOCGWINSZ");
        say("size=" + std::to_string(ws.ws_row) + "x" + std::to_string(ws.ws_col) + "\n");
        say(std::string("ctty=") + (::tcgetsid(0) == ::getsid(0) && ::getsid(0) == ::getpid() ? "ok" : "bad") + "\n");
        struct stat console {}, in {}, out {}, err {};
        check(::stat("/dev/console", &console) == 0, "stat /dev/console");
        check(::fstat(0, &in) == 0 && ::fstat(1, &out) == 0 && ::fstat(2, &err) == 0, "fstat stdio");
        if (opt.bindDevConsole)
            say(std::string("console=") + (S_ISCHR(console.st_mode) && console.st_rdev == in.st_rdev ? "ok" : "bad") +
                "\n");
        else
            say(std::string("console=") + (S_ISREG(console.st_mode) ? "untouched" : "bad") + "\n");
        say(std::string("stdio=") + (in.st_rdev == out.st_rdev && out.st_rdev == err.st_rdev ? "ok" : "bad") + "\n");
        // Neither the master nor the socket may stay open in the container.
        say(std::string("sock=") + (::fcntl(sock, F_GETFD) < 0 ? "closed" : "open") + "\n");
        int openFds = 0;
        for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
            char target[256] = {};
            if (::readlink(e.path().c_str(), target, sizeof target - 1) > 0 && std::strstr(target, "ptmx")) ++openFds;
        }
        say("ptmx-fds=" + std::to_string(openFds) + "\n");
        say("ready\n");
        char line[128] = {};
        ssize_t n = ::read(0, line, sizeof line - 1);
        std::string got(line, n > 0 ? static_cast<size_t>(n) : 0);
        while (!got.empty() && (got.back() == '\n' || got.back() == '\r')) got.pop_back();
        say("got:" + got + "\n");
        ::_exit(0);
    } catch (const std::exception& e) {
        std::string msg = e.what();
        (void)!::write(errFd, msg.data(), msg.size());
        ::_exit(1);
    }
}

struct Outcome {
    int status = -1;
    std::string error;  // what the child reported, if it failed
};

// Forks the child with `sock` as its console socket; `receive` runs in the
// test process meanwhile and gets the master.
template <typename Receive>
Outcome run_console_child(UniqueFd sock, const ChildOptions& opt, Receive receive) {
    int errPipe[2];
    REQUIRE(::pipe2(errPipe, O_CLOEXEC) == 0);
    UniqueFd errRead(errPipe[0]), errWrite(errPipe[1]);
    ChildGuard child;
    child.pid = ::fork();
    REQUIRE(child.pid >= 0);
    if (child.pid == 0) console_child(sock.release(), errWrite.get(), opt);
    sock.reset();
    errWrite.reset();
    receive();
    Outcome o;
    o.status = child.wait();
    char buf[1024];
    ssize_t n;
    while ((n = ::read(errRead.get(), buf, sizeof buf)) > 0) o.error.append(buf, static_cast<size_t>(n));
    return o;
}

// Talks to the child through the master and checks its report.
void converse(int master, const std::string& expectSize, const std::string& expectConsole = "ok") {
    std::string out = berth::test::read_until(master, "ready", 10s);
    CHECK(out.find("size=" + expectSize) != std::string::npos);
    CHECK(out.find("ctty=ok") != std::string::npos);
    CHECK(out.find("console=" + expectConsole) != std::string::npos);
    CHECK(out.find("stdio=ok") != std::string::npos);
    CHECK(out.find("sock=closed") != std::string::npos);
    CHECK(out.find("ptmx-fds=0") != std::string::npos);
    INFO(out);
    berth::test::write_all(master, "hello\n");
    std::string reply = berth::test::read_until(master, "got:hello", 10s);
    CHECK(reply.find("got:hello") != std::string::npos);
}

std::string make_temp_dir() {
    char tmpl[] = "/tmp/berth-console-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    return tmpl;
}

struct TempDir {
    std::string path = make_temp_dir();
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

}  // namespace

TEST_CASE("console over a socketpair: master received, size set, slave is stdio and ctty", "[console]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    UniqueFd ours(sv[0]);
    ChildOptions opt;
    opt.size = berth::spec::ConsoleSize{30, 100};
    auto o = run_console_child(UniqueFd(sv[1]), opt, [&] {
        std::string name;
        UniqueFd master = berth::kernel::recv_fd(ours.get(), &name);
        CHECK(name == "/dev/ptmx");
        struct winsize ws {};
        REQUIRE(::ioctl(master.get(), TIOCGWINSZ, &ws) == 0);
        CHECK(ws.ws_row == 30);
        CHECK(ws.ws_col == 100);
        CHECK((::fcntl(master.get(), F_GETFD) & FD_CLOEXEC) != 0);
        converse(master.get(), "30x100");
    });
    INFO(o.error);
    CHECK(o.status == 0);
}

TEST_CASE("console over a listening unix socket, as with --console-socket", "[console]") {
    TempDir dir;
    berth::test::ConsoleReceiver receiver(dir.path + "/console.sock");
    // The runtime connects before clone and hands the fd to the child.
    UniqueFd sock = berth::kernel::connect_console_socket(receiver.path());
    CHECK((::fcntl(sock.get(), F_GETFD) & FD_CLOEXEC) != 0);
    ChildOptions opt;
    opt.console = ConsoleFile::Missing;  // created by setup_console
    opt.setsidFirst = true;              // already a session leader: fine
    auto o = run_console_child(std::move(sock), opt, [&] {
        std::string name;
        UniqueFd master = receiver.accept_master(10s, &name);
        CHECK(name == "/dev/ptmx");
        converse(master.get(), "0x0");  // no consoleSize: the kernel default
    });
    INFO(o.error);
    CHECK(o.status == 0);
}

TEST_CASE("without bindDevConsole (exec) /dev/console is left alone", "[console]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    UniqueFd ours(sv[0]);
    ChildOptions opt;
    opt.bindDevConsole = false;
    opt.size = berth::spec::ConsoleSize{24, 80};
    auto o = run_console_child(UniqueFd(sv[1]), opt, [&] {
        UniqueFd master = berth::kernel::recv_fd(ours.get());
        converse(master.get(), "24x80", "untouched");
    });
    INFO(o.error);
    CHECK(o.status == 0);
}

TEST_CASE("a /dev/console symlink is refused", "[console]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    UniqueFd ours(sv[0]);
    ChildOptions opt;
    opt.console = ConsoleFile::Symlink;
    auto o = run_console_child(UniqueFd(sv[1]), opt, [] {});
    CHECK(o.status != 0);
    CHECK(o.error == "/dev/console is a symlink");
    // Nothing was sent: the child's end closed without a message.
    try {
        berth::kernel::recv_fd(ours.get());
        FAIL("received an fd");
    } catch (const berth::Error& e) {
        CHECK(std::string(e.what()) == "receive fd: connection closed by peer");
    }
}

TEST_CASE("connecting to console sockets: long paths, missing sockets", "[console]") {
    TempDir dir;
    // A path longer than sun_path (108 bytes).
    std::string deep = dir.path;
    while (deep.size() < 120) deep += "/a-fairly-long-directory-name";
    std::filesystem::create_directories(deep);
    berth::test::ConsoleReceiver receiver(deep + "/console.sock");
    REQUIRE(receiver.path().size() > 108);
    UniqueFd sock = berth::kernel::connect_console_socket(receiver.path());

    // Send something over it and receive it on the listening side.
    int pipeFds[2];
    REQUIRE(::pipe2(pipeFds, O_CLOEXEC) == 0);
    UniqueFd r(pipeFds[0]), w(pipeFds[1]);
    berth::kernel::send_fd(sock.get(), w.get(), "pipe-writer");
    std::string name;
    UniqueFd got = receiver.accept_master(5s, &name);
    CHECK(name == "pipe-writer");
    berth::test::write_all(got.get(), "x");
    char c = 0;
    CHECK(::read(r.get(), &c, 1) == 1);
    CHECK(c == 'x');

    try {
        berth::kernel::connect_console_socket(dir.path + "/nosuch.sock");
        FAIL("connected");
    } catch (const berth::Error& e) {
        CHECK(std::string(e.what()) == "connect console socket " + dir.path + "/nosuch.sock: no such file or directory");
    }
}

// The exec trampoline (CVE-2019-5736): the embedded program, its sealed
// memfd, and what it does when run — in forked children, no root needed.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "runtime/kernel/exec_trampoline.hpp"

using namespace berth;
using namespace berth::kernel;

namespace {

struct Outcome {
    int status = -1;        // exit status, or 128+signal
    std::string report;     // what reached the report fd
    std::string out;        // the program's stdout
};

// Forks; the child runs `e` through the trampoline with its stdout and the
// report fd on pipes. The parent collects both and the exit status.
Outcome run_through_trampoline(TrampolineExec e) {
    int rep[2], out[2];
    REQUIRE(::pipe2(rep, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    for (auto& v : e.env)  // "@REPORT@" names the report fd's number
        if (auto at = v.find("@REPORT@"); at != std::string::npos) v.replace(at, 8, std::to_string(rep[1]));
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(out[1], 1);
        try {
            UniqueFd t = open_exec_trampoline();
            e.trampoline = t.get();
            e.reportFd = rep[1];
            exec_through_trampoline(e);
        } catch (...) {
        }
        ::_exit(99);
    }
    ::close(rep[1]);
    ::close(out[1]);
    Outcome o;
    char buf[4096];
    for (ssize_t n; (n = ::read(rep[0], buf, sizeof buf)) > 0;) o.report.append(buf, static_cast<size_t>(n));
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) o.out.append(buf, static_cast<size_t>(n));
    ::close(rep[0]);
    ::close(out[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    o.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return o;
}

struct TempFile {
    std::string path;
    TempFile(const std::string& content, mode_t mode) {
        char tmpl[] = "/tmp/berth-trampoline-XXXXXX";
        int fd = ::mkstemp(tmpl);
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
        ::fchmod(fd, mode);
        ::close(fd);
        path = tmpl;
    }
    ~TempFile() { ::unlink(path.c_str()); }
};

}  // namespace

TEST_CASE("the embedded trampoline is a small static ELF executable", "[trampoline]") {
    std::string_view image = exec_trampoline_image();
    REQUIRE(image.size() > 64);
    CHECK(image.substr(0, 4) == std::string_view("\x7f" "ELF", 4));
    CHECK(image[16] == 2);          // e_type ET_EXEC: static, not PIE, no interpreter
    CHECK(image.size() < 16 * 1024);  // a few KiB: no copy of berth per container
}

TEST_CASE("the trampoline's memfd is sealed against writes", "[trampoline]") {
    UniqueFd fd = open_exec_trampoline();
    REQUIRE(fd);
    int seals = ::fcntl(fd.get(), F_GET_SEALS);
    CHECK((seals & F_SEAL_WRITE) != 0);
    CHECK((seals & F_SEAL_SHRINK) != 0);
    CHECK((seals & F_SEAL_GROW) != 0);
    CHECK((seals & F_SEAL_SEAL) != 0);
    CHECK(::write(fd.get(), "x", 1) < 0);
    CHECK(::ftruncate(fd.get(), 0) < 0);
    // Not even through a new open of /proc/self/fd/N.
    std::string path = "/proc/self/fd/" + std::to_string(fd.get());
    UniqueFd again(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (again) CHECK(::write(again.get(), "x", 1) < 0);
    CHECK((::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE("the trampoline runs the program with its argv and env", "[trampoline]") {
    TrampolineExec e;
    e.path = "/bin/sh";
    e.argv = {"sh", "-c", "echo \"$0 $1 $GREETING\"", "zero", "one"};
    e.env = {"GREETING=hello", "PATH=/usr/bin:/bin"};
    Outcome o = run_through_trampoline(e);
    CHECK(o.status == 0);
    CHECK(o.out == "zero one hello\n");
    CHECK(o.report.empty());  // success: the report fd was closed by the final execve
}

TEST_CASE("the program does not inherit the report fd", "[trampoline]") {
    TrampolineExec e;
    e.path = "/bin/sh";
    e.argv = {"sh", "-c", "if [ -e /proc/self/fd/$FD ]; then echo open; else echo closed; fi"};
    e.env = {"FD=@REPORT@"};
    Outcome o = run_through_trampoline(e);
    CHECK(o.status == 0);
    CHECK(o.out == "closed\n");
}

TEST_CASE("a program that cannot be exec'd is reported through the report fd", "[trampoline]") {
    TempFile notElf("this is not a program\n", 0755);
    TrampolineExec e;
    e.path = notElf.path;
    e.argv = {"x"};
    Outcome o = run_through_trampoline(e);
    CHECK(o.status == 127);
    CHECK(o.report == "berth-exec-failed 8 exec " + notElf.path);
    CHECK(describe_exec_report(o.report) == "exec " + notElf.path + ": exec format error");
}

TEST_CASE("an attribute write that fails is reported and nothing runs", "[trampoline]") {
    TrampolineExec e;
    e.path = "/bin/echo";
    e.argv = {"echo", "ran"};
    e.attrs = {{"/nonexistent/attr/exec", "value"}};
    Outcome o = run_through_trampoline(e);
    CHECK(o.status == 127);
    CHECK(o.out.empty());
    CHECK(describe_exec_report(o.report) == "set /nonexistent/attr/exec to \"value\": no such file or directory");
}

TEST_CASE("attributes are written before the program runs", "[trampoline]") {
    TempFile attr("", 0644);
    TrampolineExec e;
    e.path = "/bin/cat";
    e.argv = {"cat", attr.path};
    e.attrs = {{attr.path, "exec some-profile"}};
    Outcome o = run_through_trampoline(e);
    CHECK(o.status == 0);
    CHECK(o.out == "exec some-profile");
}

TEST_CASE("a program of /proc/self/exe runs the trampoline again, never berth", "[trampoline]") {
    // At the final execve /proc/self/exe is the sealed memfd: run again with
    // the program's argv (not the trampoline's layout), it exits 127 at once.
    TrampolineExec e;
    e.path = "/proc/self/exe";
    e.argv = {"/proc/self/exe", "--version"};
    Outcome o = run_through_trampoline(e);
    CHECK(o.status == 127);
    CHECK(o.out.empty());
    CHECK(o.report.empty());
}

TEST_CASE("reports that are not the trampoline's are passed through", "[trampoline]") {
    CHECK(describe_exec_report("chdir to cwd: no such file or directory") == "chdir to cwd: no such file or directory");
    CHECK(describe_exec_report("berth-exec-failed x exec /a") == "berth-exec-failed x exec /a");
    CHECK(describe_exec_report("berth-exec-failed 2 exec /bin/x") == "exec /bin/x: no such file or directory");
}

// Checks of kernel-side state: namespaces, id mappings, time offsets,
// sysctls, cgroup membership and limits (by behaviour: fork until the pids
// limit, allocate past the memory limit), seccomp (a syscall's errno or the
// signal that ends it).
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checker.hpp"

namespace checker {
namespace {

// Collapses blanks: "0   100000  65536" -> "0 100000 65536"; lines joined by ';'.
std::string normalize(const std::string& text) {
    std::string out;
    for (const auto& line : split(trim(text), '\n')) {
        std::string l;
        bool blank = false;
        for (char c : trim(line)) {
            if (c == ' ' || c == '\t') {
                blank = true;
                continue;
            }
            if (blank && !l.empty()) l += ' ';
            blank = false;
            l += c;
        }
        if (l.empty()) continue;
        out += (out.empty() ? "" : ";") + l;
    }
    return out;
}

Outcome check_ns(const std::vector<std::string>& a) {
    if (a.size() != 3) return fail("ns needs TYPE same|differ LINK");
    char buf[256];
    std::string path = "/proc/self/ns/" + a[0];
    ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
    if (n < 0) return fail("readlink " + path + ": " + errno_name(errno));
    std::string got(buf, static_cast<size_t>(n));
    bool same = got == a[2];
    if (same == (a[1] == "same")) return pass(a[0] + " namespace " + got + (same ? " is " : " differs from ") + a[2]);
    return fail(a[0] + " namespace " + got + (same ? " is the same as " : " differs from ") + a[2] + ", expected " + a[1]);
}

Outcome check_cgroup_path(const std::vector<std::string>& a) {
    if (a.size() != 2) return fail("cgroup_path needs CONTROLLER PATH");
    auto text = read_file("/proc/self/cgroup");
    if (!text) return fail("read /proc/self/cgroup: " + errno_name(errno));
    for (const auto& line : split(*text, '\n')) {
        auto f = split(line, ':');
        if (f.size() < 3) continue;
        bool match = a[0] == "unified" ? (f[0] == "0" && f[1].empty()) : false;
        for (const auto& c : split(f[1], ','))
            if (c == a[0]) match = true;
        if (!match) continue;
        std::string got = line.substr(f[0].size() + f[1].size() + 2);
        if (got == a[1]) return pass(a[0] + " cgroup " + got);
        return fail(a[0] + " cgroup is " + got + ", expected " + a[1]);
    }
    return fail("no " + a[0] + " line in /proc/self/cgroup: " + normalize(*text));
}

Outcome check_pids_limit(const std::string& limit_text) {
    long limit = std::atol(limit_text.c_str());
    std::vector<pid_t> children;
    int err = 0;
    for (long i = 0; i < limit + 5; ++i) {
        pid_t p = fork();
        if (p == 0) {
            pause();
            _exit(0);
        }
        if (p < 0) {
            err = errno;
            break;
        }
        children.push_back(p);
    }
    for (pid_t p : children) kill(p, SIGKILL);
    for (pid_t p : children) waitpid(p, nullptr, 0);
    std::string forks = std::to_string(children.size());
    if (err == 0) return fail(forks + " forks succeeded with pids limit " + limit_text);
    if (err != EAGAIN) return fail("fork failed with " + errno_name(err) + " after " + forks + " children, expected EAGAIN");
    if (static_cast<long>(children.size()) >= limit) return fail(forks + " children besides this process with pids limit " + limit_text);
    return pass("fork failed with EAGAIN after " + forks + " children (limit " + limit_text + ")");
}

Outcome check_oom(const std::string& mib_text) {
    size_t mib = std::strtoul(mib_text.c_str(), nullptr, 10);
    pid_t p = fork();
    if (p == 0) {
        size_t size = mib << 20;
        void* mem = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED) _exit(2);
        auto* bytes = static_cast<volatile char*>(mem);
        for (size_t off = 0; off < size; off += 4096) bytes[off] = 1;
        _exit(0);
    }
    if (p < 0) return fail(std::string("fork: ") + errno_name(errno));
    int status = 0;
    waitpid(p, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) return pass("touching " + mib_text + " MiB: killed by SIGKILL");
    if (WIFSIGNALED(status)) return fail("touching " + mib_text + " MiB: killed by signal " + std::to_string(WTERMSIG(status)));
    return fail("touching " + mib_text + " MiB: exited " + std::to_string(WEXITSTATUS(status)) + ", expected the OOM killer");
}

// Runs one system call by name; returns 0 or the errno.
int run_syscall(const std::string& spec) {
    auto f = split(spec, ':');
    const std::string& name = f[0];
    long arg = f.size() > 1 ? std::strtol(f[1].c_str(), nullptr, 0) : 0;
    long r = -1;
    errno = ENOSYS;
    if (name == "getpriority") {
        r = syscall(SYS_getpriority, arg, 0);
    } else if (name == "mkdir") {
        r = syscall(SYS_mkdir, "/tmp/.conformance-seccomp", 0700);
        if (r == 0) rmdir("/tmp/.conformance-seccomp");
    } else if (name == "chmod") {
        r = syscall(SYS_chmod, "/tmp", 01777);
    } else if (name == "acct") {
        r = syscall(SYS_acct, nullptr);
    } else if (name == "getcwd") {
        char buf[256];
        r = syscall(SYS_getcwd, buf, sizeof buf);
    } else if (name == "uname") {
        char buf[512];
        r = syscall(SYS_uname, buf);
    } else if (name == "setns_none") {
        r = syscall(SYS_setns, -1, 0);  // EBADF when allowed
    }
    return r < 0 ? errno : 0;
}

// syscall NAME[:ARG] EXPECT where EXPECT is OK, an errno name, or SIGSYS/SIGKILL.
Outcome check_syscall(const std::vector<std::string>& a) {
    if (a.size() != 2) return fail("syscall needs NAME EXPECT");
    pid_t p = fork();
    if (p == 0) _exit(run_syscall(a[0]) & 0xff);
    if (p < 0) return fail(std::string("fork: ") + errno_name(errno));
    int status = 0;
    waitpid(p, &status, 0);
    std::string got = WIFSIGNALED(status)   ? (WTERMSIG(status) == SIGSYS ? "SIGSYS" : WTERMSIG(status) == SIGKILL ? "SIGKILL" : "signal " + std::to_string(WTERMSIG(status)))
                                            : errno_name(WEXITSTATUS(status));
    std::string want = a[1];
    if (int n = errno_from_name(want); n >= 0) want = errno_name(n);
    if (got == want) return pass(a[0] + ": " + got);
    return fail(a[0] + " gave " + got + ", expected " + want);
}

}  // namespace

std::optional<Outcome> check_kernel(const Expectation& e) {
    const auto& k = e.kind;
    const auto& a = e.args;
    auto arg = [&](size_t i) { return i < a.size() ? a[i] : std::string(); };
    if (k == "ns") return check_ns(a);
    if (k == "idmap") {
        auto text = read_file("/proc/self/" + arg(0) + "_map");
        if (!text) return fail("read /proc/self/" + arg(0) + "_map: " + errno_name(errno));
        std::string got = normalize(*text);
        if (got == arg(1)) return pass(arg(0) + "_map " + got);
        return fail(arg(0) + "_map is '" + got + "', expected '" + arg(1) + "'");
    }
    if (k == "timens_offset") {
        auto text = read_file("/proc/self/timens_offsets");
        if (!text) return fail("read /proc/self/timens_offsets: " + errno_name(errno));
        for (const auto& line : split(normalize(*text), ';')) {
            auto f = split(line, ' ');
            if (f.size() == 3 && f[0] == arg(0)) {
                if (f[1] == arg(1) && f[2] == arg(2)) return pass(line);
                return fail(arg(0) + " offset is " + f[1] + "s " + f[2] + "ns, expected " + arg(1) + "s " + arg(2) + "ns");
            }
        }
        return fail("no " + arg(0) + " in /proc/self/timens_offsets: " + normalize(*text));
    }
    if (k == "sysctl") {
        std::string path = "/proc/sys/" + arg(0);
        for (auto& c : path)
            if (c == '.') c = '/';
        auto text = read_file(path);
        if (!text) return fail("read " + path + ": " + errno_name(errno));
        std::string got = normalize(*text);
        if (got == normalize(arg(1))) return pass(arg(0) + " = " + got);
        return fail(arg(0) + " is '" + got + "', expected '" + arg(1) + "'");
    }
    if (k == "cgroup_path") return check_cgroup_path(a);
    if (k == "pids_limit") return check_pids_limit(arg(0));
    if (k == "oom") return check_oom(arg(0));
    if (k == "syscall") return check_syscall(a);
    return std::nullopt;
}

}  // namespace checker

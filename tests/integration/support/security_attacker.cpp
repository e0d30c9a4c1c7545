// The in-container attacker (see security_attacker.hpp). Plain syscalls and
// std::string only: it runs from a static initializer, before main.
#include "integration/support/security_attacker.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace berth::security_test {
namespace {

std::string err_name(int e) {
    switch (e) {
        case EACCES: return "EACCES";
        case EPERM: return "EPERM";
        case ENOENT: return "ENOENT";
        case ETXTBSY: return "ETXTBSY";
        case EROFS: return "EROFS";
        case ESRCH: return "ESRCH";
        case ENOTDIR: return "ENOTDIR";
        default: return "errno" + std::to_string(e);
    }
}

double now() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

bool exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

std::string link_of(const std::string& p) {
    char buf[4096];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    return n < 0 ? "?" + err_name(errno) : std::string(buf, static_cast<size_t>(n));
}

class Report {
public:
    explicit Report(const std::string& path)
        : fd_(path.empty() ? 1 : ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {}
    void line(const std::string& s) const {
        std::string l = s + "\n";
        [[maybe_unused]] ssize_t n = ::write(fd_, l.data(), l.size());
    }

private:
    int fd_;
};

std::vector<int> pids() {
    std::vector<int> out;
    if (DIR* d = ::opendir("/proc")) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] >= '1' && e->d_name[0] <= '9') out.push_back(std::atoi(e->d_name));
        ::closedir(d);
    }
    return out;
}

struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    bool operator<(const FileId& o) const { return dev != o.dev ? dev < o.dev : ino < o.ino; }
    bool operator==(const FileId& o) const { return dev == o.dev && ino == o.ino; }
};

FileId id_of(int fd) {
    struct stat st {};
    ::fstat(fd, &st);
    return {st.st_dev, st.st_ino};
}

FileId target_id() {
    const char* t = std::getenv(kTargetEnv);
    FileId id;
    if (!t) return id;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(t, "%llu:%llu", &dev, &ino) == 2) id = {static_cast<dev_t>(dev), static_cast<ino_t>(ino)};
    return id;
}

// Writes the marker into fd when it is the target; true if it wrote.
bool pwn(int fd, const FileId& target) {
    if (!(id_of(fd) == target)) return false;
    static const char marker[] = "PWNED";
    return ::pwrite(fd, marker, sizeof marker - 1, 0) == static_cast<ssize_t>(sizeof marker - 1);
}

int watch(const std::string& reportPath, const std::string& done, const std::string& fifo) {
    Report report(reportPath);
    const FileId target = target_id();
    FileId self{};
    {
        int fd = ::open("/proc/self/exe", O_PATH | O_CLOEXEC);
        self = id_of(fd);
        ::close(fd);
    }
    report.line("ready");
    std::map<int, std::string> lastSeen;  // pid -> last result reported
    std::vector<int> held;
    std::set<FileId> heldIds;
    long scans = 0;
    while (!exists(done)) {
        const int me = ::getpid();
        for (int pid : pids()) {
            if (pid == me) continue;
            const std::string exe = "/proc/" + std::to_string(pid) + "/exe";
            int w = ::open(exe.c_str(), O_WRONLY | O_CLOEXEC);
            if (w >= 0) {
                report.line("write-open " + std::to_string(pid) + " " + link_of(exe));
                if (pwn(w, target)) report.line("wrote write-open " + std::to_string(pid));
                ::close(w);
            }
            int p = ::open(exe.c_str(), O_PATH | O_CLOEXEC);
            std::string result = p >= 0 ? "ok" : err_name(errno);
            if (lastSeen[pid] != result) {
                lastSeen[pid] = result;
                report.line("seen " + std::to_string(pid) + " " + result);
            }
            if (p < 0) continue;
            FileId id = id_of(p);
            if (id == self || heldIds.count(id) || !(id == target)) {
                ::close(p);
                continue;
            }
            heldIds.insert(id);
            held.push_back(p);
            report.line("held " + std::to_string(pid) + " " + link_of(exe));
        }
        ++scans;
    }
    report.line("scans " + std::to_string(scans));
    int fifoFd = -1;
    if (!fifo.empty()) fifoFd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    // The berth images released from the fifo exit; then nothing executes the
    // file any more and ETXTBSY no longer protects it.
    std::map<int, std::string> lastError;
    const double until = now() + 3;
    bool wrote = false;
    while (!held.empty() && !wrote && now() < until) {
        char drain[4096];
        if (fifoFd >= 0) while (::read(fifoFd, drain, sizeof drain) > 0) {}
        for (int fd : held) {
            const std::string path = "/proc/self/fd/" + std::to_string(fd);
            int w = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
            if (w < 0) {
                lastError[fd] = err_name(errno);
                continue;
            }
            if (pwn(w, target)) {
                report.line("wrote reopen " + std::to_string(fd));
                wrote = true;
            }
            ::close(w);
        }
        ::usleep(20000);
    }
    for (const auto& [fd, e] : lastError)
        if (!wrote) report.line("reopen-failed " + e);
    report.line("end");
    return 0;
}

std::string try_result(int rc, const std::string& detail = {}) {
    if (rc < 0) return err_name(errno);
    return detail.empty() ? "ok" : "ok " + detail;
}

int probe(const std::string& pidText) {
    Report out("");
    const std::string base = "/proc/" + pidText;
    char buf[4096];
    ssize_t n = ::readlink((base + "/exe").c_str(), buf, sizeof buf - 1);
    out.line("exe-link " + try_result(static_cast<int>(n), n > 0 ? std::string(buf, static_cast<size_t>(n)) : ""));
    int fd = ::open((base + "/exe").c_str(), O_PATH | O_CLOEXEC);
    out.line("exe-open " + try_result(fd));
    if (fd >= 0) ::close(fd);
    fd = ::open((base + "/environ").c_str(), O_RDONLY | O_CLOEXEC);
    int r = fd < 0 ? -1 : static_cast<int>(::read(fd, buf, sizeof buf));
    out.line("environ " + try_result(r));
    if (fd >= 0) ::close(fd);
    // Listing /proc/<pid>/fd is allowed to its owner; following an entry is
    // what needs ptrace access.
    std::string fdResult = "none";
    if (DIR* d = ::opendir((base + "/fd").c_str())) {
        while (dirent* e = ::readdir(d)) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
            const std::string entry = base + "/fd/" + e->d_name;
            int f = ::open(entry.c_str(), O_PATH | O_CLOEXEC);
            if (f >= 0) {
                fdResult = "ok " + std::string(e->d_name) + " " + link_of(entry);
                ::close(f);
                break;
            }
            fdResult = err_name(errno);
        }
        ::closedir(d);
    } else {
        fdResult = err_name(errno);
    }
    out.line("fd-open " + fdResult);
    fd = ::open((base + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
    out.line("mem " + try_result(fd));
    if (fd >= 0) ::close(fd);
    return 0;
}

int swap(const std::string& reportPath, const std::string& dir, const std::string& a, const std::string& b,
         const std::string& done) {
    Report report(reportPath);
    int dfd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return 2;
    long swaps = 0;
    while (!exists(done)) {
        for (int i = 0; i < 256; ++i)
            if (::syscall(SYS_renameat2, dfd, a.c_str(), dfd, b.c_str(), 2 /* RENAME_EXCHANGE */) == 0) ++swaps;
    }
    report.line("swaps " + std::to_string(swaps));
    return swaps > 0 ? 0 : 3;
}

int fds() {
    Report out("");
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return 2;
    const int own = ::dirfd(d);
    std::vector<int> found;
    while (dirent* e = ::readdir(d))
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && std::atoi(e->d_name) != own)
            found.push_back(std::atoi(e->d_name));
    ::closedir(d);
    for (int fd : found) out.line(std::to_string(fd) + " " + link_of("/proc/self/fd/" + std::to_string(fd)));
    return 0;
}

std::vector<std::string> own_args() {
    std::vector<std::string> args;
    int fd = ::open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return args;
    std::string all;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) all.append(buf, static_cast<size_t>(n));
    ::close(fd);
    size_t start = 0;
    for (size_t i = 0; i < all.size(); ++i)
        if (all[i] == '\0') {
            args.push_back(all.substr(start, i - start));
            start = i + 1;
        }
    return args;
}

}  // namespace

void run_attacker_if_requested() {
    if (!std::getenv(kAttackerEnv)) return;
    auto a = own_args();
    auto arg = [&](size_t i) { return i < a.size() ? a[i] : std::string(); };
    const std::string mode = arg(1);
    int rc = 2;
    if (mode == "watch") rc = watch(arg(2), arg(3), arg(4));
    else if (mode == "probe") rc = probe(arg(2));
    else if (mode == "swap") rc = swap(arg(2), arg(3), arg(4), arg(5), arg(6));
    else if (mode == "fds") rc = fds();
    else Report("").line("attacker: unknown mode \"" + mode + "\"");
    ::_exit(rc);
}

}  // namespace berth::security_test

// Helpers for the lifecycle integration tests (see lifecycle_support.hpp).
#include "integration/support/lifecycle_support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "common/error.hpp"

extern char** environ;

namespace berth::test {

namespace {

int decode(int wstatus) {
    if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
    return -1;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

MemFile::MemFile(const char* name) : fd_(::memfd_create(name, MFD_CLOEXEC)) {
    if (!fd_) throw_errno(std::string("memfd_create ") + name);
}

std::string MemFile::text() const {
    std::string out;
    char buf[8192];
    off_t off = 0;
    for (;;) {
        ssize_t n = ::pread(fd_.get(), buf, sizeof buf, off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
        off += n;
    }
    return out;
}

Background::Background(const std::vector<std::string>& argv, const SpawnOptions& o) {
    if (argv.empty()) throw std::invalid_argument("Background: empty argv");
    ownOut_ = o.out < 0;
    ownErr_ = o.err < 0;
    UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
    std::vector<std::pair<int, int>> plan = {{0, o.in >= 0 ? o.in : devnull.get()},
                                             {1, ownOut_ ? out_.fd() : o.out},
                                             {2, ownErr_ ? err_.fd() : o.err}};
    plan.insert(plan.end(), o.fds.begin(), o.fds.end());
    std::vector<std::string> args = argv;
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
    for (const auto& kv : o.env) {
        auto key = kv.substr(0, kv.find('=') + 1);
        std::erase_if(env, [&](const std::string& e) { return e.compare(0, key.size(), key) == 0; });
        env.push_back(kv);
    }
    std::vector<char*> cenv;
    for (auto& e : env) cenv.push_back(e.data());
    cenv.push_back(nullptr);
    const char* cwd = o.cwd.empty() ? nullptr : o.cwd.c_str();

    std::vector<int> high(plan.size(), -1);  // no allocation after fork (the test may have threads)

    pid_ = ::fork();
    if (pid_ < 0) throw_errno("fork");
    if (pid_ == 0) {
        // Move every source fd above the targets first, so a dup2 never clobbers a later source.
        for (size_t i = 0; i < plan.size(); ++i) high[i] = ::fcntl(plan[i].second, F_DUPFD_CLOEXEC, 100);
        for (size_t i = 0; i < plan.size(); ++i) {
            if (high[i] < 0 || ::dup2(high[i], plan[i].first) < 0) ::_exit(126);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
        if (cwd && ::chdir(cwd) < 0) ::_exit(126);
        ::execve(cargs[0], cargs.data(), cenv.data());
        ::_exit(127);
    }
}

Background::~Background() {
    if (reaped_) return;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
}

bool Background::exited() {
    if (reaped_) return true;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        reaped_ = true;
        status_ = decode(st);
    }
    return reaped_;
}

void Background::signal(int sig) const {
    if (!reaped_) ::kill(pid_, sig);
}

CommandResult Background::wait(int timeoutSec) {
    CommandResult r;
    if (!wait_for([&] { return exited(); }, timeoutSec * 1000)) {
        ::kill(pid_, SIGKILL);
        int st = 0;
        while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
        status_ = decode(st);
        r.timedOut = true;
    }
    r.status = status_;
    if (ownOut_) r.out = out_.text();
    if (ownErr_) r.err = err_.text();
    return r;
}

CommandResult run_berth(const TestRoot& root, const std::vector<std::string>& args, const SpawnOptions& o,
                        int timeoutSec) {
    std::vector<std::string> argv{BERTH_BINARY, "--root", root.path()};
    argv.insert(argv.end(), args.begin(), args.end());
    Background b(argv, o);
    return b.wait(timeoutSec);
}

nlohmann::json state_json(const TestRoot& root, const std::string& id) {
    auto r = root.run({"state", id});
    if (r.status != 0) throw std::runtime_error("state " + id + " failed (" + std::to_string(r.status) + "): " + r.err);
    return nlohmann::json::parse(r.out);
}

std::string status_of(const TestRoot& root, const std::string& id) {
    auto r = root.run({"state", id});
    if (r.status != 0) return "";
    try {
        return nlohmann::json::parse(r.out).value("status", "");
    } catch (const std::exception&) {
        return "";
    }
}

bool wait_status(const TestRoot& root, const std::string& id, const std::string& want, int timeoutMs) {
    return wait_for([&] { return status_of(root, id) == want; }, timeoutMs);
}

std::vector<pid_t> processes_with_argument(const std::string& arg) {
    std::vector<pid_t> pids;
    DIR* d = ::opendir("/proc");
    if (!d) return pids;
    const pid_t self = ::getpid();
    while (dirent* e = ::readdir(d)) {
        char* end = nullptr;
        long pid = std::strtol(e->d_name, &end, 10);
        if (pid <= 0 || *end || pid == self) continue;
        std::string cmd = slurp("/proc/" + std::string(e->d_name) + "/cmdline");
        bool hit = false;
        for (size_t a = 0; a < cmd.size() && !hit;) {
            size_t z = cmd.find('\0', a);
            if (z == std::string::npos) z = cmd.size();
            hit = cmd.compare(a, z - a, arg) == 0;
            a = z + 1;
        }
        if (hit && process_alive(static_cast<pid_t>(pid))) pids.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(d);
    return pids;
}

std::vector<std::string> leftovers(const TestRoot& root, const TestBundle& bundle, const std::string& id) {
    std::vector<std::string> found;
    struct stat st;
    if (!id.empty() && ::lstat((root.path() + "/" + id).c_str(), &st) == 0)
        found.push_back("state dir " + root.path() + "/" + id);
    if (!bundle.cgroups_path().empty() && cgroup_exists_anywhere(bundle.cgroups_path()))
        found.push_back("cgroup " + bundle.cgroups_path());
    for (const auto& m : mounts_mentioning(bundle.dir)) found.push_back("mount " + m);
    if (bundle.rootfs().rfind(bundle.dir, 0) != 0)
        for (const auto& m : mounts_mentioning(bundle.rootfs())) found.push_back("mount " + m);
    if (!id.empty())
        for (pid_t p : processes_with_argument(id)) found.push_back("process " + std::to_string(p));
    return found;
}

std::string describe_leftovers(const TestRoot& root, const TestBundle& bundle, const std::string& id) {
    std::string text;
    for (const auto& l : leftovers(root, bundle, id)) text += l + "\n";
    return text;
}

NetnsGuard::NetnsGuard(std::string name) : name_(std::move(name)) {
    auto r = run_command({"ip", "netns", "add", name_});
    if (r.status != 0) throw std::runtime_error("ip netns add " + name_ + ": " + r.err);
}

NetnsGuard::~NetnsGuard() {
    auto r = run_command({"ip", "netns", "delete", name_});
    if (r.status != 0) std::cerr << "lifecycle: ip netns delete " << name_ << ": " << r.err << "\n";
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.push_back(l);
    return out;
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

}  // namespace berth::test

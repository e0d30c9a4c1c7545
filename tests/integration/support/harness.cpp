// The integration test harness (see harness.hpp). Everything here is plain
// POSIX/Linux so that it works the same whichever runtime is under test.
#include "integration/support/harness.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

extern char** environ;

namespace berth::test {
namespace {

// ---- run_command ----------------------------------------------------------

UniqueFd memory_file(const char* name) {
    UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
    if (!fd) throw_errno(std::string("memfd_create ") + name);
    return fd;
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("write");
        data.remove_prefix(static_cast<size_t>(n));
    }
}

std::string read_from_start(int fd) {
    std::string out;
    char buf[8192];
    off_t off = 0;
    for (;;) {
        ssize_t n = ::pread(fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
        off += n;
    }
    return out;
}

// environ with each "K=V" of extra replacing an entry for K or added.
std::vector<std::string> make_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
    for (const auto& kv : extra) {
        auto key = kv.substr(0, kv.find('=') + 1);
        std::erase_if(env, [&](const std::string& e) { return e.compare(0, key.size(), key) == 0; });
        env.push_back(kv);
    }
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

int decode_status(int wstatus) {
    if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
    return -1;
}

// Waits for pid to exit for at most timeoutMs; true when it exited (status set).
bool wait_exit(pid_t pid, int timeoutMs, int& wstatus) {
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        pid_t r = ::waitpid(pid, &wstatus, WNOHANG);
        if (r == pid) return true;
        if (r < 0 && errno != EINTR) throw_errno("waitpid");
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        if (pidfd) {  // readable when the process exits
            pollfd p{pidfd.get(), POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(left.count()));
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(5, left.count())));
        }
    }
}

// ---- files and dirs --------------------------------------------------------

void make_dir(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) throw_errno("mkdir " + path);
    if (::chmod(path.c_str(), mode) != 0) throw_errno("chmod " + path);  // not subject to umask
}

void write_file(const std::string& path, std::string_view data, mode_t mode) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd) throw_errno("open " + path);
    write_all(fd.get(), data);
    if (::fchmod(fd.get(), mode) != 0) throw_errno("chmod " + path);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool is_dir(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Removes name (an entry of parentFd) and everything under it, never following
// symlinks nor entering another filesystem than dev. False if something stayed.
bool remove_entry(int parentFd, const std::string& name, dev_t dev, const std::string& shown) {
    struct stat st;
    if (::fstatat(parentFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT;
    if (st.st_dev != dev) {
        std::cerr << "harness: not removing " << shown << ": another filesystem (a leftover mount?)\n";
        return false;
    }
    bool ok = true;
    if (S_ISDIR(st.st_mode)) {
        UniqueFd fd(::openat(parentFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) return false;
        std::vector<std::string> names;
        if (DIR* d = ::fdopendir(::dup(fd.get()))) {
            while (dirent* e = ::readdir(d)) {
                std::string n = e->d_name;
                if (n != "." && n != "..") names.push_back(std::move(n));
            }
            ::closedir(d);
        }
        for (const auto& n : names) ok = remove_entry(fd.get(), n, dev, shown + "/" + n) && ok;
        if (::unlinkat(parentFd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) ok = false;
    } else if (::unlinkat(parentFd, name.c_str(), 0) != 0 && errno != ENOENT) {
        ok = false;
    }
    return ok;
}

// Removes the tree at path without crossing mounts; refuses (with a warning)
// when something is still mounted under it.
void remove_tree(const std::string& path) {
    auto mounts = mounts_mentioning(path + "/");
    if (!mounts.empty()) {
        std::cerr << "harness: not removing " << path << ": still mounted under it:\n";
        for (const auto& m : mounts) std::cerr << "  " << m << "\n";
        return;
    }
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return;
    auto slash = path.find_last_of('/');
    std::string parent = slash == 0 ? "/" : path.substr(0, slash);
    UniqueFd parentFd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parentFd || !remove_entry(parentFd.get(), path.substr(slash + 1), st.st_dev, path))
        std::cerr << "harness: could not remove all of " << path << "\n";
}

// A runtime named without a slash ("runc") is looked up on PATH and then in
// the sbin dirs, which a non-login root PATH may lack (runc is /usr/sbin/runc).
std::string find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    std::string dirs = (std::getenv("PATH") ? std::getenv("PATH") : "") + std::string(":/usr/local/sbin:/usr/sbin:/sbin");
    std::istringstream in(dirs);
    for (std::string d; std::getline(in, d, ':');) {
        std::string p = (d.empty() ? "." : d) + "/" + name;
        if (::access(p.c_str(), X_OK) == 0) return p;
    }
    return name;  // run_command reports it (status 127)
}

std::string counter_suffix() {
    static std::atomic<unsigned> n{0};
    return std::to_string(::getpid()) + "-" + std::to_string(++n);
}

// ---- the default config ----------------------------------------------------

// `runc spec`'s default config (runc 1.1), which berth's `spec` also follows.
nlohmann::json runc_default_config() {
    return nlohmann::json::parse(R"({
  "ociVersion": "1.0.2",
  "process": {
    "terminal": true,
    "user": {"uid": 0, "gid": 0},
    "args": ["sh"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "runc",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
})");
}

// ---- cgroups ---------------------------------------------------------------

void check_test_cgroup_path(const std::string& p) {
    auto bad = [&](const char* why) {
        throw std::invalid_argument("remove_test_cgroup: refusing " + p + ": " + why);
    };
    if (p.size() < 2 || p[0] != '/') bad("not absolute");
    if (p.compare(1, 6, "berth-") != 0) bad("first component must start with berth-");
    if (p.find("process_api") != std::string::npos) bad("names process_api");
    if (p.find("/..") != std::string::npos || p.find("//") != std::string::npos) bad("not a clean path");
}

// Sub-directories of dir (absolute), deepest first, then dir itself.
void collect_dirs_depth_first(const std::string& dir, std::vector<std::string>& out) {
    if (DIR* d = ::opendir(dir.c_str())) {
        std::vector<std::string> subs;
        while (dirent* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n != "." && n != ".." && e->d_type == DT_DIR) subs.push_back(dir + "/" + n);
        }
        ::closedir(d);
        for (const auto& s : subs) collect_dirs_depth_first(s, out);
    }
    out.push_back(dir);
}

std::vector<pid_t> cgroup_pids(const std::string& dir) {
    std::vector<pid_t> pids;
    std::istringstream in(read_file(dir + "/cgroup.procs"));
    for (pid_t p; in >> p;) pids.push_back(p);
    return pids;
}

void write_if_present(const std::string& path, const char* value) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd) (void)!::write(fd.get(), value, std::char_traits<char>::length(value));
}

}  // namespace

// ---- public ----------------------------------------------------------------

CommandResult run_command(const std::vector<std::string>& argv, std::string_view stdinData, int timeoutSec,
                          const std::vector<std::string>& extraEnv) {
    if (argv.empty()) throw std::invalid_argument("run_command: empty argv");
    UniqueFd in;
    if (stdinData.empty()) {
        in.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (!in) throw_errno("open /dev/null");
    } else {
        in = memory_file("stdin");
        write_all(in.get(), stdinData);
        if (::lseek(in.get(), 0, SEEK_SET) != 0) throw_errno("lseek stdin");
    }
    UniqueFd out = memory_file("stdout"), err = memory_file("stderr");

    std::vector<std::string> args = argv, env = make_environment(extraEnv);
    auto cArgs = c_strings(args), cEnv = c_strings(env);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in.get(), 0);
    posix_spawn_file_actions_adddup2(&actions, out.get(), 1);
    posix_spawn_file_actions_adddup2(&actions, err.get(), 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);  // a clean start whatever the test process blocked/ignored
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, cArgs[0], &actions, &attr, cArgs.data(), cEnv.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);

    CommandResult result;
    if (rc != 0) {
        result.status = 127;
        result.err = "exec " + argv[0] + ": " + errno_text(rc);
        return result;
    }
    int wstatus = 0;
    if (!wait_exit(pid, timeoutSec * 1000, wstatus)) {
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
        }
        result.timedOut = true;
    }
    result.status = decode_status(wstatus);
    result.out = read_from_start(out.get());
    result.err = read_from_start(err.get());
    return result;
}

TestRoot::TestRoot(std::string runtime)
    : runtime_(std::move(runtime)), program_(find_program(runtime_)), path_("/run/berth-test-" + counter_suffix()) {
    if (::mkdir(path_.c_str(), 0700) != 0) throw_errno("mkdir " + path_);
}

TestRoot::~TestRoot() {
    if (DIR* d = ::opendir(path_.c_str())) {
        std::vector<std::string> ids;
        while (dirent* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n != "." && n != ".." && is_dir(path_ + "/" + n)) ids.push_back(n);
        }
        ::closedir(d);
        for (const auto& id : ids) {
            try {
                auto r = run({"delete", "--force", id}, {}, 30);
                if (r.status != 0)
                    std::cerr << "harness: " << runtime_ << " delete --force " << id << " failed (" << r.status
                              << "): " << r.err << "\n";
            } catch (const std::exception& e) {
                std::cerr << "harness: delete --force " << id << ": " << e.what() << "\n";
            }
        }
    }
    remove_tree(path_);
}

CommandResult TestRoot::run(const std::vector<std::string>& args, std::string_view stdinData,
                            int timeoutSec) const {
    std::vector<std::string> argv{program_, "--root", path_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, stdinData, timeoutSec);
}

void make_busybox_rootfs(const std::string& dir) {
    const std::string busybox = "/bin/busybox";  // Debian's busybox-static: no libraries needed
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir " + dir);
    ::chmod(dir.c_str(), 0755);
    for (const char* d : {"bin", "dev", "etc", "proc", "sys", "run", "var", "mnt", "home", "sbin", "usr",
                          "usr/bin", "usr/sbin"})
        make_dir(dir + "/" + d, 0755);
    make_dir(dir + "/tmp", 01777);
    make_dir(dir + "/var/tmp", 01777);
    make_dir(dir + "/root", 0700);

    write_file(dir + "/bin/busybox", read_file(busybox), 0755);
    auto list = run_command({busybox, "--list"});
    if (list.status != 0 || list.out.empty())
        throw std::runtime_error("make_busybox_rootfs: " + busybox + " --list failed: " + list.err);
    std::istringstream applets(list.out);
    for (std::string a; std::getline(applets, a);) {
        if (a.empty() || a == "busybox" || a.find('/') != std::string::npos) continue;
        std::string link = dir + "/bin/" + a;
        if (::symlink("busybox", link.c_str()) != 0 && errno != EEXIST) throw_errno("symlink " + link);
    }
    write_file(dir + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
               0644);
    write_file(dir + "/etc/group", "root:x:0:\nnogroup:x:65534:\n", 0644);
}

const std::string& shared_rootfs() {
    static const std::string path = [] {
        const std::string target = std::string(BERTH_BUILD_DIR) + "/test-rootfs";
        auto complete = [&] {
            struct stat st;
            return ::stat((target + "/etc/group").c_str(), &st) == 0;  // written last
        };
        if (complete()) return target;
        // Built aside and renamed into place, so concurrent test executables
        // never see a half-made tree.
        const std::string tmp = target + ".tmp-" + std::to_string(::getpid());
        remove_tree(tmp);
        make_busybox_rootfs(tmp);
        if (::rename(tmp.c_str(), target.c_str()) != 0) {
            if (!complete()) {
                remove_tree(target);  // a partial tree from an older run
                if (::rename(tmp.c_str(), target.c_str()) != 0) throw_errno("rename " + tmp + " to " + target);
            }
            remove_tree(tmp);
        }
        return target;
    }();
    return path;
}

TestBundle::TestBundle(bool ownRootfs) {
    std::string tmpl = "/tmp/berth-bundle-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw_errno("mkdtemp " + tmpl);
    dir = tmpl;
    ::chmod(dir.c_str(), 0755);
    config = runc_default_config();
    config["process"]["terminal"] = false;
    config["process"]["args"] = {"sh", "-c", "true"};
    if (ownRootfs) {
        make_busybox_rootfs(dir + "/rootfs");
        config["root"]["path"] = dir + "/rootfs";
    } else {
        config["root"]["path"] = shared_rootfs();
    }
    config["linux"]["cgroupsPath"] = "/berth-test/" + counter_suffix();
    config["hostname"] = "berth-test";
}

TestBundle::~TestBundle() {
    try {
        auto cg = cgroups_path();
        if (!cg.empty() && cg.compare(0, 7, "/berth-") == 0 && cgroup_exists_anywhere(cg)) {
            auto removed = remove_test_cgroup(cg);
            std::cerr << "harness: warning: the runtime left cgroup " << cg << " behind (" << removed.size()
                      << " dirs removed)\n";
        }
        // The shared parent, if this was the last user (rmdir only: never a busy one).
        for (const auto& m : cgroup_mount_points()) ::rmdir((m + "/berth-test").c_str());
    } catch (const std::exception& e) {
        std::cerr << "harness: cgroup cleanup: " << e.what() << "\n";
    }
    remove_tree(dir);
}

std::string TestBundle::rootfs() const {
    std::string p = config.at("root").at("path").get<std::string>();
    return p.starts_with("/") ? p : dir + "/" + p;
}

std::string TestBundle::cgroups_path() const {
    if (config.contains("linux") && config["linux"].contains("cgroupsPath") &&
        config["linux"]["cgroupsPath"].is_string())
        return config["linux"]["cgroupsPath"].get<std::string>();
    return {};
}

void TestBundle::write() const { write_file(dir + "/config.json", config.dump(2) + "\n", 0644); }

void TestBundle::set_args(std::vector<std::string> args) { config["process"]["args"] = std::move(args); }

std::string unique_id(const std::string& prefix) { return prefix + "-" + counter_suffix(); }

std::vector<std::string> mounts_mentioning(const std::string& needle) {
    std::vector<std::string> lines;
    std::istringstream in(read_file("/proc/self/mountinfo"));
    for (std::string l; std::getline(in, l);)
        if (l.find(needle) != std::string::npos) lines.push_back(l);
    return lines;
}

std::vector<std::string> cgroup_mount_points() {
    // mountinfo: id parent maj:min root mountpoint options [optional...] - fstype source superoptions
    std::vector<std::string> points;
    std::istringstream in(read_file("/proc/self/mountinfo"));
    for (std::string l; std::getline(in, l);) {
        std::istringstream f(l);
        std::string id, parent, dev, root, point, field;
        f >> id >> parent >> dev >> root >> point;
        while (f >> field && field != "-") {
        }
        std::string fstype;
        f >> fstype;
        if ((fstype == "cgroup" || fstype == "cgroup2") && point.starts_with("/sys/fs/cgroup"))
            points.push_back(point);
    }
    return points;
}

bool cgroup_exists_anywhere(const std::string& cgroupPath) {
    for (const auto& m : cgroup_mount_points())
        if (is_dir(m + cgroupPath)) return true;
    return false;
}

bool process_alive(pid_t pid) {
    if (pid <= 0) return false;
    if (::kill(pid, 0) != 0 && errno != EPERM) return false;
    // A zombie has exited; only its parent has not reaped it yet.
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos) return false;  // gone between the two checks
    return !(close + 2 < stat.size() && (stat[close + 2] == 'Z' || stat[close + 2] == 'X'));
}

int read_pid_file(const std::string& path) {
    std::string s = read_file(path);
    try {
        size_t used = 0;
        int pid = std::stoi(s, &used);
        while (used < s.size() && (s[used] == '\n' || s[used] == ' ')) ++used;
        return (pid > 0 && used == s.size()) ? pid : -1;
    } catch (const std::exception&) {
        return -1;
    }
}

bool wait_for(const std::function<bool()>& predicate, int timeoutMs) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        if (predicate()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::vector<std::string> remove_test_cgroup(const std::string& cgroupPath) {
    check_test_cgroup_path(cgroupPath);
    std::vector<std::string> removed;
    for (const auto& m : cgroup_mount_points()) {
        const std::string top = m + cgroupPath;
        if (!is_dir(top)) continue;
        std::vector<std::string> dirs;
        collect_dirs_depth_first(top, dirs);
        for (const auto& d : dirs) {
            // Frozen tasks cannot die: thaw first (v1 freezer, v2 cgroup.freeze).
            write_if_present(d + "/freezer.state", "THAWED");
            write_if_present(d + "/cgroup.freeze", "0");
            for (pid_t p : cgroup_pids(d)) ::kill(p, SIGKILL);
            wait_for([&] { return cgroup_pids(d).empty(); }, 2000);
            if (::rmdir(d.c_str()) == 0 || errno == ENOENT)
                removed.push_back(d);
            else
                std::cerr << "harness: could not remove cgroup " << d << ": " << errno_text(errno) << "\n";
        }
    }
    return removed;
}

}  // namespace berth::test

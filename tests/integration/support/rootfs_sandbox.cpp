#include "rootfs_sandbox.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace berth::rootfs_test {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else out += c;
    }
    return out;
}

std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            char n = s[++i];
            out += n == 'n' ? '\n' : n == 't' ? '\t' : n;
        } else {
            out += s[i];
        }
    }
    return out;
}

void write_all(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        off += static_cast<size_t>(n);
    }
}

std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

std::string octal(unsigned mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
    return buf;
}

void copy_file(const std::string& from, const std::string& to, unsigned mode) {
    UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) fail("open " + from);
    UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!out) fail("create " + to);
    write_all(out.get(), read_all(in.get()));
    if (::fchmod(out.get(), mode) < 0) fail("chmod " + to);
}

}  // namespace

TempBundle::TempBundle() {
    char tmpl[] = "/tmp/berth-rootfs-XXXXXX";
    if (!::mkdtemp(tmpl)) fail("mkdtemp");
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);
    const std::string root = rootfs();
    make_dir(root);
    for (const char* d : {"/bin", "/proc", "/sys", "/dev", "/tmp", "/etc"}) make_dir(root + d);
    ::chmod((root + "/tmp").c_str(), 01777);
    copy_file("/bin/busybox", root + "/bin/busybox", 0755);
    for (const char* applet : {"sh", "ls", "cat", "echo", "stat", "test", "mount", "touch"})
        make_symlink("busybox", root + "/bin/" + applet);
}

TempBundle::~TempBundle() {
    // Never delete through a mount: if something leaked, leave it for a human.
    if (host_mounts_under(dir_)) {
        std::fprintf(stderr, "rootfs test: %s still has mounts; not removing it\n", dir_.c_str());
        return;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);  // removes symlinks, never follows them
}

void TempBundle::write_file(const std::string& path, const std::string& content, unsigned mode) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) fail("create " + path);
    write_all(fd.get(), content);
    ::fchmod(fd.get(), mode);
}

void TempBundle::make_dir(const std::string& path, unsigned mode) {
    if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) fail("mkdir " + path);
    ::chmod(path.c_str(), mode);
}

void TempBundle::make_symlink(const std::string& target, const std::string& path) {
    if (::symlink(target.c_str(), path.c_str()) < 0) fail("symlink " + path);
}

SandboxResult run_sandboxed(const std::function<void(Facts&)>& body, const SandboxOptions& options) {
    int p[2], ready[2], go[2];
    if (::pipe2(p, O_CLOEXEC) < 0 || ::pipe2(ready, O_CLOEXEC) < 0 || ::pipe2(go, O_CLOEXEC) < 0) fail("pipe");
    UniqueFd readEnd(p[0]), writeEnd(p[1]), readyRead(ready[0]), readyWrite(ready[1]), goRead(go[0]), goWrite(go[1]);
    pid_t a = ::fork();
    if (a < 0) fail("fork");
    if (a == 0) {
        readEnd.reset();
        readyRead.reset();
        goWrite.reset();
        auto die = [&](const std::string& what) {
            write_all(writeEnd.get(), "__error\t" + escape(what + ": " + std::strerror(errno)) + "\n");
            ::_exit(2);
        };
        if (options.setup || options.userNamespace) {
            if (::unshare(CLONE_NEWNS) < 0) die("unshare mount namespace");
            if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) die("make / rprivate");
            try {
                if (options.setup) options.setup();
            } catch (const std::exception& e) {
                errno = 0;
                die(std::string("setup: ") + e.what());
            }
        }
        if (options.userNamespace) {
            if (::unshare(CLONE_NEWUSER) < 0) die("unshare user namespace");
            write_all(readyWrite.get(), "u");
            char c;
            if (::read(goRead.get(), &c, 1) != 1) die("wait for the id maps");
        }
        readyWrite.reset();
        if (::unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | options.extraCloneFlags) < 0)
            die("unshare");
        pid_t b = ::fork();
        if (b < 0) ::_exit(3);
        if (b == 0) {
            ::alarm(60);
            Facts facts;
            try {
                body(facts);
            } catch (const std::exception& e) {
                facts["__error"] = e.what();
            } catch (...) {
                facts["__error"] = "unknown exception";
            }
            std::string out;
            for (const auto& [k, v] : facts) out += escape(k) + "\t" + escape(v) + "\n";
            write_all(writeEnd.get(), out);
            ::_exit(0);
        }
        writeEnd.reset();
        int st = 0;
        while (::waitpid(b, &st, 0) < 0 && errno == EINTR) {
        }
        ::_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    readyWrite.reset();
    goRead.reset();
    if (options.userNamespace) {
        char c;
        if (::read(readyRead.get(), &c, 1) == 1) {
            const std::string proc = "/proc/" + std::to_string(a);
            for (const char* map : {"/uid_map", "/gid_map"}) {
                UniqueFd fd(::open((proc + map).c_str(), O_WRONLY | O_CLOEXEC));
                const std::string all = "0 0 4294967295\n";
                if (fd) write_all(fd.get(), all);
            }
            write_all(goWrite.get(), "g");
        }
    }
    goWrite.reset();
    writeEnd.reset();
    const std::string text = read_all(readEnd.get());
    SandboxResult r;
    while (::waitpid(a, &r.status, 0) < 0 && errno == EINTR) {
    }
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        size_t tab = line.find('\t');
        if (tab == std::string::npos) continue;
        r.facts[unescape(line.substr(0, tab))] = unescape(line.substr(tab + 1));
    }
    if (auto it = r.facts.find("__error"); it != r.facts.end()) {
        r.error = it->second;
        r.facts.erase(it);
    }
    if (r.error.empty() && !(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0))
        r.error = "sandbox exited with wait status " + std::to_string(r.status);
    return r;
}

spec::Config base_config(const TempBundle& bundle) {
    spec::Config c;
    c.ociVersion = spec::kSpecVersion;
    c.root = spec::Root{bundle.rootfs(), false};
    c.linux = spec::Linux{};
    c.linux->namespaces = {{spec::NamespaceType::Mount, ""}, {spec::NamespaceType::Pid, ""}};
    return c;
}

spec::Mount mount_entry(const std::string& destination, const std::string& type, const std::string& source,
                        std::vector<std::string> options) {
    spec::Mount m;
    m.destination = destination;
    m.type = type;
    m.source = source;
    m.options = std::move(options);
    return m;
}

kernel::MountInfo find_mount(const std::string& mountPoint) {
    kernel::MountInfo found;
    for (const kernel::MountInfo& m : kernel::read_mountinfo("/proc/self/mountinfo"))
        if (m.mountPoint == mountPoint) found = m;
    return found;
}

std::string mount_summary(const std::string& mountPoint) {
    kernel::MountInfo m = find_mount(mountPoint);
    if (m.fsType.empty()) return "<not a mount point>";
    std::string s = m.fsType + " " + m.options;
    if (!m.optional.empty()) s += " " + m.optional;
    return s;
}

std::string describe(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) < 0) return "missing: " + errno_text(errno);
    const std::string owner = " " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
    const std::string mode = octal(st.st_mode);
    switch (st.st_mode & S_IFMT) {
    case S_IFCHR:
        return "c " + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev)) + " " + mode + owner;
    case S_IFBLK:
        return "b " + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev)) + " " + mode + owner;
    case S_IFIFO:
        return "p " + mode + owner;
    case S_IFREG:
        return "f " + mode + owner + " size " + std::to_string(st.st_size);
    case S_IFDIR:
        return "d " + mode + owner;
    case S_IFLNK: {
        char buf[4096];
        ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
        return "l -> " + std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
    }
    default:
        return "other";
    }
}

std::string read_text(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return "<error: " + errno_text(errno) + ">";
    return read_all(fd.get());
}

std::string try_create(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644));
    if (!fd) return errno_text(errno);
    ::unlink(path.c_str());
    return "ok";
}

std::string try_open_write(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return errno_text(errno);
    return "ok";
}

std::string open_fds() {
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return "<error: " + errno_text(errno) + ">";
    std::vector<int> fds;
    while (struct dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        int fd = std::atoi(e->d_name);
        if (fd != ::dirfd(d)) fds.push_back(fd);
    }
    ::closedir(d);
    std::sort(fds.begin(), fds.end());
    std::string s;
    for (int fd : fds) s += (s.empty() ? "" : ",") + std::to_string(fd);
    return s;
}

bool host_mounts_under(const std::string& path) {
    for (const kernel::MountInfo& m : kernel::read_mountinfo("/proc/self/mountinfo"))
        if (m.mountPoint == path || m.mountPoint.rfind(path + "/", 0) == 0) return true;
    return false;
}

}  // namespace berth::rootfs_test

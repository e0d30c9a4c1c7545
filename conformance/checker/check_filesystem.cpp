// Checks of the filesystem view: mounts and their flags (from
// /proc/self/mountinfo), read-only and masked paths, device nodes, symlinks,
// file contents and open() results.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "checker.hpp"

namespace checker {
namespace {

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

bool has_prefix(const std::vector<std::string>& v, const std::string& prefix) {
    return std::any_of(v.begin(), v.end(), [&](const std::string& s) { return s.compare(0, prefix.size(), prefix) == 0; });
}

std::string describe(const MountEntry& m) {
    std::string out = m.fstype + " on " + m.mount_point + " (";
    for (size_t i = 0; i < m.mount_options.size(); ++i) out += (i ? "," : "") + m.mount_options[i];
    out += ";";
    for (const auto& f : m.optional_fields) out += " " + f;
    out += "; ";
    for (size_t i = 0; i < m.super_options.size(); ++i) out += (i ? "," : "") + m.super_options[i];
    return out + ")";
}

// mount PATH FSTYPE|- OPTION,... ; OPTION is a mount or superblock option,
// "!option" for its absence, or propagation=shared|slave|private|unbindable.
Outcome check_mount(const std::vector<std::string>& a) {
    if (a.size() < 2) return fail("mount needs PATH FSTYPE [OPTIONS]");
    const MountEntry* top = nullptr;
    auto mounts = read_mountinfo();
    for (const auto& m : mounts)
        if (m.mount_point == a[0]) top = &m;  // later entries stack on top
    if (!top) return fail("nothing is mounted on " + a[0]);
    if (a[1] != "-" && top->fstype != a[1]) return fail("fstype is " + top->fstype + ", expected " + a[1] + ": " + describe(*top));
    if (a.size() > 2 && a[2] != "-") {
        for (const auto& opt : split(a[2], ',')) {
            if (opt.empty()) continue;
            if (opt.rfind("propagation=", 0) == 0) {
                std::string want = opt.substr(12);
                std::string got = has_prefix(top->optional_fields, "shared:")   ? "shared"
                                  : has_prefix(top->optional_fields, "master:") ? "slave"
                                  : has(top->optional_fields, "unbindable")     ? "unbindable"
                                                                                : "private";
                if (got != want) return fail("propagation is " + got + ", expected " + want + ": " + describe(*top));
                continue;
            }
            bool negate = opt[0] == '!';
            std::string name = negate ? opt.substr(1) : opt;
            bool present = has(top->mount_options, name) || has(top->super_options, name);
            if (present == negate)
                return fail(std::string(negate ? "unexpected option " : "missing option ") + name + ": " + describe(*top));
        }
    }
    return pass(describe(*top));
}

Outcome check_writable(const std::string& path, bool want_writable) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return fail("stat " + path + ": " + errno_name(errno));
    int err = 0;
    if (S_ISDIR(st.st_mode)) {
        std::string probe = path + (path.back() == '/' ? "" : "/") + ".conformance-probe";
        int fd = open(probe.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
        if (fd < 0) {
            err = errno;
        } else {
            close(fd);
            unlink(probe.c_str());
        }
    } else {
        int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) err = errno; else close(fd);
    }
    if (want_writable) return err == 0 ? pass(path + " is writable") : fail("write to " + path + ": " + errno_name(err));
    if (err == EROFS) return pass("write to " + path + ": EROFS");
    return fail("write to " + path + " gave " + errno_name(err) + ", expected EROFS");
}

Outcome check_masked(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return pass(path + " does not exist");
        return fail("stat " + path + ": " + errno_name(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        DIR* d = opendir(path.c_str());
        if (!d) return (errno == EACCES || errno == EPERM) ? pass("opendir: " + errno_name(errno)) : fail("opendir " + path + ": " + errno_name(errno));
        int entries = 0;
        std::string first;
        while (auto* ent = readdir(d)) {
            std::string n = ent->d_name;
            if (n == "." || n == "..") continue;
            if (entries++ == 0) first = n;
        }
        closedir(d);
        if (entries == 0) return pass(path + " is an empty directory");
        return fail(path + " lists " + std::to_string(entries) + " entries (e.g. " + first + ")");
    }
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return (errno == EACCES || errno == EPERM) ? pass("open: " + errno_name(errno)) : fail("open " + path + ": " + errno_name(errno));
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf);
    int err = errno;
    close(fd);
    if (n == 0) return pass(path + " reads as empty");
    if (n < 0) return fail("read " + path + ": " + errno_name(err));
    return fail(path + " is readable (" + std::to_string(n) + " bytes)");
}

// dev PATH TYPE MAJOR MINOR MODE UID GID ("-" skips a field; MODE in octal)
Outcome check_dev(const std::vector<std::string>& a) {
    if (a.size() < 2) return fail("dev needs PATH TYPE ...");
    struct stat st {};
    if (lstat(a[0].c_str(), &st) != 0) return fail("lstat " + a[0] + ": " + errno_name(errno));
    std::string type = S_ISCHR(st.st_mode) ? "c" : S_ISBLK(st.st_mode) ? "b" : S_ISFIFO(st.st_mode) ? "p"
                     : S_ISLNK(st.st_mode) ? "l" : S_ISDIR(st.st_mode) ? "d" : "f";
    auto arg = [&](size_t i) { return i < a.size() ? a[i] : std::string("-"); };
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    std::string got = type + " " + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev)) + " mode " +
                      mode + " owner " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
    std::vector<std::string> wrong;
    if (arg(1) != "-" && arg(1) != type) wrong.push_back("type");
    if (type == "c" || type == "b") {
        if (arg(2) != "-" && std::to_string(major(st.st_rdev)) != arg(2)) wrong.push_back("major");
        if (arg(3) != "-" && std::to_string(minor(st.st_rdev)) != arg(3)) wrong.push_back("minor");
    }
    if (arg(4) != "-" && (st.st_mode & 07777) != std::strtoul(arg(4).c_str(), nullptr, 8)) wrong.push_back("mode");
    if (arg(5) != "-" && std::to_string(st.st_uid) != arg(5)) wrong.push_back("uid");
    if (arg(6) != "-" && std::to_string(st.st_gid) != arg(6)) wrong.push_back("gid");
    if (wrong.empty()) return pass(a[0] + ": " + got);
    std::string w;
    for (const auto& x : wrong) w += (w.empty() ? "" : ",") + x;
    return fail(a[0] + ": " + got + " (wrong " + w + ")");
}

// open_errno PATH r|w|rw ERRNO  (ERRNO "OK" for success)
Outcome check_open(const std::vector<std::string>& a) {
    if (a.size() != 3) return fail("open_errno needs PATH MODE ERRNO");
    int flags = a[1] == "r" ? O_RDONLY : a[1] == "w" ? O_WRONLY : O_RDWR;
    int fd = open(a[0].c_str(), flags | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0) close(fd);
    int want = errno_from_name(a[2]);
    if (err == want) return pass("open(" + a[0] + ", " + a[1] + "): " + errno_name(err));
    return fail("open(" + a[0] + ", " + a[1] + ") gave " + errno_name(err) + ", expected " + errno_name(want));
}

}  // namespace

std::optional<Outcome> check_filesystem(const Expectation& e) {
    const auto& k = e.kind;
    const auto& a = e.args;
    auto arg = [&](size_t i) { return i < a.size() ? a[i] : std::string(); };
    if (k == "mount") return check_mount(a);
    if (k == "unmounted") {
        for (const auto& m : read_mountinfo())
            if (m.mount_point == arg(0)) return fail("something is mounted on " + arg(0) + ": " + describe(m));
        return pass("nothing mounted on " + arg(0));
    }
    if (k == "ro") return check_writable(arg(0), false);
    if (k == "rw") return check_writable(arg(0), true);
    if (k == "masked") return check_masked(arg(0));
    if (k == "dev") return check_dev(a);
    if (k == "open_errno") return check_open(a);
    if (k == "exists" || k == "absent") {
        struct stat st {};
        bool there = lstat(arg(0).c_str(), &st) == 0;
        if (there == (k == "exists")) return pass(arg(0) + (there ? " exists" : " is absent"));
        return fail(arg(0) + (there ? " exists" : " does not exist"));
    }
    if (k == "symlink") {
        char buf[4096];
        ssize_t n = readlink(arg(0).c_str(), buf, sizeof buf - 1);
        if (n < 0) return fail("readlink " + arg(0) + ": " + errno_name(errno));
        std::string got(buf, static_cast<size_t>(n));
        if (got == arg(1)) return pass(arg(0) + " -> " + got);
        return fail(arg(0) + " -> " + got + ", expected " + arg(1));
    }
    if (k == "file" || k == "file_contains") {
        auto text = read_file(arg(0));
        if (!text) return fail("read " + arg(0) + ": " + errno_name(errno));
        std::string t = trim(*text);
        if (k == "file" ? t == arg(1) : t.find(arg(1)) != std::string::npos) return pass(arg(0) + ": " + t.substr(0, 80));
        return fail(arg(0) + " holds '" + t.substr(0, 200) + "', expected " + (k == "file" ? "" : "it to contain ") + "'" + arg(1) + "'");
    }
    return std::nullopt;
}

}  // namespace checker

#include "runtime/cgroups/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include "common/error.hpp"
#include "common/fault.hpp"
#include "common/unique_fd.hpp"

namespace berth::cgroups {

namespace {

std::string path_of(const std::string& dir, const std::string& name) {
    return dir + "/" + name;
}

}  // namespace

int try_write_file(const std::string& dir, const std::string& name, std::string_view value) {
    BERTH_FAULT_MARK("cgroup", "write " + path_of(dir, name));
    UniqueFd fd(::open(path_of(dir, name).c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return errno;
    // cgroupfs takes one value per write(2); a short write is an error.
    ssize_t n = ::write(fd.get(), value.data(), value.size());
    if (n < 0) return errno;
    if (static_cast<size_t>(n) != value.size()) return EIO;
    return 0;
}

void write_file(const std::string& dir, const std::string& name, std::string_view value) {
    if (int err = try_write_file(dir, name, value))
        throw_errno("write \"" + std::string(value) + "\" to " + path_of(dir, name), err);
}

void write_setting(const std::string& field, const std::string& what, const std::string& dir,
                   const std::string& name, std::string_view value) {
    int err = try_write_file(dir, name, value);
    if (err == 0) return;
    if (err == ENOENT)
        throw Error(field + ": " + what + " is not supported on this host (" + name + " missing in " + dir + ")",
                    err);
    throw Error(field + ": write \"" + std::string(value) + "\" to " + path_of(dir, name) + ": " + errno_text(err),
                err);
}

std::optional<std::string> read_file_if_exists(const std::string& dir, const std::string& name) {
    UniqueFd fd(::open(path_of(dir, name).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("read " + path_of(dir, name));
    }
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read " + path_of(dir, name));
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

std::string read_file(const std::string& dir, const std::string& name) {
    auto s = read_file_if_exists(dir, name);
    if (!s) throw_errno("read " + path_of(dir, name), ENOENT);
    return *s;
}

bool file_exists(const std::string& dir, const std::string& name) {
    return ::access(path_of(dir, name).c_str(), F_OK) == 0;
}

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

uint64_t parse_u64(std::string_view s, const std::string& where) {
    std::string t = trim(s);
    if (t == "max") return UINT64_MAX;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size() || t.empty())
        throw Error("parse " + where + ": \"" + t + "\" is not a number");
    return v;
}

std::map<std::string, uint64_t> parse_flat_keyed(std::string_view text) {
    std::map<std::string, uint64_t> out;
    std::istringstream in{std::string(text)};
    std::string key, value;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        if (!(ls >> key >> value)) continue;
        uint64_t v = 0;
        if (value == "max") {
            v = UINT64_MAX;
        } else {
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
            if (ec != std::errc() || p != value.data() + value.size()) continue;
        }
        out[key] = v;
    }
    return out;
}

std::vector<pid_t> read_pids(const std::string& dir, bool recursive) {
    std::vector<pid_t> pids;
    auto procs = read_file_if_exists(dir, "cgroup.procs");
    if (!procs) return pids;
    std::istringstream in(*procs);
    for (long p; in >> p;) pids.push_back(static_cast<pid_t>(p));
    if (!recursive) return pids;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return pids;
    std::vector<std::string> subdirs;
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        if (e->d_type == DT_DIR) subdirs.push_back(n);
    }
    ::closedir(d);
    for (const auto& s : subdirs) {
        auto sub = read_pids(dir + "/" + s, true);
        pids.insert(pids.end(), sub.begin(), sub.end());
    }
    return pids;
}

std::vector<std::string> make_cgroup_dirs(const std::string& mountpoint, const std::string& cgroupPath) {
    std::vector<std::string> created;
    // Usually only the leaf is new (/berth, /docker exist): one mkdir. ENOENT
    // (a missing parent) takes the walk from the top below.
    const std::string leaf = join_cgroup(mountpoint, cgroupPath);
    if (leaf != mountpoint) {
        BERTH_FAULT_MARK("cgroup", "mkdir " + leaf);
        if (::mkdir(leaf.c_str(), 0755) == 0) return {leaf};
        if (errno == EEXIST) return created;
        if (errno != ENOENT) throw_errno("mkdir " + leaf);
    }
    // A shared parent (/docker, /berth) may be removed by another runtime's
    // delete between our mkdir of it and of its child: ENOENT then means
    // "start again from the top", a few times, not failure.
    for (int attempt = 0;; ++attempt) {
        std::string dir = mountpoint;
        size_t i = 0;
        int err = 0;
        while (i < cgroupPath.size() && err == 0) {
            size_t slash = cgroupPath.find('/', i);
            if (slash == std::string::npos) slash = cgroupPath.size();
            if (slash > i) {
                dir += "/" + cgroupPath.substr(i, slash - i);
                BERTH_FAULT_MARK("cgroup", "mkdir " + dir);
                if (::mkdir(dir.c_str(), 0755) == 0) created.push_back(dir);
                else if (errno != EEXIST) err = errno;
            }
            i = slash + 1;
        }
        if (err == 0) return created;
        if (err == ENOENT && attempt < 5) continue;
        for (auto it = created.rbegin(); it != created.rend(); ++it) ::rmdir(it->c_str());  // no half-made path
        throw_errno("mkdir " + dir, err);
    }
}

std::string join_cgroup(const std::string& mountpoint, const std::string& cgroupPath) {
    if (cgroupPath.empty() || cgroupPath == "/") return mountpoint;
    return mountpoint + (cgroupPath[0] == '/' ? "" : "/") + cgroupPath;
}

}  // namespace berth::cgroups

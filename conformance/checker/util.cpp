// Small helpers for the checker: strings, files, errno names, /proc parsing.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "checker.hpp"

namespace checker {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == sep) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(cur);
    return out;
}

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\n' || s[b] == '\t' || s[b] == '\r')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\n' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
    return s.substr(b, e - b);
}

std::optional<std::string> read_file(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int saved = errno;
            close(fd);
            errno = saved;
            return std::nullopt;
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return out;
}

namespace {
struct ErrnoName {
    int value;
    const char* name;
};
constexpr ErrnoName errno_names[] = {
    {0, "OK"},         {EPERM, "EPERM"},   {ENOENT, "ENOENT"},   {ESRCH, "ESRCH"},   {EINTR, "EINTR"},
    {EIO, "EIO"},      {ENXIO, "ENXIO"},   {E2BIG, "E2BIG"},     {EBADF, "EBADF"},   {ECHILD, "ECHILD"},
    {EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"}, {EACCES, "EACCES"},  {EFAULT, "EFAULT"}, {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"}, {EXDEV, "EXDEV"},   {ENODEV, "ENODEV"},  {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},
    {EINVAL, "EINVAL"}, {ENFILE, "ENFILE"}, {EMFILE, "EMFILE"},  {ENOTTY, "ENOTTY"}, {ETXTBSY, "ETXTBSY"},
    {EFBIG, "EFBIG"},   {ENOSPC, "ENOSPC"}, {EROFS, "EROFS"},    {EMLINK, "EMLINK"}, {EPIPE, "EPIPE"},
    {ENOSYS, "ENOSYS"}, {ENOTSUP, "ENOTSUP"}, {ELOOP, "ELOOP"},  {ENAMETOOLONG, "ENAMETOOLONG"},
};
}  // namespace

std::string errno_name(int err) {
    for (const auto& e : errno_names)
        if (e.value == err) return e.name;
    return "errno " + std::to_string(err);
}

int errno_from_name(const std::string& name) {
    for (const auto& e : errno_names)
        if (name == e.name) return e.value;
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) return std::atoi(name.c_str());
    return -1;
}

uint64_t parse_u64(const std::string& s) {
    if (s == "unlimited" || s == "max") return UINT64_MAX;
    return std::strtoull(s.c_str(), nullptr, 0);
}

std::string status_field(const std::string& name) {
    auto text = read_file("/proc/self/status");
    if (!text) return {};
    for (const auto& line : split(*text, '\n')) {
        if (line.compare(0, name.size() + 1, name + ":") == 0) return trim(line.substr(name.size() + 1));
    }
    return {};
}

namespace {
// mountinfo escapes blanks, tabs, newlines and backslashes as \ooo.
std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            int v = 0;
            bool octal = true;
            for (size_t k = 1; k <= 3; ++k) {
                if (s[i + k] < '0' || s[i + k] > '7') {
                    octal = false;
                    break;
                }
                v = v * 8 + (s[i + k] - '0');
            }
            if (octal) {
                out += static_cast<char>(v);
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}
}  // namespace

std::vector<MountEntry> read_mountinfo() {
    std::vector<MountEntry> out;
    auto text = read_file("/proc/self/mountinfo");
    if (!text) return out;
    for (const auto& line : split(*text, '\n')) {
        if (line.empty()) continue;
        auto f = split(line, ' ');
        if (f.size() < 10) continue;
        MountEntry m;
        m.id = std::atoi(f[0].c_str());
        m.parent = std::atoi(f[1].c_str());
        m.root = unescape(f[3]);
        m.mount_point = unescape(f[4]);
        m.mount_options = split(f[5], ',');
        size_t i = 6;
        for (; i < f.size() && f[i] != "-"; ++i) m.optional_fields.push_back(f[i]);
        if (i + 1 >= f.size()) continue;
        m.fstype = f[i + 1];
        m.source = i + 2 < f.size() ? unescape(f[i + 2]) : "";
        if (i + 3 < f.size()) m.super_options = split(f[i + 3], ',');
        out.push_back(std::move(m));
    }
    return out;
}

}  // namespace checker

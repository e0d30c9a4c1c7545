#include "runtime/kernel/mountinfo.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace berth::kernel {
namespace {

std::string unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' &&
            s[i + 3] <= '7') {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<std::string_view> fields(std::string_view line) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ') ++i;
        size_t j = line.find(' ', i);
        if (j == std::string_view::npos) j = line.size();
        if (j > i) out.push_back(line.substr(i, j - i));
        i = j;
    }
    return out;
}

}  // namespace

bool MountInfo::has_option(std::string_view list, std::string_view name) {
    size_t i = 0;
    while (i <= list.size()) {
        size_t j = list.find(',', i);
        if (j == std::string_view::npos) j = list.size();
        if (list.substr(i, j - i) == name) return true;
        i = j + 1;
    }
    return false;
}

std::vector<MountInfo> parse_mountinfo(std::string_view text) {
    std::vector<MountInfo> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::vector<std::string_view> f = fields(text.substr(pos, end - pos));
        pos = end + 1;
        // id parent major:minor root mountpoint options [optional...] - type source superoptions
        size_t sep = 6;
        while (sep < f.size() && f[sep] != "-") ++sep;
        if (f.size() < 7 || sep >= f.size()) continue;
        MountInfo m;
        try {
            m.id = std::stoi(std::string(f[0]));
            m.parentId = std::stoi(std::string(f[1]));
            std::string dev(f[2]);
            size_t colon = dev.find(':');
            if (colon == std::string::npos) continue;
            m.major = static_cast<unsigned>(std::stoul(dev.substr(0, colon)));
            m.minor = static_cast<unsigned>(std::stoul(dev.substr(colon + 1)));
        } catch (const std::exception&) {
            continue;
        }
        m.root = unescape(f[3]);
        m.mountPoint = unescape(f[4]);
        m.options = std::string(f[5]);
        for (size_t i = 6; i < sep; ++i) {
            if (!m.optional.empty()) m.optional += ' ';
            m.optional += std::string(f[i]);
        }
        if (sep + 1 < f.size()) m.fsType = std::string(f[sep + 1]);
        if (sep + 2 < f.size()) m.source = unescape(f[sep + 2]);
        if (sep + 3 < f.size()) m.superOptions = std::string(f[sep + 3]);
        out.push_back(std::move(m));
    }
    return out;
}

std::string read_mountinfo_text(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open " + path);
    std::string text;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read " + path);
        }
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    return text;
}

std::vector<MountInfo> read_mountinfo(const std::string& path) { return parse_mountinfo(read_mountinfo_text(path)); }

}  // namespace berth::kernel

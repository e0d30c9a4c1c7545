#include "runtime/cgroups/layout.hpp"

#include <linux/magic.h>
#include <sys/vfs.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "common/error.hpp"
#include "runtime/kernel/mountinfo.hpp"

namespace berth::cgroups {

namespace {

// The v1 controllers berth creates a directory in and joins, as runc's fs
// driver does (plus "misc"). A hierarchy carrying only unknown names is left alone.
constexpr std::array<const char*, 15> kV1Controllers = {
    "cpuset", "cpu",        "cpuacct", "memory", "devices", "freezer",      "blkio", "pids",
    "hugetlb", "net_cls",   "net_prio", "perf_event", "rdma", "misc", "name=systemd"};

bool is_known_controller(const std::string& opt) {
    return std::any_of(kV1Controllers.begin(), kV1Controllers.end(),
                       [&](const char* c) { return opt == c; });
}

// mountinfo escapes space, tab, newline and backslash as \ooo (octal).
std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            bool octal = true;
            for (size_t k = 1; octal && k <= 3; ++k)
                octal = i + k < s.size() && s[i + k] >= '0' && s[i + k] <= '7';
            if (octal) {
                out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

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

bool is_below(const std::string& path, const std::string& root) {
    std::string r = root;
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    return path.size() > r.size() && path.compare(0, r.size(), r) == 0 && path[r.size()] == '/';
}

long fs_type(const std::string& path) {
    struct statfs st {};
    if (::statfs(path.c_str(), &st) != 0) return 0;
    return static_cast<long>(st.f_type);
}

}  // namespace

const char* to_string(Mode m) {
    switch (m) {
        case Mode::Unified: return "unified";
        case Mode::Hybrid: return "hybrid";
        case Mode::Legacy: return "legacy";
    }
    return "unknown";
}

std::optional<std::string> Layout::v1_mount(const std::string& controller) const {
    for (const auto& h : v1)
        if (std::find(h.controllers.begin(), h.controllers.end(), controller) != h.controllers.end())
            return h.mountpoint;
    return std::nullopt;
}

Mode detect_mode(const std::string& mountRoot) {
    long t = fs_type(mountRoot);
    if (t == 0) throw_errno("statfs " + mountRoot);
    if (t == static_cast<long>(CGROUP2_SUPER_MAGIC)) return Mode::Unified;
    if (fs_type(mountRoot + "/unified") == static_cast<long>(CGROUP2_SUPER_MAGIC)) return Mode::Hybrid;
    return Mode::Legacy;
}

// The whitespace-separated fields of one mountinfo line (views into it).
static std::vector<std::string_view> fields_of(std::string_view line) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
        if (j > i) out.push_back(line.substr(i, j - i));
        i = j;
    }
    return out;
}

Layout parse_layout(const std::string& text, const std::string& mountRoot, Mode mode) {
    Layout layout;
    layout.mode = mode;
    if (mode == Mode::Unified) {
        layout.unified = mountRoot;
        return layout;
    }
    // Plain string_view scanning, no streams: this runs on every create.
    std::string_view rest = text;
    while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        // id parent maj:min root mountpoint options [optional...] - fstype source superoptions
        if (line.find(" - cgroup") == std::string_view::npos) continue;  // neither cgroup nor cgroup2
        const std::vector<std::string_view> f = fields_of(line);
        auto dash = std::find(f.begin(), f.end(), "-");
        if (f.size() < 5 || dash == f.end() || std::distance(dash, f.end()) < 4) continue;
        const std::string mountpoint = unescape(std::string(f[4]));
        const std::string_view fstype = *(dash + 1);
        const std::string superopts(*(dash + 3));
        if (!is_below(mountpoint, mountRoot)) continue;
        if (fstype == "cgroup2") {
            if (mode == Mode::Hybrid && layout.unified.empty()) layout.unified = mountpoint;
            continue;
        }
        if (fstype != "cgroup") continue;
        V1Hierarchy h{mountpoint, {}};
        for (const auto& opt : split(superopts, ','))
            if (is_known_controller(opt)) h.controllers.push_back(opt);
        if (h.controllers.empty()) continue;
        // The same hierarchy mounted twice: keep the first mountpoint.
        bool dup = std::any_of(layout.v1.begin(), layout.v1.end(),
                               [&](const V1Hierarchy& o) { return o.controllers == h.controllers; });
        if (!dup) layout.v1.push_back(std::move(h));
    }
    if (mode == Mode::Hybrid && layout.unified.empty()) layout.unified = mountRoot + "/unified";
    return layout;
}

Layout detect_layout(const std::string& mountRoot, const std::string& mountinfoPath) {
    Mode mode = detect_mode(mountRoot);
    if (mode == Mode::Unified) return parse_layout("", mountRoot, mode);
    Layout layout = parse_layout(kernel::read_mountinfo_text(mountinfoPath), mountRoot, mode);
    if (layout.v1.empty())
        throw Error("no cgroup v1 hierarchy is mounted below " + mountRoot + " (mode " + to_string(mode) + ")");
    return layout;
}

}  // namespace berth::cgroups

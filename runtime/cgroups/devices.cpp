#include "runtime/cgroups/devices.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>
#include <tuple>

#include "common/error.hpp"

namespace berth::cgroups {

namespace {

std::string access_string(uint8_t a) {
    std::string s;
    if (a & kAccessRead) s += 'r';
    if (a & kAccessWrite) s += 'w';
    if (a & kAccessMknod) s += 'm';
    return s;
}

std::string number(int64_t n) {
    return n < 0 ? "*" : std::to_string(n);
}

bool same_device(const DeviceRule& a, char type, int64_t major, int64_t minor) {
    return a.type == type && a.major == major && a.minor == minor;
}

struct Model {
    bool defaultAllow = false;
    std::vector<DeviceRule> exceptions;

    DeviceRule* find(char type, int64_t major, int64_t minor) {
        for (auto& e : exceptions)
            if (same_device(e, type, major, minor)) return &e;
        return nullptr;
    }

    void add(const DeviceRule& r) {
        if (DeviceRule* e = find(r.type, r.major, r.minor)) {
            e->access |= r.access;
            return;
        }
        DeviceRule e = r;
        e.allow = !defaultAllow;
        exceptions.push_back(e);
    }

    // Removing bits that a broader exception still grants would be silently
    // ignored by v1; refuse it instead of pretending.
    void remove(const DeviceRule& r, size_t index) {
        const std::tuple<int64_t, int64_t> broader[] = {{-1, r.minor}, {r.major, -1}, {-1, -1}};
        for (auto [maj, min] : broader) {
            if (maj == r.major && min == r.minor) continue;
            if (DeviceRule* w = find(r.type, maj, min); w && (w->access & r.access)) {
                throw Error("linux.resources.devices[" + std::to_string(index) + "]: rule \"" + r.cgroup_string() +
                            "\" cannot punch a hole in the earlier wildcard rule \"" + w->cgroup_string() +
                            "\" (not expressible in the devices cgroup)");
            }
        }
        if (DeviceRule* e = find(r.type, r.major, r.minor)) {
            e->access &= static_cast<uint8_t>(~r.access);
            if (e->access == 0)
                exceptions.erase(std::remove_if(exceptions.begin(), exceptions.end(),
                                                [](const DeviceRule& x) { return x.access == 0; }),
                                 exceptions.end());
        }
    }

    void apply(const DeviceRule& r, size_t index) {
        if (r.type == 'a') {
            // A wildcard resets the controller, whatever its numbers say (as v1 does).
            defaultAllow = r.allow;
            exceptions.clear();
            return;
        }
        if (r.allow == defaultAllow)
            remove(r, index);
        else
            add(r);
    }

    DeviceState state() const {
        DeviceState s{defaultAllow, exceptions};
        std::sort(s.exceptions.begin(), s.exceptions.end(), [](const DeviceRule& a, const DeviceRule& b) {
            return std::tie(a.major, a.minor, a.type) < std::tie(b.major, b.minor, b.type);
        });
        return s;
    }
};

}  // namespace

std::string DeviceRule::cgroup_string() const {
    return std::string(1, type) + " " + number(major) + ":" + number(minor) + " " + access_string(access);
}

std::vector<DeviceRule> to_device_rules(const std::vector<spec::DeviceCgroupRule>& rules) {
    std::vector<DeviceRule> out;
    for (size_t i = 0; i < rules.size(); ++i) {
        const auto& s = rules[i];
        const std::string field = "linux.resources.devices[" + std::to_string(i) + "]";
        DeviceRule r;
        r.allow = s.allow;
        if (s.type.empty() || s.type == "a")
            r.type = 'a';
        else if (s.type == "c" || s.type == "b")
            r.type = s.type[0];
        else
            throw Error(field + ": invalid device type \"" + s.type + "\" (want a, c or b)");
        r.major = s.major.value_or(-1);
        r.minor = s.minor.value_or(-1);
        if (r.major < -1 || r.major > UINT32_MAX || r.minor < -1 || r.minor > UINT32_MAX)
            throw Error(field + ": device number out of range");
        if (s.access.empty()) {
            r.access = kAccessAll;
        } else {
            r.access = 0;
            for (char c : s.access) {
                if (c == 'r') r.access |= kAccessRead;
                else if (c == 'w') r.access |= kAccessWrite;
                else if (c == 'm') r.access |= kAccessMknod;
                else throw Error(field + ": invalid access \"" + s.access + "\" (want a subset of rwm)");
            }
        }
        out.push_back(r);
    }
    return out;
}

DeviceState emulate_devices(const std::vector<DeviceRule>& rules) {
    Model m;
    for (size_t i = 0; i < rules.size(); ++i) m.apply(rules[i], i);
    return m.state();
}

DeviceState parse_devices_list(const std::string& text) {
    Model m;
    // "type major:minor access" lines; no streams (their first use costs a
    // locale set-up, and this runs on every create).
    std::string_view rest = text;
    while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        std::string_view f[3];
        size_t n = 0, i = 0;
        while (n < 3 && i < line.size()) {
            while (i < line.size() && line[i] == ' ') ++i;
            size_t j = line.find(' ', i);
            if (j == std::string_view::npos) j = line.size();
            if (j > i) f[n++] = line.substr(i, j - i);
            i = j;
        }
        if (n < 3) continue;
        const std::string_view type = f[0], nums = f[1], access = f[2];
        DeviceRule r;
        r.allow = true;
        r.type = type[0];
        if (r.type == 'a') {
            m.defaultAllow = true;
            m.exceptions.clear();
            continue;
        }
        auto bad = [&] { return Error("parse devices.list: bad line \"" + std::string(line) + "\""); };
        auto colon = nums.find(':');
        if (colon == std::string_view::npos) throw bad();
        auto number = [&](std::string_view s) -> int64_t {
            if (s == "*") return -1;
            int64_t v = 0;
            auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            if (ec != std::errc() || p != s.data() + s.size()) throw bad();
            return v;
        };
        r.major = number(nums.substr(0, colon));
        r.minor = number(nums.substr(colon + 1));
        r.access = 0;
        for (char c : access) {
            if (c == 'r') r.access |= kAccessRead;
            if (c == 'w') r.access |= kAccessWrite;
            if (c == 'm') r.access |= kAccessMknod;
        }
        m.add(r);
    }
    return m.state();
}

std::vector<std::pair<std::string, std::string>> v1_device_writes(const DeviceState& current,
                                                                   const DeviceState& target) {
    std::vector<std::pair<std::string, std::string>> out;
    const char* grant = target.defaultAllow ? "devices.deny" : "devices.allow";
    const char* revoke = target.defaultAllow ? "devices.allow" : "devices.deny";
    std::vector<DeviceRule> old = current.exceptions;
    if (current.defaultAllow || current.defaultAllow != target.defaultAllow) {
        out.emplace_back(target.defaultAllow ? "devices.allow" : "devices.deny", "a *:* rwm");
        old.clear();
    }
    auto bits_in = [](const std::vector<DeviceRule>& list, const DeviceRule& r) -> uint8_t {
        for (const auto& e : list)
            if (same_device(e, r.type, r.major, r.minor)) return e.access;
        return 0;
    };
    for (const auto& e : old) {
        uint8_t dropped = e.access & static_cast<uint8_t>(~bits_in(target.exceptions, e));
        if (dropped) {
            DeviceRule r = e;
            r.access = dropped;
            out.emplace_back(revoke, r.cgroup_string());
        }
    }
    for (const auto& e : target.exceptions) {
        uint8_t gained = e.access & static_cast<uint8_t>(~bits_in(old, e));
        if (gained) {
            DeviceRule r = e;
            r.access = gained;
            out.emplace_back(grant, r.cgroup_string());
        }
    }
    return out;
}

std::vector<spec::DeviceCgroupRule> container_device_rules(const spec::Linux& linux) {
    std::vector<spec::DeviceCgroupRule> rules;
    if (linux.resources) rules = linux.resources->devices;
    struct Default {
        const char* path;  // nullptr: a rule without a device node
        const char* type;
        int64_t major, minor;
        const char* access;
    };
    static constexpr Default kDefaults[] = {
        {nullptr, "c", -1, -1, "m"},       {nullptr, "b", -1, -1, "m"},
        {"/dev/null", "c", 1, 3, "rwm"},   {"/dev/random", "c", 1, 8, "rwm"},
        {"/dev/full", "c", 1, 7, "rwm"},   {"/dev/tty", "c", 5, 0, "rwm"},
        {"/dev/zero", "c", 1, 5, "rwm"},   {"/dev/urandom", "c", 1, 9, "rwm"},
        {nullptr, "c", 136, -1, "rwm"},    {nullptr, "c", 5, 2, "rwm"},
        {nullptr, "c", 10, 200, "rwm"},
    };
    for (const auto& d : kDefaults) {
        if (d.path && std::any_of(linux.devices.begin(), linux.devices.end(),
                                  [&](const spec::Device& s) { return s.path == d.path; }))
            continue;
        spec::DeviceCgroupRule r;
        r.allow = true;
        r.type = d.type;
        if (d.major >= 0) r.major = d.major;
        if (d.minor >= 0) r.minor = d.minor;
        r.access = d.access;
        rules.push_back(r);
    }
    return rules;
}

}  // namespace berth::cgroups

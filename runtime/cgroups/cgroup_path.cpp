#include "runtime/cgroups/cgroup_path.hpp"

#include <vector>

#include "common/error.hpp"

namespace berth::cgroups {

namespace {

const std::string kField = "linux.cgroupsPath";

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void check_id(const std::string& id) {
    if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos)
        throw Error("invalid container id \"" + id + "\" for a cgroup path");
}

std::string systemd_path(const std::string& spec) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        size_t colon = spec.find(':', start);
        parts.push_back(spec.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    if (parts.size() != 3)
        throw Error(kField + ": expected \"slice:prefix:name\" for systemd cgroups, got \"" + spec + "\"");
    const std::string& slice = parts[0].empty() ? std::string("system.slice") : parts[0];
    const std::string& prefix = parts[1];
    const std::string& name = parts[2];
    if (name.empty() || name.find('/') != std::string::npos || prefix.find('/') != std::string::npos)
        throw Error(kField + ": invalid systemd unit name in \"" + spec + "\"");
    if (ends_with(name, ".slice")) {
        // The container gets a slice of its own; systemd nests it by its name alone.
        std::string p = expand_systemd_slice(name);
        if (p.empty()) throw Error(kField + ": \"" + spec + "\" resolves to the root cgroup");
        return p;
    }
    std::string unit = prefix.empty() ? name + ".scope" : prefix + "-" + name + ".scope";
    return expand_systemd_slice(slice) + "/" + unit;
}

}  // namespace

std::string clean_absolute(const std::string& path) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i <= path.size()) {
        size_t slash = path.find('/', i);
        if (slash == std::string::npos) slash = path.size();
        std::string part = path.substr(i, slash - i);
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        i = slash + 1;
    }
    std::string out;
    for (const auto& p : parts) out += "/" + p;
    return out.empty() ? "/" : out;
}

std::string expand_systemd_slice(const std::string& slice) {
    if (slice == "-.slice") return "";
    if (!ends_with(slice, ".slice") || slice.find('/') != std::string::npos)
        throw Error(kField + ": invalid systemd slice name \"" + slice + "\"");
    std::string base = slice.substr(0, slice.size() - 6);
    if (base.empty() || base.front() == '-' || base.back() == '-' || base.find("--") != std::string::npos)
        throw Error(kField + ": invalid systemd slice name \"" + slice + "\"");
    std::string out;
    size_t pos = 0;
    for (;;) {
        size_t dash = base.find('-', pos);
        out += "/" + base.substr(0, dash) + ".slice";
        if (dash == std::string::npos) break;
        pos = dash + 1;
    }
    return out;
}

std::string resolve_cgroup_path(const std::optional<std::string>& cgroupsPath, const std::string& containerId,
                                bool systemd) {
    check_id(containerId);
    std::string result;
    if (systemd) {
        result = systemd_path(cgroupsPath && !cgroupsPath->empty() ? *cgroupsPath : ":berth:" + containerId);
    } else if (!cgroupsPath || cgroupsPath->empty()) {
        result = std::string(kDefaultParent) + "/" + containerId;
    } else if ((*cgroupsPath)[0] == '/') {
        result = *cgroupsPath;
    } else {
        // Cleaned on its own first, so "../x" stays below the default parent.
        std::string rel = clean_absolute("/" + *cgroupsPath);
        if (rel == "/") throw Error(kField + ": \"" + *cgroupsPath + "\" names no cgroup");
        result = std::string(kDefaultParent) + rel;
    }
    result = clean_absolute(result);
    if (result == "/") throw Error(kField + ": \"" + cgroupsPath.value_or("") + "\" resolves to the root cgroup");
    return result;
}

}  // namespace berth::cgroups

#include "spec/state.hpp"

#include <cstdint>
#include <cstdio>

#include "spec/go_json.hpp"
#include "spec/json_reader.hpp"

namespace berth::spec {

using detail::go_quote;

const char* to_string(Status s) {
    switch (s) {
    case Status::Creating: return "creating";
    case Status::Created: return "created";
    case Status::Running: return "running";
    case Status::Stopped: return "stopped";
    case Status::Paused: return "paused";
    }
    return "unknown";
}

std::optional<Status> status_from_string(std::string_view s) {
    if (s == "creating") return Status::Creating;
    if (s == "created") return Status::Created;
    if (s == "running") return Status::Running;
    if (s == "stopped") return Status::Stopped;
    if (s == "paused") return Status::Paused;
    return std::nullopt;
}

namespace {

// `"key": ` at `indent` spaces, for the pretty layout.
void pretty_key(std::string& out, const char* indent, std::string_view key) {
    out += indent;
    go_quote(out, key);
    out += ": ";
}

void compact_annotations(std::string& out, const std::map<std::string, std::string>& a) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : a) {
        if (!first) out += ',';
        first = false;
        go_quote(out, k);
        out += ':';
        go_quote(out, v);
    }
    out += '}';
}

}  // namespace

std::string state_to_json(const State& s) {
    std::string out;
    out.reserve(256);
    out += "{\n";
    pretty_key(out, "  ", "ociVersion");
    go_quote(out, s.ociVersion);
    out += ",\n";
    pretty_key(out, "  ", "id");
    go_quote(out, s.id);
    out += ",\n";
    pretty_key(out, "  ", "pid");
    out += std::to_string(s.pid);
    out += ",\n";
    pretty_key(out, "  ", "status");
    go_quote(out, to_string(s.status));
    out += ",\n";
    pretty_key(out, "  ", "bundle");
    go_quote(out, s.bundle);
    out += ",\n";
    pretty_key(out, "  ", "rootfs");
    go_quote(out, s.rootfs);
    out += ",\n";
    pretty_key(out, "  ", "created");
    go_quote(out, s.created);
    out += ",\n";
    if (!s.annotations.empty()) {
        pretty_key(out, "  ", "annotations");
        out += "{\n";
        bool first = true;
        for (const auto& [k, v] : s.annotations) {
            if (!first) out += ",\n";
            first = false;
            pretty_key(out, "    ", k);
            go_quote(out, v);
        }
        out += "\n  },\n";
    }
    pretty_key(out, "  ", "owner");
    go_quote(out, s.owner);
    out += "\n}";
    return out;
}

std::string oci_state_to_json(const State& s) {
    std::string out;
    out.reserve(192);
    out += "{\"ociVersion\":";
    go_quote(out, s.ociVersion);
    out += ",\"id\":";
    go_quote(out, s.id);
    out += ",\"status\":";
    go_quote(out, to_string(s.status));
    if (s.pid != 0) {
        out += ",\"pid\":";
        out += std::to_string(s.pid);
    }
    out += ",\"bundle\":";
    go_quote(out, s.bundle);
    if (!s.annotations.empty()) {
        out += ",\"annotations\":";
        compact_annotations(out, s.annotations);
    }
    out += '}';
    return out;
}

std::string container_process_state_to_json(const State& s, int pid, const std::vector<std::string>& fds,
                                            const std::string& metadata) {
    std::string out = "{\"ociVersion\":";
    go_quote(out, s.ociVersion);
    out += ",\"fds\":[";
    for (std::size_t i = 0; i < fds.size(); ++i) {
        if (i) out += ',';
        go_quote(out, fds[i]);
    }
    out += "],\"pid\":";
    out += std::to_string(pid);
    if (!metadata.empty()) {
        out += ",\"metadata\":";
        go_quote(out, metadata);
    }
    out += ",\"state\":";
    out += oci_state_to_json(s);
    out += '}';
    return out;
}

namespace {

State read_state(detail::Pull& j, const detail::Path& root) {
    using namespace detail;
    const Ctx& c = j.ctx();
    State s;
    bool version = false, id = false, status = false, pid = false, bundle = false;
    j.object(root, [&](std::string_view k, const Path& kp) {
        if (k == "ociVersion") {
            s.ociVersion = j.string(kp), version = true;
        } else if (k == "id") {
            s.id = j.string(kp), id = true;
        } else if (k == "status") {
            std::string name = j.string(kp);
            auto st = status_from_string(name);
            if (!st)
                c.fail(kp, "unknown status " + quote(name) +
                               " (expected one of: created, creating, paused, running, stopped)");
            s.status = *st, status = true;
        } else if (k == "pid") {
            s.pid = j.integer<int>(kp), pid = true;
            if (s.pid < 0) c.out_of_range(kp, std::to_string(s.pid), "0 to " + std::to_string(INT32_MAX));
        } else if (k == "bundle") {
            s.bundle = j.string(kp), bundle = true;
        } else if (k == "rootfs") {
            s.rootfs = j.string(kp);
        } else if (k == "created") {
            s.created = j.string(kp);
        } else if (k == "owner") {
            s.owner = j.string(kp);
        } else if (k == "annotations") {
            s.annotations = j.string_map(kp);
        } else {
            return false;
        }
        return true;
    });
    // state-schema.json: ociVersion, id, status and bundle are required;
    // runtime.md: so is pid when the status is created or running.
    if (!version) c.missing(root, "ociVersion");
    if (!id) c.missing(root, "id");
    if (!status) c.missing(root, "status");
    if (!pid && (s.status == Status::Created || s.status == Status::Running)) c.missing(root, "pid");
    if (!bundle) c.missing(root, "bundle");
    return s;
}


}  // namespace

State parse_state(std::string_view json, std::string_view origin) {
    detail::Ctx c(origin);
    return detail::read_document(json, c, read_state);
}

std::string rfc3339_nano(int64_t unix_seconds, uint32_t nanoseconds) {
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    int64_t days = unix_seconds / 86400;
    int64_t rem = unix_seconds % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) ++y;

    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", static_cast<long long>(y),
                          static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rem / 3600),
                          static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
    std::string out(buf, static_cast<std::size_t>(n));
    if (nanoseconds % 1000000000u != 0) {
        std::snprintf(buf, sizeof buf, ".%09u", nanoseconds % 1000000000u);
        std::string frac(buf);
        while (frac.back() == '0') frac.pop_back();
        out += frac;
    }
    out += 'Z';
    return out;
}

}  // namespace berth::spec

// The container state of runtime.md ("State") with runc's extras (rootfs,
// created, owner, and the "paused" status), plus the JSON layouts runc uses:
//   - state_to_json: what `runc state` prints (json.MarshalIndent, 2 spaces,
//     field order and escaping of Go's encoding/json, no trailing newline);
//   - oci_state_to_json: runtime.md's state, compact, as passed to hooks on
//     stdin and in the seccomp agent's container process state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/spec_error.hpp"

namespace berth::spec {

enum class Status { Creating, Created, Running, Stopped, Paused };

const char* to_string(Status s);
std::optional<Status> status_from_string(std::string_view s);

struct State {
    std::string ociVersion;
    std::string id;
    Status status = Status::Creating;
    int pid = 0;  // runc prints 0 once the container is stopped
    std::string bundle;
    std::string rootfs;
    std::string created;  // RFC 3339 with nanoseconds, UTC (see rfc3339_nano)
    std::string owner;    // runc leaves it "" in `state`, fills it in `list`
    std::map<std::string, std::string> annotations;
    bool operator==(const State&) const = default;
};

// `runc state` layout:
// {
//   "ociVersion": "1.3.0",
//   "id": "c1",
//   "pid": 4242,
//   "status": "running",
//   "bundle": "/b",
//   "rootfs": "/b/rootfs",
//   "created": "2024-05-01T10:00:00.123456789Z",
//   "annotations": {          <- only when not empty
//     "k": "v"
//   },
//   "owner": ""
// }
std::string state_to_json(const State& s);

// runtime.md state, compact, Go's json.Marshal of specs.State:
// {"ociVersion":..,"id":..,"status":..,"pid":N (omitted when 0),"bundle":..,"annotations":{..} (omitted when empty)}
std::string oci_state_to_json(const State& s);

// config-linux.md "The Container Process State" sent to a seccomp agent.
std::string container_process_state_to_json(const State& s, int pid, const std::vector<std::string>& fds,
                                            const std::string& metadata);

// Reads either layout above (unknown fields ignored). Required: ociVersion, id,
// status, bundle (state-schema.json), and pid when the status is created or
// running (runtime.md). Errors name the JSON path like parse_config's.
State parse_state(std::string_view json, std::string_view origin = "state.json");

// Go's time.RFC3339Nano in UTC: "2006-01-02T15:04:05.999999999Z" with
// trailing zeros of the fraction dropped (and the dot when it is zero).
std::string rfc3339_nano(int64_t unix_seconds, uint32_t nanoseconds);

}  // namespace berth::spec

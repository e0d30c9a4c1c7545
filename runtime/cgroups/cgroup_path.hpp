// linux.cgroupsPath -> the cgroup path berth uses, the same below every
// hierarchy root (e.g. "/docker/<id>" -> /sys/fs/cgroup/memory/docker/<id>).
//
// cgroupfs driver (the default):
//   absolute "/a/b"   -> "/a/b" (cleaned lexically; ".." cannot climb above the root)
//   relative "a/b"    -> "/berth/a/b"
//   unset or empty    -> "/berth/<id>"
// runc resolves relative and unset paths against its OWN cgroup. berth never
// does: its own cgroup may belong to someone else (a service manager, a CI
// slice); a fixed "/berth" parent keeps containers out of it on every host.
//
// --systemd-cgroup ("slice:prefix:name", as runc's systemd driver takes it):
// mapped to the cgroupfs path systemd would use, without talking to systemd:
//   "system.slice:docker:abc" -> "/system.slice/docker-abc.scope"
//   "a-b.slice:p:n"           -> "/a.slice/a-b.slice/p-n.scope"   (slice names nest on '-')
//   ":p:n"                    -> "/system.slice/p-n.scope"        (empty slice = system.slice)
//   "s.slice::n"              -> "/s.slice/n.scope"               (empty prefix)
//   "s.slice:p:n.slice"       -> "/s.slice/n.slice"  (a slice name is used as a slice, not a scope)
//   unset                     -> "/system.slice/berth-<id>.scope"
// Real systemd units (transient scopes over D-Bus) are out of scope.
#pragma once

#include <optional>
#include <string>

namespace berth::cgroups {

inline constexpr const char* kDefaultParent = "/berth";

// Throws berth::Error ("linux.cgroupsPath: ...") for malformed input or a path
// that resolves to the root cgroup.
std::string resolve_cgroup_path(const std::optional<std::string>& cgroupsPath, const std::string& containerId,
                                bool systemd);

// "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "". Exposed for tests.
std::string expand_systemd_slice(const std::string& slice);

// Lexical clean of an absolute path: collapses "//", "." and "..", never
// climbing above "/". Exposed for tests.
std::string clean_absolute(const std::string& path);

}  // namespace berth::cgroups

// A user namespace that exists only to carry an id mapping, for id-mapped
// mounts (mount_setattr MOUNT_ATTR_IDMAP takes a user namespace fd).
#pragma once

#include <string>
#include <vector>

#include "common/unique_fd.hpp"
#include "spec/config.hpp"

namespace berth::kernel {

// "0 1000 1\n..." as written to /proc/<pid>/uid_map.
std::string format_id_map(const std::vector<spec::IdMapping>& mappings);

// Forks a helper that unshares a user namespace, writes the mappings to its
// uid_map and gid_map, opens its /proc/<pid>/ns/user and lets it exit.
// Needs CAP_SETUID/CAP_SETGID over the mapped ids. Throws Error.
UniqueFd make_idmap_userns(const std::vector<spec::IdMapping>& uidMappings,
                           const std::vector<spec::IdMapping>& gidMappings);

}  // namespace berth::kernel

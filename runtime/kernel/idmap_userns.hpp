// Id-mapped bind mounts (mount_setattr MOUNT_ATTR_IDMAP): the user namespace
// that carries a mapping, and the id-mapped source trees the runtime makes
// before a container with a user namespace is cloned.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/unique_fd.hpp"
#include "spec/config.hpp"

namespace berth::kernel {

// "0 1000 1\n..." as written to /proc/<pid>/uid_map.
std::string format_id_map(const std::vector<spec::IdMapping>& mappings);

// Forks a helper that unshares a user namespace, writes the mappings to its
// uid_map and gid_map, opens its /proc/<pid>/ns/user and lets it exit.
// The mappings are read in the caller's user namespace: call it from the
// runtime's (the host's) to map host ids. Throws Error.
UniqueFd make_idmap_userns(const std::vector<spec::IdMapping>& uidMappings,
                           const std::vector<spec::IdMapping>& gidMappings);

// Detached, id-mapped copies of the sources of a config's idmap bind mounts.
//
// Setting MOUNT_ATTR_IDMAP needs CAP_SYS_ADMIN over the user namespace of the
// source's filesystem (the host's), which a process inside the container's
// user namespace never has. So, as runc 1.2 and crun do, the runtime makes the
// id-mapped trees in its own namespaces and the container process only
// attaches them (move_mount into its mount namespace is allowed there).
// The trees are made before the container process is cloned: the clone
// inherits the fds and the config at the same addresses, so the child finds
// its tree by the address of the config's mount entry.
class IdmappedSources {
public:
    IdmappedSources() = default;
    IdmappedSources(IdmappedSources&&) noexcept = default;
    IdmappedSources& operator=(IdmappedSources&&) noexcept = default;

    // The detached tree made for this entry of config.mounts, or -1.
    int tree_for(const spec::Mount& mount) const;
    bool empty() const { return trees_.empty(); }
    size_t size() const { return trees_.size(); }

    void add(const spec::Mount& mount, UniqueFd tree) { trees_.emplace_back(&mount, std::move(tree)); }

private:
    std::vector<std::pair<const spec::Mount*, UniqueFd>> trees_;
};

// For a config whose container has a user namespace (new, or joined by
// path), makes the id-mapped tree of every bind mount with "idmap"/"ridmap"
// or uid/gid mappings; for any other config, nothing (the container process
// can set the mapping itself). A mount's own mappings are host ids; without
// them the container's mapping is used: linux.uidMappings/gidMappings of a
// new user namespace, or the joined user namespace itself. Call it in the
// runtime's namespaces, before cloning the container process; keep the
// result alive until the clone. `bundle`: relative sources resolve against
// it. Throws Error (EINVAL for mappings that are not given in pairs).
IdmappedSources prepare_idmapped_sources(const spec::Config& config, const std::string& bundle);

}  // namespace berth::kernel

// How the lifecycle uses the cgroup manager (runtime/cgroups/): one place, so
// create, delete, kill, pause and the status check stay free of cgroup detail.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/container/state_store.hpp"
#include "spec/config.hpp"

namespace berth::cgroups { class Manager; }

namespace berth::container {

// The cgroup path CgroupSetup will use (linux.cgroupsPath resolved).
std::string planned_cgroup_path(const spec::Config&, const std::string& id, bool systemdCgroup);

// The cgroup of a container being created, removed again unless commit() is
// called. In two steps, so the v1 directories and the limits (most of the
// work) overlap the init's own setup: the constructor makes only what
// clone3(CLONE_INTO_CGROUP) needs; finish(), right after the clone and before
// the init may join a v1 hierarchy or exec, makes the rest and writes
// linux.resources and the device rules (runc's order too: Apply, then Set).
class CgroupSetup {
public:
    CgroupSetup(const spec::Config&, const std::string& id, bool systemdCgroup);
    void finish(bool placedByClone);
    CgroupSetup(CgroupSetup&&) noexcept;
    ~CgroupSetup();

    const std::string& path() const { return path_; }
    int clone_into_fd() const;                 // -1 when clone3 cannot place the child
    // True when the child must wait until add_process() put it in the
    // hierarchies clone3 does not cover (v1 controllers on hybrid hosts).
    bool needs_join_after_clone(bool placedByClone) const;
    void add_process(pid_t pid, bool placedByClone);  // the hierarchies clone3 did not cover
    // The v1 `tasks` files the init writes "0" to, first thing, when that
    // covers every hierarchy clone3 did not (hybrid placed by clone3, or
    // legacy): then neither add_process() nor a wait for the parent is
    // needed. Empty otherwise (v2; hybrid without CLONE_INTO_CGROUP).
    std::vector<std::string> self_join_files(bool placedByClone) const;
    // Keeps the cgroup; the manager stays usable (run deletes with it).
    std::unique_ptr<cgroups::Manager> commit();

private:
    const spec::Config& config_;
    std::unique_ptr<cgroups::Manager> manager_;
    std::string path_;
    bool committed_ = false;
};

// For later commands: the cgroup recorded in the container's state.
std::unique_ptr<cgroups::Manager> open_cgroup(const ContainerRecord&);
bool cgroup_is_frozen(const ContainerRecord&);
void destroy_cgroup(const ContainerRecord&);
// The same with the manager create returned (no second look at the host's layout).
void destroy_cgroup(const ContainerRecord&, cgroups::Manager* created);

}  // namespace berth::container

// Namespaces: which to create and which to join, the clone3() call that
// creates the container's init, id maps, joining by path, time offsets.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"
#include "spec/config.hpp"

namespace berth::kernel {

int clone_flag(spec::NamespaceType);

struct NamespaceJoin {
    spec::NamespaceType type;
    std::string path;
};

// What linux.namespaces asks for, split into clone flags and joins.
struct NamespacePlan {
    uint64_t cloneFlags = 0;          // CLONE_NEW* created by clone3 (time is created by the child: offsets first)
    // CLONE_NEW* the child creates itself with unshare(), once it sits in all its
    // cgroups and (with a new user namespace) is that namespace's root: the
    // cgroup namespace (its root must be the container's cgroups, which v1
    // hierarchies join only after clone); in a new user namespace, ipc (its
    // /dev/mqueue belongs to whoever creates it); in a joined user namespace,
    // all but pid (they must belong to that user namespace).
    uint64_t unshareFlags = 0;
    // CLONE_NEW* the child creates first thing, before it waits for the
    // parent: the network namespace (setup_net is most of clone3's cost, ~0.5 ms
    // here), so that it overlaps the parent's post-clone cgroup work. Only
    // without a user namespace (else it must be made inside that namespace).
    uint64_t unshareFirst = 0;
    bool joinsUser() const { return join_of(spec::NamespaceType::User) != nullptr; }
    bool newUser = false;
    bool newTime = false;             // unshare + offsets + setns in the child
    bool newMount = false;
    bool joinsMount = false;
    bool hasMountNamespace() const { return newMount || joinsMount; }
    // linux.namespaces has an entry of this type (new or joined by path).
    bool has(spec::NamespaceType t) const {
        const uint64_t flag = static_cast<uint64_t>(clone_flag(t));
        return ((cloneFlags | unshareFlags | unshareFirst) & flag) != 0 || (t == spec::NamespaceType::Time && newTime) ||
               join_of(t) != nullptr;
    }
    std::vector<NamespaceJoin> joins;  // in the order they must be entered: user first
    const NamespaceJoin* join_of(spec::NamespaceType) const;
};

NamespacePlan plan_namespaces(const spec::Config&);

struct ClonedProcess {
    pid_t pid = 0;   // 0 in the child
    UniqueFd pidfd;  // parent only
};

// clone3() without CLONE_VM: fork semantics plus new namespaces, a pidfd, and
// (cgroupFd >= 0) CLONE_INTO_CGROUP so the child never runs outside its cgroup.
// Throws berth::Error with the errno; a caller may retry without cgroupFd.
ClonedProcess clone_process(uint64_t flags, int cgroupFd);

// clone_process() for a container that joins an existing user namespace: the
// new namespaces must belong to that user namespace, so they cannot be made by
// us (the runtime's user namespace). A short-lived helper joins userns and
// clones the init with CLONE_PARENT, so the init is still our child (waitpid,
// pidfd_open without a reuse race). Returns as clone_process does: in the init
// with pid 0, in the caller with the init's pid and a pidfd; the helper never
// returns. The init starts in userns (it must not join it again).
ClonedProcess clone_process_in_user_namespace(const std::string& userns, uint64_t flags);

// Opens a namespace file and setns() into it, checking it is of that type.
void join_namespace(const NamespaceJoin&);

// Writes /proc/PID/{uid,gid}_map (the parent does this for a new user namespace).
void write_id_mappings(pid_t pid, const std::vector<spec::IdMapping>& uids,
                       const std::vector<spec::IdMapping>& gids);

// In the child: create a time namespace, write its offsets, and enter it.
void enter_new_time_namespace(const spec::TimeOffsets&);

}  // namespace berth::kernel

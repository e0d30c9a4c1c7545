#include "runtime/container/container_status.hpp"

#include "runtime/container/cgroup_link.hpp"
#include "runtime/kernel/proc_status.hpp"
#include "spec/config.hpp"

namespace berth::container {

spec::Status container_status(const ContainerDir& dir, const ContainerRecord* rec) {
    if (!rec || rec->pid <= 0) return spec::Status::Creating;
    if (!kernel::process_is_alive(rec->pid, rec->pidStartTime)) return spec::Status::Stopped;
    if (rec->creating) return spec::Status::Creating;
    // Frozen first, as runc: a paused created container is "paused" (resume
    // then finds it paused, and it is "created" again after).
    if (cgroup_is_frozen(*rec)) return spec::Status::Paused;
    if (dir.exists("exec.fifo")) return spec::Status::Created;
    return spec::Status::Running;
}

spec::State make_state(const ContainerDir&, const ContainerRecord& rec, spec::Status status) {
    spec::State s;
    s.ociVersion = spec::kSpecVersion;
    s.id = rec.id;
    s.status = status;
    s.pid = status == spec::Status::Stopped ? 0 : rec.pid;
    s.bundle = rec.bundle;
    s.rootfs = rec.rootfs;
    s.created = rec.created;
    s.owner = rec.owner;
    s.annotations = rec.annotations;
    return s;
}

}  // namespace berth::container

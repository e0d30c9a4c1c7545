// The state store: one directory per container under --root.
//
//   <root>/<id>/            mode 0700, flock()ed by every command working on <id>
//   <root>/<id>/state.json  the record below, replaced atomically (write temp + rename)
//   <root>/<id>/config.json the config as it was at create (runtime.md: later edits of the
//                           bundle must not affect the container)
//   <root>/<id>/exec.fifo   exists from create until start (see sync_protocol.hpp)
//
// The lock is per container, so commands on different ids never wait for
// each other; mkdir() of the directory is what makes an id unique.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"

namespace berth::container {

// runc's rule: letters, digits, '_', '+', ',', '-', '.', not "." or "..", no '/'.
void validate_container_id(const std::string& id);

struct ContainerRecord {
    std::string id;
    std::string bundle;
    std::string rootfs;
    pid_t pid = 0;              // host pid of the container's init; 0 while creating
    uint64_t pidStartTime = 0;  // /proc/PID/stat start time: guards against pid reuse
    std::string created;        // RFC 3339 UTC, nanoseconds
    std::string owner;
    std::string cgroupPath;     // resolved cgroup path ("" = no cgroup)
    std::map<std::string, std::string> annotations;
    bool hasLifecycleHooks = false;  // poststart/poststop present: commands parse config.json only then
    bool creating = false;      // create has not finished (its init is still being set up)
};

class ContainerDir {
public:
    // Creates <root>/<id> (and root itself); fails if the id is taken.
    static ContainerDir create(const std::string& root, const std::string& id);
    // Opens (and by default locks) an existing container; "container does not
    // exist" otherwise. Readers (state, list) skip the lock: records are replaced
    // atomically, and a reader must not wait behind a long create.
    static ContainerDir open(const std::string& root, const std::string& id, bool lock = true);

    ContainerDir(ContainerDir&&) noexcept = default;
    ContainerDir& operator=(ContainerDir&&) noexcept = default;
    ~ContainerDir();

    const std::string& path() const { return path_; }
    const std::string& id() const { return id_; }
    int fd() const { return dirFd_.get(); }
    std::string file(const char* name) const { return path_ + "/" + name; }

    bool has_record() const;
    ContainerRecord read_record() const;
    void write_record(const ContainerRecord&) const;
    std::string read_file(const char* name) const;
    void write_file(const char* name, const std::string& data) const;
    bool exists(const char* name) const;

    // `run` stays in the foreground for the container's whole life: it drops the
    // lock meanwhile (so kill, delete, exec... work) and takes it back to delete.
    // relock() fails with "container does not exist" when someone deleted it meanwhile.
    void unlock() const;
    void relock() const;

    // Removes the directory and everything in it.
    void remove();
    // A create that failed removes what it made unless committed.
    void commit() { committed_ = true; }
    void remove_unless_committed() { if (!committed_) remove(); }

private:
    ContainerDir(std::string root, std::string id, UniqueFd fd);
    std::string root_, id_, path_;
    UniqueFd dirFd_;
    bool committed_ = true;
    bool removed_ = false;
};

// Ids of every container under root (directories only; no locks taken).
std::vector<std::string> list_container_ids(const std::string& root);

}  // namespace berth::container

// create, start, state, kill, delete, list: the lifecycle commands of runtime.md.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/stdout.hpp"
#include "hooks/hooks.hpp"
#include "runtime/cgroups/manager.hpp"
#include "runtime/container/cgroup_link.hpp"
#include "runtime/container/container_builder.hpp"
#include "runtime/container/container_status.hpp"
#include "runtime/container/lifecycle.hpp"
#include "runtime/container/operations.hpp"
#include "runtime/kernel/proc_status.hpp"
#include "spec/state.hpp"

namespace berth::container {

int create(const GlobalOptions& g, const CreateOptions& o) {
    BuildOptions bo;
    bo.create = o;
    build_container(g, bo);
    return 0;
}

int start(const GlobalOptions& g, const std::string& id) {
    ContainerDir dir = ContainerDir::open(g.root, id);
    if (!dir.has_record()) throw Error("cannot start a container that is still being created");
    ContainerRecord rec = dir.read_record();
    switch (container_status(dir, &rec)) {
        case spec::Status::Created: break;
        case spec::Status::Stopped: throw Error("cannot start a container that has stopped");
        // We hold the lock, so the create that left this record has died.
        case spec::Status::Creating: throw Error("cannot start a container that is still being created");
        default: throw Error("cannot start an already running container");
    }
    try {
        start_container(dir, rec);
    } catch (const Error& e) {
        // runtime.md lifecycle step 7: a failed startContainer hook stops the
        // container and goes on at step 12: destroy it, then the poststop hooks
        // (`run` does this through its own delete). A failed execve only leaves
        // the container stopped, as with runc.
        if (hooks::is_hook_failure(e.what(), hooks::Phase::StartContainer)) {
            kill_and_wait(rec);
            destroy_container(dir, &rec);
        }
        throw;
    }
    return 0;
}

int state(const GlobalOptions& g, const std::string& id) {
    ContainerDir dir = ContainerDir::open(g.root, id, /*lock=*/false);
    if (!dir.has_record()) {
        spec::State s;
        s.ociVersion = spec::kSpecVersion;
        s.id = id;
        s.status = spec::Status::Creating;
        print_stdout(spec::state_to_json(s) + '\n');
        return 0;
    }
    ContainerRecord rec = dir.read_record();
    spec::Status st = container_status(dir, &rec);
    print_stdout(spec::state_to_json(make_state(dir, rec, st)) + '\n');
    return 0;
}

int kill(const GlobalOptions& g, const KillOptions& o) {
    ContainerDir dir = ContainerDir::open(g.root, o.id);
    if (!dir.has_record()) throw Error("container not running");
    ContainerRecord rec = dir.read_record();
    spec::Status st = container_status(dir, &rec);
    if (o.all && st == spec::Status::Stopped) {
        // Without a pid namespace of its own, processes can outlive the init:
        // --all still reaches them through the cgroup (runc does the same).
        auto cg = open_cgroup(rec);
        if (!cg) throw Error("container not running");
        try {
            cg->kill_all(o.signal);
        } catch (const Error& e) {
            spdlog::debug("kill --all {}: {}", rec.cgroupPath, e.what());
            throw Error("container not running");
        }
        return 0;
    }
    if (st == spec::Status::Stopped || st == spec::Status::Creating) throw Error("container not running");
    if (o.all) {
        if (auto cg = open_cgroup(rec)) {
            cg->kill_all(o.signal);
            return 0;
        }
    }
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, rec.pid, 0)));
    if (!pidfd || !kernel::process_is_alive(rec.pid, rec.pidStartTime)) throw Error("container not running");
    if (::syscall(SYS_pidfd_send_signal, pidfd.get(), o.signal, nullptr, 0) < 0) throw_errno("kill container");
    // A task frozen by the v1 freezer cannot die until it is thawed (v2 kills
    // frozen tasks): after SIGKILL a paused container is thawed, as runc does.
    if (o.signal == SIGKILL && st == spec::Status::Paused) {
        if (auto cg = open_cgroup(rec)) cg->thaw();
    }
    return 0;
}

int remove(const GlobalOptions& g, const DeleteOptions& o) {
    std::optional<ContainerDir> dir;
    try {
        dir.emplace(ContainerDir::open(g.root, o.id));
    } catch (const Error& e) {
        // Engines call `delete --force` on every cleanup, also for ids already gone (runc returns 0).
        if (o.force && e.code() == ENOENT) return 0;
        throw;
    }
    if (!dir->has_record()) {
        // We hold the lock, so the create that made this directory has died.
        if (!o.force) throw Error("cannot delete container " + o.id + " that is still being created");
        destroy_container(*dir, nullptr);
        return 0;
    }
    ContainerRecord rec;
    try {
        rec = dir->read_record();
    } catch (const Error& e) {
        if (!o.force) throw e.wrap("container " + o.id + ": unreadable state (delete --force removes it)");
        // A corrupt state.json (disk full, a crash mid-write by another tool):
        // what to clean up comes from the config copy; the cgroup's removal
        // kills every process in it, the init included.
        spdlog::warn("container {}: unreadable state ({}); removing it by its config", o.id, e.what());
        rec.id = o.id;
        try {
            rec.cgroupPath = planned_cgroup_path(saved_config(*dir), o.id, g.systemdCgroup);
        } catch (const Error& c) {
            spdlog::warn("container {}: no cgroup to remove: {}", o.id, c.what());
        }
        destroy_cgroup(rec);
        dir->remove();
        return 0;
    }
    spec::Status st = container_status(*dir, &rec);
    if (st != spec::Status::Stopped) {
        // runtime.md wants an error for any container that is not stopped, but
        // runc kills and deletes a created one without --force, and
        // containerd's shim deletes a created task (a failed or aborted
        // start) with a plain `delete`: the drop-in behaviour wins there.
        if (!o.force && st != spec::Status::Created)
            throw Error("cannot delete container " + o.id + " that is not stopped: " + status_name(st));
        kill_and_wait(rec);
    }
    destroy_container(*dir, &rec);
    return 0;
}

int list(const GlobalOptions& g, const ListOptions& o) {
    std::vector<spec::State> states;
    for (const auto& id : list_container_ids(g.root)) {
        try {
            ContainerDir dir = ContainerDir::open(g.root, id, /*lock=*/false);
            if (!dir.has_record()) continue;
            ContainerRecord rec = dir.read_record();
            states.push_back(make_state(dir, rec, container_status(dir, &rec)));
        } catch (const Error& e) {
            spdlog::debug("list: skip {}: {}", id, e.what());
        }
    }
    if (o.quiet) {
        for (const auto& s : states) print_stdout(s.id + '\n');
        return 0;
    }
    if (o.format == "json") {
        nlohmann::ordered_json arr = nlohmann::ordered_json::array();
        for (const auto& s : states) arr.push_back(nlohmann::ordered_json::parse(spec::state_to_json(s)));
        print_stdout((states.empty() ? std::string("null") : arr.dump()) + '\n');
        return 0;
    }
    if (o.format != "table") throw Error("invalid format option");
    // runc's tabwriter: minimum width 12, padding 3; the last column is not padded.
    std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
    for (const auto& s : states)
        rows.push_back({s.id, std::to_string(s.pid), status_name(s.status), s.bundle, s.created, s.owner});
    std::vector<size_t> width(5, 12);
    for (const auto& r : rows)
        for (size_t i = 0; i < 5; ++i) width[i] = std::max(width[i], r[i].size() + 3);
    for (const auto& r : rows) {
        std::string line;
        for (size_t i = 0; i < 5; ++i) line += r[i] + std::string(width[i] - r[i].size(), ' ');
        print_stdout(line + r[5] + '\n');
    }
    return 0;
}

}  // namespace berth::container

#include "runtime/kernel/namespaces.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "common/error.hpp"
#include "common/fault.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

namespace berth::kernel {

using spec::NamespaceType;

int clone_flag(NamespaceType t) {
    switch (t) {
        case NamespaceType::Pid: return CLONE_NEWPID;
        case NamespaceType::Network: return CLONE_NEWNET;
        case NamespaceType::Mount: return CLONE_NEWNS;
        case NamespaceType::Ipc: return CLONE_NEWIPC;
        case NamespaceType::Uts: return CLONE_NEWUTS;
        case NamespaceType::User: return CLONE_NEWUSER;
        case NamespaceType::Cgroup: return CLONE_NEWCGROUP;
        case NamespaceType::Time: return CLONE_NEWTIME;
    }
    return 0;
}

const NamespaceJoin* NamespacePlan::join_of(NamespaceType t) const {
    for (const auto& j : joins)
        if (j.type == t) return &j;
    return nullptr;
}

NamespacePlan plan_namespaces(const spec::Config& config) {
    NamespacePlan plan;
    if (!config.linux) return plan;
    for (const auto& ns : config.linux->namespaces) {
        if (!ns.path.empty()) {
            // The user namespace is joined first: it decides what we may do in the others.
            if (ns.type == NamespaceType::User)
                plan.joins.insert(plan.joins.begin(), {ns.type, ns.path});
            else
                plan.joins.push_back({ns.type, ns.path});
            if (ns.type == NamespaceType::Mount) plan.joinsMount = true;
            continue;
        }
        switch (ns.type) {
            case NamespaceType::Time: plan.newTime = true; break;
            case NamespaceType::User: plan.newUser = true; [[fallthrough]];
            default: plan.cloneFlags |= static_cast<uint64_t>(clone_flag(ns.type));
        }
        if (ns.type == NamespaceType::Mount) plan.newMount = true;
    }
    uint64_t later = CLONE_NEWCGROUP;
    if (plan.newUser) later |= CLONE_NEWIPC;
    if (plan.joinsUser()) later = ~static_cast<uint64_t>(CLONE_NEWPID);
    plan.unshareFlags = plan.cloneFlags & later;
    plan.cloneFlags &= ~later;
    if (!plan.newUser && !plan.joinsUser()) {
        plan.unshareFirst = plan.cloneFlags & CLONE_NEWNET;
        plan.cloneFlags &= ~static_cast<uint64_t>(CLONE_NEWNET);
    }
    return plan;
}

ClonedProcess clone_process(uint64_t flags, int cgroupFd) {
    int pidfd = -1;
    clone_args args{};
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    if (cgroupFd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(cgroupFd);
    }
    BERTH_FAULT_MARK("namespace", "clone3");
    long ret = syscall(SYS_clone3, &args, sizeof args);
    if (ret < 0) throw_errno(cgroupFd >= 0 ? "clone3 into cgroup" : "clone3");
    ClonedProcess p;
    p.pid = static_cast<pid_t>(ret);
    if (ret > 0) p.pidfd.reset(pidfd);
    return p;
}

ClonedProcess clone_process_in_user_namespace(const std::string& userns, uint64_t flags) {
    // The helper reports the init's pid (or -errno of the step that failed).
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw_errno("create pipe");
    UniqueFd readEnd(fds[0]), writeEnd(fds[1]);
    UniqueFd nsFd(::open(userns.c_str(), O_RDONLY | O_CLOEXEC));
    if (!nsFd) throw_errno("join user namespace " + userns);

    ClonedProcess helper = clone_process(0, -1);
    if (helper.pid == 0) {
        readEnd.reset();
        int report = 0;
        if (::setns(nsFd.get(), CLONE_NEWUSER) < 0) {
            report = -errno;
        } else {
            nsFd.reset();
            clone_args args{};
            args.flags = flags | CLONE_PARENT;
            // Must be 0 with CLONE_PARENT: the kernel takes the helper's own (SIGCHLD).
            args.exit_signal = 0;
            long ret = ::syscall(SYS_clone3, &args, sizeof args);
            if (ret == 0) {  // the init: goes on as clone_process's child would
                writeEnd.reset();
                return ClonedProcess{};
            }
            report = ret > 0 ? static_cast<int>(ret) : -errno;
        }
        (void)!::write(writeEnd.get(), &report, sizeof report);
        ::_exit(0);
    }
    writeEnd.reset();
    int report = 0;
    ssize_t n;
    do {
        n = ::read(readEnd.get(), &report, sizeof report);
    } while (n < 0 && errno == EINTR);
    while (::waitpid(helper.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (n != static_cast<ssize_t>(sizeof report)) throw Error("clone3 in user namespace " + userns + ": helper died", EIO);
    if (report < 0) throw_errno("clone3 in user namespace " + userns, -report);
    ClonedProcess p;
    p.pid = report;
    // Our child (CLONE_PARENT): its pid cannot be reused before we reap it.
    p.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, p.pid, 0)));
    if (!p.pidfd) {
        int err = errno;
        ::kill(p.pid, SIGKILL);
        ::waitpid(p.pid, nullptr, 0);
        throw_errno("pidfd_open of the container init", err);
    }
    return p;
}

void join_namespace(const NamespaceJoin& join) {
    std::string what = std::string("join ") + spec::to_string(join.type) + " namespace " + join.path;
    UniqueFd fd(::open(join.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno(what);
    BERTH_FAULT_MARK("namespace", what);
    if (::setns(fd.get(), clone_flag(join.type)) < 0) throw_errno(what);
}

static void write_file(const std::string& path, const std::string& data) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno("open " + path);
    ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0) throw_errno("write " + path);
    if (static_cast<size_t>(n) != data.size()) throw Error("write " + path + ": short write");
}

static std::string map_text(const std::vector<spec::IdMapping>& maps) {
    std::string s;
    for (const auto& m : maps)
        s += std::to_string(m.containerId) + " " + std::to_string(m.hostId) + " " + std::to_string(m.size) + "\n";
    return s;
}

void write_id_mappings(pid_t pid, const std::vector<spec::IdMapping>& uids,
                       const std::vector<spec::IdMapping>& gids) {
    std::string base = "/proc/" + std::to_string(pid);
    try {
        BERTH_FAULT_MARK("namespace", "write user namespace id mappings");
        if (!uids.empty()) write_file(base + "/uid_map", map_text(uids));
        if (!gids.empty()) write_file(base + "/gid_map", map_text(gids));
    } catch (const Error& e) {
        throw e.wrap("write user namespace id mappings");
    }
}

void enter_new_time_namespace(const spec::TimeOffsets& offsets) {
    BERTH_FAULT_MARK("namespace", "create time namespace");
    if (::unshare(CLONE_NEWTIME) < 0) throw_errno("create time namespace");
    std::string text;
    if (offsets.monotonic)
        text += "monotonic " + std::to_string(offsets.monotonic->secs) + " " + std::to_string(offsets.monotonic->nanosecs) + "\n";
    if (offsets.boottime)
        text += "boottime " + std::to_string(offsets.boottime->secs) + " " + std::to_string(offsets.boottime->nanosecs) + "\n";
    try {
        if (!text.empty()) write_file("/proc/self/timens_offsets", text);
    } catch (const Error& e) {
        throw e.wrap("set time namespace offsets");
    }
    // unshare() only affects children; setns() on time_for_children moves us in too.
    join_namespace({spec::NamespaceType::Time, "/proc/self/ns/time_for_children"});
}

}  // namespace berth::kernel

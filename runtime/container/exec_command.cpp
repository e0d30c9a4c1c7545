// `exec`: a new process in a running container.
//
// The parent (`berth exec`) points its children's pid namespace at the
// container's (setns on a pidfd of the init, so a recycled pid cannot be
// joined) and clone3()s the new process straight into the container's cgroup.
// The child sets its rlimits and oom_score_adj while it still has the host's
// privileges, joins the container's other namespaces through the same pidfd,
// sets up the process (console, LSM label, user, capabilities, cwd, seccomp)
// and execve()s. Protocol: the child waits for Go (sent once it has been put
// in the v1 cgroups, if any; its payload is the child's host pid), then
// reports failure as text over a CLOEXEC pipe; EOF on that pipe means execve
// succeeded. If `berth exec` dies before Go, the child reads EOF and exits.
//
// A paused container is refused unless --ignore-paused: then the process is
// created frozen, like everything in that cgroup, and exec returns (or, in the
// foreground, runs) once the container is resumed.
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <map>
#include <sstream>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "runtime/cgroups/manager.hpp"
#include "runtime/container/cgroup_link.hpp"
#include "runtime/container/container_builder.hpp"
#include "runtime/container/container_status.hpp"
#include "runtime/container/foreground.hpp"
#include "runtime/container/input_file.hpp"
#include "runtime/container/lifecycle.hpp"
#include "runtime/container/operations.hpp"
#include "runtime/container/program_launch.hpp"
#include "runtime/container/sync_protocol.hpp"
#include "runtime/kernel/capabilities.hpp"
#include "runtime/kernel/close_fds.hpp"
#include "runtime/kernel/console.hpp"
#include "runtime/kernel/exec_path.hpp"
#include "runtime/kernel/exec_trampoline.hpp"
#include "runtime/kernel/fd_passing.hpp"
#include "runtime/kernel/identity.hpp"
#include "runtime/kernel/lsm.hpp"
#include "runtime/kernel/namespaces.hpp"
#include "runtime/kernel/proc_status.hpp"
#include "runtime/kernel/process_attrs.hpp"
#include "runtime/kernel/rlimits.hpp"
#include "runtime/kernel/seccomp_cache.hpp"
#include "runtime/kernel/seccomp_notify.hpp"
#include "spec/parse.hpp"

namespace berth::container {

namespace {

// One entry per name; a later entry replaces an earlier one in its place, so
// `-e PATH=...` overrides the container's PATH (execve would pass both, and
// which one a program sees would depend on its libc).
std::vector<std::string> merge_env(const std::vector<std::string>& env) {
    std::vector<std::string> out;
    std::map<std::string, size_t> at;
    for (const auto& e : env) {
        std::string name = e.substr(0, e.find('='));
        auto [it, added] = at.emplace(name, out.size());
        if (added) out.push_back(e);
        else out[it->second] = e;
    }
    return out;
}

uint32_t parse_id(const std::string& s, const std::string& user) {
    bool digits = !s.empty() && s.size() <= 10 && s.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoull(s) > UINT32_MAX)
        throw Error("exec: --user: expected UID[:GID], got \"" + user + "\"");
    return static_cast<uint32_t>(std::stoull(s));
}

bool contains(const std::optional<std::vector<std::string>>& set, const std::string& cap) {
    return set && std::find(set->begin(), set->end(), cap) != set->end();
}

// runc's exec without --process: the container's process, changed by the flags.
spec::Process process_from_flags(const ExecOptions& o, const spec::Process& base) {
    spec::Process p = base;
    if (o.args.empty()) throw Error("exec: args must not be empty");
    p.args = o.args;
    p.terminal = o.tty;
    p.consoleSize.reset();
    if (!o.cwd.empty()) p.cwd = o.cwd;
    p.env.insert(p.env.end(), o.env.begin(), o.env.end());
    if (o.user) {
        auto colon = o.user->find(':');
        p.user.uid = parse_id(o.user->substr(0, colon), *o.user);
        if (colon != std::string::npos) p.user.gid = parse_id(o.user->substr(colon + 1), *o.user);
    }
    p.user.additionalGids.insert(p.user.additionalGids.end(), o.additionalGids.begin(), o.additionalGids.end());
    if (!o.caps.empty()) {
        if (!p.capabilities) p.capabilities.emplace();
        spec::Capabilities& c = *p.capabilities;
        for (const auto& cap : o.caps) {
            for (auto* set : {&c.bounding, &c.effective, &c.permitted}) {
                if (!*set) set->emplace();
                if (!contains(*set, cap)) (*set)->push_back(cap);
            }
            // Never the inheritable set (CVE-2022-29162): ambient only where
            // the container's inheritable set already allows it.
            if (contains(c.inheritable, cap) && !contains(c.ambient, cap)) {
                if (!c.ambient) c.ambient.emplace();
                c.ambient->push_back(cap);
            }
        }
    }
    if (o.noNewPrivs) p.noNewPrivileges = true;
    if (!o.apparmor.empty()) p.apparmorProfile = o.apparmor;
    if (!o.processLabel.empty()) p.selinuxLabel = o.processLabel;
    return p;
}

// --process: the file's process. What it leaves out is the container's (as
// runc does): an exec'd process must not run unconfined, or without the
// container's limits, because a field was omitted.
spec::Process process_from_file(const ExecOptions& o, const spec::Process& base) {
    spec::Process p = spec::parse_process(read_input_file(o.processFile), o.processFile);
    if (p.apparmorProfile.empty()) p.apparmorProfile = base.apparmorProfile;
    if (p.selinuxLabel.empty()) p.selinuxLabel = base.selinuxLabel;
    if (!p.capabilities) p.capabilities = base.capabilities;
    if (p.rlimits.empty()) p.rlimits = base.rlimits;
    if (!p.ioPriority) p.ioPriority = base.ioPriority;
    if (!p.scheduler) p.scheduler = base.scheduler;
    return p;
}

// Namespace types in which the container differs from us: those we join.
int namespaces_to_join(pid_t pid) {
    static const std::pair<const char*, int> kinds[] = {
        {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},   {"net", CLONE_NEWNET},  {"ipc", CLONE_NEWIPC},
        {"uts", CLONE_NEWUTS},   {"cgroup", CLONE_NEWCGROUP}, {"time", 0x80 /* CLONE_NEWTIME */}};
    int flags = 0;
    for (auto [name, flag] : kinds) {
        struct stat theirs, ours;
        std::string p = "/proc/" + std::to_string(pid) + "/ns/" + name;
        std::string s = std::string("/proc/self/ns/") + name;
        if (::stat(p.c_str(), &theirs) < 0 || ::stat(s.c_str(), &ours) < 0) continue;
        if (theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev) flags |= flag;
    }
    return flags;
}

struct ExecPlan {
    const spec::Process* process = nullptr;
    const spec::Config* config = nullptr;
    const ContainerRecord* record = nullptr;
    int initPidfd = -1;
    int joinFlags = 0;
    int consoleSocket = -1;
    int errorPipe = -1;
    int preserveFds = 0;
    std::optional<kernel::SeccompProgram> seccomp;
    std::vector<std::string> cgroupTaskFiles;  // v1 `tasks` files the child writes "0" to, first thing
    kernel::LsmSupport lsm;  // the host's, seen from here: the child's /sys is the container's
};

// Joined a user namespace: our host ids map to nothing there (files we make,
// the pty, would be refused); become its root first, as the init does.
void become_userns_root() {
    if (::setresgid(0, 0, 0) < 0) throw_errno("setresgid to root of the user namespace");
    if (::setgroups(0, nullptr) < 0 && errno != EPERM) throw_errno("setgroups in the user namespace");
    if (::setresuid(0, 0, 0) < 0) throw_errno("setresuid to root of the user namespace");
}

// SCMP_ACT_NOTIFY: the exec'd process's own listener goes to the agent too.
void send_listener(const ExecPlan& plan, int agent, int listener, pid_t hostPid) {
    const spec::Seccomp& sc = *plan.config->linux->seccomp;
    kernel::ContainerProcessState st;
    st.id = plan.record->id;
    st.status = "running";
    st.pid = hostPid;
    st.bundle = plan.record->bundle;
    st.annotations = plan.record->annotations;
    st.metadata = sc.listenerMetadata;
    kernel::send_seccomp_state(agent, listener, kernel::container_process_state_json(st), sc.listenerPath);
}

[[noreturn]] void exec_child(const ExecPlan& plan, SyncChannel& ch) noexcept {
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // CVE-2019-5736: /proc/<us>/exe stays out of reach
    ::setsid();  // as the init: out of the caller's session, signals come through `exec`
    try {
        // Into the container's v1 cgroups first (clone3 placed us in the cgroup2 one).
        cgroups::join_self_v1(plan.cgroupTaskFiles);
        std::string payload;
        if (ch.receive(&payload) != SyncMsg::Go) throw Error("exec: unexpected message from the runtime");
        ch.close();
        pid_t hostPid = static_cast<pid_t>(std::atoi(payload.c_str()));
        const spec::Process& p = *plan.process;
        // Still with the host's privileges: raising a hard limit or lowering
        // oom_score_adj is refused inside a user namespace.
        kernel::apply_rlimits(p.rlimits);
        if (p.oomScoreAdj) kernel::apply_oom_score_adj(*p.oomScoreAdj);
        // listenerPath is a host path: connect before entering the container's mounts.
        UniqueFd agent;
        if (plan.seccomp && plan.seccomp->needsListener)
            agent = kernel::connect_seccomp_listener(plan.config->linux->seccomp->listenerPath);
        if (plan.joinFlags && ::setns(plan.initPidfd, plan.joinFlags) < 0) throw_errno("join container namespaces");
        if (plan.joinFlags & CLONE_NEWUSER) become_userns_root();
        if (plan.consoleSocket >= 0) kernel::setup_console(plan.consoleSocket, p.consoleSize, /*bindDevConsole=*/false);
        if (p.ioPriority) kernel::apply_io_priority(*p.ioPriority);
        if (p.scheduler) kernel::apply_scheduler(*p.scheduler);
        ProgramLaunch launch;
        launch.process = &p;
        launch.seccomp = plan.seccomp ? &*plan.seccomp : nullptr;
        launch.lsm = plan.lsm;
        launch.preserveFds = plan.preserveFds;
        launch.reportFd = plan.errorPipe;
        launch.agent = std::move(agent);
        launch.handOverListener = [&](int agentFd, int listener) { send_listener(plan, agentFd, listener, hostPid); };
        launch_program(std::move(launch));
    } catch (const std::exception& e) {
        std::string msg = e.what();
        [[maybe_unused]] ssize_t n = ::write(plan.errorPipe, msg.data(), msg.size());
    }
    ::_exit(127);
}

// Our children's pid namespace is the container's while this object lives.
class ChildrenInPidNamespaceOf {
public:
    explicit ChildrenInPidNamespaceOf(int pidfd) : own_(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) {
        if (!own_) throw_errno("open /proc/self/ns/pid");
        if (::setns(pidfd, CLONE_NEWPID) < 0) throw_errno("join container pid namespace");
    }
    ~ChildrenInPidNamespaceOf() { ::setns(own_.get(), CLONE_NEWPID); }

private:
    UniqueFd own_;
};

}  // namespace

int exec(const GlobalOptions& g, const ExecOptions& o) {
    ContainerDir dir = ContainerDir::open(g.root, o.id, /*lock=*/false);
    if (!dir.has_record()) throw Error("cannot exec in a container that is being created");
    ContainerRecord rec = dir.read_record();
    spec::Status st = container_status(dir, &rec);
    if (st == spec::Status::Stopped) throw Error("cannot exec in a stopped container");
    if (st == spec::Status::Paused && !o.ignorePaused)
        throw Error("cannot exec in a paused container (use --ignore-paused to override)");
    spec::Config config = saved_config(dir);

    spec::Process process = !o.processFile.empty() ? process_from_file(o, *config.process)
                                                   : process_from_flags(o, *config.process);
    if (process.args.empty()) throw Error("exec: process.args must not be empty");
    process.env = merge_env(process.env);
    if (process.terminal && o.consoleSocket.empty() && o.detach)
        throw Error("cannot allocate tty if berth will detach without setting console socket");
    if (!process.terminal && !o.consoleSocket.empty())
        throw Error("cannot use console socket if berth will not detach or allocate tty");

    UniqueFd initPidfd(static_cast<int>(::syscall(SYS_pidfd_open, rec.pid, 0)));
    if (!initPidfd || !kernel::process_is_alive(rec.pid, rec.pidStartTime))
        throw Error("cannot exec in a stopped container");

    ExecPlan plan;
    plan.process = &process;
    plan.config = &config;
    plan.record = &rec;
    plan.initPidfd = initPidfd.get();
    plan.joinFlags = namespaces_to_join(rec.pid);
    plan.preserveFds = o.preserveFds;
    if (config.linux && config.linux->seccomp)
        plan.seccomp = kernel::load_or_compile_seccomp(*config.linux->seccomp, g.root + "/.seccomp-cache");
    if (!process.apparmorProfile.empty() || !process.selinuxLabel.empty()) {
        plan.lsm = kernel::detect_lsm_support();
        (void)kernel::lsm_exec_attrs(process.apparmorProfile, process.selinuxLabel, plan.lsm);
    }

    std::optional<BlockedSignals> blocked;
    if (!o.detach) blocked.emplace();
    UniqueFd console, consoleOurs;
    if (process.terminal) {
        if (!o.consoleSocket.empty()) {
            console = kernel::connect_console_socket(o.consoleSocket);
        } else {
            int sv[2];
            if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) throw_errno("create console socket");
            consoleOurs.reset(sv[0]);
            console.reset(sv[1]);
        }
        plan.consoleSocket = console.get();
    }
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0) throw_errno("exec: pipe");
    UniqueFd errRead(pipefd[0]), errWrite(pipefd[1]);
    plan.errorPipe = errWrite.get();

    auto cgroup = open_cgroup(rec);
    int cgroupFd = cgroup ? cgroup->clone_into_fd() : -1;
    // The child moves itself into the v1 hierarchies when that covers all clone3
    // does not: a thread writing "0" to `tasks` spares the kernel's global lock
    // and its RCU grace period, which a cgroup.procs write waits for.
    if (cgroup && (cgroup->mode() == cgroups::Mode::Legacy ||
                   (cgroup->mode() == cgroups::Mode::Hybrid && cgroupFd >= 0)))
        plan.cgroupTaskFiles = cgroup->v1_task_files();
    SyncChannel parentEnd, childEnd;
    SyncChannel::make_pair(parentEnd, childEnd);

    kernel::ClonedProcess child;
    {
        ChildrenInPidNamespaceOf pidns(initPidfd.get());
        try {
            child = kernel::clone_process(0, cgroupFd);
        } catch (const Error& e) {
            // Kernels without CLONE_INTO_CGROUP: join after clone.
            if (cgroupFd < 0 || (e.code() != EINVAL && e.code() != E2BIG && e.code() != EOPNOTSUPP)) throw;
            cgroupFd = -1;
            if (cgroup->mode() == cgroups::Mode::Hybrid) plan.cgroupTaskFiles.clear();  // the parent joins it everywhere
            child = kernel::clone_process(0, -1);
        }
        if (child.pid == 0) {
            parentEnd.close();
            errRead.reset();
            consoleOurs.reset();
            exec_child(plan, childEnd);
        }
    }
    childEnd.close();
    errWrite.reset();
    console.reset();
    try {
        if (cgroup && plan.cgroupTaskFiles.empty()) cgroup->add_process(child.pid);
        parentEnd.send(SyncMsg::Go, std::to_string(child.pid));
    } catch (...) {
        ::syscall(SYS_pidfd_send_signal, child.pidfd.get(), SIGKILL, nullptr, 0);
        ::waitpid(child.pid, nullptr, 0);
        throw;
    }
    UniqueFd master;
    if (consoleOurs) {
        try {
            master = kernel::recv_fd(consoleOurs.get(), nullptr);
        } catch (const Error&) {
            // The child failed before sending it; its error follows on the pipe.
        }
    }
    // EOF: execve succeeded (the pipe is O_CLOEXEC); text: why it failed.
    std::string err;
    char buf[4096];
    for (ssize_t n; (n = ::read(errRead.get(), buf, sizeof buf)) != 0;) {
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        err.append(buf, static_cast<size_t>(n));
    }
    if (!err.empty()) {
        ::waitpid(child.pid, nullptr, 0);
        throw Error("exec failed: " + kernel::describe_exec_report(err));
    }
    if (!o.pidFile.empty()) write_pid_file(o.pidFile, child.pid);
    if (o.detach) return 0;
    return wait_in_foreground(child.pid, child.pidfd.get(), std::move(master), *blocked);
}

}  // namespace berth::container

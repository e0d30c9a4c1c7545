#include "runtime/container/init_process.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/fault.hpp"
#include "hooks/hooks.hpp"
#include "runtime/cgroups/manager.hpp"
#include "runtime/container/hook_state.hpp"
#include "runtime/container/program_launch.hpp"
#include "runtime/kernel/capabilities.hpp"
#include "runtime/kernel/close_fds.hpp"
#include "runtime/kernel/console.hpp"
#include "runtime/kernel/exec_path.hpp"
#include "runtime/kernel/identity.hpp"
#include "runtime/kernel/lsm.hpp"
#include "runtime/kernel/path_in_root.hpp"
#include "runtime/kernel/process_attrs.hpp"
#include "runtime/kernel/rlimits.hpp"
#include "runtime/kernel/rootfs.hpp"
#include "runtime/kernel/seccomp_notify.hpp"
#include "runtime/kernel/sysctl.hpp"

namespace berth::container {

namespace {

using spec::NamespaceType;

// Our host pid, as the runtime namespace sees it: before pivot_root the host's
// /proc is still mounted, and /proc/self there names us by the host pid.
pid_t host_pid() {
    char buf[32];
    ssize_t n = ::readlink("/proc/self", buf, sizeof buf - 1);
    if (n <= 0) return 0;
    buf[n] = '\0';
    return static_cast<pid_t>(std::atoi(buf));
}

// Only ever in the container's own (new or joined) UTS namespace: create
// refuses a hostname without one, and this check keeps the host's name safe
// should that ever change.
void set_hostname(const spec::Config& c, const kernel::NamespacePlan& ns) {
    if (!ns.has(NamespaceType::Uts)) return;
    if (!c.hostname.empty() && ::sethostname(c.hostname.data(), c.hostname.size()) < 0)
        throw_errno("set hostname " + c.hostname);
    if (!c.domainname.empty() && ::setdomainname(c.domainname.data(), c.domainname.size()) < 0)
        throw_errno("set domainname " + c.domainname);
}

// In a new (or joined) user namespace we still carry the host's ids, which
// map to nothing there: files we create would get EOVERFLOW. Become the
// namespace's root (the capabilities stay: the old ids were not its root).
void become_userns_root() {
    if (::setresgid(0, 0, 0) < 0) throw_errno("setresgid to root of the user namespace (is gid 0 mapped?)");
    if (::setgroups(0, nullptr) < 0 && errno != EPERM) throw_errno("setgroups in the user namespace");
    if (::setresuid(0, 0, 0) < 0) throw_errno("setresuid to root of the user namespace (is uid 0 mapped?)");
}

void join_session_keyring(const std::string& id) {
    // A fresh session keyring, so containers do not share the host's keys.
    std::string name = "_ses." + id;
    if (::syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, name.c_str()) < 0 && errno != ENOSYS &&
        errno != EPERM)
        throw_errno("join session keyring");
}

// fds 3..3+N-1 are kept for the program; every other fd is closed by execve.
void prepare_inherited_fds(int preserveFds) {
    int first = 3 + preserveFds;
    if (::syscall(SYS_close_range, first, UINT_MAX, CLOSE_RANGE_CLOEXEC) < 0) {
        for (int fd = first; fd < 1024; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    for (int fd = 3; fd < first; ++fd) {
        int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0) ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
}

void write_all(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        off += static_cast<size_t>(n);
    }
}

// --- create phase: everything up to waiting for `start` -----------------------
void setup_container(const InitPlan& plan, SyncChannel& ch, UniqueFd& seccompAgent) {
    const spec::Config& c = *plan.config;
    const spec::Linux empty;
    const spec::Linux& lx = c.linux ? *c.linux : empty;

    // pid: entered by the parent before clone; user: we were born in it.
    for (const auto& join : plan.namespaces.joins)
        if (join.type != NamespaceType::Pid && join.type != NamespaceType::User) kernel::join_namespace(join);
    if (plan.namespaces.newUser || plan.namespaces.join_of(NamespaceType::User)) become_userns_root();
    if (plan.namespaces.unshareFlags) BERTH_FAULT_MARK("namespace", "unshare cgroup/ipc namespaces");
    if (plan.namespaces.unshareFlags && ::unshare(static_cast<int>(plan.namespaces.unshareFlags)) < 0)
        throw_errno("create cgroup/ipc namespaces");
    if (plan.namespaces.newTime) kernel::enter_new_time_namespace(lx.timeOffsets.value_or(spec::TimeOffsets{}));

    set_hostname(c, plan.namespaces);
    // listenerPath is a host path: connect while the host's filesystem is still in view.
    if (plan.seccomp && plan.seccomp->needsListener)
        seccompAgent = kernel::connect_seccomp_listener(lx.seccomp->listenerPath);

    kernel::RootfsContext rootfs{c, plan.rootfs, plan.bundle, plan.namespaces.newUser || plan.namespaces.joinsUser(),
                                 plan.noPivot,
                                 c.process && c.process->terminal, plan.idmappedSources};
    kernel::prepare_rootfs(rootfs);

    if (plan.runtimeHooks) {  // prestart and createRuntime run in the parent now
        ch.send(SyncMsg::Mounted);
        ch.expect(SyncMsg::Go);
    }
    // runtime.md "State": hooks in the container's namespaces get the pid the container sees.
    if (c.hooks && !c.hooks->createContainer.empty())
        hooks::run_hooks(hooks::Phase::CreateContainer, c.hooks->createContainer,
                         hook_state_json(plan.id, "creating", ::getpid(), plan.bundle, c.annotations));

    kernel::enter_rootfs(rootfs);
    // A missing cwd is created now, while the root may still be written (runc does too).
    if (c.process && !c.process->cwd.empty()) {
        try {
            kernel::mkdir_all_in_root(kernel::open_root("/").get(), c.process->cwd);
        } catch (const Error& e) {
            throw e.wrap("cwd \"" + c.process->cwd + "\"");
        }
    }
    if (plan.consoleSocket >= 0) kernel::setup_console(plan.consoleSocket, c.process->consoleSize);
    kernel::apply_sysctls(lx.sysctl);  // before readonlyPaths make /proc/sys read-only
    kernel::finish_rootfs(rootfs);

    if (c.process) {
        const spec::Process& p = *c.process;
        if (lx.personality) kernel::apply_personality(*lx.personality);
        if (!plan.rlimitsByParent) kernel::apply_rlimits(p.rlimits);
        if (p.ioPriority) kernel::apply_io_priority(*p.ioPriority);
        if (p.scheduler) kernel::apply_scheduler(*p.scheduler);
        if (p.execCPUAffinity && !p.execCPUAffinity->initial.empty())
            kernel::apply_cpu_affinity(p.execCPUAffinity->initial);
    }
    if (!plan.noNewKeyring) join_session_keyring(plan.id);
    // A program that is not there fails create, not start (runc's LookPath at
    // create; engines map it to "command not found"). A path relative to the
    // cwd, and the user's right to run it, are checked again at start.
    if (c.process && !c.process->args.empty()) {
        const std::string& arg0 = c.process->args.front();
        if (arg0.find('/') == std::string::npos || arg0.front() == '/')
            (void)kernel::resolve_executable(c.process->env, arg0);
    }
}

// --- start phase: after `start` opened exec.fifo -----------------------------
[[noreturn]] void exec_process(const InitPlan& plan, int fifo, pid_t pid, UniqueFd seccompAgent) {
    const spec::Config& c = *plan.config;
    const spec::Process& p = *c.process;
    if (c.hooks && !c.hooks->startContainer.empty())
        hooks::run_hooks(hooks::Phase::StartContainer, c.hooks->startContainer,
                         hook_state_json(plan.id, "created", ::getpid(), plan.bundle, c.annotations));

    ProgramLaunch launch;
    launch.process = &p;
    launch.seccomp = plan.seccomp ? &*plan.seccomp : nullptr;
    launch.lsm = plan.lsm;
    launch.preserveFds = plan.preserveFds;
    launch.reportFd = fifo;
    launch.agent = std::move(seccompAgent);
    launch.extraEnv = plan.extraEnv;
    launch.handOverListener = [&](int agent, int listener) {
        // SCMP_ACT_NOTIFY: hand the listener to the agent at listenerPath (config-linux.md).
        const spec::Seccomp& sc = *c.linux->seccomp;
        kernel::ContainerProcessState st;
        st.id = plan.id;
        st.status = "created";
        st.pid = pid;
        st.bundle = plan.bundle;
        st.annotations = c.annotations;
        st.metadata = sc.listenerMetadata;
        kernel::send_seccomp_state(agent, listener, kernel::container_process_state_json(st), sc.listenerPath);
    };
    launch_program(std::move(launch));
}

}  // namespace

void run_init(const InitPlan& plan, SyncChannel& ch) noexcept {
    // Not dumpable until execve: no container process may open /proc/<us>/exe
    // (the berth binary) or our memory (CVE-2019-5736).
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // A session of its own, as runc's init: the caller's terminal signals
    // (^C, SIGHUP) reach the container only as `run` forwards them, once.
    ::setsid();
    for (int fd : plan.closeInChild) ::close(fd);
    pid_t pid = 0;
    UniqueFd seccompAgent;
    try {
        // The network namespace first: its setup overlaps the parent's cgroup work.
        if (plan.namespaces.unshareFirst) {
            BERTH_FAULT_MARK("namespace", "unshare network namespace");
            if (::unshare(static_cast<int>(plan.namespaces.unshareFirst)) < 0) throw_errno("create network namespace");
        }
        std::vector<UniqueFd> taskFds;
        if (plan.waitForGo) ch.expect(SyncMsg::Go, &taskFds);
        // Into the v1 cgroups (made and limited by the parent before Go)
        // before any container code runs; clone3 placed us in the cgroup2 one.
        // The parent does it when the list is empty. Go brings the files open.
        if (taskFds.size() == plan.cgroupTaskFiles.size()) cgroups::join_self_v1(taskFds, plan.cgroupTaskFiles);
        else cgroups::join_self_v1(plan.cgroupTaskFiles);
        taskFds.clear();
        pid = host_pid();
        setup_container(plan, ch, seccompAgent);
        prepare_inherited_fds(plan.preserveFds);
        ch.send(SyncMsg::Ready);
        ch.expect(SyncMsg::Commit);
        ch.close();
    } catch (const std::exception& e) {
        try { ch.send(SyncMsg::Error, e.what()); } catch (...) {}
        ::_exit(1);
    } catch (...) {
        ::_exit(1);
    }

    // Wait for `start`: opening the fifo for writing blocks until it is opened for reading.
    int fifo = -1;
    try {
        std::string fd = "/proc/self/fd/" + std::to_string(plan.execFifo);
        fifo = ::open(fd.c_str(), O_WRONLY | O_CLOEXEC);
        if (fifo < 0) throw_errno("open exec fifo (is /proc mounted in the container?)");
        ::close(plan.execFifo);
        if (::write(fifo, "0", 1) != 1) ::_exit(1);
        exec_process(plan, fifo, pid, std::move(seccompAgent));
    } catch (const std::exception& e) {
        if (fifo >= 0) write_all(fifo, e.what());
        ::_exit(127);
    } catch (...) {
        ::_exit(127);
    }
}

}  // namespace berth::container

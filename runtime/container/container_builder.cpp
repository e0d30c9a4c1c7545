#include "runtime/container/container_builder.hpp"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "hooks/hooks.hpp"
#include "runtime/container/cgroup_link.hpp"
#include "runtime/container/hook_state.hpp"
#include "runtime/container/init_process.hpp"
#include "runtime/kernel/console.hpp"
#include "runtime/kernel/idmap_userns.hpp"
#include "runtime/kernel/proc_status.hpp"
#include "runtime/kernel/process_attrs.hpp"
#include "runtime/kernel/rlimits.hpp"
#include "runtime/kernel/lsm.hpp"
#include "runtime/kernel/seccomp_cache.hpp"
#include "runtime/kernel/sysctl.hpp"
#include "spec/parse.hpp"

namespace berth::container {

std::string rfc3339_now() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    // Calendar arithmetic, not gmtime_r/strftime: glibc's first gmtime_r
    // runs tzset(), which reads /etc/localtime, for a UTC string.
    using namespace std::chrono;
    const sys_seconds secs{seconds{ts.tv_sec}};
    const sys_days day = floor<days>(secs);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> hms{secs - day};
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                     static_cast<long>(hms.seconds().count()));
    std::string s(buf, n > 0 ? static_cast<size_t>(n) : 0);
    if (ts.tv_nsec) {
        char frac[16];
        snprintf(frac, sizeof frac, ".%09ld", ts.tv_nsec);
        std::string f = frac;
        while (f.back() == '0') f.pop_back();
        s += f;
    }
    return s + "Z";
}

void write_pid_file(const std::string& path, pid_t pid) {
    std::string abs = path;
    if (abs.empty() || abs[0] != '/') {
        char cwd[PATH_MAX];
        if (!::getcwd(cwd, sizeof cwd)) throw_errno("write pid file " + path);
        abs = std::string(cwd) + "/" + path;
    }
    auto slash = abs.rfind('/');
    std::string tmp = abs.substr(0, slash + 1) + ".pidfile-" + std::to_string(::getpid());
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) throw_errno("write pid file " + abs);
    std::string text = std::to_string(pid);
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        ::unlink(tmp.c_str());
        throw_errno("write pid file " + abs);
    }
    fd.reset();
    if (::rename(tmp.c_str(), abs.c_str()) < 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw_errno("write pid file " + abs, err);
    }
}

namespace {

// The init closed the sync socket without a word: it died. Say how — a
// SIGKILL during setup is most often the memory limit (the kernel's OOM
// killer), which otherwise reads as "connection reset by peer".
std::string why_init_died(int pidfd, const spec::Config& config) {
    pollfd p{pidfd, POLLIN, 0};
    ::poll(&p, 1, 1000);
    siginfo_t info{};
    if (::waitid(static_cast<idtype_t>(3) /* P_PIDFD */, static_cast<id_t>(pidfd), &info,
                 WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0)
        return "container init exited unexpectedly";
    if (info.si_code == CLD_EXITED)
        return "container init exited unexpectedly with status " + std::to_string(info.si_status);
    std::string msg = "container init was killed by signal " + std::to_string(info.si_status) + " (" +
                      (sigabbrev_np(info.si_status) ? std::string("SIG") + sigabbrev_np(info.si_status) : "?") + ")";
    const auto& lx = config.linux;
    if (info.si_status == SIGKILL && lx && lx->resources && lx->resources->memory && lx->resources->memory->limit)
        msg += " during setup: is linux.resources.memory.limit (" + std::to_string(*lx->resources->memory->limit) +
               " bytes) too low?";
    return msg;
}

std::string absolute_path(const std::string& p) {
    char buf[PATH_MAX];
    if (!::realpath(p.c_str(), buf)) throw_errno("bundle " + p);
    return buf;
}

std::string resolve_rootfs(const spec::Config& c, const std::string& bundle) {
    std::string p = c.root->path;
    if (p.empty() || p[0] != '/') p = bundle + "/" + p;
    char buf[PATH_MAX];
    if (!::realpath(p.c_str(), buf)) throw_errno("rootfs " + p);
    struct stat st;
    if (::stat(buf, &st) < 0) throw_errno("rootfs " + p);
    if (!S_ISDIR(st.st_mode)) throw Error("rootfs " + p + ": not a directory", ENOTDIR);
    return buf;
}

// The init process, killed and reaped unless committed.
class InitGuard {
public:
    ~InitGuard() {
        if (pid_ <= 0 || committed_) return;
        if (pidfd_ >= 0) ::syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0);
        else ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    void set(pid_t pid, int pidfd) { pid_ = pid; pidfd_ = pidfd; }
    void commit() { committed_ = true; }

private:
    pid_t pid_ = 0;
    int pidfd_ = -1;
    bool committed_ = false;
};

// setns() into a pid namespace changes only where our children go; undo it
// after clone so hooks we run stay in the runtime's pid namespace.
class PidNamespaceForChildren {
public:
    explicit PidNamespaceForChildren(const kernel::NamespaceJoin* join) {
        if (!join) return;
        original_.reset(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
        if (!original_) throw_errno("open /proc/self/ns/pid");
        kernel::join_namespace(*join);
    }
    ~PidNamespaceForChildren() {
        if (original_) ::setns(original_.get(), CLONE_NEWPID);
    }

private:
    UniqueFd original_;
};

bool id_mapped(uint32_t id, const std::vector<spec::IdMapping>& maps) {
    for (const auto& m : maps)
        if (id >= m.containerId && id - m.containerId < m.size) return true;
    return false;
}

// In a new user namespace the process's ids must be mapped, or the switch to
// them fails only at start: refuse the config before anything is made.
void validate_user_mapped(const spec::Config& c) {
    const auto& lx = *c.linux;
    const spec::User& u = c.process->user;
    auto check = [](uint32_t id, const std::vector<spec::IdMapping>& maps, const char* what, const char* field) {
        if (!id_mapped(id, maps))
            throw Error(std::string("config.json: process.user.") + what + " " + std::to_string(id) +
                        " is not mapped in linux." + field);
    };
    check(u.uid, lx.uidMappings, "uid", "uidMappings");
    check(u.gid, lx.gidMappings, "gid", "gidMappings");
    for (uint32_t g : u.additionalGids) check(g, lx.gidMappings, "additionalGids", "gidMappings");
    // init becomes the namespace's root while it sets the container up (as runc's does).
    if (!id_mapped(0, lx.uidMappings) || !id_mapped(0, lx.gidMappings))
        throw Error("config.json: linux.uidMappings/gidMappings: the container's root (uid and gid 0) must be mapped");
}

// The poststop hooks of a create that failed after its init was cloned (any
// hook may have run by then), run once everything create made is undone
// (runtime.md lifecycle steps 12-13). Declared before the state directory,
// the cgroup and the init guard, so its destructor runs after theirs.
class PoststopOnFailure {
public:
    PoststopOnFailure(const std::vector<spec::Hook>& poststop, std::string state)
        : poststop_(poststop), state_(std::move(state)) {}
    ~PoststopOnFailure() {
        if (!armed_ || poststop_.empty()) return;
        try {
            hooks::run_hooks_warn_only(hooks::Phase::Poststop, poststop_, state_);
        } catch (...) {
        }
    }
    void arm() { armed_ = true; }
    void disarm() { armed_ = false; }

private:
    const std::vector<spec::Hook>& poststop_;
    std::string state_;
    bool armed_ = false;
};

int listen_fds_from_env() {
    const char* s = std::getenv("LISTEN_FDS");
    if (!s || !*s) return 0;
    int n = std::atoi(s);
    return n > 0 ? n : 0;
}

}  // namespace

CreatedContainer build_container(const GlobalOptions& g, const BuildOptions& bo) {
    const CreateOptions& o = bo.create;
    validate_container_id(o.id);
    std::string bundle = absolute_path(o.bundle.empty() ? "." : o.bundle);
    spec::Config config = spec::load_config_file(bundle + "/config.json");
    if (!config.process) throw Error("config.json: process: a process is required to create a container");
    if (!config.root) throw Error("config.json: root: a root filesystem is required");
    kernel::NamespacePlan nsPlan = kernel::plan_namespaces(config);
    if (!nsPlan.hasMountNamespace())
        throw Error("config.json: linux.namespaces: berth needs a mount namespace (new or joined)");
    // Without a UTS namespace of its own, sethostname() would rename the host (runc refuses too).
    if (!nsPlan.has(spec::NamespaceType::Uts)) {
        if (!config.hostname.empty()) throw Error("unable to set hostname without a private UTS namespace");
        if (!config.domainname.empty()) throw Error("unable to set domainname without a private UTS namespace");
    }
    if (nsPlan.newUser && config.linux) validate_user_mapped(config);
    kernel::validate_sysctls(config);
    kernel::validate_rlimits(config.process->rlimits);
    std::string rootfs = resolve_rootfs(config, bundle);

    const bool terminal = config.process->terminal;
    if (terminal && o.consoleSocket.empty() && bo.consoleSocketFd < 0)
        throw Error("cannot allocate tty if berth will detach without setting console socket");
    if (!terminal && !o.consoleSocket.empty())
        throw Error("cannot use console socket if berth will not detach or allocate tty");

    const spec::Hooks noHooks;
    const spec::Hooks& hooks = config.hooks ? *config.hooks : noHooks;
    PoststopOnFailure poststop(hooks.poststop, hook_state_json(o.id, "stopped", 0, bundle, config.annotations));
    ContainerDir dir = ContainerDir::create(g.root, o.id);
    dir.write_file("config.json", spec::config_to_json(config));

    InitPlan plan;
    plan.config = &config;
    plan.id = o.id;
    plan.bundle = bundle;
    plan.rootfs = rootfs;
    plan.namespaces = nsPlan;
    plan.noPivot = o.noPivot;
    plan.noNewKeyring = o.noNewKeyring;
    int listenFds = listen_fds_from_env();
    plan.preserveFds = listenFds + o.preserveFds;
    if (listenFds > 0) plan.extraEnv = {"LISTEN_FDS=" + std::to_string(listenFds), "LISTEN_PID=1"};
    // In a user namespace the child cannot raise hard limits: the parent sets them.
    plan.rlimitsByParent = (nsPlan.newUser || nsPlan.joinsUser()) && !config.process->rlimits.empty();
    plan.runtimeHooks = !hooks.prestart.empty() || !hooks.createRuntime.empty();

    if (config.linux && config.linux->seccomp)
        plan.seccomp = kernel::load_or_compile_seccomp(*config.linux->seccomp, g.root + "/.seccomp-cache");
    // The host's LSMs are looked at here, in the host's /sys; a label the host
    // cannot apply fails create (runc's validation), not start.
    const spec::Process& proc = *config.process;
    if (!proc.apparmorProfile.empty() || !proc.selinuxLabel.empty()) {
        plan.lsm = kernel::detect_lsm_support();
        (void)kernel::lsm_exec_attrs(proc.apparmorProfile, proc.selinuxLabel, plan.lsm);
    }

    UniqueFd console;
    if (terminal && bo.consoleSocketFd < 0) console = kernel::connect_console_socket(o.consoleSocket);
    if (terminal) plan.consoleSocket = bo.consoleSocketFd >= 0 ? bo.consoleSocketFd : console.get();

    // exec.fifo: init opens it (by fd) for writing and blocks until `start` reads.
    std::string fifoPath = dir.file("exec.fifo");
    if (::mkfifo(fifoPath.c_str(), 0622) < 0) throw_errno("create " + fifoPath);
    ::chmod(fifoPath.c_str(), 0622);  // not reduced by umask: any container uid may open it
    UniqueFd fifo(::open(fifoPath.c_str(), O_PATH | O_CLOEXEC));
    if (!fifo) throw_errno("open " + fifoPath);
    plan.execFifo = fifo.get();
    UniqueFd execFifo;  // run's read end (startAfterCommit)

    // A first record, before the cgroup exists: a create killed from here on
    // leaves what `delete --force` needs to remove (status creating, pid 0).
    ContainerRecord rec;
    rec.id = o.id;
    rec.bundle = bundle;
    rec.rootfs = rootfs;
    rec.created = rfc3339_now();
    rec.owner = "root";
    rec.annotations = config.annotations;
    rec.hasLifecycleHooks = !hooks.poststart.empty() || !hooks.poststop.empty();
    rec.creating = true;
    rec.cgroupPath = planned_cgroup_path(config, o.id, g.systemdCgroup);
    dir.write_record(rec);

    CgroupSetup cgroup(config, o.id, g.systemdCgroup);
    rec.cgroupPath = cgroup.path();

    plan.closeInChild = {dir.fd()};
    if (cgroup.clone_into_fd() >= 0) plan.closeInChild.push_back(cgroup.clone_into_fd());
    // Only the runtime may id-map a bind source for a user namespace container:
    // it makes the trees now, the clone inherits them (kernel/idmap_userns.hpp).
    kernel::IdmappedSources idmapped = kernel::prepare_idmapped_sources(config, bundle);
    plan.idmappedSources = &idmapped;
    SyncChannel parentEnd, childEnd;
    SyncChannel::make_pair(parentEnd, childEnd);

    kernel::ClonedProcess child;
    bool intoCgroup = cgroup.clone_into_fd() >= 0;
    {
        PidNamespaceForChildren pidJoin(nsPlan.join_of(spec::NamespaceType::Pid));
        const kernel::NamespaceJoin* userJoin = nsPlan.join_of(spec::NamespaceType::User);
        if (userJoin) intoCgroup = false;  // the parent places it: the helper has no rights there
        // Without a user namespace init moves itself into the v1 cgroups (no
        // global lock, no RCU grace period); else the parent does, before Go.
        // Either way only after Go: the v1 directories are made after clone.
        if (!nsPlan.newUser && !userJoin) plan.cgroupTaskFiles = cgroup.self_join_files(intoCgroup);
        const bool parentJoins = plan.cgroupTaskFiles.empty() && cgroup.needs_join_after_clone(intoCgroup);
        plan.waitForGo = nsPlan.newUser || plan.rlimitsByParent || parentJoins || !plan.cgroupTaskFiles.empty();
        try {
            if (userJoin)
                child = kernel::clone_process_in_user_namespace(userJoin->path, nsPlan.cloneFlags);
            else
                child = kernel::clone_process(nsPlan.cloneFlags, intoCgroup ? cgroup.clone_into_fd() : -1);
        } catch (const Error& e) {
            // Kernels without CLONE_INTO_CGROUP (or a cgroup that refuses it): join after clone.
            if (!intoCgroup || (e.code() != EINVAL && e.code() != E2BIG && e.code() != EOPNOTSUPP)) throw;
            intoCgroup = false;
            plan.waitForGo = true;
            plan.cgroupTaskFiles.clear();  // the parent joins it everywhere
            child = kernel::clone_process(nsPlan.cloneFlags, -1);
        }
        if (child.pid == 0) {
            parentEnd.close();
            run_init(plan, childEnd);  // never returns
        }
    }
    InitGuard initGuard;
    initGuard.set(child.pid, child.pidfd.get());
    childEnd.close();

    rec.pid = child.pid;
    // While the init makes its network namespace: the v1 directories, the
    // limits and the device rules, before the init joins a v1 hierarchy
    // (after Go) and long before it can exec. A create SIGKILLed meanwhile
    // leaves the first record (its cgroup path); the init, waiting for Go,
    // exits when its end of the socket reads EOF.
    cgroup.finish(intoCgroup);
    poststop.arm();

    try {
        if (plan.cgroupTaskFiles.empty()) cgroup.add_process(child.pid, intoCgroup);
        if (nsPlan.newUser && config.linux)
            kernel::write_id_mappings(child.pid, config.linux->uidMappings, config.linux->gidMappings);
        if (plan.rlimitsByParent) kernel::apply_rlimits(config.process->rlimits, child.pid);
        // From the runtime namespace: inside a user namespace lowering it cannot work.
        if (config.process->oomScoreAdj) kernel::apply_oom_score_adj(*config.process->oomScoreAdj, child.pid);
        if (plan.waitForGo) {
            // With Go, the v1 `tasks` files open for writing: the init, which
            // is on the critical path, then only writes "0" to each.
            std::vector<UniqueFd> taskFds = cgroups::open_task_files(plan.cgroupTaskFiles);
            std::vector<int> raw;
            for (const auto& fd : taskFds) raw.push_back(fd.get());
            parentEnd.send(SyncMsg::Go, {}, raw);
        }
        // The record with the init's pid and start time, once the init no
        // longer waits for us: from here a SIGKILLed create leaves what
        // `delete --force` needs to kill it.
        auto st = kernel::read_proc_stat(child.pid);
        rec.pidStartTime = st ? st->startTime : 0;
        dir.write_record(rec);

        if (plan.runtimeHooks) {
            parentEnd.expect(SyncMsg::Mounted);
            std::string state = hook_state_json(o.id, "creating", child.pid, bundle, config.annotations);
            hooks::run_hooks(hooks::Phase::Prestart, hooks.prestart, state);
            hooks::run_hooks(hooks::Phase::CreateRuntime, hooks.createRuntime, state);
            parentEnd.send(SyncMsg::Go);
        }
        parentEnd.expect(SyncMsg::Ready);
        if (!o.pidFile.empty()) write_pid_file(o.pidFile, child.pid);
        rec.creating = false;
        dir.write_record(rec);
        if (bo.startAfterCommit && !(terminal && bo.consoleSocketFd >= 0)) {
            execFifo.reset(::open(fifoPath.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
            if (!execFifo) throw_errno("open " + fifoPath);
        }
        parentEnd.send(SyncMsg::Commit);
    } catch (const Error& e) {
        if (e.code() == EPIPE || e.code() == ECONNRESET) throw Error(why_init_died(child.pidfd.get(), config), e.code()).wrap("create");
        throw e.wrap("create");
    }
    poststop.disarm();
    initGuard.commit();
    auto cgroupManager = cgroup.commit();
    dir.commit();
    return CreatedContainer{std::move(dir), std::move(rec), std::move(config), std::move(child.pidfd),
                            std::move(cgroupManager), std::move(execFifo)};
}

}  // namespace berth::container

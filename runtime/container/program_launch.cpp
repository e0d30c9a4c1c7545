#include "runtime/container/program_launch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/fault.hpp"
#include "common/unique_fd.hpp"
#include "runtime/kernel/close_fds.hpp"
#include "runtime/kernel/exec_path.hpp"
#include "runtime/kernel/exec_trampoline.hpp"
#include "runtime/kernel/identity.hpp"
#include "runtime/kernel/process_attrs.hpp"

namespace berth::container {
namespace {

// cwd must be inside the container: a leaked host directory fd named as
// /proc/self/fd/N (CVE-2024-21626) would leave getcwd() "(unreachable)".
void enter_cwd(const std::string& cwd) {
    if (::chdir(cwd.c_str()) < 0) throw_errno("chdir to cwd (\"" + cwd + "\") set in config.json failed");
    char buf[PATH_MAX];
    if (!::getcwd(buf, sizeof buf) || buf[0] != '/')
        throw Error("cwd \"" + cwd + "\" is outside the container's root filesystem");
}

// execve keeps ignored signals ignored: the program starts with every
// disposition at its default and nothing blocked, whatever berth's caller set.
void reset_signals() {
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace

// runc sets HOME this way when process.env lacks it. The file is the
// container's: only a regular file is read, and only its first MiB.
std::string home_directory(uid_t uid) {
    UniqueFd fd(::open("/etc/passwd", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode)) return "/";
    std::string text;
    char buf[8192];
    while (text.size() < (1u << 20)) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    // name:password:uid:gid:gecos:home:shell
    const std::string wanted = std::to_string(uid);
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + pos, end - pos);
        pos = end + 1;
        std::vector<std::string_view> f;
        size_t a = 0;
        for (size_t b; (b = line.find(':', a)) != std::string_view::npos; a = b + 1) f.push_back(line.substr(a, b - a));
        f.push_back(line.substr(a));
        if (f.size() >= 7 && f[2] == wanted && !f[5].empty()) return std::string(f[5]);
    }
    return "/";
}

void launch_program(ProgramLaunch l) {
    const spec::Process& p = *l.process;
    UniqueFd trampoline = kernel::open_exec_trampoline();
    std::vector<kernel::ExecAttr> attrs = kernel::lsm_exec_attrs(p.apparmorProfile, p.selinuxLabel, l.lsm);

    UniqueFd listener;
    bool seccompEarly = l.seccomp && !p.noNewPrivileges;
    if (seccompEarly) listener = kernel::load_seccomp(*l.seccomp);

    std::vector<std::string> env = p.env;
    std::string ignored;
    if (!kernel::env_lookup(env, "HOME", ignored)) env.push_back("HOME=" + home_directory(p.user.uid));
    env.insert(env.end(), l.extraEnv.begin(), l.extraEnv.end());

    kernel::apply_user_and_capabilities(p);
    // No host fd may be open while cwd and args[0] are resolved (CVE-2024-21626).
    // Logging stops here: its fd may be among them.
    spdlog::set_level(spdlog::level::off);
    kernel::close_fds_except(3 + l.preserveFds, {l.reportFd, l.agent.get(), listener.get(), trampoline.get()});
    enter_cwd(p.cwd);
    std::string path = kernel::resolve_executable(p.env, p.args.at(0));
    if (p.noNewPrivileges) kernel::set_no_new_privileges();
    if (l.seccomp && !seccompEarly) listener = kernel::load_seccomp(*l.seccomp);
    if (listener && l.handOverListener) l.handOverListener(l.agent.get(), listener.get());
    listener.reset();
    l.agent.reset();
    if (p.execCPUAffinity && !p.execCPUAffinity->final.empty()) kernel::apply_cpu_affinity(p.execCPUAffinity->final);

    BERTH_FAULT_MARK("exec", path);
    reset_signals();
    kernel::exec_through_trampoline({trampoline.get(), path, p.args, env, l.reportFd, std::move(attrs)});
}

}  // namespace berth::container

// Checks of the process itself: ids, groups, umask, cwd, environment,
// hostname, rlimits, capabilities, no_new_privs, oom_score_adj, personality,
// open file descriptors, CPU affinity, scheduler and I/O priority.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "checker.hpp"

extern char** environ;

namespace checker {
namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
    return out;
}

Outcome compare(const std::string& what, const std::string& got, const std::string& want) {
    if (got == want) return pass(what + " " + got);
    return fail(what + " is '" + got + "', expected '" + want + "'");
}

struct RlimitName {
    const char* name;
    int resource;
};
constexpr RlimitName rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},   {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},   {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

std::string limit_text(rlim_t v) { return v == RLIM_INFINITY ? "unlimited" : std::to_string(v); }

Outcome check_rlimit(const std::vector<std::string>& a) {
    if (a.size() != 3) return fail("rlimit needs NAME SOFT HARD");
    for (const auto& r : rlimit_names) {
        if (a[0] != r.name) continue;
        struct rlimit lim {};
        if (getrlimit(r.resource, &lim) != 0) return fail("getrlimit(" + a[0] + "): " + errno_name(errno));
        std::string got = limit_text(lim.rlim_cur) + "/" + limit_text(lim.rlim_max);
        std::string want = limit_text(static_cast<rlim_t>(parse_u64(a[1]))) + "/" +
                           limit_text(static_cast<rlim_t>(parse_u64(a[2])));
        return compare(a[0] + " soft/hard", got, want);
    }
    return fail("unknown rlimit " + a[0]);
}

Outcome check_ids(bool user, const std::string& want) {
    unsigned r = 0, e = 0, s = 0;
    if (user) {
        uid_t ru, eu, su;
        getresuid(&ru, &eu, &su);
        r = ru, e = eu, s = su;
    } else {
        gid_t rg, eg, sg;
        getresgid(&rg, &eg, &sg);
        r = rg, e = eg, s = sg;
    }
    std::string got = std::to_string(r) + "/" + std::to_string(e) + "/" + std::to_string(s);
    return compare(user ? "real/effective/saved uid" : "real/effective/saved gid", got, want + "/" + want + "/" + want);
}

Outcome check_groups(const std::string& want) {
    gid_t groups[256];
    int n = getgroups(256, groups);
    if (n < 0) return fail(std::string("getgroups: ") + errno_name(errno));
    std::vector<unsigned long> got(groups, groups + n);
    std::vector<unsigned long> expected;
    for (const auto& g : split(want, ','))
        if (!g.empty()) expected.push_back(std::strtoul(g.c_str(), nullptr, 10));
    std::sort(got.begin(), got.end());
    std::sort(expected.begin(), expected.end());
    auto text = [](const std::vector<unsigned long>& v) {
        std::string out;
        for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
        return out;
    };
    return compare("supplementary groups", text(got), text(expected));
}

Outcome check_env(const std::vector<std::string>& a, bool absent) {
    if (a.empty()) return fail("env needs NAME");
    std::string prefix = a[0] + "=";
    for (char** e = environ; *e; ++e) {
        std::string var = *e;
        if (var.compare(0, prefix.size(), prefix) != 0) continue;
        if (absent) return fail(a[0] + " is set to '" + var.substr(prefix.size()) + "'");
        return compare(a[0], var.substr(prefix.size()), a.size() > 1 ? a[1] : "");
    }
    if (absent) return pass(a[0] + " not set");
    return fail(a[0] + " is not set");
}

Outcome check_fds(const std::string& want) {
    DIR* d = opendir("/proc/self/fd");
    if (!d) return fail(std::string("open /proc/self/fd: ") + errno_name(errno));
    std::vector<int> fds;
    int own = dirfd(d);
    while (auto* ent = readdir(d)) {
        if (ent->d_name[0] == '.') continue;
        int fd = std::atoi(ent->d_name);
        if (fd != own) fds.push_back(fd);
    }
    closedir(d);
    std::sort(fds.begin(), fds.end());
    std::string got;
    for (size_t i = 0; i < fds.size(); ++i) got += (i ? "," : "") + std::to_string(fds[i]);
    return compare("open file descriptors", got, want);
}

Outcome check_affinity(const std::string& want) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return fail(std::string("sched_getaffinity: ") + errno_name(errno));
    std::vector<std::string> cpus;
    for (int i = 0; i < CPU_SETSIZE; ++i)
        if (CPU_ISSET(i, &set)) cpus.push_back(std::to_string(i));
    return compare("CPU affinity", join(cpus), want);
}

Outcome check_scheduler(const std::vector<std::string>& a) {
    if (a.size() != 3) return fail("scheduler needs POLICY NICE PRIORITY");
    int policy = sched_getscheduler(0);
    const char* names[] = {"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE",
                           "SCHED_DEADLINE"};
    std::string pname = policy >= 0 && policy < 7 ? names[policy] : std::to_string(policy);
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    struct sched_param sp {};
    sched_getparam(0, &sp);
    std::string got = pname + " nice " + std::to_string(nice) + " priority " + std::to_string(sp.sched_priority);
    return compare("scheduler", got, a[0] + " nice " + a[1] + " priority " + a[2]);
}

Outcome check_ioprio(const std::vector<std::string>& a) {
    if (a.size() != 2) return fail("ioprio needs CLASS PRIORITY");
    long v = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
    if (v < 0) return fail(std::string("ioprio_get: ") + errno_name(errno));
    const char* classes[] = {"IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"};
    long cls = v >> 13, data = v & 0x1fff;
    std::string got = (cls >= 0 && cls < 4 ? classes[cls] : std::to_string(cls)) + " " + std::to_string(data);
    return compare("I/O priority", got, a[0] + " " + a[1]);
}

}  // namespace

std::optional<Outcome> check_process(const Expectation& e) {
    const auto& k = e.kind;
    const auto& a = e.args;
    auto arg = [&](size_t i) { return i < a.size() ? a[i] : std::string(); };
    if (k == "uid") return check_ids(true, arg(0));
    if (k == "gid") return check_ids(false, arg(0));
    if (k == "groups") return check_groups(arg(0));
    if (k == "umask") {
        std::string got = status_field("Umask");
        // Compare as numbers: "0027" and "027" are the same umask.
        if (std::strtoul(got.c_str(), nullptr, 8) == std::strtoul(arg(0).c_str(), nullptr, 8)) return pass("umask " + got);
        return fail("umask is " + got + ", expected " + arg(0));
    }
    if (k == "cwd") {
        char buf[4096];
        if (!getcwd(buf, sizeof buf)) return fail(std::string("getcwd: ") + errno_name(errno));
        return compare("cwd", buf, arg(0));
    }
    if (k == "env") return check_env(a, false);
    if (k == "env_absent") return check_env(a, true);
    if (k == "hostname" || k == "domainname") {
        struct utsname u {};
        uname(&u);
        return compare(k, k == "hostname" ? u.nodename : u.domainname, arg(0));
    }
    if (k == "uname_machine") {
        struct utsname u {};
        uname(&u);
        return compare("uname machine", u.machine, arg(0));
    }
    if (k == "rlimit") return check_rlimit(a);
    if (k == "caps") {
        // arg0: Inh/Prm/Eff/Bnd/Amb, arg1: the mask in hex.
        std::string got = status_field("Cap" + arg(0));
        if (got.empty()) return fail("no Cap" + arg(0) + " in /proc/self/status");
        uint64_t g = std::strtoull(got.c_str(), nullptr, 16), w = std::strtoull(arg(1).c_str(), nullptr, 16);
        if (g == w) return pass("Cap" + arg(0) + " " + got);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(w));
        return fail("Cap" + arg(0) + " is " + got + ", expected " + buf);
    }
    if (k == "nnp") return compare("NoNewPrivs", status_field("NoNewPrivs"), arg(0));
    if (k == "seccomp_mode") return compare("Seccomp", status_field("Seccomp"), arg(0));
    if (k == "oom_score_adj") {
        auto v = read_file("/proc/self/oom_score_adj");
        if (!v) return fail("read /proc/self/oom_score_adj: " + errno_name(errno));
        return compare("oom_score_adj", trim(*v), arg(0));
    }
    if (k == "personality") {
        int p = personality(0xffffffff);
        if (p < 0) return fail(std::string("personality: ") + errno_name(errno));
        return compare("personality domain", std::to_string(p & PER_MASK), arg(0));
    }
    if (k == "fds") return check_fds(arg(0));
    if (k == "affinity") return check_affinity(arg(0));
    if (k == "scheduler") return check_scheduler(a);
    if (k == "ioprio") return check_ioprio(a);
    return std::nullopt;
}

}  // namespace checker

// The semantic rules of config.md and config-linux.md (v1.3.0) that the C++
// types cannot hold: absolute paths, closed value sets, duplicates and rules
// between fields. One pass over the config; the first broken rule throws a
// SpecError naming its JSON path. Rules the spec only RECOMMENDS (SHOULD) are
// not enforced, except where breaking them would let a value escape its
// directory (cgroup file names, closID, sysctl keys).
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <iterator>
#include <set>

#include <sys/stat.h>

#include "spec/json_reader.hpp"
#include "spec/known_values.hpp"
#include "spec/parse.hpp"

namespace berth::spec {

using detail::Ctx;
using detail::Path;
using detail::quote;

namespace {

bool is_absolute(std::string_view p) { return !p.empty() && p.front() == '/'; }

// MAJOR.MINOR.PATCH[-pre.release][+build.meta] (semver.org 2.0.0).
bool is_semver(std::string_view v) {
    auto numeric = [](std::string_view s) {
        if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
        for (char ch : s)
            if (ch < '0' || ch > '9') return false;
        return true;
    };
    auto identifiers = [&](std::string_view s, bool prerelease) {
        if (s.empty()) return false;
        std::size_t start = 0;
        for (;;) {
            std::size_t dot = s.find('.', start);
            std::string_view id = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
            if (id.empty()) return false;
            bool all_digits = true;
            for (char ch : id) {
                if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') return false;
                if (ch < '0' || ch > '9') all_digits = false;
            }
            if (prerelease && all_digits && !numeric(id)) return false;  // no leading zeros
            if (dot == std::string_view::npos) return true;
            start = dot + 1;
        }
    };
    std::string_view core = v, pre, build;
    if (auto plus = core.find('+'); plus != std::string_view::npos) {
        build = core.substr(plus + 1);
        core = core.substr(0, plus);
        if (!identifiers(build, false)) return false;
    }
    if (auto dash = core.find('-'); dash != std::string_view::npos) {
        pre = core.substr(dash + 1);
        core = core.substr(0, dash);
        if (!identifiers(pre, true)) return false;
    }
    for (int part = 0; part < 3; ++part) {
        std::size_t dot = core.find('.');
        std::string_view num = core.substr(0, dot);
        if (!numeric(num)) return false;
        if (part < 2) {
            if (dot == std::string_view::npos) return false;
            core = core.substr(dot + 1);
        } else if (dot != std::string_view::npos) {
            return false;
        }
    }
    return true;
}

// The kernel's dev_valid_name(): what a network interface may be called.
bool is_interface_name(std::string_view n) {
    if (n.empty() || n.size() >= 16 || n == "." || n == "..") return false;
    for (char ch : n)
        if (ch == '/' || ch == ':' || std::isspace(static_cast<unsigned char>(ch))) return false;
    return true;
}

// "0-3,7" (cpu / memory-node lists): comma-separated N or N-M, N <= M.
bool is_id_list(std::string_view s) {
    if (s.empty()) return true;
    std::size_t start = 0;
    for (;;) {
        std::size_t comma = s.find(',', start);
        std::string_view item = s.substr(start, comma == std::string_view::npos ? s.npos : comma - start);
        auto number = [](std::string_view d, unsigned long long& out) {
            if (d.empty() || d.size() > 9) return false;
            out = 0;
            for (char ch : d) {
                if (ch < '0' || ch > '9') return false;
                out = out * 10 + static_cast<unsigned>(ch - '0');
            }
            return true;
        };
        unsigned long long lo = 0, hi = 0;
        if (auto dash = item.find('-'); dash != std::string_view::npos) {
            if (!number(item.substr(0, dash), lo) || !number(item.substr(dash + 1), hi) || lo > hi) return false;
        } else if (!number(item, lo)) {
            return false;
        }
        if (comma == std::string_view::npos) return true;
        start = comma + 1;
    }
}

class Validator {
public:
    explicit Validator(std::string_view origin) : c_(origin) {}

    void config(const Config& cfg) {
        Path root;
        {
            Path p = root.field("ociVersion");
            if (!is_semver(cfg.ociVersion))
                c_.fail(p, quote(cfg.ociVersion) + " is not a SemVer 2.0.0 version");
        }
        // config.md: root is REQUIRED on every platform but Windows.
        if (!cfg.root) c_.fail(root, "missing required field \"root\"");
        {
            Path p = root.field("root");
            Path pp = p.field("path");
            if (cfg.root->path.empty()) c_.fail(pp, "must not be empty");
        }
        const Linux* lx = cfg.linux ? &*cfg.linux : nullptr;
        bool has_userns = lx && has_namespace(*lx, NamespaceType::User);
        {
            Path p = root.field("mounts");
            for (std::size_t i = 0; i < cfg.mounts.size(); ++i) {
                Path ip = p.index(i);
                mount(cfg.mounts[i], ip, has_userns);
            }
        }
        if (cfg.process) {
            Path p = root.field("process");
            process(*cfg.process, p);
        }
        if (cfg.hooks) {
            Path p = root.field("hooks");
            hooks(*cfg.hooks, p);
        }
        {
            Path p = root.field("annotations");
            no_empty_keys(cfg.annotations, p);
        }
        if (lx) {
            Path p = root.field("linux");
            linux_section(*lx, p);
        }
    }

    void process(const Process& proc, const Path& at) {
        {
            Path p = at.field("args");
            // config.md: at least one entry is REQUIRED (non-Windows).
            if (proc.args.empty()) c_.fail(p, "must contain at least one entry");
        }
        {
            Path p = at.field("cwd");
            if (!is_absolute(proc.cwd)) c_.fail(p, quote(proc.cwd) + " is not an absolute path");
        }
        {
            // (uid_t)-1 is no user: setresuid(2)/setresgid(2) read it as
            // "leave unchanged", and the process would stay root.
            Path up = at.field("user");
            if (proc.user.uid == UINT32_MAX) {
                Path p = up.field("uid");
                c_.out_of_range(p, std::to_string(proc.user.uid), "0 to 4294967294");
            }
            if (proc.user.gid == UINT32_MAX) {
                Path p = up.field("gid");
                c_.out_of_range(p, std::to_string(proc.user.gid), "0 to 4294967294");
            }
            // setgroups(2) takes at most NGROUPS_MAX (65536) groups.
            if (proc.user.additionalGids.size() > 65536) {
                Path p = up.field("additionalGids");
                c_.fail(p, std::to_string(proc.user.additionalGids.size()) + " groups, more than the kernel's 65536");
            }
        }
        {
            Path p = at.field("rlimits");
            std::set<std::string_view> seen;
            for (std::size_t i = 0; i < proc.rlimits.size(); ++i) {
                Path ip = p.index(i);
                Path tp = ip.field("type");
                const std::string& t = proc.rlimits[i].type;
                one_of(tp, t, known::kRlimits, "rlimit");
                if (!seen.insert(t).second) c_.fail(tp, "duplicate rlimit " + quote(t));
                // setrlimit(2) refuses it (EINVAL); say so before anything is made.
                if (proc.rlimits[i].soft > proc.rlimits[i].hard)
                    c_.fail(ip, t + " soft limit " + std::to_string(proc.rlimits[i].soft) + " is above hard limit " +
                                    std::to_string(proc.rlimits[i].hard));
            }
        }
        if (proc.ioPriority) {
            Path p = at.field("ioPriority");
            Path cp = p.field("class");
            one_of(cp, proc.ioPriority->ioClass, known::kIoPriorityClasses, "I/O priority class");
            Path pp = p.field("priority");
            int32_t prio = proc.ioPriority->priority;
            if (prio < 0 || prio > 7) c_.out_of_range(pp, std::to_string(prio), "0 to 7");
        }
        if (proc.scheduler) {
            Path p = at.field("scheduler");
            Path pp = p.field("policy");
            one_of(pp, proc.scheduler->policy, known::kSchedulerPolicies, "scheduler policy");
            Path fp = p.field("flags");
            each_one_of(fp, proc.scheduler->flags, known::kSchedulerFlags, "scheduler flag");
        }
        if (proc.execCPUAffinity) {
            Path p = at.field("execCPUAffinity");
            Path ip = p.field("initial");
            cpu_affinity(proc.execCPUAffinity->initial, ip);
            Path fp = p.field("final");
            cpu_affinity(proc.execCPUAffinity->final, fp);
        }
    }

    void resources(const Resources& r, const Path& at) {
        {
            Path p = at.field("devices");
            for (std::size_t i = 0; i < r.devices.size(); ++i) {
                Path ip = p.index(i);
                const DeviceCgroupRule& d = r.devices[i];
                if (!d.type.empty() && d.type != "a" && d.type != "b" && d.type != "c") {
                    Path tp = ip.field("type");
                    c_.fail(tp, "unknown device type " + quote(d.type) + " (expected one of: a, b, c)");
                }
                if (d.access.find_first_not_of("rwm") != std::string::npos) {
                    Path ap = ip.field("access");
                    c_.fail(ap, quote(d.access) + " is not a combination of r, w and m");
                }
            }
        }
        if (r.memory && r.memory->swappiness) {
            // config-linux.md: 0 to 100. UINT64_MAX is Go's uint64(-1), which
            // runc reads as "not set"; engines still send it.
            uint64_t s = *r.memory->swappiness;
            if (s > 100 && s != UINT64_MAX) {
                Path p = at.field("memory");
                Path sp = p.field("swappiness");
                c_.out_of_range(sp, std::to_string(s), "0 to 100");
            }
        }
        if (r.cpu) {
            Path p = at.field("cpu");
            // config-linux.md: a positive quota MUST be no smaller than burst.
            if (r.cpu->burst && r.cpu->quota && *r.cpu->quota > 0 &&
                *r.cpu->burst > static_cast<uint64_t>(*r.cpu->quota)) {
                Path bp = p.field("burst");
                c_.fail(bp, std::to_string(*r.cpu->burst) + " is larger than quota " +
                                std::to_string(*r.cpu->quota));
            }
            Path cp = p.field("cpus");
            if (!is_id_list(r.cpu->cpus)) c_.fail(cp, quote(r.cpu->cpus) + " is not a CPU list like \"0-3,7\"");
            Path mp = p.field("mems");
            if (!is_id_list(r.cpu->mems))
                c_.fail(mp, quote(r.cpu->mems) + " is not a memory node list like \"0-3,7\"");
        }
        if (r.blockIO) {
            Path p = at.field("blockIO");
            Path wp = p.field("weightDevice");
            for (std::size_t i = 0; i < r.blockIO->weightDevice.size(); ++i) {
                const auto& w = r.blockIO->weightDevice[i];
                // config-linux.md: at least one of weight or leafWeight MUST be given.
                if (!w.weight && !w.leafWeight) {
                    Path ip = wp.index(i);
                    c_.fail(ip, "needs \"weight\" or \"leafWeight\"");
                }
            }
        }
        {
            Path p = at.field("hugepageLimits");
            for (std::size_t i = 0; i < r.hugepageLimits.size(); ++i) {
                const std::string& size = r.hugepageLimits[i].pageSize;
                if (!is_page_size(size)) {
                    Path ip = p.index(i);
                    Path sp = ip.field("pageSize");
                    c_.fail(sp, quote(size) + " is not a page size (expected <number>KB, <number>MB or <number>GB)");
                }
            }
        }
        {
            Path p = at.field("rdma");
            for (const auto& [dev, limits] : r.rdma) {
                Path kp = p.key(dev);
                // config-linux.md: at least one of hcaHandles or hcaObjects MUST be given.
                if (!limits.hcaHandles && !limits.hcaObjects) c_.fail(kp, "needs \"hcaHandles\" or \"hcaObjects\"");
            }
        }
        {
            Path p = at.field("unified");
            for (const auto& [file, value] : r.unified) {
                // Each key names a file in the container's cgroup directory.
                if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos) {
                    Path kp = p.key(file);
                    c_.fail(kp, "must be a cgroup file name, not a path");
                }
            }
        }
    }

private:
    static bool has_namespace(const Linux& lx, NamespaceType t) {
        for (const auto& ns : lx.namespaces)
            if (ns.type == t) return true;
        return false;
    }

    // ^[1-9][0-9]*[KMG]B$ (config-linux.json).
    static bool is_page_size(std::string_view s) {
        if (s.size() < 3 || s[0] < '1' || s[0] > '9' || s.back() != 'B') return false;
        char unit = s[s.size() - 2];
        if (unit != 'K' && unit != 'M' && unit != 'G') return false;
        for (std::size_t i = 1; i + 2 < s.size(); ++i)
            if (s[i] < '0' || s[i] > '9') return false;
        return true;
    }

    template <class List>
    void one_of(const Path& p, std::string_view value, const List& list, std::string_view what) {
        if (!known::contains(list, value))
            c_.fail(p, "unknown " + std::string(what) + " " + quote(value) + " (" + detail::one_of(list) + ")");
    }

    template <class List>
    void each_one_of(const Path& p, const std::vector<std::string>& values, const List& list, std::string_view what) {
        for (std::size_t i = 0; i < values.size(); ++i) {
            Path ip = p.index(i);
            one_of(ip, values[i], list, what);
        }
    }

    void absolute_paths(const std::vector<std::string>& paths, const Path& p) {
        for (std::size_t i = 0; i < paths.size(); ++i)
            if (!is_absolute(paths[i])) {
                Path ip = p.index(i);
                c_.fail(ip, quote(paths[i]) + " is not an absolute path");
            }
    }

    void no_empty_keys(const std::map<std::string, std::string>& m, const Path& p) {
        if (m.count(std::string())) c_.fail(p, "keys must not be empty");
    }

    void cpu_affinity(const std::string& list, const Path& p) {
        // config-schema.json: ^[0-9, -]*$
        if (list.find_first_not_of("0123456789, -") != std::string::npos)
            c_.fail(p, quote(list) + " is not a CPU list like \"0-3,7\"");
    }

    void mount(const Mount& m, const Path& at, bool has_userns) {
        Path dp = at.field("destination");
        // Linux allows relative destinations (deprecated, taken relative to "/").
        if (m.destination.empty()) c_.fail(dp, "must not be empty");
        // config.md: uidMappings and gidMappings MUST be given together.
        if (m.uidMappings.empty() != m.gidMappings.empty())
            c_.fail(at, m.uidMappings.empty() ? "gidMappings given without uidMappings"
                                              : "uidMappings given without gidMappings");
        // config.md (idmap, ridmap): with no mappings of its own and no user
        // namespace to borrow them from, an error MUST be returned.
        if (m.uidMappings.empty() && !has_userns) {
            Path op = at.field("options");
            for (std::size_t i = 0; i < m.options.size(); ++i)
                if (m.options[i] == "idmap" || m.options[i] == "ridmap") {
                    Path ip = op.index(i);
                    c_.fail(ip, quote(m.options[i]) +
                                    " needs uidMappings and gidMappings on the mount or a user namespace");
                }
        }
    }

    void hook_list(const std::vector<Hook>& list, const Path& at) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            Path ip = at.index(i);
            const Hook& h = list[i];
            if (!is_absolute(h.path)) {
                Path pp = ip.field("path");
                c_.fail(pp, quote(h.path) + " is not an absolute path");
            }
            if (h.timeout && *h.timeout < 1) {
                Path tp = ip.field("timeout");
                c_.out_of_range(tp, std::to_string(*h.timeout), "1 or more");
            }
        }
    }

    void hooks(const Hooks& h, const Path& at) {
        const std::vector<Hook>* lists[] = {&h.prestart,       &h.createRuntime, &h.createContainer,
                                            &h.startContainer, &h.poststart,     &h.poststop};
        for (std::size_t i = 0; i < std::size(lists); ++i) {
            Path p = at.field(known::kHooks[i]);
            hook_list(*lists[i], p);
        }
    }

    void linux_section(const Linux& lx, const Path& at) {
        {
            Path p = at.field("namespaces");
            std::size_t first[8];
            std::fill(std::begin(first), std::end(first), SIZE_MAX);
            for (std::size_t i = 0; i < lx.namespaces.size(); ++i) {
                const Namespace& ns = lx.namespaces[i];
                Path ip = p.index(i);
                auto slot = static_cast<std::size_t>(ns.type);
                if (slot >= std::size(first)) {
                    Path tp = ip.field("type");
                    c_.fail(tp, "unknown namespace type");
                }
                // config-linux.md: duplicated types MUST be an error.
                if (first[slot] != SIZE_MAX)
                    c_.fail(ip, std::string("duplicate namespace type \"") + to_string(ns.type) + "\" (first at " +
                                    p.str() + "[" + std::to_string(first[slot]) + "])");
                first[slot] = i;
                if (!ns.path.empty() && !is_absolute(ns.path)) {
                    Path pp = ip.field("path");
                    c_.fail(pp, quote(ns.path) + " is not an absolute path");
                }
            }
        }
        bool userns = has_namespace(lx, NamespaceType::User);
        if (!lx.uidMappings.empty() && !userns) {
            Path p = at.field("uidMappings");
            c_.fail(p, "mappings need a user namespace, but linux.namespaces has no \"user\" entry");
        }
        if (!lx.gidMappings.empty() && !userns) {
            Path p = at.field("gidMappings");
            c_.fail(p, "mappings need a user namespace, but linux.namespaces has no \"user\" entry");
        }
        if (lx.timeOffsets && !has_namespace(lx, NamespaceType::Time)) {
            Path p = at.field("timeOffsets");
            c_.fail(p, "time offsets need a time namespace, but linux.namespaces has no \"time\" entry");
        }
        {
            Path p = at.field("devices");
            for (std::size_t i = 0; i < lx.devices.size(); ++i) {
                Path ip = p.index(i);
                device(lx.devices[i], ip);
                device_numbers(lx.devices[i], ip);
            }
        }
        if (lx.resources) {
            Path p = at.field("resources");
            resources(*lx.resources, p);
        }
        if (lx.intelRdt) {
            Path p = at.field("intelRdt");
            intel_rdt(*lx.intelRdt, p);
        }
        {
            Path p = at.field("sysctl");
            for (const auto& [key, value] : lx.sysctl) {
                if (key.empty()) c_.fail(p, "keys must not be empty");
                if (escapes(key)) {
                    Path kp = p.key(key);
                    c_.fail(kp, "must name a file under /proc/sys");
                }
            }
        }
        if (lx.seccomp) {
            Path p = at.field("seccomp");
            seccomp(*lx.seccomp, p);
        }
        if (!lx.rootfsPropagation.empty()) {
            Path p = at.field("rootfsPropagation");
            one_of(p, lx.rootfsPropagation, known::kRootfsPropagations, "rootfs propagation");
        }
        {
            Path p = at.field("maskedPaths");
            absolute_paths(lx.maskedPaths, p);
        }
        {
            Path p = at.field("readonlyPaths");
            absolute_paths(lx.readonlyPaths, p);
        }
        if (lx.personality) {
            Path p = at.field("personality");
            Path dp = p.field("domain");
            one_of(dp, lx.personality->domain, known::kPersonalityDomains, "personality domain");
            // config-linux.md: "Currently no flag values are supported."
            if (!lx.personality->flags.empty()) {
                Path fp = p.field("flags");
                Path ip = fp.index(0);
                c_.fail(ip, "unsupported personality flag " + quote(lx.personality->flags[0]) +
                                " (no flags are supported)");
            }
        }
        {
            Path p = at.field("netDevices");
            for (const auto& [host_name, dev] : lx.netDevices) {
                Path kp = p.key(host_name);
                if (!is_interface_name(host_name))
                    c_.fail(kp, quote(host_name) + " is not a valid network interface name");
                if (!dev.name.empty() && !is_interface_name(dev.name)) {
                    Path np = kp.field("name");
                    c_.fail(np, quote(dev.name) + " is not a valid network interface name");
                }
            }
        }
        if (lx.memoryPolicy) {
            Path p = at.field("memoryPolicy");
            memory_policy(*lx.memoryPolicy, p);
        }
    }

    // A sysctl key in slash form ("net/ipv4/conf/eth0.1/forwarding") must
    // not climb out of /proc/sys; the dotted form cannot.
    static bool escapes(std::string_view key) {
        if (key.front() == '/') return true;
        std::size_t start = 0;
        for (;;) {
            std::size_t slash = key.find('/', start);
            std::string_view part = key.substr(start, slash == std::string_view::npos ? key.npos : slash - start);
            if (part == "..") return true;
            if (slash == std::string_view::npos) return false;
            start = slash + 1;
        }
    }

    void device(const Device& d, const Path& at) {
        Path tp = at.field("type");
        one_of(tp, d.type, known::kDeviceTypes, "device type");
        Path pp = at.field("path");
        if (!is_absolute(d.path)) c_.fail(pp, quote(d.path) + " is not an absolute path");
        // config-linux.md: major and minor are REQUIRED unless type is p.
        if (d.type != "p") {
            if (!d.major) c_.fail(at, "missing required field \"major\" (required for type " + quote(d.type) + ")");
            if (!d.minor) c_.fail(at, "missing required field \"minor\" (required for type " + quote(d.type) + ")");
        }
        // defs.json caps FileMode at 0777, but engines send st_mode as it is:
        // podman gives 8612 (S_IFCHR|0644) for a char device. runc drops the
        // file-type bits and keeps the rest, so a type that matches the
        // device is accepted (the mknod uses mode & 07777); a different type
        // or bits beyond st_mode is a broken config.
        if (d.fileMode) {
            const uint32_t mode = *d.fileMode;
            const uint32_t kind = mode & S_IFMT;
            const uint32_t expected = d.type == "b" ? S_IFBLK : d.type == "p" ? S_IFIFO : S_IFCHR;
            Path mp = at.field("fileMode");
            if ((mode & ~static_cast<uint32_t>(S_IFMT | 07777)) != 0)
                c_.out_of_range(mp, std::to_string(mode), "0 to 4095, with the device's file-type bits");
            else if (kind != 0 && kind != expected)
                c_.fail(mp, std::to_string(mode) + " has file-type bits of another kind than type " + quote(d.type));
        }
    }

    void intel_rdt(const IntelRdt& r, const Path& at) {
        // closID names a directory under the resctrl mount; "/" is its root.
        if (r.closID != "/" && (r.closID == "." || r.closID == ".." || r.closID.find('/') != std::string::npos)) {
            Path p = at.field("closID");
            c_.fail(p, quote(r.closID) + " is not a resctrl group name");
        }
        if (!r.l3CacheSchema.empty() && r.l3CacheSchema.find('\n') != std::string::npos) {
            Path p = at.field("l3CacheSchema");
            c_.fail(p, "must not contain newlines");
        }
        // config-linux.md: memBwSchema MUST start with "MB:" and MUST NOT contain newlines.
        if (!r.memBwSchema.empty() &&
            (r.memBwSchema.rfind("MB:", 0) != 0 || r.memBwSchema.find('\n') != std::string::npos)) {
            Path p = at.field("memBwSchema");
            c_.fail(p, quote(r.memBwSchema) + " must start with \"MB:\" and have no newlines");
        }
        Path sp = at.field("schemata");
        for (std::size_t i = 0; i < r.schemata.size(); ++i)
            if (r.schemata[i].find('\n') != std::string::npos) {
                Path ip = sp.index(i);
                c_.fail(ip, "must not contain newlines");
            }
    }

    void seccomp(const Seccomp& s, const Path& at) {
        auto takes_errno = [](std::string_view action) {
            return action == "SCMP_ACT_ERRNO" || action == "SCMP_ACT_TRACE";
        };
        Path dp = at.field("defaultAction");
        one_of(dp, s.defaultAction, known::kSeccompActions, "seccomp action");
        // config-linux.md: an errno with an action that takes none MUST fail.
        if (s.defaultErrnoRet && !takes_errno(s.defaultAction)) {
            Path ep = at.field("defaultErrnoRet");
            c_.fail(ep, "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE (defaultAction is " +
                            quote(s.defaultAction) + ")");
        }
        Path ap = at.field("architectures");
        each_one_of(ap, s.architectures, known::kSeccompArchs, "seccomp architecture");
        Path fp = at.field("flags");
        each_one_of(fp, s.flags, known::kSeccompFlags, "seccomp flag");
        // config-linux.md: listenerMetadata MUST NOT be set without listenerPath.
        if (!s.listenerMetadata.empty() && s.listenerPath.empty()) {
            Path mp = at.field("listenerMetadata");
            c_.fail(mp, "must not be set without listenerPath");
        }
        Path sp = at.field("syscalls");
        for (std::size_t i = 0; i < s.syscalls.size(); ++i) {
            const SeccompSyscall& sc = s.syscalls[i];
            Path ip = sp.index(i);
            Path np = ip.field("names");
            if (sc.names.empty()) c_.fail(np, "must contain at least one entry");
            for (std::size_t n = 0; n < sc.names.size(); ++n)
                if (sc.names[n].empty()) {
                    Path nip = np.index(n);
                    c_.fail(nip, "must not be empty");
                }
            Path acp = ip.field("action");
            one_of(acp, sc.action, known::kSeccompActions, "seccomp action");
            if (sc.errnoRet && !takes_errno(sc.action)) {
                Path ep = ip.field("errnoRet");
                c_.fail(ep, "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE (action is " + quote(sc.action) + ")");
            }
            Path argp = ip.field("args");
            for (std::size_t a = 0; a < sc.args.size(); ++a) {
                Path aip = argp.index(a);
                Path op = aip.field("op");
                one_of(op, sc.args[a].op, known::kSeccompOperators, "seccomp operator");
                // A syscall has six arguments.
                if (sc.args[a].index > 5) {
                    Path xp = aip.field("index");
                    c_.out_of_range(xp, std::to_string(sc.args[a].index), "0 to 5");
                }
            }
        }
    }

    // mknod(2) takes a 32-bit dev_t: a 12-bit major and a 20-bit minor
    // (glibc refuses bigger ones with EINVAL, which would name no field).
    void device_numbers(const Device& d, const Path& at) {
        if (d.major && (*d.major < 0 || *d.major > 4095)) {
            Path mp = at.field("major");
            c_.out_of_range(mp, std::to_string(*d.major), "0 to 4095");
        }
        if (d.minor && (*d.minor < 0 || *d.minor > 1048575)) {
            Path mp = at.field("minor");
            c_.out_of_range(mp, std::to_string(*d.minor), "0 to 1048575");
        }
    }

    void memory_policy(const MemoryPolicy& m, const Path& at) {
        Path mp = at.field("mode");
        one_of(mp, m.mode, known::kMemoryPolicyModes, "memory policy mode");
        Path fp = at.field("flags");
        each_one_of(fp, m.flags, known::kMemoryPolicyFlags, "memory policy flag");
        Path np = at.field("nodes");
        if (!is_id_list(m.nodes)) c_.fail(np, quote(m.nodes) + " is not a memory node list like \"0-3,7\"");
        // config-linux.md / set_mempolicy(2): some modes take no nodes, others need some.
        if ((m.mode == "MPOL_DEFAULT" || m.mode == "MPOL_LOCAL") && !m.nodes.empty())
            c_.fail(np, "must be empty for " + m.mode);
        if ((m.mode == "MPOL_BIND" || m.mode == "MPOL_INTERLEAVE" || m.mode == "MPOL_WEIGHTED_INTERLEAVE" ||
             m.mode == "MPOL_PREFERRED_MANY") &&
            m.nodes.empty())
            c_.fail(np, "must name at least one node for " + m.mode);
    }

    Ctx c_;
};

}  // namespace

void validate_config(const Config& config, std::string_view origin) { Validator(origin).config(config); }

void validate_process(const Process& process, std::string_view origin) {
    Path root;
    Validator(origin).process(process, root);
}

void validate_resources(const Resources& resources, std::string_view origin) {
    Path root;
    Validator(origin).resources(resources, root);
}

}  // namespace berth::spec

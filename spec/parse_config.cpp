// JSON text -> Config, read in one pass straight into the types. This file
// checks what the JSON schema states about shapes and types (required fields,
// integer ranges, the namespace enum that becomes a C++ enum); the semantic
// rules live in validate.cpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.hpp"
#include "spec/json_reader.hpp"
#include "spec/known_values.hpp"
#include "spec/parse.hpp"

namespace berth::spec {

using detail::Path;
using detail::Pull;

const char* to_string(NamespaceType t) {
    switch (t) {
    case NamespaceType::Pid: return "pid";
    case NamespaceType::Network: return "network";
    case NamespaceType::Mount: return "mount";
    case NamespaceType::Ipc: return "ipc";
    case NamespaceType::Uts: return "uts";
    case NamespaceType::User: return "user";
    case NamespaceType::Cgroup: return "cgroup";
    case NamespaceType::Time: return "time";
    }
    return "unknown";
}

std::optional<NamespaceType> namespace_type_from_string(std::string_view name) {
    if (name == "pid") return NamespaceType::Pid;
    if (name == "network") return NamespaceType::Network;
    if (name == "mount") return NamespaceType::Mount;
    if (name == "ipc") return NamespaceType::Ipc;
    if (name == "uts") return NamespaceType::Uts;
    if (name == "user") return NamespaceType::User;
    if (name == "cgroup") return NamespaceType::Cgroup;
    if (name == "time") return NamespaceType::Time;
    return std::nullopt;
}

namespace {

// Each reader takes the parser and the path of the object it reads. Members
// are matched by name; a required member sets a flag, checked after the
// object ends. Readers for objects that are arrays of objects are called once
// per element by list().

template <class T, class F>
std::vector<T> list(Pull& j, const Path& p, F read) {
    std::vector<T> out;
    j.array(p, [&](std::size_t, const Path& ip) { out.push_back(read(j, ip)); });
    return out;
}

IdMapping read_idmapping(Pull& j, const Path& at) {
    IdMapping m;
    bool c = false, h = false, s = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "containerID") m.containerId = j.integer<uint32_t>(kp), c = true;
        else if (k == "hostID") m.hostId = j.integer<uint32_t>(kp), h = true;
        else if (k == "size") m.size = j.integer<uint32_t>(kp), s = true;
        else return false;
        return true;
    });
    if (!c) j.ctx().missing(at, "containerID");
    if (!h) j.ctx().missing(at, "hostID");
    if (!s) j.ctx().missing(at, "size");
    return m;
}

std::vector<IdMapping> read_idmappings(Pull& j, const Path& p) { return list<IdMapping>(j, p, read_idmapping); }

Hook read_hook(Pull& j, const Path& at) {
    Hook h;
    bool path = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "path") h.path = j.string(kp), path = true;
        else if (k == "args") h.args = j.strings(kp);
        else if (k == "env") h.env = j.strings(kp);
        else if (k == "timeout") h.timeout = j.integer<int64_t>(kp);
        else return false;
        return true;
    });
    if (!path) j.ctx().missing(at, "path");
    return h;
}

Hooks read_hooks(Pull& j, const Path& at) {
    Hooks h;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "prestart") h.prestart = list<Hook>(j, kp, read_hook);
        else if (k == "createRuntime") h.createRuntime = list<Hook>(j, kp, read_hook);
        else if (k == "createContainer") h.createContainer = list<Hook>(j, kp, read_hook);
        else if (k == "startContainer") h.startContainer = list<Hook>(j, kp, read_hook);
        else if (k == "poststart") h.poststart = list<Hook>(j, kp, read_hook);
        else if (k == "poststop") h.poststop = list<Hook>(j, kp, read_hook);
        else return false;
        return true;
    });
    return h;
}

Mount read_mount(Pull& j, const Path& at) {
    Mount m;
    bool dest = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "destination") m.destination = j.string(kp), dest = true;
        else if (k == "source") m.source = j.string(kp);
        else if (k == "type") m.type = j.string(kp);
        else if (k == "options") m.options = j.strings(kp);
        else if (k == "uidMappings") m.uidMappings = read_idmappings(j, kp);
        else if (k == "gidMappings") m.gidMappings = read_idmappings(j, kp);
        else return false;
        return true;
    });
    if (!dest) j.ctx().missing(at, "destination");
    return m;
}

Root read_root(Pull& j, const Path& at) {
    Root r;
    bool path = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "path") r.path = j.string(kp), path = true;
        else if (k == "readonly") r.readonly = j.boolean(kp);
        else return false;
        return true;
    });
    if (!path) j.ctx().missing(at, "path");
    return r;
}

User read_user(Pull& j, const Path& at) {
    User u;
    bool uid = false, gid = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "uid") u.uid = j.integer<uint32_t>(kp), uid = true;
        else if (k == "gid") u.gid = j.integer<uint32_t>(kp), gid = true;
        else if (k == "umask") u.umask = j.integer<uint32_t>(kp);
        else if (k == "additionalGids") u.additionalGids = j.integers<uint32_t>(kp);
        else if (k == "username") u.username = j.string(kp);
        else return false;
        return true;
    });
    // config.md (POSIX user): uid and gid are REQUIRED.
    if (!uid) j.ctx().missing(at, "uid");
    if (!gid) j.ctx().missing(at, "gid");
    return u;
}

Capabilities read_capabilities(Pull& j, const Path& at) {
    Capabilities c;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "bounding") c.bounding = j.strings(kp);
        else if (k == "effective") c.effective = j.strings(kp);
        else if (k == "inheritable") c.inheritable = j.strings(kp);
        else if (k == "permitted") c.permitted = j.strings(kp);
        else if (k == "ambient") c.ambient = j.strings(kp);
        else return false;
        return true;
    });
    return c;
}

Rlimit read_rlimit(Pull& j, const Path& at) {
    Rlimit r;
    bool type = false, hard = false, soft = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "type") r.type = j.string(kp), type = true;
        else if (k == "hard") r.hard = j.integer<uint64_t>(kp), hard = true;
        else if (k == "soft") r.soft = j.integer<uint64_t>(kp), soft = true;
        else return false;
        return true;
    });
    if (!type) j.ctx().missing(at, "type");
    if (!hard) j.ctx().missing(at, "hard");
    if (!soft) j.ctx().missing(at, "soft");
    return r;
}

Scheduler read_scheduler(Pull& j, const Path& at) {
    Scheduler s;
    bool policy = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "policy") s.policy = j.string(kp), policy = true;
        else if (k == "nice") s.nice = j.integer<int32_t>(kp);
        else if (k == "priority") s.priority = j.integer<int32_t>(kp);
        else if (k == "flags") s.flags = j.strings(kp);
        else if (k == "runtime") s.runtime = j.integer<uint64_t>(kp);
        else if (k == "deadline") s.deadline = j.integer<uint64_t>(kp);
        else if (k == "period") s.period = j.integer<uint64_t>(kp);
        else return false;
        return true;
    });
    if (!policy) j.ctx().missing(at, "policy");
    return s;
}

ConsoleSize read_console_size(Pull& j, const Path& at) {
    ConsoleSize b;
    bool height = false, width = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "height") b.height = j.integer<uint64_t>(kp), height = true;
        else if (k == "width") b.width = j.integer<uint64_t>(kp), width = true;
        else return false;
        return true;
    });
    if (!height) j.ctx().missing(at, "height");
    if (!width) j.ctx().missing(at, "width");
    return b;
}

IoPriority read_io_priority(Pull& j, const Path& at) {
    IoPriority io;
    bool cls = false, prio = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "class") io.ioClass = j.string(kp), cls = true;
        else if (k == "priority") io.priority = j.integer<int32_t>(kp), prio = true;
        else return false;
        return true;
    });
    if (!cls) j.ctx().missing(at, "class");
    if (!prio) j.ctx().missing(at, "priority");  // config.md: REQUIRED
    return io;
}

ExecCpuAffinity read_exec_cpu_affinity(Pull& j, const Path& at) {
    ExecCpuAffinity a;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "initial") a.initial = j.string(kp);
        else if (k == "final") a.final = j.string(kp);
        else return false;
        return true;
    });
    return a;
}

Process read_process(Pull& j, const Path& at) {
    Process p;
    bool cwd = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "terminal") p.terminal = j.boolean(kp);
        else if (k == "consoleSize") p.consoleSize = read_console_size(j, kp);
        else if (k == "user") p.user = read_user(j, kp);
        else if (k == "args") p.args = j.strings(kp);
        else if (k == "commandLine") p.commandLine = j.string(kp);
        else if (k == "env") p.env = j.strings(kp);
        else if (k == "cwd") p.cwd = j.string(kp), cwd = true;
        else if (k == "capabilities") p.capabilities = read_capabilities(j, kp);
        else if (k == "rlimits") p.rlimits = list<Rlimit>(j, kp, read_rlimit);
        else if (k == "noNewPrivileges") p.noNewPrivileges = j.boolean(kp);
        else if (k == "apparmorProfile") p.apparmorProfile = j.string(kp);
        else if (k == "oomScoreAdj") p.oomScoreAdj = j.integer<int32_t>(kp);
        else if (k == "selinuxLabel") p.selinuxLabel = j.string(kp);
        else if (k == "ioPriority") p.ioPriority = read_io_priority(j, kp);
        else if (k == "scheduler") p.scheduler = read_scheduler(j, kp);
        else if (k == "execCPUAffinity") p.execCPUAffinity = read_exec_cpu_affinity(j, kp);
        else return false;
        return true;
    });
    if (!cwd) j.ctx().missing(at, "cwd");
    return p;
}

Namespace read_namespace(Pull& j, const Path& at) {
    Namespace ns;
    bool type = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "type") {
            std::string name = j.string(kp);
            auto t = namespace_type_from_string(name);
            if (!t)
                j.ctx().fail(kp, "unknown namespace type " + detail::quote(name) + " (" +
                                     detail::one_of(known::kNamespaceTypes) + ")");
            ns.type = *t;
            type = true;
        } else if (k == "path") {
            ns.path = j.string(kp);
        } else {
            return false;
        }
        return true;
    });
    if (!type) j.ctx().missing(at, "type");
    return ns;
}

TimeOffset read_time_offset(Pull& j, const Path& at) {
    TimeOffset t;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "secs") t.secs = j.integer<int64_t>(kp);
        else if (k == "nanosecs") t.nanosecs = j.integer<uint32_t>(kp);
        else return false;
        return true;
    });
    return t;
}

TimeOffsets read_time_offsets(Pull& j, const Path& at) {
    TimeOffsets t;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "boottime") t.boottime = read_time_offset(j, kp);
        else if (k == "monotonic") t.monotonic = read_time_offset(j, kp);
        else return false;
        return true;
    });
    return t;
}

Device read_device(Pull& j, const Path& at) {
    Device d;
    bool type = false, path = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "type") d.type = j.string(kp), type = true;
        else if (k == "path") d.path = j.string(kp), path = true;
        else if (k == "major") d.major = j.integer<int64_t>(kp);
        else if (k == "minor") d.minor = j.integer<int64_t>(kp);
        else if (k == "fileMode") d.fileMode = j.integer<uint32_t>(kp);
        else if (k == "uid") d.uid = j.integer<uint32_t>(kp);
        else if (k == "gid") d.gid = j.integer<uint32_t>(kp);
        else return false;
        return true;
    });
    if (!type) j.ctx().missing(at, "type");
    if (!path) j.ctx().missing(at, "path");
    return d;
}

DeviceCgroupRule read_device_rule(Pull& j, const Path& at) {
    DeviceCgroupRule r;
    bool allow = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "allow") r.allow = j.boolean(kp), allow = true;
        else if (k == "type") r.type = j.string(kp);
        else if (k == "major") r.major = j.integer<int64_t>(kp);
        else if (k == "minor") r.minor = j.integer<int64_t>(kp);
        else if (k == "access") r.access = j.string(kp);
        else return false;
        return true;
    });
    if (!allow) j.ctx().missing(at, "allow");
    return r;
}

Memory read_memory(Pull& j, const Path& at) {
    Memory m;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "limit") m.limit = j.integer<int64_t>(kp);
        else if (k == "reservation") m.reservation = j.integer<int64_t>(kp);
        else if (k == "swap") m.swap = j.integer<int64_t>(kp);
        else if (k == "kernel") m.kernel = j.integer<int64_t>(kp);
        else if (k == "kernelTCP") m.kernelTCP = j.integer<int64_t>(kp);
        else if (k == "swappiness") m.swappiness = j.integer<uint64_t>(kp);
        else if (k == "disableOOMKiller") m.disableOOMKiller = j.boolean(kp);
        else if (k == "useHierarchy") m.useHierarchy = j.boolean(kp);
        else if (k == "checkBeforeUpdate") m.checkBeforeUpdate = j.boolean(kp);
        else return false;
        return true;
    });
    return m;
}

Cpu read_cpu(Pull& j, const Path& at) {
    Cpu c;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "shares") c.shares = j.integer<uint64_t>(kp);
        else if (k == "quota") c.quota = j.integer<int64_t>(kp);
        else if (k == "burst") c.burst = j.integer<uint64_t>(kp);
        else if (k == "period") c.period = j.integer<uint64_t>(kp);
        else if (k == "realtimeRuntime") c.realtimeRuntime = j.integer<int64_t>(kp);
        else if (k == "realtimePeriod") c.realtimePeriod = j.integer<uint64_t>(kp);
        else if (k == "cpus") c.cpus = j.string(kp);
        else if (k == "mems") c.mems = j.string(kp);
        else if (k == "idle") c.idle = j.integer<int64_t>(kp);
        else return false;
        return true;
    });
    return c;
}

BlockIoDeviceWeight read_weight_device(Pull& j, const Path& at) {
    BlockIoDeviceWeight w;
    bool major = false, minor = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "major") w.major = j.integer<int64_t>(kp), major = true;
        else if (k == "minor") w.minor = j.integer<int64_t>(kp), minor = true;
        else if (k == "weight") w.weight = j.integer<uint16_t>(kp);
        else if (k == "leafWeight") w.leafWeight = j.integer<uint16_t>(kp);
        else return false;
        return true;
    });
    if (!major) j.ctx().missing(at, "major");
    if (!minor) j.ctx().missing(at, "minor");
    return w;
}

BlockIoDeviceThrottle read_throttle_device(Pull& j, const Path& at) {
    BlockIoDeviceThrottle t;
    bool major = false, minor = false, rate = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "major") t.major = j.integer<int64_t>(kp), major = true;
        else if (k == "minor") t.minor = j.integer<int64_t>(kp), minor = true;
        else if (k == "rate") t.rate = j.integer<uint64_t>(kp), rate = true;
        else return false;
        return true;
    });
    if (!major) j.ctx().missing(at, "major");
    if (!minor) j.ctx().missing(at, "minor");
    if (!rate) j.ctx().missing(at, "rate");  // config-linux.md: REQUIRED
    return t;
}

BlockIo read_blockio(Pull& j, const Path& at) {
    BlockIo b;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "weight") b.weight = j.integer<uint16_t>(kp);
        else if (k == "leafWeight") b.leafWeight = j.integer<uint16_t>(kp);
        else if (k == "weightDevice") b.weightDevice = list<BlockIoDeviceWeight>(j, kp, read_weight_device);
        else if (k == "throttleReadBpsDevice")
            b.throttleReadBpsDevice = list<BlockIoDeviceThrottle>(j, kp, read_throttle_device);
        else if (k == "throttleWriteBpsDevice")
            b.throttleWriteBpsDevice = list<BlockIoDeviceThrottle>(j, kp, read_throttle_device);
        else if (k == "throttleReadIOPSDevice")
            b.throttleReadIOPSDevice = list<BlockIoDeviceThrottle>(j, kp, read_throttle_device);
        else if (k == "throttleWriteIOPSDevice")
            b.throttleWriteIOPSDevice = list<BlockIoDeviceThrottle>(j, kp, read_throttle_device);
        else return false;
        return true;
    });
    return b;
}

HugepageLimit read_hugepage_limit(Pull& j, const Path& at) {
    HugepageLimit l;
    bool size = false, limit = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "pageSize") l.pageSize = j.string(kp), size = true;
        else if (k == "limit") l.limit = j.integer<uint64_t>(kp), limit = true;
        else return false;
        return true;
    });
    if (!size) j.ctx().missing(at, "pageSize");
    if (!limit) j.ctx().missing(at, "limit");
    return l;
}

NetworkPriority read_network_priority(Pull& j, const Path& at) {
    NetworkPriority np;
    bool name = false, prio = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "name") np.name = j.string(kp), name = true;
        else if (k == "priority") np.priority = j.integer<uint32_t>(kp), prio = true;
        else return false;
        return true;
    });
    if (!name) j.ctx().missing(at, "name");
    if (!prio) j.ctx().missing(at, "priority");
    return np;
}

Network read_network(Pull& j, const Path& at) {
    Network n;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "classID") n.classID = j.integer<uint32_t>(kp);
        else if (k == "priorities") n.priorities = list<NetworkPriority>(j, kp, read_network_priority);
        else return false;
        return true;
    });
    return n;
}

Rdma read_rdma(Pull& j, const Path& at) {
    Rdma r;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "hcaHandles") r.hcaHandles = j.integer<uint32_t>(kp);
        else if (k == "hcaObjects") r.hcaObjects = j.integer<uint32_t>(kp);
        else return false;
        return true;
    });
    return r;
}

Resources read_resources(Pull& j, const Path& at) {
    Resources r;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "devices") r.devices = list<DeviceCgroupRule>(j, kp, read_device_rule);
        else if (k == "memory") r.memory = read_memory(j, kp);
        else if (k == "cpu") r.cpu = read_cpu(j, kp);
        else if (k == "pids") {
            Pids pids;
            j.object(kp, [&](std::string_view pk, const Path& pkp) {
                if (pk != "limit") return false;
                pids.limit = j.integer<int64_t>(pkp);
                return true;
            });
            r.pids = pids;
        } else if (k == "blockIO") r.blockIO = read_blockio(j, kp);
        else if (k == "hugepageLimits") r.hugepageLimits = list<HugepageLimit>(j, kp, read_hugepage_limit);
        else if (k == "network") r.network = read_network(j, kp);
        else if (k == "rdma") {
            r.rdma.clear();
            j.map(kp, [&](std::string_view dev, const Path& dp) {
                r.rdma.insert_or_assign(std::string(dev), read_rdma(j, dp));
                return true;
            });
        } else if (k == "unified") r.unified = j.string_map(kp);
        else return false;
        return true;
    });
    return r;
}

SeccompArg read_seccomp_arg(Pull& j, const Path& at) {
    SeccompArg a;
    bool index = false, value = false, op = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "index") a.index = j.integer<uint32_t>(kp), index = true;
        else if (k == "value") a.value = j.integer<uint64_t>(kp), value = true;
        else if (k == "valueTwo") a.valueTwo = j.integer<uint64_t>(kp);
        else if (k == "op") a.op = j.string(kp), op = true;
        else return false;
        return true;
    });
    if (!index) j.ctx().missing(at, "index");
    if (!value) j.ctx().missing(at, "value");
    if (!op) j.ctx().missing(at, "op");
    return a;
}

SeccompSyscall read_syscall(Pull& j, const Path& at) {
    SeccompSyscall s;
    bool names = false, action = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "names") s.names = j.strings(kp), names = true;
        else if (k == "action") s.action = j.string(kp), action = true;
        else if (k == "errnoRet") s.errnoRet = j.integer<uint32_t>(kp);
        else if (k == "args") s.args = list<SeccompArg>(j, kp, read_seccomp_arg);
        else return false;
        return true;
    });
    if (!names) j.ctx().missing(at, "names");
    if (!action) j.ctx().missing(at, "action");
    return s;
}

Seccomp read_seccomp(Pull& j, const Path& at) {
    Seccomp s;
    bool action = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "defaultAction") s.defaultAction = j.string(kp), action = true;
        else if (k == "defaultErrnoRet") s.defaultErrnoRet = j.integer<uint32_t>(kp);
        else if (k == "architectures") s.architectures = j.strings(kp);
        else if (k == "flags") s.flags = j.strings(kp);
        else if (k == "listenerPath") s.listenerPath = j.string(kp);
        else if (k == "listenerMetadata") s.listenerMetadata = j.string(kp);
        else if (k == "syscalls") s.syscalls = list<SeccompSyscall>(j, kp, read_syscall);
        else return false;
        return true;
    });
    if (!action) j.ctx().missing(at, "defaultAction");
    return s;
}

IntelRdt read_intel_rdt(Pull& j, const Path& at) {
    IntelRdt r;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "closID") r.closID = j.string(kp);
        else if (k == "schemata") r.schemata = j.strings(kp);
        else if (k == "l3CacheSchema") r.l3CacheSchema = j.string(kp);
        else if (k == "memBwSchema") r.memBwSchema = j.string(kp);
        else if (k == "enableMonitoring") r.enableMonitoring = j.boolean(kp);
        else return false;
        return true;
    });
    return r;
}

Personality read_personality(Pull& j, const Path& at) {
    Personality p;
    bool domain = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "domain") p.domain = j.string(kp), domain = true;
        else if (k == "flags") p.flags = j.strings(kp);
        else return false;
        return true;
    });
    if (!domain) j.ctx().missing(at, "domain");  // config-linux.md: REQUIRED
    return p;
}

MemoryPolicy read_memory_policy(Pull& j, const Path& at) {
    MemoryPolicy m;
    bool mode = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "mode") m.mode = j.string(kp), mode = true;
        else if (k == "nodes") m.nodes = j.string(kp);
        else if (k == "flags") m.flags = j.strings(kp);
        else return false;
        return true;
    });
    if (!mode) j.ctx().missing(at, "mode");  // config-linux.md: REQUIRED
    return m;
}

Linux read_linux(Pull& j, const Path& at) {
    Linux l;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "namespaces") l.namespaces = list<Namespace>(j, kp, read_namespace);
        else if (k == "uidMappings") l.uidMappings = read_idmappings(j, kp);
        else if (k == "gidMappings") l.gidMappings = read_idmappings(j, kp);
        else if (k == "timeOffsets") l.timeOffsets = read_time_offsets(j, kp);
        else if (k == "devices") l.devices = list<Device>(j, kp, read_device);
        else if (k == "cgroupsPath") l.cgroupsPath = j.string(kp);
        else if (k == "resources") l.resources = read_resources(j, kp);
        else if (k == "intelRdt") l.intelRdt = read_intel_rdt(j, kp);
        else if (k == "sysctl") l.sysctl = j.string_map(kp);
        else if (k == "seccomp") l.seccomp = read_seccomp(j, kp);
        else if (k == "rootfsPropagation") l.rootfsPropagation = j.string(kp);
        else if (k == "maskedPaths") l.maskedPaths = j.strings(kp);
        else if (k == "readonlyPaths") l.readonlyPaths = j.strings(kp);
        else if (k == "mountLabel") l.mountLabel = j.string(kp);
        else if (k == "personality") l.personality = read_personality(j, kp);
        else if (k == "netDevices") {
            l.netDevices.clear();
            j.map(kp, [&](std::string_view dev, const Path& dp) {
                NetDevice nd;
                j.object(dp, [&](std::string_view nk, const Path& nkp) {
                    if (nk != "name") return false;
                    nd.name = j.string(nkp);
                    return true;
                });
                l.netDevices.insert_or_assign(std::string(dev), std::move(nd));
                return true;
            });
        } else if (k == "memoryPolicy") l.memoryPolicy = read_memory_policy(j, kp);
        else return false;
        return true;
    });
    return l;
}

Config read_config(Pull& j, const Path& at) {
    Config c;
    bool version = false;
    j.object(at, [&](std::string_view k, const Path& kp) {
        if (k == "ociVersion") c.ociVersion = j.string(kp), version = true;
        else if (k == "root") c.root = read_root(j, kp);
        else if (k == "mounts") c.mounts = list<Mount>(j, kp, read_mount);
        else if (k == "process") c.process = read_process(j, kp);
        else if (k == "hostname") c.hostname = j.string(kp);
        else if (k == "domainname") c.domainname = j.string(kp);
        else if (k == "hooks") c.hooks = read_hooks(j, kp);
        else if (k == "annotations") c.annotations = j.string_map(kp);
        else if (k == "linux") c.linux = read_linux(j, kp);
        else return false;
        return true;
    });
    if (!version) j.ctx().missing(at, "ociVersion");
    return c;
}

template <class F>
auto read_document(std::string_view text, std::string_view origin, F read) {
    detail::Ctx c(origin);
    return detail::read_document(text, c, read);
}

// The whole file; errors name the path ("config.json: open /b/config.json: ...").
std::string read_file(const std::string& path, std::string_view origin) {
    auto fail = [&](const char* op) {
        int err = errno;
        throw SpecError(std::string(origin) + ": " + op + " " + path + ": " + berth::errno_text(err), err);
    };
    // O_NONBLOCK: a FIFO in place of the file must not hang the open; only a
    // regular file is read (a FIFO, /dev/zero or a tty would block or never end).
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) fail("open");
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail("stat");
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        fail("read");
    }
    if (!S_ISREG(st.st_mode)) throw SpecError(std::string(origin) + ": read " + path + ": not a regular file", EINVAL);
    std::string out;
    out.reserve(static_cast<std::size_t>(st.st_size));
    char buf[16384];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("read");
        }
        if (n == 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

}  // namespace

Config parse_config(std::string_view json, std::string_view origin) {
    Config config = read_document(json, origin, read_config);
    validate_config(config, origin);
    return config;
}

Config load_config_file(const std::string& path, std::string_view origin) {
    return parse_config(read_file(path, origin), origin);
}

Process parse_process(std::string_view json, std::string_view origin) {
    Process p = read_document(json, origin, read_process);
    validate_process(p, origin);
    return p;
}

Resources parse_resources(std::string_view json, std::string_view origin) {
    Resources r = read_document(json, origin, read_resources);
    validate_resources(r, origin);
    return r;
}

}  // namespace berth::spec

// JSON -> Config. This file only checks what the JSON schema states about
// shapes and types (required fields, integer ranges, the namespace enum that
// becomes a C++ enum); the semantic rules live in validate.cpp.
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include "common/unique_fd.hpp"
#include "spec/json_reader.hpp"
#include "spec/known_values.hpp"
#include "spec/parse.hpp"

namespace berth::spec {

using detail::Ctx;
using detail::Json;
using detail::Obj;
using detail::Path;

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

IdMapping read_idmapping(Obj& o) {
    IdMapping m;
    m.containerId = o.req_int<uint32_t>("containerID");
    m.hostId = o.req_int<uint32_t>("hostID");
    m.size = o.req_int<uint32_t>("size");
    return m;
}

Hook read_hook(Obj& o) {
    Hook h;
    h.path = o.req_str("path");
    h.args = o.strs("args");
    h.env = o.strs("env");
    h.timeout = o.opt_int<int64_t>("timeout");
    return h;
}

Hooks read_hooks(Obj& o) {
    Hooks h;
    h.prestart = o.objs("prestart", read_hook);
    h.createRuntime = o.objs("createRuntime", read_hook);
    h.createContainer = o.objs("createContainer", read_hook);
    h.startContainer = o.objs("startContainer", read_hook);
    h.poststart = o.objs("poststart", read_hook);
    h.poststop = o.objs("poststop", read_hook);
    return h;
}

Mount read_mount(Obj& o) {
    Mount m;
    m.destination = o.req_str("destination");
    m.source = o.str("source");
    m.type = o.str("type");
    m.options = o.strs("options");
    m.uidMappings = o.objs("uidMappings", read_idmapping);
    m.gidMappings = o.objs("gidMappings", read_idmapping);
    return m;
}

Root read_root(Obj& o) {
    Root r;
    r.path = o.req_str("path");
    r.readonly = o.flag("readonly");
    return r;
}

User read_user(Obj& o) {
    User u;
    // config.md (POSIX user): uid and gid are REQUIRED.
    u.uid = o.req_int<uint32_t>("uid");
    u.gid = o.req_int<uint32_t>("gid");
    u.umask = o.opt_int<uint32_t>("umask");
    u.additionalGids = o.ints<uint32_t>("additionalGids");
    u.username = o.str("username");
    return u;
}

Capabilities read_capabilities(Obj& o) {
    Capabilities c;
    c.bounding = o.opt_strs("bounding");
    c.effective = o.opt_strs("effective");
    c.inheritable = o.opt_strs("inheritable");
    c.permitted = o.opt_strs("permitted");
    c.ambient = o.opt_strs("ambient");
    return c;
}

Rlimit read_rlimit(Obj& o) {
    Rlimit r;
    r.type = o.req_str("type");
    r.hard = o.req_int<uint64_t>("hard");
    r.soft = o.req_int<uint64_t>("soft");
    return r;
}

Scheduler read_scheduler(Obj& o) {
    Scheduler s;
    s.policy = o.req_str("policy");
    s.nice = o.opt_int<int32_t>("nice");
    s.priority = o.opt_int<int32_t>("priority");
    s.flags = o.strs("flags");
    s.runtime = o.opt_int<uint64_t>("runtime");
    s.deadline = o.opt_int<uint64_t>("deadline");
    s.period = o.opt_int<uint64_t>("period");
    return s;
}

Process read_process(Obj& o) {
    Process p;
    p.terminal = o.flag("terminal");
    p.consoleSize = o.opt_obj("consoleSize", [](Obj& b) {
        ConsoleSize s;
        s.height = b.req_int<uint64_t>("height");
        s.width = b.req_int<uint64_t>("width");
        return s;
    });
    if (auto u = o.opt_obj("user", read_user)) p.user = std::move(*u);
    p.args = o.strs("args");
    p.commandLine = o.str("commandLine");
    p.env = o.strs("env");
    p.cwd = o.req_str("cwd");
    p.capabilities = o.opt_obj("capabilities", read_capabilities);
    p.rlimits = o.objs("rlimits", read_rlimit);
    p.noNewPrivileges = o.flag("noNewPrivileges");
    p.apparmorProfile = o.str("apparmorProfile");
    p.oomScoreAdj = o.opt_int<int32_t>("oomScoreAdj");
    p.selinuxLabel = o.str("selinuxLabel");
    p.ioPriority = o.opt_obj("ioPriority", [](Obj& io) {
        IoPriority r;
        r.ioClass = io.req_str("class");
        r.priority = io.req_int<int32_t>("priority");  // config.md: REQUIRED
        return r;
    });
    p.scheduler = o.opt_obj("scheduler", read_scheduler);
    p.execCPUAffinity = o.opt_obj("execCPUAffinity", [](Obj& a) {
        ExecCpuAffinity r;
        r.initial = a.str("initial");
        r.final = a.str("final");
        return r;
    });
    return p;
}

Namespace read_namespace(Obj& o) {
    Namespace ns;
    Json& t = o.need("type");
    Path tp = o.path().field("type");
    std::string name = detail::take_string(o.ctx(), t, tp);
    auto type = namespace_type_from_string(name);
    if (!type)
        o.ctx().fail(tp, "unknown namespace type " + detail::quote(name) + " (" +
                             detail::one_of(known::kNamespaceTypes) + ")");
    ns.type = *type;
    ns.path = o.str("path");
    return ns;
}

TimeOffset read_time_offset(Obj& o) {
    TimeOffset t;
    t.secs = o.int_or<int64_t>("secs", 0);
    t.nanosecs = o.int_or<uint32_t>("nanosecs", 0);
    return t;
}

Device read_device(Obj& o) {
    Device d;
    d.type = o.req_str("type");
    d.path = o.req_str("path");
    d.major = o.opt_int<int64_t>("major");
    d.minor = o.opt_int<int64_t>("minor");
    d.fileMode = o.opt_int<uint32_t>("fileMode");
    d.uid = o.opt_int<uint32_t>("uid");
    d.gid = o.opt_int<uint32_t>("gid");
    return d;
}

DeviceCgroupRule read_device_rule(Obj& o) {
    DeviceCgroupRule r;
    Json& allow = o.need("allow");
    Path ap = o.path().field("allow");
    r.allow = detail::read_bool(o.ctx(), allow, ap);
    r.type = o.str("type");
    r.major = o.opt_int<int64_t>("major");
    r.minor = o.opt_int<int64_t>("minor");
    r.access = o.str("access");
    return r;
}

Memory read_memory(Obj& o) {
    Memory m;
    m.limit = o.opt_int<int64_t>("limit");
    m.reservation = o.opt_int<int64_t>("reservation");
    m.swap = o.opt_int<int64_t>("swap");
    m.kernel = o.opt_int<int64_t>("kernel");
    m.kernelTCP = o.opt_int<int64_t>("kernelTCP");
    m.swappiness = o.opt_int<uint64_t>("swappiness");
    m.disableOOMKiller = o.opt_bool("disableOOMKiller");
    m.useHierarchy = o.opt_bool("useHierarchy");
    m.checkBeforeUpdate = o.opt_bool("checkBeforeUpdate");
    return m;
}

Cpu read_cpu(Obj& o) {
    Cpu c;
    c.shares = o.opt_int<uint64_t>("shares");
    c.quota = o.opt_int<int64_t>("quota");
    c.burst = o.opt_int<uint64_t>("burst");
    c.period = o.opt_int<uint64_t>("period");
    c.realtimeRuntime = o.opt_int<int64_t>("realtimeRuntime");
    c.realtimePeriod = o.opt_int<uint64_t>("realtimePeriod");
    c.cpus = o.str("cpus");
    c.mems = o.str("mems");
    c.idle = o.opt_int<int64_t>("idle");
    return c;
}

BlockIoDeviceWeight read_weight_device(Obj& o) {
    BlockIoDeviceWeight w;
    w.major = o.req_int<int64_t>("major");
    w.minor = o.req_int<int64_t>("minor");
    w.weight = o.opt_int<uint16_t>("weight");
    w.leafWeight = o.opt_int<uint16_t>("leafWeight");
    return w;
}

BlockIoDeviceThrottle read_throttle_device(Obj& o) {
    BlockIoDeviceThrottle t;
    t.major = o.req_int<int64_t>("major");
    t.minor = o.req_int<int64_t>("minor");
    t.rate = o.req_int<uint64_t>("rate");  // config-linux.md: REQUIRED
    return t;
}

BlockIo read_blockio(Obj& o) {
    BlockIo b;
    b.weight = o.opt_int<uint16_t>("weight");
    b.leafWeight = o.opt_int<uint16_t>("leafWeight");
    b.weightDevice = o.objs("weightDevice", read_weight_device);
    b.throttleReadBpsDevice = o.objs("throttleReadBpsDevice", read_throttle_device);
    b.throttleWriteBpsDevice = o.objs("throttleWriteBpsDevice", read_throttle_device);
    b.throttleReadIOPSDevice = o.objs("throttleReadIOPSDevice", read_throttle_device);
    b.throttleWriteIOPSDevice = o.objs("throttleWriteIOPSDevice", read_throttle_device);
    return b;
}

Resources read_resources(Obj& o) {
    Resources r;
    r.devices = o.objs("devices", read_device_rule);
    r.memory = o.opt_obj("memory", read_memory);
    r.cpu = o.opt_obj("cpu", read_cpu);
    r.pids = o.opt_obj("pids", [](Obj& p) {
        Pids x;
        x.limit = p.opt_int<int64_t>("limit");
        return x;
    });
    r.blockIO = o.opt_obj("blockIO", read_blockio);
    r.hugepageLimits = o.objs("hugepageLimits", [](Obj& h) {
        HugepageLimit l;
        l.pageSize = h.req_str("pageSize");
        l.limit = h.req_int<uint64_t>("limit");
        return l;
    });
    r.network = o.opt_obj("network", [](Obj& n) {
        Network x;
        x.classID = n.opt_int<uint32_t>("classID");
        x.priorities = n.objs("priorities", [](Obj& p) {
            NetworkPriority np;
            np.name = p.req_str("name");
            np.priority = p.req_int<uint32_t>("priority");
            return np;
        });
        return x;
    });
    r.rdma = o.obj_map("rdma", [](Obj& d) {
        Rdma x;
        x.hcaHandles = d.opt_int<uint32_t>("hcaHandles");
        x.hcaObjects = d.opt_int<uint32_t>("hcaObjects");
        return x;
    });
    r.unified = o.str_map("unified");
    return r;
}

SeccompSyscall read_syscall(Obj& o) {
    SeccompSyscall s;
    Json& names = o.need("names");
    Path np = o.path().field("names");
    s.names = detail::take_strings(o.ctx(), names, np);
    s.action = o.req_str("action");
    s.errnoRet = o.opt_int<uint32_t>("errnoRet");
    s.args = o.objs("args", [](Obj& a) {
        SeccompArg x;
        x.index = a.req_int<uint32_t>("index");
        x.value = a.req_int<uint64_t>("value");
        x.valueTwo = a.int_or<uint64_t>("valueTwo", 0);
        x.op = a.req_str("op");
        return x;
    });
    return s;
}

Seccomp read_seccomp(Obj& o) {
    Seccomp s;
    s.defaultAction = o.req_str("defaultAction");
    s.defaultErrnoRet = o.opt_int<uint32_t>("defaultErrnoRet");
    s.architectures = o.strs("architectures");
    s.flags = o.strs("flags");
    s.listenerPath = o.str("listenerPath");
    s.listenerMetadata = o.str("listenerMetadata");
    s.syscalls = o.objs("syscalls", read_syscall);
    return s;
}

IntelRdt read_intel_rdt(Obj& o) {
    IntelRdt r;
    r.closID = o.str("closID");
    r.schemata = o.strs("schemata");
    r.l3CacheSchema = o.str("l3CacheSchema");
    r.memBwSchema = o.str("memBwSchema");
    r.enableMonitoring = o.opt_bool("enableMonitoring");
    return r;
}

Linux read_linux(Obj& o) {
    Linux l;
    l.namespaces = o.objs("namespaces", read_namespace);
    l.uidMappings = o.objs("uidMappings", read_idmapping);
    l.gidMappings = o.objs("gidMappings", read_idmapping);
    l.timeOffsets = o.opt_obj("timeOffsets", [](Obj& t) {
        TimeOffsets x;
        x.boottime = t.opt_obj("boottime", read_time_offset);
        x.monotonic = t.opt_obj("monotonic", read_time_offset);
        return x;
    });
    l.devices = o.objs("devices", read_device);
    l.cgroupsPath = o.opt_str("cgroupsPath");
    l.resources = o.opt_obj("resources", read_resources);
    l.intelRdt = o.opt_obj("intelRdt", read_intel_rdt);
    l.sysctl = o.str_map("sysctl");
    l.seccomp = o.opt_obj("seccomp", read_seccomp);
    l.rootfsPropagation = o.str("rootfsPropagation");
    l.maskedPaths = o.strs("maskedPaths");
    l.readonlyPaths = o.strs("readonlyPaths");
    l.mountLabel = o.str("mountLabel");
    l.personality = o.opt_obj("personality", [](Obj& p) {
        Personality x;
        x.domain = p.req_str("domain");  // config-linux.md: REQUIRED
        x.flags = p.strs("flags");
        return x;
    });
    l.netDevices = o.obj_map("netDevices", [](Obj& d) {
        NetDevice x;
        x.name = d.str("name");
        return x;
    });
    l.memoryPolicy = o.opt_obj("memoryPolicy", [](Obj& m) {
        MemoryPolicy x;
        x.mode = m.req_str("mode");  // config-linux.md: REQUIRED
        x.nodes = m.str("nodes");
        x.flags = m.strs("flags");
        return x;
    });
    return l;
}

Config read_config(Obj& o) {
    Config c;
    c.ociVersion = o.req_str("ociVersion");
    c.root = o.opt_obj("root", read_root);
    c.mounts = o.objs("mounts", read_mount);
    c.process = o.opt_obj("process", read_process);
    c.hostname = o.str("hostname");
    c.domainname = o.str("domainname");
    c.hooks = o.opt_obj("hooks", read_hooks);
    c.annotations = o.str_map("annotations");
    c.linux = o.opt_obj("linux", read_linux);
    return c;
}

// The whole file; errors name the path ("config.json: open /b/config.json: ...").
std::string read_file(const std::string& path, std::string_view origin) {
    auto fail = [&](const char* op) {
        int err = errno;
        throw SpecError(std::string(origin) + ": " + op + " " + path + ": " + berth::errno_text(err), err);
    };
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail("open");
    std::string out;
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
    Json doc = detail::parse_json(json, origin);
    Ctx c(origin);
    Path root;
    Obj o(c, doc, root);
    Config config = read_config(o);
    validate_config(config, origin);
    return config;
}

Config load_config_file(const std::string& path, std::string_view origin) {
    return parse_config(read_file(path, origin), origin);
}

Process parse_process(std::string_view json, std::string_view origin) {
    Json doc = detail::parse_json(json, origin);
    Ctx c(origin);
    Path root;
    Obj o(c, doc, root);
    Process p = read_process(o);
    validate_process(p, origin);
    return p;
}

Resources parse_resources(std::string_view json, std::string_view origin) {
    Json doc = detail::parse_json(json, origin);
    Ctx c(origin);
    Path root;
    Obj o(c, doc, root);
    Resources r = read_resources(o);
    validate_resources(r, origin);
    return r;
}

}  // namespace berth::spec

// Config -> JSON: only the fields that are set, in the order of the spec's Go
// bindings (specs-go/config.go), so the output reads like runc's.
#include "spec/json_writer.hpp"
#include "spec/parse.hpp"

namespace berth::spec {

namespace detail {
namespace {

void put_str(OJson& j, const char* key, const std::string& v) {
    if (!v.empty()) j[key] = v;
}
void put_strs(OJson& j, const char* key, const std::vector<std::string>& v) {
    if (!v.empty()) j[key] = v;
}
template <class T>
void put_opt(OJson& j, const char* key, const std::optional<T>& v) {
    if (v) j[key] = *v;
}
void put_map(OJson& j, const char* key, const std::map<std::string, std::string>& m) {
    if (m.empty()) return;
    OJson& o = j[key] = OJson::object();
    for (const auto& [k, v] : m) o[k] = v;
}
template <class T, class F>
void put_list(OJson& j, const char* key, const std::vector<T>& v, F&& f) {
    if (v.empty()) return;
    OJson& arr = j[key] = OJson::array();
    for (const T& x : v) arr.push_back(f(x));
}

OJson idmapping(const IdMapping& m) {
    return OJson{{"containerID", m.containerId}, {"hostID", m.hostId}, {"size", m.size}};
}

OJson hook(const Hook& h) {
    OJson j = OJson::object();
    j["path"] = h.path;
    put_strs(j, "args", h.args);
    put_strs(j, "env", h.env);
    put_opt(j, "timeout", h.timeout);
    return j;
}

OJson mount(const Mount& m) {
    OJson j = OJson::object();
    j["destination"] = m.destination;
    put_str(j, "type", m.type);
    put_str(j, "source", m.source);
    put_strs(j, "options", m.options);
    put_list(j, "uidMappings", m.uidMappings, idmapping);
    put_list(j, "gidMappings", m.gidMappings, idmapping);
    return j;
}

OJson device_rule(const DeviceCgroupRule& d) {
    OJson j = OJson::object();
    j["allow"] = d.allow;
    put_str(j, "type", d.type);
    put_opt(j, "major", d.major);
    put_opt(j, "minor", d.minor);
    put_str(j, "access", d.access);
    return j;
}

OJson throttle(const BlockIoDeviceThrottle& t) {
    return OJson{{"major", t.major}, {"minor", t.minor}, {"rate", t.rate}};
}

OJson time_offset(const TimeOffset& t) { return OJson{{"secs", t.secs}, {"nanosecs", t.nanosecs}}; }

OJson seccomp(const Seccomp& s) {
    OJson j = OJson::object();
    j["defaultAction"] = s.defaultAction;
    put_opt(j, "defaultErrnoRet", s.defaultErrnoRet);
    put_strs(j, "architectures", s.architectures);
    put_strs(j, "flags", s.flags);
    put_str(j, "listenerPath", s.listenerPath);
    put_str(j, "listenerMetadata", s.listenerMetadata);
    put_list(j, "syscalls", s.syscalls, [](const SeccompSyscall& sc) {
        OJson o = OJson::object();
        o["names"] = sc.names;
        o["action"] = sc.action;
        put_opt(o, "errnoRet", sc.errnoRet);
        put_list(o, "args", sc.args, [](const SeccompArg& a) {
            OJson x = OJson::object();
            x["index"] = a.index;
            x["value"] = a.value;
            if (a.valueTwo != 0) x["valueTwo"] = a.valueTwo;
            x["op"] = a.op;
            return x;
        });
        return o;
    });
    return j;
}

OJson linux_section(const Linux& l) {
    OJson j = OJson::object();
    put_list(j, "uidMappings", l.uidMappings, idmapping);
    put_list(j, "gidMappings", l.gidMappings, idmapping);
    put_map(j, "sysctl", l.sysctl);
    if (l.resources) j["resources"] = to_ojson(*l.resources);
    put_opt(j, "cgroupsPath", l.cgroupsPath);
    put_list(j, "namespaces", l.namespaces, [](const Namespace& ns) {
        OJson o = OJson::object();
        o["type"] = to_string(ns.type);
        put_str(o, "path", ns.path);
        return o;
    });
    put_list(j, "devices", l.devices, [](const Device& d) {
        OJson o = OJson::object();
        o["path"] = d.path;
        o["type"] = d.type;
        put_opt(o, "major", d.major);
        put_opt(o, "minor", d.minor);
        put_opt(o, "fileMode", d.fileMode);
        put_opt(o, "uid", d.uid);
        put_opt(o, "gid", d.gid);
        return o;
    });
    if (!l.netDevices.empty()) {
        OJson& nd = j["netDevices"] = OJson::object();
        for (const auto& [name, dev] : l.netDevices) {
            OJson o = OJson::object();
            put_str(o, "name", dev.name);
            nd[name] = std::move(o);
        }
    }
    if (l.seccomp) j["seccomp"] = seccomp(*l.seccomp);
    put_str(j, "rootfsPropagation", l.rootfsPropagation);
    put_strs(j, "maskedPaths", l.maskedPaths);
    put_strs(j, "readonlyPaths", l.readonlyPaths);
    put_str(j, "mountLabel", l.mountLabel);
    if (l.intelRdt) {
        OJson o = OJson::object();
        put_str(o, "closID", l.intelRdt->closID);
        put_strs(o, "schemata", l.intelRdt->schemata);
        put_str(o, "l3CacheSchema", l.intelRdt->l3CacheSchema);
        put_str(o, "memBwSchema", l.intelRdt->memBwSchema);
        put_opt(o, "enableMonitoring", l.intelRdt->enableMonitoring);
        j["intelRdt"] = std::move(o);
    }
    if (l.personality) {
        OJson o = OJson::object();
        o["domain"] = l.personality->domain;
        put_strs(o, "flags", l.personality->flags);
        j["personality"] = std::move(o);
    }
    if (l.timeOffsets) {
        OJson o = OJson::object();
        if (l.timeOffsets->boottime) o["boottime"] = time_offset(*l.timeOffsets->boottime);
        if (l.timeOffsets->monotonic) o["monotonic"] = time_offset(*l.timeOffsets->monotonic);
        j["timeOffsets"] = std::move(o);
    }
    if (l.memoryPolicy) {
        OJson o = OJson::object();
        o["mode"] = l.memoryPolicy->mode;
        put_str(o, "nodes", l.memoryPolicy->nodes);
        put_strs(o, "flags", l.memoryPolicy->flags);
        j["memoryPolicy"] = std::move(o);
    }
    return j;
}

}  // namespace

OJson to_ojson(const Process& p) {
    OJson j = OJson::object();
    if (p.terminal) j["terminal"] = true;
    if (p.consoleSize) j["consoleSize"] = OJson{{"height", p.consoleSize->height}, {"width", p.consoleSize->width}};
    {
        OJson u = OJson::object();
        u["uid"] = p.user.uid;
        u["gid"] = p.user.gid;
        put_opt(u, "umask", p.user.umask);
        if (!p.user.additionalGids.empty()) u["additionalGids"] = p.user.additionalGids;
        put_str(u, "username", p.user.username);
        j["user"] = std::move(u);
    }
    put_strs(j, "args", p.args);
    put_str(j, "commandLine", p.commandLine);
    put_strs(j, "env", p.env);
    j["cwd"] = p.cwd;
    if (p.capabilities) {
        OJson c = OJson::object();
        put_opt(c, "bounding", p.capabilities->bounding);
        put_opt(c, "effective", p.capabilities->effective);
        put_opt(c, "inheritable", p.capabilities->inheritable);
        put_opt(c, "permitted", p.capabilities->permitted);
        put_opt(c, "ambient", p.capabilities->ambient);
        j["capabilities"] = std::move(c);
    }
    put_list(j, "rlimits", p.rlimits,
             [](const Rlimit& r) { return OJson{{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}}; });
    if (p.noNewPrivileges) j["noNewPrivileges"] = true;
    put_str(j, "apparmorProfile", p.apparmorProfile);
    put_opt(j, "oomScoreAdj", p.oomScoreAdj);
    if (p.scheduler) {
        const Scheduler& s = *p.scheduler;
        OJson o = OJson::object();
        o["policy"] = s.policy;
        put_opt(o, "nice", s.nice);
        put_opt(o, "priority", s.priority);
        put_strs(o, "flags", s.flags);
        put_opt(o, "runtime", s.runtime);
        put_opt(o, "deadline", s.deadline);
        put_opt(o, "period", s.period);
        j["scheduler"] = std::move(o);
    }
    put_str(j, "selinuxLabel", p.selinuxLabel);
    if (p.ioPriority) j["ioPriority"] = OJson{{"class", p.ioPriority->ioClass}, {"priority", p.ioPriority->priority}};
    if (p.execCPUAffinity) {
        OJson o = OJson::object();
        put_str(o, "initial", p.execCPUAffinity->initial);
        put_str(o, "final", p.execCPUAffinity->final);
        j["execCPUAffinity"] = std::move(o);
    }
    return j;
}

OJson to_ojson(const Resources& r) {
    OJson j = OJson::object();
    put_list(j, "devices", r.devices, device_rule);
    if (r.memory) {
        const Memory& m = *r.memory;
        OJson o = OJson::object();
        put_opt(o, "limit", m.limit);
        put_opt(o, "reservation", m.reservation);
        put_opt(o, "swap", m.swap);
        put_opt(o, "kernel", m.kernel);
        put_opt(o, "kernelTCP", m.kernelTCP);
        put_opt(o, "swappiness", m.swappiness);
        put_opt(o, "disableOOMKiller", m.disableOOMKiller);
        put_opt(o, "useHierarchy", m.useHierarchy);
        put_opt(o, "checkBeforeUpdate", m.checkBeforeUpdate);
        j["memory"] = std::move(o);
    }
    if (r.cpu) {
        const Cpu& c = *r.cpu;
        OJson o = OJson::object();
        put_opt(o, "shares", c.shares);
        put_opt(o, "quota", c.quota);
        put_opt(o, "burst", c.burst);
        put_opt(o, "period", c.period);
        put_opt(o, "realtimeRuntime", c.realtimeRuntime);
        put_opt(o, "realtimePeriod", c.realtimePeriod);
        put_str(o, "cpus", c.cpus);
        put_str(o, "mems", c.mems);
        put_opt(o, "idle", c.idle);
        j["cpu"] = std::move(o);
    }
    if (r.pids) {
        OJson o = OJson::object();
        put_opt(o, "limit", r.pids->limit);
        j["pids"] = std::move(o);
    }
    if (r.blockIO) {
        const BlockIo& b = *r.blockIO;
        OJson o = OJson::object();
        put_opt(o, "weight", b.weight);
        put_opt(o, "leafWeight", b.leafWeight);
        put_list(o, "weightDevice", b.weightDevice, [](const BlockIoDeviceWeight& w) {
            OJson x = OJson::object();
            x["major"] = w.major;
            x["minor"] = w.minor;
            put_opt(x, "weight", w.weight);
            put_opt(x, "leafWeight", w.leafWeight);
            return x;
        });
        put_list(o, "throttleReadBpsDevice", b.throttleReadBpsDevice, throttle);
        put_list(o, "throttleWriteBpsDevice", b.throttleWriteBpsDevice, throttle);
        put_list(o, "throttleReadIOPSDevice", b.throttleReadIOPSDevice, throttle);
        put_list(o, "throttleWriteIOPSDevice", b.throttleWriteIOPSDevice, throttle);
        j["blockIO"] = std::move(o);
    }
    put_list(j, "hugepageLimits", r.hugepageLimits,
             [](const HugepageLimit& h) { return OJson{{"pageSize", h.pageSize}, {"limit", h.limit}}; });
    if (r.network) {
        OJson o = OJson::object();
        put_opt(o, "classID", r.network->classID);
        put_list(o, "priorities", r.network->priorities,
                 [](const NetworkPriority& p) { return OJson{{"name", p.name}, {"priority", p.priority}}; });
        j["network"] = std::move(o);
    }
    if (!r.rdma.empty()) {
        OJson& o = j["rdma"] = OJson::object();
        for (const auto& [dev, lim] : r.rdma) {
            OJson x = OJson::object();
            put_opt(x, "hcaHandles", lim.hcaHandles);
            put_opt(x, "hcaObjects", lim.hcaObjects);
            o[dev] = std::move(x);
        }
    }
    put_map(j, "unified", r.unified);
    return j;
}

OJson to_ojson(const Config& c) {
    OJson j = OJson::object();
    j["ociVersion"] = c.ociVersion;
    if (c.process) j["process"] = to_ojson(*c.process);
    if (c.root) {
        OJson r = OJson::object();
        r["path"] = c.root->path;
        if (c.root->readonly) r["readonly"] = true;
        j["root"] = std::move(r);
    }
    put_str(j, "hostname", c.hostname);
    put_str(j, "domainname", c.domainname);
    put_list(j, "mounts", c.mounts, mount);
    if (c.hooks) {
        OJson h = OJson::object();
        put_list(h, "prestart", c.hooks->prestart, hook);
        put_list(h, "createRuntime", c.hooks->createRuntime, hook);
        put_list(h, "createContainer", c.hooks->createContainer, hook);
        put_list(h, "startContainer", c.hooks->startContainer, hook);
        put_list(h, "poststart", c.hooks->poststart, hook);
        put_list(h, "poststop", c.hooks->poststop, hook);
        j["hooks"] = std::move(h);
    }
    put_map(j, "annotations", c.annotations);
    if (c.linux) j["linux"] = linux_section(*c.linux);
    return j;
}

std::string dump(const OJson& j, int indent, char indent_char) {
    return j.dump(indent, indent_char, false, OJson::error_handler_t::replace);
}

}  // namespace detail

std::string config_to_json(const Config& config, int indent) { return detail::dump(detail::to_ojson(config), indent); }

std::string process_to_json(const Process& process, int indent) {
    return detail::dump(detail::to_ojson(process), indent);
}

std::string resources_to_json(const Resources& resources, int indent) {
    return detail::dump(detail::to_ojson(resources), indent);
}

}  // namespace berth::spec

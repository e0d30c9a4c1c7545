#include "spec/features.hpp"

#include "spec/json_writer.hpp"

namespace berth::spec {

namespace {

using detail::OJson;

template <class T>
void put(OJson& j, const char* key, const std::optional<T>& v) {
    if (v) j[key] = *v;
}

OJson enabled(const EnabledFeature& e) {
    OJson j = OJson::object();
    put(j, "enabled", e.enabled);
    return j;
}

template <class T, class F>
void put_obj(OJson& j, const char* key, const std::optional<T>& v, F&& f) {
    if (v) j[key] = f(*v);
}

OJson linux_features(const LinuxFeatures& l) {
    OJson j = OJson::object();
    put(j, "namespaces", l.namespaces);
    put(j, "capabilities", l.capabilities);
    put_obj(j, "cgroup", l.cgroup, [](const CgroupFeatures& c) {
        OJson o = OJson::object();
        put(o, "v1", c.v1);
        put(o, "v2", c.v2);
        put(o, "systemd", c.systemd);
        put(o, "systemdUser", c.systemdUser);
        put(o, "rdma", c.rdma);
        return o;
    });
    put_obj(j, "seccomp", l.seccomp, [](const SeccompFeatures& s) {
        OJson o = OJson::object();
        put(o, "enabled", s.enabled);
        put(o, "actions", s.actions);
        put(o, "operators", s.operators);
        put(o, "archs", s.archs);
        put(o, "knownFlags", s.knownFlags);
        put(o, "supportedFlags", s.supportedFlags);
        return o;
    });
    put_obj(j, "apparmor", l.apparmor, enabled);
    put_obj(j, "selinux", l.selinux, enabled);
    put_obj(j, "memoryPolicy", l.memoryPolicy, [](const MemoryPolicyFeatures& m) {
        OJson o = OJson::object();
        put(o, "modes", m.modes);
        put(o, "flags", m.flags);
        return o;
    });
    put_obj(j, "intelRdt", l.intelRdt, [](const IntelRdtFeatures& r) {
        OJson o = OJson::object();
        put(o, "enabled", r.enabled);
        put(o, "schemata", r.schemata);
        put(o, "monitoring", r.monitoring);
        return o;
    });
    put_obj(j, "mountExtensions", l.mountExtensions, [](const MountExtensionsFeatures& m) {
        OJson o = OJson::object();
        put_obj(o, "idmap", m.idmap, enabled);
        return o;
    });
    put_obj(j, "netDevices", l.netDevices, enabled);
    return j;
}

}  // namespace

std::string features_to_json(const Features& f) {
    OJson j = OJson::object();
    j["ociVersionMin"] = f.ociVersionMin;
    j["ociVersionMax"] = f.ociVersionMax;
    put(j, "hooks", f.hooks);
    put(j, "mountOptions", f.mountOptions);
    put_obj(j, "linux", f.linux, linux_features);
    if (f.annotations) {
        OJson& a = j["annotations"] = OJson::object();
        for (const auto& [k, v] : *f.annotations) a[k] = v;
    }
    put(j, "potentiallyUnsafeConfigAnnotations", f.potentiallyUnsafeConfigAnnotations);
    return detail::dump(j, 2);
}

}  // namespace berth::spec

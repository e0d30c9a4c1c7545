#include "spec/default_config.hpp"

#include <algorithm>

#include "spec/json_writer.hpp"

namespace berth::spec {

namespace {

Mount mount(std::string destination, std::string type, std::string source, std::vector<std::string> options) {
    Mount m;
    m.destination = std::move(destination);
    m.type = std::move(type);
    m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

}  // namespace

Config default_config(bool rootless, uint32_t uid, uint32_t gid, bool cgroup_ns) {
    Config c;
    c.ociVersion = kSpecVersion;
    c.root = Root{"rootfs", true};

    Process p;
    p.terminal = true;
    p.args = {"sh"};
    p.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    p.cwd = "/";
    p.noNewPrivileges = true;
    const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    p.capabilities = Capabilities{caps, caps, std::nullopt, caps, std::nullopt};
    p.rlimits = {Rlimit{"RLIMIT_NOFILE", 1024, 1024}};
    c.process = std::move(p);

    c.hostname = "berth";
    c.mounts = {
        mount("/proc", "proc", "proc", {}),
        mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        mount("/dev/pts", "devpts", "devpts",
              {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
        mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
    };

    Linux l;
    l.maskedPaths = {"/proc/acpi",         "/proc/asound",      "/proc/kcore",       "/proc/keys",
                     "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                     "/sys/firmware",      "/proc/scsi",        "/sys/devices/virtual/tpm"};
    l.readonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    Resources r;
    r.devices = {DeviceCgroupRule{false, "", std::nullopt, std::nullopt, "rwm"}};
    l.resources = std::move(r);
    l.namespaces = {{NamespaceType::Pid, ""},
                    {NamespaceType::Network, ""},
                    {NamespaceType::Ipc, ""},
                    {NamespaceType::Uts, ""},
                    {NamespaceType::Mount, ""}};
    if (cgroup_ns) l.namespaces.push_back({NamespaceType::Cgroup, ""});

    if (rootless) {
        // runc's ToRootless: no network namespace (nothing to configure it
        // with), a user namespace mapping root to the caller, /sys bound from
        // the host (sysfs cannot be mounted without a network namespace), no
        // uid=/gid= options (unmapped ids), and no cgroup settings.
        std::erase_if(l.namespaces, [](const Namespace& ns) {
            return ns.type == NamespaceType::Network || ns.type == NamespaceType::User;
        });
        l.namespaces.push_back({NamespaceType::User, ""});
        l.uidMappings = {IdMapping{0, uid, 1}};
        l.gidMappings = {IdMapping{0, gid, 1}};
        for (Mount& m : c.mounts) {
            if (m.destination == "/sys") {
                m = mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"});
                continue;
            }
            std::erase_if(m.options, [](const std::string& o) { return o.rfind("gid=", 0) == 0 || o.rfind("uid=", 0) == 0; });
        }
        l.resources.reset();
    }
    c.linux = std::move(l);
    return c;
}

std::string default_config_json(bool rootless, uint32_t uid, uint32_t gid, bool cgroup_ns) {
    return detail::dump(detail::to_ojson(default_config(rootless, uid, gid, cgroup_ns)), 1, '\t');
}

}  // namespace berth::spec

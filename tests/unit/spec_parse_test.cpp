// spec/parse.hpp: every field of config.json read into the types, absent vs
// zero vs null, unknown properties, and round trips through config_to_json.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "spec/parse.hpp"

using namespace berth::spec;

namespace {

// Every field berth models, with values that differ from the defaults.
constexpr const char* kFullConfig = R"({
  "ociVersion": "1.3.0",
  "root": {"path": "rootfs", "readonly": true},
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/data", "type": "none", "source": "/volumes/data", "options": ["rbind", "rw", "idmap"],
     "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
     "gidMappings": [{"containerID": 1, "hostID": 200000, "size": 65535}]}
  ],
  "process": {
    "terminal": true,
    "consoleSize": {"height": 25, "width": 80},
    "user": {"uid": 1, "gid": 2, "umask": 18, "additionalGids": [5, 6], "username": "someone"},
    "args": ["sh", "-c", "echo hi"],
    "commandLine": "sh -c 'echo hi'",
    "env": ["PATH=/usr/bin:/bin", "TERM=xterm"],
    "cwd": "/root",
    "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "inheritable": [],
                     "permitted": ["CAP_KILL", "CAP_CHOWN"], "ambient": ["CAP_CHOWN"]},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024},
                {"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0}],
    "noNewPrivileges": true,
    "apparmorProfile": "acme_secure_profile",
    "oomScoreAdj": -500,
    "selinuxLabel": "system_u:system_r:svirt_lxc_net_t:s0:c124,c675",
    "ioPriority": {"class": "IOPRIO_CLASS_IDLE", "priority": 4},
    "scheduler": {"policy": "SCHED_DEADLINE", "nice": -5, "priority": 0,
                  "flags": ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM"],
                  "runtime": 10000000, "deadline": 20000000, "period": 30000000},
    "execCPUAffinity": {"initial": "7", "final": "0-3,7"}
  },
  "hostname": "slartibartfast",
  "domainname": "foobarbaz.test",
  "hooks": {
    "prestart": [{"path": "/usr/bin/fix-mounts", "args": ["fix-mounts", "arg1"], "env": ["key1=value1"]}],
    "createRuntime": [{"path": "/usr/bin/setup-network"}],
    "createContainer": [{"path": "/usr/bin/mount-hook", "timeout": 1}],
    "startContainer": [{"path": "/usr/bin/refresh-ldcache"}],
    "poststart": [{"path": "/usr/bin/notify-start", "timeout": 5}],
    "poststop": [{"path": "/usr/sbin/cleanup.sh", "args": ["cleanup.sh", "-f"]}]
  },
  "annotations": {"com.example.key1": "value1", "com.example.empty": ""},
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "network", "path": "/var/run/netns/neta"}, {"type": "mount"},
                   {"type": "ipc"}, {"type": "uts"}, {"type": "user"}, {"type": "cgroup"}, {"type": "time"}],
    "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 32000}],
    "gidMappings": [{"containerID": 0, "hostID": 2000, "size": 16000}],
    "timeOffsets": {"monotonic": {"secs": -172800, "nanosecs": 500}, "boottime": {"secs": 604800}},
    "devices": [
      {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0},
      {"path": "/dev/fifo", "type": "p"}
    ],
    "cgroupsPath": "/myRuntime/myContainer",
    "resources": {
      "devices": [{"allow": false, "access": "rwm"},
                  {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}],
      "memory": {"limit": 536870912, "reservation": 0, "swap": -1, "kernel": -1, "kernelTCP": -1,
                 "swappiness": 0, "disableOOMKiller": false, "useHierarchy": true, "checkBeforeUpdate": true},
      "cpu": {"shares": 1024, "quota": 1000000, "burst": 500000, "period": 500000, "realtimeRuntime": 950000,
              "realtimePeriod": 1000000, "cpus": "2-3", "mems": "0-7", "idle": 1},
      "pids": {"limit": 0},
      "blockIO": {"weight": 10, "leafWeight": 20,
                  "weightDevice": [{"major": 8, "minor": 0, "weight": 500, "leafWeight": 300},
                                   {"major": 8, "minor": 16, "weight": 500}],
                  "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 600}],
                  "throttleWriteBpsDevice": [{"major": 8, "minor": 1, "rate": 700}],
                  "throttleReadIOPSDevice": [{"major": 8, "minor": 2, "rate": 800}],
                  "throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 300}]},
      "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}, {"pageSize": "1GB", "limit": 0}],
      "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
      "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}, "mlx4_0": {"hcaObjects": 1000}},
      "unified": {"io.max": "259:0 rbps=2097152", "memory.high": "max"}
    },
    "intelRdt": {"closID": "guaranteed_group", "schemata": ["L3:0=7f0;1=1f", "MB:0=20;1=70"],
                 "l3CacheSchema": "L3:0=7f0;1=1f", "memBwSchema": "MB:0=20;1=70", "enableMonitoring": true},
    "sysctl": {"net.ipv4.ip_forward": "1", "net.core.somaxconn": "256"},
    "seccomp": {
      "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], "flags": ["SECCOMP_FILTER_FLAG_LOG"],
      "listenerPath": "/run/agent.sock", "listenerMetadata": "meta",
      "syscalls": [
        {"names": ["getcwd", "chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"},
                  {"index": 1, "value": 4294967295, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ"}]}
      ]
    },
    "rootfsPropagation": "slave",
    "maskedPaths": ["/proc/kcore"],
    "readonlyPaths": ["/proc/sys"],
    "mountLabel": "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811",
    "personality": {"domain": "LINUX32"},
    "netDevices": {"eth0": {"name": "container_eth0"}, "ens4": {}},
    "memoryPolicy": {"mode": "MPOL_INTERLEAVE", "nodes": "2-3", "flags": ["MPOL_F_STATIC_NODES"]}
  },
  "futureField": {"anything": [1, 2, 3]},
  "solaris": {"milestone": "svc:/milestone/container:default"}
})";

constexpr const char* kMinimal = R"({"ociVersion": "1.0.0", "root": {"path": "rootfs"}})";

}  // namespace

TEST_CASE("a config with every field set is read into the types", "[spec][parse]") {
    Config c = parse_config(kFullConfig);

    CHECK(c.ociVersion == "1.3.0");
    REQUIRE(c.root);
    CHECK(c.root->path == "rootfs");
    CHECK(c.root->readonly);
    CHECK(c.hostname == "slartibartfast");
    CHECK(c.domainname == "foobarbaz.test");
    CHECK(c.annotations == std::map<std::string, std::string>{{"com.example.empty", ""},
                                                              {"com.example.key1", "value1"}});

    REQUIRE(c.mounts.size() == 2);
    CHECK(c.mounts[0].destination == "/proc");
    CHECK(c.mounts[0].type == "proc");
    CHECK(c.mounts[0].source == "proc");
    CHECK(c.mounts[0].options.empty());
    CHECK(c.mounts[1].options == std::vector<std::string>{"rbind", "rw", "idmap"});
    CHECK(c.mounts[1].uidMappings == std::vector<IdMapping>{{0, 100000, 65536}});
    CHECK(c.mounts[1].gidMappings == std::vector<IdMapping>{{1, 200000, 65535}});

    REQUIRE(c.process);
    const Process& p = *c.process;
    CHECK(p.terminal);
    REQUIRE(p.consoleSize);
    CHECK(p.consoleSize->height == 25);
    CHECK(p.consoleSize->width == 80);
    CHECK(p.user.uid == 1);
    CHECK(p.user.gid == 2);
    CHECK(p.user.umask == 18u);
    CHECK(p.user.additionalGids == std::vector<uint32_t>{5, 6});
    CHECK(p.user.username == "someone");
    CHECK(p.args == std::vector<std::string>{"sh", "-c", "echo hi"});
    CHECK(p.commandLine == "sh -c 'echo hi'");
    CHECK(p.env == std::vector<std::string>{"PATH=/usr/bin:/bin", "TERM=xterm"});
    CHECK(p.cwd == "/root");
    REQUIRE(p.capabilities);
    CHECK(p.capabilities->bounding == std::vector<std::string>{"CAP_KILL"});
    CHECK(p.capabilities->effective == std::vector<std::string>{"CAP_KILL"});
    REQUIRE(p.capabilities->inheritable);  // present and empty, not absent
    CHECK(p.capabilities->inheritable->empty());
    CHECK(p.capabilities->permitted == std::vector<std::string>{"CAP_KILL", "CAP_CHOWN"});
    CHECK(p.capabilities->ambient == std::vector<std::string>{"CAP_CHOWN"});
    REQUIRE(p.rlimits.size() == 2);
    CHECK(p.rlimits[0].type == "RLIMIT_NOFILE");
    CHECK(p.rlimits[0].hard == 4096);
    CHECK(p.rlimits[0].soft == 1024);
    CHECK(p.rlimits[1].hard == UINT64_MAX);
    CHECK(p.rlimits[1].soft == 0);
    CHECK(p.noNewPrivileges);
    CHECK(p.apparmorProfile == "acme_secure_profile");
    CHECK(p.oomScoreAdj == -500);
    CHECK(p.selinuxLabel == "system_u:system_r:svirt_lxc_net_t:s0:c124,c675");
    REQUIRE(p.ioPriority);
    CHECK(p.ioPriority->ioClass == "IOPRIO_CLASS_IDLE");
    CHECK(p.ioPriority->priority == 4);
    REQUIRE(p.scheduler);
    CHECK(p.scheduler->policy == "SCHED_DEADLINE");
    CHECK(p.scheduler->nice == -5);
    CHECK(p.scheduler->priority == 0);
    CHECK(p.scheduler->flags == std::vector<std::string>{"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM"});
    CHECK(p.scheduler->runtime == 10000000u);
    CHECK(p.scheduler->deadline == 20000000u);
    CHECK(p.scheduler->period == 30000000u);
    REQUIRE(p.execCPUAffinity);
    CHECK(p.execCPUAffinity->initial == "7");
    CHECK(p.execCPUAffinity->final == "0-3,7");

    REQUIRE(c.hooks);
    REQUIRE(c.hooks->prestart.size() == 1);
    CHECK(c.hooks->prestart[0].path == "/usr/bin/fix-mounts");
    CHECK(c.hooks->prestart[0].args == std::vector<std::string>{"fix-mounts", "arg1"});
    CHECK(c.hooks->prestart[0].env == std::vector<std::string>{"key1=value1"});
    CHECK_FALSE(c.hooks->prestart[0].timeout);
    CHECK(c.hooks->createRuntime.at(0).path == "/usr/bin/setup-network");
    CHECK(c.hooks->createContainer.at(0).timeout == 1);
    CHECK(c.hooks->startContainer.at(0).path == "/usr/bin/refresh-ldcache");
    CHECK(c.hooks->poststart.at(0).timeout == 5);
    CHECK(c.hooks->poststop.at(0).args == std::vector<std::string>{"cleanup.sh", "-f"});

    REQUIRE(c.linux);
    const Linux& l = *c.linux;
    REQUIRE(l.namespaces.size() == 8);
    CHECK(l.namespaces[0].type == NamespaceType::Pid);
    CHECK(l.namespaces[1].type == NamespaceType::Network);
    CHECK(l.namespaces[1].path == "/var/run/netns/neta");
    CHECK(l.namespaces[2].type == NamespaceType::Mount);
    CHECK(l.namespaces[3].type == NamespaceType::Ipc);
    CHECK(l.namespaces[4].type == NamespaceType::Uts);
    CHECK(l.namespaces[5].type == NamespaceType::User);
    CHECK(l.namespaces[6].type == NamespaceType::Cgroup);
    CHECK(l.namespaces[7].type == NamespaceType::Time);
    CHECK(l.namespaces[7].path.empty());
    CHECK(l.uidMappings == std::vector<IdMapping>{{0, 1000, 32000}});
    CHECK(l.gidMappings == std::vector<IdMapping>{{0, 2000, 16000}});
    REQUIRE(l.timeOffsets);
    REQUIRE(l.timeOffsets->monotonic);
    CHECK(l.timeOffsets->monotonic->secs == -172800);
    CHECK(l.timeOffsets->monotonic->nanosecs == 500);
    REQUIRE(l.timeOffsets->boottime);
    CHECK(l.timeOffsets->boottime->secs == 604800);
    CHECK(l.timeOffsets->boottime->nanosecs == 0);
    REQUIRE(l.devices.size() == 2);
    CHECK(l.devices[0].path == "/dev/fuse");
    CHECK(l.devices[0].type == "c");
    CHECK(l.devices[0].major == 10);
    CHECK(l.devices[0].minor == 229);
    CHECK(l.devices[0].fileMode == 438u);
    CHECK(l.devices[0].uid == 0u);
    CHECK(l.devices[0].gid == 0u);
    CHECK(l.devices[1].type == "p");
    CHECK_FALSE(l.devices[1].major);
    CHECK_FALSE(l.devices[1].fileMode);
    CHECK(l.cgroupsPath == "/myRuntime/myContainer");

    REQUIRE(l.resources);
    const Resources& r = *l.resources;
    REQUIRE(r.devices.size() == 2);
    CHECK_FALSE(r.devices[0].allow);
    CHECK(r.devices[0].type.empty());
    CHECK_FALSE(r.devices[0].major);
    CHECK(r.devices[0].access == "rwm");
    CHECK(r.devices[1].allow);
    CHECK(r.devices[1].type == "c");
    CHECK(r.devices[1].major == 10);
    CHECK(r.devices[1].minor == 229);
    REQUIRE(r.memory);
    CHECK(r.memory->limit == 536870912);
    CHECK(r.memory->reservation == 0);  // present and zero
    CHECK(r.memory->swap == -1);
    CHECK(r.memory->kernel == -1);
    CHECK(r.memory->kernelTCP == -1);
    CHECK(r.memory->swappiness == 0u);
    CHECK(r.memory->disableOOMKiller == false);
    CHECK(r.memory->useHierarchy == true);
    CHECK(r.memory->checkBeforeUpdate == true);
    REQUIRE(r.cpu);
    CHECK(r.cpu->shares == 1024u);
    CHECK(r.cpu->quota == 1000000);
    CHECK(r.cpu->burst == 500000u);
    CHECK(r.cpu->period == 500000u);
    CHECK(r.cpu->realtimeRuntime == 950000);
    CHECK(r.cpu->realtimePeriod == 1000000u);
    CHECK(r.cpu->cpus == "2-3");
    CHECK(r.cpu->mems == "0-7");
    CHECK(r.cpu->idle == 1);
    REQUIRE(r.pids);
    CHECK(r.pids->limit == 0);
    REQUIRE(r.blockIO);
    CHECK(r.blockIO->weight == 10);
    CHECK(r.blockIO->leafWeight == 20);
    REQUIRE(r.blockIO->weightDevice.size() == 2);
    CHECK(r.blockIO->weightDevice[0].major == 8);
    CHECK(r.blockIO->weightDevice[0].weight == 500);
    CHECK(r.blockIO->weightDevice[0].leafWeight == 300);
    CHECK(r.blockIO->weightDevice[1].minor == 16);
    CHECK_FALSE(r.blockIO->weightDevice[1].leafWeight);
    CHECK(r.blockIO->throttleReadBpsDevice == std::vector<BlockIoDeviceThrottle>{{8, 0, 600}});
    CHECK(r.blockIO->throttleWriteBpsDevice == std::vector<BlockIoDeviceThrottle>{{8, 1, 700}});
    CHECK(r.blockIO->throttleReadIOPSDevice == std::vector<BlockIoDeviceThrottle>{{8, 2, 800}});
    CHECK(r.blockIO->throttleWriteIOPSDevice == std::vector<BlockIoDeviceThrottle>{{8, 16, 300}});
    CHECK(r.hugepageLimits == std::vector<HugepageLimit>{{"2MB", 209715200}, {"1GB", 0}});
    REQUIRE(r.network);
    CHECK(r.network->classID == 1048577u);
    CHECK(r.network->priorities == std::vector<NetworkPriority>{{"eth0", 500}});
    REQUIRE(r.rdma.size() == 2);
    CHECK(r.rdma.at("mlx5_1").hcaHandles == 3u);
    CHECK(r.rdma.at("mlx5_1").hcaObjects == 10000u);
    CHECK_FALSE(r.rdma.at("mlx4_0").hcaHandles);
    CHECK(r.unified == std::map<std::string, std::string>{{"io.max", "259:0 rbps=2097152"}, {"memory.high", "max"}});

    REQUIRE(l.intelRdt);
    CHECK(l.intelRdt->closID == "guaranteed_group");
    CHECK(l.intelRdt->schemata == std::vector<std::string>{"L3:0=7f0;1=1f", "MB:0=20;1=70"});
    CHECK(l.intelRdt->l3CacheSchema == "L3:0=7f0;1=1f");
    CHECK(l.intelRdt->memBwSchema == "MB:0=20;1=70");
    CHECK(l.intelRdt->enableMonitoring == true);
    CHECK(l.sysctl.at("net.core.somaxconn") == "256");
    CHECK(l.sysctl.size() == 2);

    REQUIRE(l.seccomp);
    const Seccomp& s = *l.seccomp;
    CHECK(s.defaultAction == "SCMP_ACT_ERRNO");
    CHECK(s.defaultErrnoRet == 1u);
    CHECK(s.architectures == std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"});
    CHECK(s.flags == std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"});
    CHECK(s.listenerPath == "/run/agent.sock");
    CHECK(s.listenerMetadata == "meta");
    REQUIRE(s.syscalls.size() == 2);
    CHECK(s.syscalls[0].names == std::vector<std::string>{"getcwd", "chmod"});
    CHECK(s.syscalls[0].errnoRet == 38u);
    CHECK_FALSE(s.syscalls[1].errnoRet);
    REQUIRE(s.syscalls[1].args.size() == 2);
    CHECK(s.syscalls[1].args[0].index == 0);
    CHECK(s.syscalls[1].args[0].value == 8);
    CHECK(s.syscalls[1].args[0].valueTwo == 0);
    CHECK(s.syscalls[1].args[0].op == "SCMP_CMP_EQ");
    CHECK(s.syscalls[1].args[1].value == 4294967295u);
    CHECK(s.syscalls[1].args[1].valueTwo == 8);

    CHECK(l.rootfsPropagation == "slave");
    CHECK(l.maskedPaths == std::vector<std::string>{"/proc/kcore"});
    CHECK(l.readonlyPaths == std::vector<std::string>{"/proc/sys"});
    CHECK(l.mountLabel == "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811");
    REQUIRE(l.personality);
    CHECK(l.personality->domain == "LINUX32");
    CHECK(l.personality->flags.empty());
    REQUIRE(l.netDevices.size() == 2);
    CHECK(l.netDevices.at("eth0").name == "container_eth0");
    CHECK(l.netDevices.at("ens4").name.empty());
    REQUIRE(l.memoryPolicy);
    CHECK(l.memoryPolicy->mode == "MPOL_INTERLEAVE");
    CHECK(l.memoryPolicy->nodes == "2-3");
    CHECK(l.memoryPolicy->flags == std::vector<std::string>{"MPOL_F_STATIC_NODES"});
}

TEST_CASE("optional fields left out stay unset", "[spec][parse]") {
    Config c = parse_config(kMinimal);
    CHECK(c.ociVersion == "1.0.0");
    CHECK_FALSE(c.process);
    CHECK_FALSE(c.hooks);
    CHECK_FALSE(c.linux);
    CHECK(c.mounts.empty());
    CHECK(c.annotations.empty());
    CHECK_FALSE(c.root->readonly);

    Resources r = parse_resources(R"({"memory": {}, "cpu": {"cpus": ""}})");
    REQUIRE(r.memory);
    CHECK_FALSE(r.memory->limit);
    CHECK_FALSE(r.memory->swappiness);
    CHECK_FALSE(r.memory->disableOOMKiller);
    REQUIRE(r.cpu);
    CHECK_FALSE(r.cpu->quota);
    CHECK_FALSE(r.pids);
    CHECK_FALSE(r.blockIO);
}

TEST_CASE("present-but-zero stays distinguishable from absent", "[spec][parse]") {
    // Docker sends {"memory":{"limit":0}} on update to mean "unchanged".
    Resources r = parse_resources(R"({"memory": {"limit": 0, "swap": 0}, "pids": {"limit": 0}, "cpu": {"quota": 0}})");
    REQUIRE(r.memory);
    REQUIRE(r.memory->limit);
    CHECK(*r.memory->limit == 0);
    CHECK(r.memory->swap == 0);
    CHECK_FALSE(r.memory->reservation);
    REQUIRE(r.pids);
    REQUIRE(r.pids->limit);
    CHECK(*r.pids->limit == 0);
    CHECK(r.cpu->quota == 0);

    Resources no_limit = parse_resources(R"({"pids": {}})");
    REQUIRE(no_limit.pids);
    CHECK_FALSE(no_limit.pids->limit);

    Process p = parse_process(R"({"cwd": "/", "args": ["true"], "user": {"uid": 0, "gid": 0, "umask": 0},
                                  "oomScoreAdj": 0})");
    CHECK(p.user.umask == 0u);
    CHECK(p.oomScoreAdj == 0);
    Process q = parse_process(R"({"cwd": "/", "args": ["true"]})");
    CHECK_FALSE(q.user.umask);
    CHECK_FALSE(q.oomScoreAdj);
}

TEST_CASE("null reads like an absent property, as in Go runtimes", "[spec][parse]") {
    Config c = parse_config(R"({"ociVersion": "1.0.0", "root": {"path": "rootfs", "readonly": null},
        "process": null, "mounts": null, "hostname": null,
        "linux": {"resources": {"memory": {"limit": null}}, "namespaces": null, "seccomp": null}})");
    CHECK_FALSE(c.process);
    CHECK(c.mounts.empty());
    CHECK(c.hostname.empty());
    CHECK_FALSE(c.root->readonly);
    REQUIRE(c.linux);
    CHECK(c.linux->namespaces.empty());
    CHECK_FALSE(c.linux->seccomp);
    REQUIRE(c.linux->resources->memory);
    CHECK_FALSE(c.linux->resources->memory->limit);
}

TEST_CASE("unknown properties are ignored at every level", "[spec][parse]") {
    Config c = parse_config(R"({"ociVersion": "1.0.0", "root": {"path": "rootfs", "x-extra": 1},
        "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0, "sid": "S-1"}, "newThing": {}},
        "linux": {"namespaces": [{"type": "pid", "flags": 3}], "resources": {"memory": {"future": true}}},
        "windows": {"layerFolders": ["C:\\x"]}, "vm": {"hypervisor": {"path": "/h"}}})");
    CHECK(c.root->path == "rootfs");
    CHECK(c.process->args == std::vector<std::string>{"sh"});
    CHECK(c.linux->namespaces.size() == 1);
}

TEST_CASE("integers at the edges of their ranges are accepted", "[spec][parse]") {
    // 4294967295 is (uid_t)-1, "unchanged" to setresuid: the largest real uid is one less.
    Process p = parse_process(R"({"cwd": "/", "args": ["x"], "user": {"uid": 4294967294, "gid": 0},
        "oomScoreAdj": -2147483648, "rlimits": [{"type": "RLIMIT_AS", "hard": 18446744073709551615,
        "soft": 18446744073709551615}]})");
    CHECK(p.user.uid == UINT32_MAX - 1);
    CHECK(p.oomScoreAdj == INT32_MIN);
    CHECK(p.rlimits[0].soft == UINT64_MAX);
    Resources r = parse_resources(R"({"memory": {"limit": 9223372036854775807, "swap": -9223372036854775808}})");
    CHECK(r.memory->limit == INT64_MAX);
    CHECK(r.memory->swap == INT64_MIN);
}

TEST_CASE("namespace types convert to and from their spec names", "[spec][parse]") {
    for (auto t : {NamespaceType::Pid, NamespaceType::Network, NamespaceType::Mount, NamespaceType::Ipc,
                   NamespaceType::Uts, NamespaceType::User, NamespaceType::Cgroup, NamespaceType::Time}) {
        auto back = namespace_type_from_string(to_string(t));
        REQUIRE(back);
        CHECK(*back == t);
    }
    CHECK(std::string(to_string(NamespaceType::Network)) == "network");
    CHECK_FALSE(namespace_type_from_string("net"));
    CHECK_FALSE(namespace_type_from_string(""));
}

TEST_CASE("config_to_json round trips", "[spec][roundtrip]") {
    for (const char* text : {kFullConfig, kMinimal}) {
        Config c = parse_config(text);
        for (int indent : {-1, 4}) {
            std::string out = config_to_json(c, indent);
            Config back = parse_config(out);
            CHECK(back == c);
            CHECK(config_to_json(back, indent) == out);
        }
    }
}

TEST_CASE("config_to_json emits only what is set, in the Go bindings' order", "[spec][roundtrip]") {
    CHECK(config_to_json(parse_config(kMinimal)) == R"({"ociVersion":"1.0.0","root":{"path":"rootfs"}})");

    Config c = parse_config(R"({"ociVersion": "1.0.0", "root": {"path": "r"},
        "linux": {"namespaces": [{"type": "pid"}], "resources": {"memory": {"limit": 0}, "pids": {"limit": -1}}},
        "process": {"args": ["sh"], "cwd": "/", "capabilities": {"bounding": []}}})");
    CHECK(config_to_json(c) ==
          R"({"ociVersion":"1.0.0","process":{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/",)"
          R"("capabilities":{"bounding":[]}},"root":{"path":"r"},"linux":{"resources":{"memory":{"limit":0},)"
          R"("pids":{"limit":-1}},"namespaces":[{"type":"pid"}]}})");
}

TEST_CASE("the full config survives a round trip through an unknown-property-free JSON", "[spec][roundtrip]") {
    // The serializer's output is itself a strict, complete config.
    nlohmann::json out = nlohmann::json::parse(config_to_json(parse_config(kFullConfig)));
    CHECK_FALSE(out.contains("futureField"));
    CHECK_FALSE(out.contains("solaris"));
    CHECK(out["linux"]["resources"]["pids"]["limit"] == 0);
    CHECK(out["linux"]["timeOffsets"]["boottime"]["secs"] == 604800);
    CHECK(out["process"]["capabilities"]["inheritable"] == nlohmann::json::array());
}

TEST_CASE("process and resources documents round trip", "[spec][roundtrip]") {
    nlohmann::json full = nlohmann::json::parse(kFullConfig);
    Process p = parse_process(full["process"].dump());
    CHECK(parse_process(process_to_json(p)) == p);
    CHECK(p == *parse_config(kFullConfig).process);
    Resources r = parse_resources(full["linux"]["resources"].dump());
    CHECK(parse_resources(resources_to_json(r, 2)) == r);
    CHECK(r == *parse_config(kFullConfig).linux->resources);
}

TEST_CASE("load_config_file reads a file and names it when it cannot", "[spec][parse]") {
    char dir[] = "/tmp/berth-spec-test-XXXXXX";
    REQUIRE(mkdtemp(dir));
    std::string path = std::string(dir) + "/config.json";
    {
        FILE* f = std::fopen(path.c_str(), "w");
        REQUIRE(f);
        std::fputs(kMinimal, f);
        std::fclose(f);
    }
    CHECK(load_config_file(path).root->path == "rootfs");
    std::string missing = std::string(dir) + "/nope.json";
    try {
        load_config_file(missing);
        FAIL("no error");
    } catch (const SpecError& e) {
        CHECK(std::string(e.what()) == "config.json: open " + missing + ": no such file or directory");
        CHECK(e.code() == ENOENT);
    }
    try {
        load_config_file(dir, "bundle config");
        FAIL("no error");
    } catch (const SpecError& e) {
        CHECK(std::string(e.what()) == std::string("bundle config: read ") + dir + ": is a directory");
    }
    std::remove(path.c_str());
    rmdir(dir);
}

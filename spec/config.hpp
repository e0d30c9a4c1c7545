// The OCI runtime-spec v1.3.0 configuration (config.md, config-linux.md) as
// plain C++ types. Optional JSON fields are std::optional so that "absent"
// and "zero" stay distinguishable (Docker sends {"memory":{"limit":0}} to
// mean "unchanged"). No kernel knowledge lives here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth::spec {

inline constexpr const char* kSpecVersion = "1.3.0";

struct IdMapping {
    uint32_t containerId = 0;
    uint32_t hostId = 0;
    uint32_t size = 0;
};

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int64_t> timeout;  // seconds, >= 1
};

struct Hooks {
    std::vector<Hook> prestart;  // deprecated, still sent by Docker
    std::vector<Hook> createRuntime;
    std::vector<Hook> createContainer;
    std::vector<Hook> startContainer;
    std::vector<Hook> poststart;
    std::vector<Hook> poststop;
};

struct Mount {
    std::string destination;
    std::string source;  // optional in the spec; empty when absent
    std::string type;    // optional; empty when absent
    std::vector<std::string> options;
    std::vector<IdMapping> uidMappings;
    std::vector<IdMapping> gidMappings;
};

struct Root {
    std::string path;
    bool readonly = false;
};

struct ConsoleSize {
    uint64_t height = 0;
    uint64_t width = 0;
};

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additionalGids;
    std::string username;  // Windows only; kept for round trips
};

struct Capabilities {
    std::optional<std::vector<std::string>> bounding;
    std::optional<std::vector<std::string>> effective;
    std::optional<std::vector<std::string>> inheritable;
    std::optional<std::vector<std::string>> permitted;
    std::optional<std::vector<std::string>> ambient;
};

struct Rlimit {
    std::string type;  // RLIMIT_*
    uint64_t hard = 0;
    uint64_t soft = 0;
};

struct IoPriority {
    std::string ioClass;  // IOPRIO_CLASS_RT | _BE | _IDLE  (JSON "class")
    int32_t priority = 0;
};

struct Scheduler {
    std::string policy;  // SCHED_*
    std::optional<int32_t> nice;
    std::optional<int32_t> priority;
    std::vector<std::string> flags;
    std::optional<uint64_t> runtime;
    std::optional<uint64_t> deadline;
    std::optional<uint64_t> period;
};

struct ExecCpuAffinity {
    std::string initial;
    std::string final;
};

struct Process {
    bool terminal = false;
    std::optional<ConsoleSize> consoleSize;
    User user;
    std::vector<std::string> args;
    std::string commandLine;  // Windows only
    std::vector<std::string> env;
    std::string cwd;  // required, absolute
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool noNewPrivileges = false;
    std::string apparmorProfile;
    std::optional<int32_t> oomScoreAdj;
    std::string selinuxLabel;
    std::optional<IoPriority> ioPriority;
    std::optional<Scheduler> scheduler;
    std::optional<ExecCpuAffinity> execCPUAffinity;
};

enum class NamespaceType { Pid, Network, Mount, Ipc, Uts, User, Cgroup, Time };

struct Namespace {
    NamespaceType type = NamespaceType::Mount;
    std::string path;  // empty: create a new one
};

struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;
};

struct TimeOffsets {
    std::optional<TimeOffset> boottime;
    std::optional<TimeOffset> monotonic;
};

struct Device {
    std::string type;  // c, b, u, p
    std::string path;
    std::optional<int64_t> major;
    std::optional<int64_t> minor;
    std::optional<uint32_t> fileMode;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
};

struct DeviceCgroupRule {
    bool allow = false;
    std::string type;  // a, c, b; empty = all
    std::optional<int64_t> major;
    std::optional<int64_t> minor;
    std::string access;  // rwm subset; empty = all
};

struct Memory {
    std::optional<int64_t> limit;
    std::optional<int64_t> reservation;
    std::optional<int64_t> swap;
    std::optional<int64_t> kernel;
    std::optional<int64_t> kernelTCP;
    std::optional<uint64_t> swappiness;
    std::optional<bool> disableOOMKiller;
    std::optional<bool> useHierarchy;
    std::optional<bool> checkBeforeUpdate;
};

struct Cpu {
    std::optional<uint64_t> shares;
    std::optional<int64_t> quota;
    std::optional<uint64_t> burst;
    std::optional<uint64_t> period;
    std::optional<int64_t> realtimeRuntime;
    std::optional<uint64_t> realtimePeriod;
    std::string cpus;
    std::string mems;
    std::optional<int64_t> idle;
};

struct Pids {
    int64_t limit = 0;  // required when pids is present; <= 0 means unlimited
};

struct BlockIoDeviceWeight {
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leafWeight;
};

struct BlockIoDeviceThrottle {
    int64_t major = 0;
    int64_t minor = 0;
    uint64_t rate = 0;
};

struct BlockIo {
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leafWeight;
    std::vector<BlockIoDeviceWeight> weightDevice;
    std::vector<BlockIoDeviceThrottle> throttleReadBpsDevice;
    std::vector<BlockIoDeviceThrottle> throttleWriteBpsDevice;
    std::vector<BlockIoDeviceThrottle> throttleReadIOPSDevice;
    std::vector<BlockIoDeviceThrottle> throttleWriteIOPSDevice;
};

struct HugepageLimit {
    std::string pageSize;  // e.g. "2MB"
    uint64_t limit = 0;
};

struct NetworkPriority {
    std::string name;
    uint32_t priority = 0;
};

struct Network {
    std::optional<uint32_t> classID;
    std::vector<NetworkPriority> priorities;
};

struct Rdma {
    std::optional<uint32_t> hcaHandles;
    std::optional<uint32_t> hcaObjects;
};

struct Resources {
    std::vector<DeviceCgroupRule> devices;
    std::optional<Memory> memory;
    std::optional<Cpu> cpu;
    std::optional<Pids> pids;
    std::optional<BlockIo> blockIO;
    std::vector<HugepageLimit> hugepageLimits;
    std::optional<Network> network;
    std::map<std::string, Rdma> rdma;
    std::map<std::string, std::string> unified;
};

struct SeccompArg {
    uint32_t index = 0;
    uint64_t value = 0;
    uint64_t valueTwo = 0;
    std::string op;  // SCMP_CMP_*
};

struct SeccompSyscall {
    std::vector<std::string> names;
    std::string action;  // SCMP_ACT_*
    std::optional<uint32_t> errnoRet;
    std::vector<SeccompArg> args;
};

struct Seccomp {
    std::string defaultAction;
    std::optional<uint32_t> defaultErrnoRet;
    std::vector<std::string> architectures;
    std::vector<std::string> flags;
    std::string listenerPath;
    std::string listenerMetadata;
    std::vector<SeccompSyscall> syscalls;
};

struct IntelRdt {
    std::string closID;
    std::vector<std::string> schemata;
    std::string l3CacheSchema;
    std::string memBwSchema;
    std::optional<bool> enableMonitoring;
};

struct Personality {
    std::string domain;  // LINUX | LINUX32
    std::vector<std::string> flags;
};

struct NetDevice {
    std::string name;  // new name inside the container; empty = keep
};

struct MemoryPolicy {
    std::string mode;  // MPOL_*
    std::string nodes;
    std::vector<std::string> flags;
};

struct Linux {
    std::vector<Namespace> namespaces;
    std::vector<IdMapping> uidMappings;
    std::vector<IdMapping> gidMappings;
    std::optional<TimeOffsets> timeOffsets;
    std::vector<Device> devices;
    std::optional<std::string> cgroupsPath;
    std::optional<Resources> resources;
    std::optional<IntelRdt> intelRdt;
    std::map<std::string, std::string> sysctl;
    std::optional<Seccomp> seccomp;
    std::string rootfsPropagation;  // private|shared|slave|unbindable; empty = default
    std::vector<std::string> maskedPaths;
    std::vector<std::string> readonlyPaths;
    std::string mountLabel;
    std::optional<Personality> personality;
    std::map<std::string, NetDevice> netDevices;
    std::optional<MemoryPolicy> memoryPolicy;
};

struct Config {
    std::string ociVersion;
    std::optional<Root> root;
    std::vector<Mount> mounts;
    std::optional<Process> process;
    std::string hostname;
    std::string domainname;
    std::optional<Hooks> hooks;
    std::map<std::string, std::string> annotations;
    std::optional<Linux> linux;
};

const char* to_string(NamespaceType t);

}  // namespace berth::spec

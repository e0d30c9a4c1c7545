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
    bool operator==(const IdMapping&) const = default;
};

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int64_t> timeout;  // seconds, >= 1
    bool operator==(const Hook&) const = default;
};

struct Hooks {
    std::vector<Hook> prestart;  // deprecated, still sent by Docker
    std::vector<Hook> createRuntime;
    std::vector<Hook> createContainer;
    std::vector<Hook> startContainer;
    std::vector<Hook> poststart;
    std::vector<Hook> poststop;
    bool operator==(const Hooks&) const = default;
};

struct Mount {
    std::string destination;
    std::string source;  // optional in the spec; empty when absent
    std::string type;    // optional; empty when absent
    std::vector<std::string> options;
    std::vector<IdMapping> uidMappings;
    std::vector<IdMapping> gidMappings;
    bool operator==(const Mount&) const = default;
};

struct Root {
    std::string path;
    bool readonly = false;
    bool operator==(const Root&) const = default;
};

struct ConsoleSize {
    uint64_t height = 0;
    uint64_t width = 0;
    bool operator==(const ConsoleSize&) const = default;
};

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additionalGids;
    std::string username;  // Windows only; kept for round trips
    bool operator==(const User&) const = default;
};

struct Capabilities {
    std::optional<std::vector<std::string>> bounding;
    std::optional<std::vector<std::string>> effective;
    std::optional<std::vector<std::string>> inheritable;
    std::optional<std::vector<std::string>> permitted;
    std::optional<std::vector<std::string>> ambient;
    bool operator==(const Capabilities&) const = default;
};

struct Rlimit {
    std::string type;  // RLIMIT_*
    uint64_t hard = 0;
    uint64_t soft = 0;
    bool operator==(const Rlimit&) const = default;
};

struct IoPriority {
    std::string ioClass;  // IOPRIO_CLASS_RT | _BE | _IDLE  (JSON "class")
    int32_t priority = 0;
    bool operator==(const IoPriority&) const = default;
};

struct Scheduler {
    std::string policy;  // SCHED_*
    std::optional<int32_t> nice;
    std::optional<int32_t> priority;
    std::vector<std::string> flags;
    std::optional<uint64_t> runtime;
    std::optional<uint64_t> deadline;
    std::optional<uint64_t> period;
    bool operator==(const Scheduler&) const = default;
};

struct ExecCpuAffinity {
    std::string initial;
    std::string final;
    bool operator==(const ExecCpuAffinity&) const = default;
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
    bool operator==(const Process&) const = default;
};

enum class NamespaceType { Pid, Network, Mount, Ipc, Uts, User, Cgroup, Time };

struct Namespace {
    NamespaceType type = NamespaceType::Mount;
    std::string path;  // empty: create a new one
    bool operator==(const Namespace&) const = default;
};

struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;
    bool operator==(const TimeOffset&) const = default;
};

struct TimeOffsets {
    std::optional<TimeOffset> boottime;
    std::optional<TimeOffset> monotonic;
    bool operator==(const TimeOffsets&) const = default;
};

struct Device {
    std::string type;  // c, b, u, p
    std::string path;
    std::optional<int64_t> major;
    std::optional<int64_t> minor;
    std::optional<uint32_t> fileMode;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    bool operator==(const Device&) const = default;
};

struct DeviceCgroupRule {
    bool allow = false;
    std::string type;  // a, c, b; empty = all
    std::optional<int64_t> major;
    std::optional<int64_t> minor;
    std::string access;  // rwm subset; empty = all
    bool operator==(const DeviceCgroupRule&) const = default;
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
    bool operator==(const Memory&) const = default;
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
    bool operator==(const Cpu&) const = default;
};

struct Pids {
    // config-linux.md (v1.3.0): OPTIONAL; -1 means no limit ("max"), and 0
    // is a real limit the kernel accepts. Absent means "leave alone".
    std::optional<int64_t> limit;
    bool operator==(const Pids&) const = default;
};

struct BlockIoDeviceWeight {
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leafWeight;
    bool operator==(const BlockIoDeviceWeight&) const = default;
};

struct BlockIoDeviceThrottle {
    int64_t major = 0;
    int64_t minor = 0;
    uint64_t rate = 0;
    bool operator==(const BlockIoDeviceThrottle&) const = default;
};

struct BlockIo {
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leafWeight;
    std::vector<BlockIoDeviceWeight> weightDevice;
    std::vector<BlockIoDeviceThrottle> throttleReadBpsDevice;
    std::vector<BlockIoDeviceThrottle> throttleWriteBpsDevice;
    std::vector<BlockIoDeviceThrottle> throttleReadIOPSDevice;
    std::vector<BlockIoDeviceThrottle> throttleWriteIOPSDevice;
    bool operator==(const BlockIo&) const = default;
};

struct HugepageLimit {
    std::string pageSize;  // e.g. "2MB"
    uint64_t limit = 0;
    bool operator==(const HugepageLimit&) const = default;
};

struct NetworkPriority {
    std::string name;
    uint32_t priority = 0;
    bool operator==(const NetworkPriority&) const = default;
};

struct Network {
    std::optional<uint32_t> classID;
    std::vector<NetworkPriority> priorities;
    bool operator==(const Network&) const = default;
};

struct Rdma {
    std::optional<uint32_t> hcaHandles;
    std::optional<uint32_t> hcaObjects;
    bool operator==(const Rdma&) const = default;
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
    bool operator==(const Resources&) const = default;
};

struct SeccompArg {
    uint32_t index = 0;
    uint64_t value = 0;
    uint64_t valueTwo = 0;
    std::string op;  // SCMP_CMP_*
    bool operator==(const SeccompArg&) const = default;
};

struct SeccompSyscall {
    std::vector<std::string> names;
    std::string action;  // SCMP_ACT_*
    std::optional<uint32_t> errnoRet;
    std::vector<SeccompArg> args;
    bool operator==(const SeccompSyscall&) const = default;
};

struct Seccomp {
    std::string defaultAction;
    std::optional<uint32_t> defaultErrnoRet;
    std::vector<std::string> architectures;
    std::vector<std::string> flags;
    std::string listenerPath;
    std::string listenerMetadata;
    std::vector<SeccompSyscall> syscalls;
    bool operator==(const Seccomp&) const = default;
};

struct IntelRdt {
    std::string closID;
    std::vector<std::string> schemata;
    std::string l3CacheSchema;
    std::string memBwSchema;
    std::optional<bool> enableMonitoring;
    bool operator==(const IntelRdt&) const = default;
};

struct Personality {
    std::string domain;  // LINUX | LINUX32
    std::vector<std::string> flags;
    bool operator==(const Personality&) const = default;
};

struct NetDevice {
    std::string name;  // new name inside the container; empty = keep
    bool operator==(const NetDevice&) const = default;
};

struct MemoryPolicy {
    std::string mode;  // MPOL_*
    std::string nodes;
    std::vector<std::string> flags;
    bool operator==(const MemoryPolicy&) const = default;
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
    bool operator==(const Linux&) const = default;
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
    bool operator==(const Config&) const = default;
};

const char* to_string(NamespaceType t);

}  // namespace berth::spec

// The runtime's commands as plain functions: the CLI turns flags into these
// option structs and calls one function; everything below it is kernel work.
// Each function returns the process exit status for the command, and throws
// berth::Error (with context) when the command fails.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace berth::container {

// Global flags, placed before the command (runc's layout).
struct GlobalOptions {
    std::string root = "/run/berth";  // state directory; one sub-directory per container
    bool debug = false;
    bool systemdCgroup = false;
    std::optional<bool> rootless;  // --rootless true|false|auto (auto = unset)
};

struct CreateOptions {
    std::string id;
    std::string bundle = ".";  // made absolute by the command
    std::string pidFile;
    std::string consoleSocket;
    int preserveFds = 0;
    bool noPivot = false;
    bool noNewKeyring = false;
};

struct RunOptions : CreateOptions {
    bool detach = false;
    bool keep = false;
};

struct KillOptions {
    std::string id;
    int signal = 15;  // SIGTERM
    bool all = false;
};

struct DeleteOptions {
    std::string id;
    bool force = false;
};

struct ListOptions {
    std::string format = "table";  // table | json
    bool quiet = false;
};

struct PsOptions {
    std::string id;
    std::string format = "table";  // table | json
    std::vector<std::string> psArgs;  // passed to ps(1) in table mode
};

// `update`: every field unset means "leave alone"; resourcesFile ("-" = stdin)
// holds a runtime-spec linux.resources JSON object.
struct UpdateOptions {
    std::string id;
    std::string resourcesFile;
    std::optional<int64_t> memory, memorySwap, memoryReservation, kernelMemory;
    std::optional<uint64_t> cpuShares, cpuPeriod, cpuRtPeriod;
    std::optional<int64_t> cpuQuota, cpuRtRuntime;
    std::string cpusetCpus, cpusetMems;
    std::optional<int64_t> pidsLimit;
    std::optional<uint16_t> blkioWeight;
};

struct EventsOptions {
    std::string id;
    bool stats = false;
    int intervalSeconds = 5;
};

struct ExecOptions {
    std::string id;
    std::string processFile;          // runtime-spec process JSON; overrides the rest
    std::vector<std::string> args;    // COMMAND [ARG...]
    bool tty = false;
    std::string consoleSocket;
    bool detach = false;
    std::string pidFile;
    std::string cwd;
    std::vector<std::string> env;     // K=V
    std::optional<std::string> user;  // UID[:GID]
    std::vector<uint32_t> additionalGids;
    std::vector<std::string> caps;
    bool noNewPrivs = false;
    std::string apparmor;
    std::string processLabel;
    int preserveFds = 0;
    bool ignorePaused = false;
};

int create(const GlobalOptions&, const CreateOptions&);
int start(const GlobalOptions&, const std::string& id);
int state(const GlobalOptions&, const std::string& id);  // prints the state JSON
int kill(const GlobalOptions&, const KillOptions&);
int remove(const GlobalOptions&, const DeleteOptions&);  // `delete`
int run(const GlobalOptions&, const RunOptions&);
int list(const GlobalOptions&, const ListOptions&);
int ps(const GlobalOptions&, const PsOptions&);
int pause(const GlobalOptions&, const std::string& id);
int resume(const GlobalOptions&, const std::string& id);
int update(const GlobalOptions&, const UpdateOptions&);
int events(const GlobalOptions&, const EventsOptions&);
int exec(const GlobalOptions&, const ExecOptions&);

}  // namespace berth::container

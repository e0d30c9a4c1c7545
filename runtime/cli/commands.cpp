#include "runtime/cli/commands.hpp"

#include <algorithm>
#include <climits>
#include <csignal>
#include <utility>

#include "runtime/cli/values.hpp"
#include "runtime/kernel/signals.hpp"

namespace berth::cli {

namespace {

using container::CreateOptions;
using container::DeleteOptions;
using container::EventsOptions;
using container::ExecOptions;
using container::KillOptions;
using container::ListOptions;
using container::PsOptions;
using container::RunOptions;

// ---- argument and value checks, with runc's wording ----

void exact_args(const std::string& cmd, const FlagParse& p, size_t n) {
    if (p.args.size() != n)
        throw UsageError("berth: \"" + cmd + "\" requires exactly " + std::to_string(n) + " argument(s)");
}

void min_args(const std::string& cmd, const FlagParse& p, size_t n) {
    if (p.args.size() < n)
        throw UsageError("berth: \"" + cmd + "\" requires a minimum of " + std::to_string(n) + " argument(s)");
}

void max_args(const std::string& cmd, const FlagParse& p, size_t n) {
    if (p.args.size() > n)
        throw UsageError("berth: \"" + cmd + "\" requires a maximum of " + std::to_string(n) + " argument(s)");
}

[[noreturn]] void bad_value(const FlagHit& h, const std::string& why) {
    throw UsageError("invalid value " + go_quote(h.value) + " for flag -" + h.typed + ": " + why);
}

bool on(const FlagHit& h) { return h.value == "true"; }

// A Go IntFlag: strconv.ParseInt(s, 0, 64).
int64_t go_int(const FlagHit& h) {
    int64_t v = 0;
    NumError e = parse_go_int64(h.value, 0, v);
    if (e != NumError::None) bad_value(h, e == NumError::Range ? "value out of range" : "parse error");
    return v;
}

int int_flag(const FlagHit& h) {
    int64_t v = go_int(h);
    if (v < INT_MIN || v > INT_MAX) bad_value(h, "value out of range");
    return static_cast<int>(v);
}

// --preserve-fds: a count; runc silently ignores a negative one, berth refuses it.
int fd_count(const FlagHit& h) {
    int v = int_flag(h);
    if (v < 0) bad_value(h, "must not be negative");
    return v;
}

std::string table_or_json(const std::string& format) {
    if (format != "table" && format != "json") throw UsageError("invalid format option");
    return format;
}

// runc's update reads these flags as strings and converts them itself; its
// messages say "invalid value for <flag>: <reason>".
[[noreturn]] void bad_update_value(const FlagHit& h, const std::string& why) {
    throw UsageError("invalid value for " + h.name + ": " + why);
}

uint64_t update_uint(const FlagHit& h) {
    uint64_t v = 0;
    NumError e = parse_go_uint64(h.value, 10, v);
    if (e != NumError::None) bad_update_value(h, strconv_error("ParseUint", h.value, e));
    return v;
}

int64_t update_int(const FlagHit& h) {
    int64_t v = 0;
    NumError e = parse_go_int64(h.value, 10, v);
    if (e != NumError::None) bad_update_value(h, strconv_error("ParseInt", h.value, e));
    return v;
}

// Memory sizes: "-1" (unlimited) or go-units RAMInBytes ("32m", "1g").
int64_t update_memory(const FlagHit& h) {
    if (h.value == "-1") return -1;
    try {
        return parse_ram_in_bytes(h.value);
    } catch (const Error& e) {
        bad_update_value(h, e.what());
    }
}

// ---- flag tables: each flag's spec and what it sets ----

template <class O>
struct Flag {
    FlagSpec spec;
    void (*apply)(O&, const FlagHit&);
    // runc reads this flag as a string and converts it in the command's action,
    // after checking the arguments; its value errors come after argument errors.
    bool late = false;
};

template <class O>
using Positional = void (*)(O&, const FlagParse&, const std::string& cmd);

template <class O>
std::vector<FlagSpec> specs_of(const std::vector<Flag<O>>& flags) {
    std::vector<FlagSpec> out;
    for (const auto& f : flags) out.push_back(f.spec);
    return out;
}

// Flags are applied in command-line order (the last one wins, repeated ones
// append), then the positional arguments are checked and stored, then the
// "late" flags are converted: the order in which runc reports errors.
template <class O>
std::function<CommandOptions(const FlagParse&)> builder(std::string cmd, std::vector<Flag<O>> flags,
                                                        Positional<O> positional) {
    return [cmd = std::move(cmd), flags = std::move(flags), positional](const FlagParse& p) -> CommandOptions {
        O o{};
        auto apply = [&](bool late) {
            for (const auto& hit : p.hits)
                for (const auto& f : flags)
                    if (f.late == late && f.spec.names.front() == hit.name) f.apply(o, hit);
        };
        apply(false);
        positional(o, p, cmd);
        apply(true);
        return o;
    };
}

template <class O>
CommandDef command(std::string name, std::vector<std::string> aliases, std::string summary, std::string argsUsage,
                   std::string description, bool reorder, std::vector<Flag<O>> flags, Positional<O> positional) {
    CommandDef def;
    def.name = name;
    def.aliases = std::move(aliases);
    def.summary = std::move(summary);
    def.argsUsage = std::move(argsUsage);
    def.description = std::move(description);
    def.reorder = reorder;
    def.flags = specs_of(flags);
    def.build = builder<O>(std::move(name), std::move(flags), positional);
    return def;
}

// exec and ps: what follows the container id belongs to another program. A
// "--" right after the id is dropped (runc would pass it on, and run "--" as
// the command); any later "--" is kept.
std::vector<std::string> after_id(const FlagParse& p) {
    size_t from = p.args.size() > 1 && p.args[1] == "--" ? 2 : 1;
    return std::vector<std::string>(p.args.begin() + static_cast<std::ptrdiff_t>(from), p.args.end());
}

template <class O>
void one_id(O& o, const FlagParse& p, const std::string& cmd) {
    exact_args(cmd, p, 1);
    o.id = p.args[0];
}

template <class O>
void no_args(O&, const FlagParse& p, const std::string& cmd) {
    exact_args(cmd, p, 0);
}

constexpr FlagKind kBool = FlagKind::Bool;
constexpr FlagKind kValue = FlagKind::Value;

// create and run share these.
template <class O>
std::vector<Flag<O>> create_flags() {
    return {
        {{{"bundle", "b"}, kValue, "path to the root of the bundle directory, defaults to the current directory"},
         [](O& o, const FlagHit& h) { o.bundle = h.value; }},
        {{{"console-socket"}, kValue,
          "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the "
          "console's pseudoterminal"},
         [](O& o, const FlagHit& h) { o.consoleSocket = h.value; }},
        {{{"pid-file"}, kValue, "specify the file to write the process id to"},
         [](O& o, const FlagHit& h) { o.pidFile = h.value; }},
        {{{"no-pivot"}, kBool, "do not use pivot_root to jail the process inside rootfs (for a rootfs on a ramdisk)"},
         [](O& o, const FlagHit& h) { o.noPivot = on(h); }},
        {{{"no-new-keyring"}, kBool,
          "do not create a new session keyring for the container; it inherits the caller's session keyring"},
         [](O& o, const FlagHit& h) { o.noNewKeyring = on(h); }},
        {{{"preserve-fds"}, kValue,
          "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)"},
         [](O& o, const FlagHit& h) { o.preserveFds = fd_count(h); }},
    };
}

std::vector<Flag<RunOptions>> run_flags() {
    auto flags = create_flags<RunOptions>();
    flags.insert(flags.begin() + 2,
                 {{{{"detach", "d"}, kBool, "detach from the container's process"},
                   [](RunOptions& o, const FlagHit& h) { o.detach = on(h); }},
                  {{{"keep"}, kBool, "do not delete the container after it exits"},
                   [](RunOptions& o, const FlagHit& h) { o.keep = on(h); }}});
    // runc's --no-subreaper: accepted so runc command lines work; berth's run
    // reaps its own child and needs no subreaper switch.
    flags.push_back({{{"no-subreaper"}, kBool, "accepted for runc compatibility; has no effect", true},
                     [](RunOptions&, const FlagHit&) {}});
    return flags;
}

const char* kFormatUsage = "select one of: table or json (default: \"table\")";

std::vector<Flag<UpdateCommandOptions>> update_flags() {
    using U = UpdateCommandOptions;
    return {
        {{{"resources", "r"}, kValue,
          "path to a file holding a runtime-spec linux.resources JSON object, or '-' for standard input; "
          "all other options are then ignored"},
         [](U& o, const FlagHit& h) { o.update.resourcesFile = h.value; }},
        {{{"blkio-weight"}, kValue, "per-cgroup block IO weight, from 10 to 1000 (default: 0)"},
         [](U& o, const FlagHit& h) {
             int64_t v = go_int(h);
             if (v < 0 || v > UINT16_MAX) bad_value(h, "value out of range");
             if (v != 0) o.update.blkioWeight = static_cast<uint16_t>(v);  // 0 means unchanged, as in runc
         }},
        {{{"cpu-period"}, kValue, "CPU CFS period to be used for hardcapping (in usecs); 0 to use the system default"},
         [](U& o, const FlagHit& h) { o.update.cpuPeriod = update_uint(h); }, true},
        {{{"cpu-quota"}, kValue, "CPU CFS hardcap limit (in usecs): allowed CPU time in a given period"},
         [](U& o, const FlagHit& h) { o.update.cpuQuota = update_int(h); }, true},
        // runc spells it --cpu-share; --cpu-shares (as in the spec's "shares") is accepted too.
        {{{"cpu-share", "cpu-shares"}, kValue, "CPU shares (relative weight vs. other containers)"},
         [](U& o, const FlagHit& h) { o.update.cpuShares = update_uint(h); }, true},
        {{{"cpu-rt-period"}, kValue,
          "CPU realtime period to be used for hardcapping (in usecs); 0 to use the system default"},
         [](U& o, const FlagHit& h) { o.update.cpuRtPeriod = update_uint(h); }, true},
        {{{"cpu-rt-runtime"}, kValue, "CPU realtime hardcap limit (in usecs): allowed CPU time in a given period"},
         [](U& o, const FlagHit& h) { o.update.cpuRtRuntime = update_int(h); }, true},
        {{{"cpuset-cpus"}, kValue, "CPU(s) to use"},
         [](U& o, const FlagHit& h) { o.update.cpusetCpus = h.value; }},
        {{{"cpuset-mems"}, kValue, "memory node(s) to use"},
         [](U& o, const FlagHit& h) { o.update.cpusetMems = h.value; }},
        {{{"kernel-memory"}, kValue, "obsolete: accepted and ignored", true},
         [](U& o, const FlagHit& h) { o.update.kernelMemory = update_memory(h); }, true},
        {{{"kernel-memory-tcp"}, kValue, "obsolete: accepted and ignored", true},
         [](U& o, const FlagHit& h) { o.kernelMemoryTcp = update_memory(h); }, true},
        {{{"memory"}, kValue, "memory limit (in bytes; units such as 32m or 1g are accepted)"},
         [](U& o, const FlagHit& h) { o.update.memory = update_memory(h); }, true},
        {{{"memory-reservation"}, kValue, "memory reservation or soft limit (in bytes)"},
         [](U& o, const FlagHit& h) { o.update.memoryReservation = update_memory(h); }, true},
        {{{"memory-swap"}, kValue, "total memory usage (memory + swap); '-1' for unlimited swap"},
         [](U& o, const FlagHit& h) { o.update.memorySwap = update_memory(h); }, true},
        {{{"pids-limit"}, kValue, "maximum number of pids allowed in the container (default: 0)"},
         [](U& o, const FlagHit& h) { o.update.pidsLimit = go_int(h); }},
        {{{"l3-cache-schema"}, kValue, "the string of Intel RDT/CAT L3 cache schema (not supported by berth)"},
         [](U& o, const FlagHit& h) { o.l3CacheSchema = h.value; }},
        {{{"mem-bw-schema"}, kValue, "the string of Intel RDT/MBA memory bandwidth schema (not supported by berth)"},
         [](U& o, const FlagHit& h) { o.memBwSchema = h.value; }},
    };
}

std::vector<Flag<ExecOptions>> exec_flags() {
    using E = ExecOptions;
    return {
        {{{"console-socket"}, kValue,
          "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the "
          "console's pseudoterminal"},
         [](E& o, const FlagHit& h) { o.consoleSocket = h.value; }},
        {{{"cwd"}, kValue, "current working directory in the container"},
         [](E& o, const FlagHit& h) { o.cwd = h.value; }},
        {{{"env", "e"}, kValue, "set an environment variable (K=V); may be repeated"},
         [](E& o, const FlagHit& h) { o.env.push_back(h.value); }},
        {{{"tty", "t"}, kBool, "allocate a pseudo-TTY"}, [](E& o, const FlagHit& h) { o.tty = on(h); }},
        {{{"user", "u"}, kValue, "UID (format: <uid>[:<gid>])"},
         [](E& o, const FlagHit& h) {
             if (!h.value.empty()) o.user = h.value;
         }},
        {{{"additional-gids", "g"}, kValue, "additional gids; may be repeated"},
         [](E& o, const FlagHit& h) {
             int64_t gid = 0;
             NumError e = parse_go_int64(h.value, 0, gid);
             if (e != NumError::None) bad_value(h, strconv_error("ParseInt", h.value, e));
             if (gid < 0) throw UsageError("additional-gids must be a positive number " + h.value);
             if (gid > UINT32_MAX) bad_value(h, "value out of range");
             o.additionalGids.push_back(static_cast<uint32_t>(gid));
         }},
        {{{"process", "p"}, kValue, "path to the process.json"},
         [](E& o, const FlagHit& h) { o.processFile = h.value; }},
        {{{"detach", "d"}, kBool, "detach from the container's process"},
         [](E& o, const FlagHit& h) { o.detach = on(h); }},
        {{{"pid-file"}, kValue, "specify the file to write the process id to"},
         [](E& o, const FlagHit& h) { o.pidFile = h.value; }},
        {{{"process-label"}, kValue, "set the asm process label for the process commonly used with selinux"},
         [](E& o, const FlagHit& h) { o.processLabel = h.value; }},
        {{{"apparmor"}, kValue, "set the apparmor profile for the process"},
         [](E& o, const FlagHit& h) { o.apparmor = h.value; }},
        {{{"no-new-privs"}, kBool, "set the no new privileges value for the process"},
         [](E& o, const FlagHit& h) { o.noNewPrivs = on(h); }},
        {{{"cap", "c"}, kValue, "add a capability to the bounding set for the process; may be repeated"},
         [](E& o, const FlagHit& h) { o.caps.push_back(h.value); }},
        {{{"preserve-fds"}, kValue,
          "pass N additional file descriptors to the process (stdio + $LISTEN_FDS + N in total) (default: 0)"},
         [](E& o, const FlagHit& h) { o.preserveFds = fd_count(h); }},
        {{{"ignore-paused"}, kBool, "allow exec in a paused container"},
         [](E& o, const FlagHit& h) { o.ignorePaused = on(h); }},
    };
}

// checkpoint and restore exist so engines' probes (`checkpoint --help`) work.
CommandDef unsupported(std::string name, std::string summary) {
    CommandDef def;
    def.name = name;
    def.summary = summary;
    def.argsUsage = "<container-id>";
    def.description = "berth does not implement checkpoint/restore (CRIU); this command always fails with \"" +
                      name + " is not supported\".";
    def.skipFlagParsing = true;
    def.build = [name](const FlagParse&) -> CommandOptions { return UnsupportedOptions{name}; };
    return def;
}

std::vector<CommandDef> make_table() {
    std::vector<CommandDef> t;
    t.push_back(unsupported("checkpoint", "checkpoint a running container (not supported)"));
    t.push_back(command<CreateOptions>(
        "create", {}, "create a container", "<container-id>",
        "The create command creates an instance of a container for a bundle. The bundle is a directory with a\n"
        "specification file named \"config.json\" and a root filesystem. The container's process is set up and\n"
        "waits; \"berth start\" runs the user program given in the spec's process.args.",
        true, create_flags<CreateOptions>(), one_id<CreateOptions>));
    t.push_back(command<DeleteOptions>(
        "delete", {}, "delete any resources held by the container, often used with detached containers",
        "<container-id>",
        "The delete command removes a stopped container: its cgroup, its state directory, and runs its\n"
        "poststop hooks. A created container (never started) is killed and removed too, as runc does.\n"
        "With --force, a running or paused container is killed with SIGKILL first.",
        true,
        std::vector<Flag<DeleteOptions>>{
            {{{"force", "f"}, kBool, "forcibly delete the container if it is still running (uses SIGKILL)"},
             [](DeleteOptions& o, const FlagHit& h) { o.force = on(h); }}},
        one_id<DeleteOptions>));
    t.push_back(command<EventsOptions>(
        "events", {}, "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
        "<container-id>",
        "The events command prints the container's statistics as JSON, every --interval (default 5s), and\n"
        "OOM notifications, until the container stops. With --stats it prints the statistics once and exits.",
        true,
        std::vector<Flag<EventsOptions>>{
            {{{"interval"}, kValue, "set the stats collection interval (default: 5s)"},
             [](EventsOptions& o, const FlagHit& h) {
                 auto ns = parse_go_duration(h.value);
                 if (!ns) bad_value(h, "parse error");
                 if (*ns <= 0) throw UsageError("duration interval must be greater than 0");
                 // Whole seconds, rounded up so that "500ms" stays a positive interval.
                 o.intervalSeconds = static_cast<int>(std::min<int64_t>((*ns + 999999999) / 1000000000, INT_MAX));
             }},
            {{{"stats"}, kBool, "display the container's stats then exit"},
             [](EventsOptions& o, const FlagHit& h) { o.stats = on(h); }}},
        one_id<EventsOptions>));
    t.push_back(command<ExecOptions>(
        "exec", {}, "execute new process inside the container",
        "<container-id> <command> [command options]  || -p process.json <container-id>",
        "The exec command runs a new process in a running container. The process is taken from --process\n"
        "(a runtime-spec process JSON) or from the arguments after the container id; flags after the\n"
        "container id belong to the command (\"berth exec ID sh -c 'echo hi'\").",
        false, exec_flags(), [](ExecOptions& o, const FlagParse& p, const std::string& cmd) {
            min_args(cmd, p, 1);
            o.id = p.args[0];
            o.args = after_id(p);
            if (o.processFile.empty() && o.args.empty()) throw UsageError("process args cannot be empty");
        }));
    t.push_back(command<KillOptions>(
        "kill", {}, "kill sends the specified signal (default: SIGTERM) to the container's init process",
        "<container-id> [signal]",
        "The kill command sends a signal to the container's init process, or with --all to every process in\n"
        "the container. The signal is a number (9) or a name with or without SIG (KILL, SIGKILL).",
        true,
        std::vector<Flag<KillOptions>>{
            {{{"all", "a"}, kBool, "send the specified signal to all processes inside the container"},
             [](KillOptions& o, const FlagHit& h) { o.all = on(h); }}},
        [](KillOptions& o, const FlagParse& p, const std::string& cmd) {
            min_args(cmd, p, 1);
            max_args(cmd, p, 2);
            o.id = p.args[0];
            o.signal = SIGTERM;
            if (p.args.size() == 2) {
                try {
                    o.signal = kernel::parse_signal(p.args[1]);
                } catch (const Error& e) {
                    throw UsageError(e.what());
                }
            }
        }));
    t.push_back(command<ListOptions>(
        "list", {"ls"}, "lists containers started by berth with the given root", "",
        "The list command shows the containers in the state directory given with the global --root option\n"
        "(default: \"/run/berth\").",
        true,
        std::vector<Flag<ListOptions>>{
            {{{"format", "f"}, kValue, kFormatUsage},
             [](ListOptions& o, const FlagHit& h) { o.format = table_or_json(h.value); }, true},
            {{{"quiet", "q"}, kBool, "display only container IDs"},
             [](ListOptions& o, const FlagHit& h) { o.quiet = on(h); }}},
        no_args<ListOptions>));
    t.push_back(command<PauseOptions>(
        "pause", {}, "pause suspends all processes inside the container", "<container-id>",
        "The pause command freezes every process of the container (cgroup freezer).", true, {},
        one_id<PauseOptions>));
    t.push_back(command<PsOptions>(
        "ps", {}, "ps displays the processes running inside a container", "<container-id> [ps options]",
        "The ps command lists the container's processes: as a JSON array of pids with --format json, else as\n"
        "ps(1) output (arguments after the container id go to ps; default -ef) limited to the container.",
        false,
        std::vector<Flag<PsOptions>>{{{{"format", "f"}, kValue, kFormatUsage},
                                      [](PsOptions& o, const FlagHit& h) { o.format = table_or_json(h.value); }, true}},
        [](PsOptions& o, const FlagParse& p, const std::string& cmd) {
            min_args(cmd, p, 1);
            o.id = p.args[0];
            o.psArgs = after_id(p);
        }));
    t.push_back(unsupported("restore", "restore a container from a previous checkpoint (not supported)"));
    t.push_back(command<ResumeOptions>(
        "resume", {}, "resumes all processes that have been previously paused", "<container-id>",
        "The resume command thaws every process of a paused container.", true, {}, one_id<ResumeOptions>));
    t.push_back(command<RunOptions>(
        "run", {}, "create and run a container", "<container-id>",
        "The run command creates a container for a bundle (see \"berth create\") and starts it. Unless\n"
        "--detach is given, berth waits for the container's process, exits with its status and deletes the\n"
        "container (unless --keep).",
        true, run_flags(), one_id<RunOptions>));
    t.push_back(command<SpecOptions>(
        "spec", {}, "create a new specification file", "",
        "The spec command writes a starter config.json into the bundle directory (default: the current\n"
        "directory). It refuses to overwrite an existing config.json. With --rootless the configuration maps\n"
        "the caller's uid and gid into a user namespace so an unprivileged user can run it.",
        true,
        std::vector<Flag<SpecOptions>>{
            {{{"bundle", "b"}, kValue, "path to the root of the bundle directory"},
             [](SpecOptions& o, const FlagHit& h) { o.bundle = h.value; }},
            {{{"rootless"}, kBool, "generate a configuration for a rootless container"},
             [](SpecOptions& o, const FlagHit& h) { o.rootless = on(h); }}},
        no_args<SpecOptions>));
    t.push_back(command<StartOptions>(
        "start", {}, "executes the user defined process in a created container", "<container-id>",
        "The start command runs the user program of a created container.", true, {}, one_id<StartOptions>));
    t.push_back(command<StateOptions>(
        "state", {}, "output the state of a container", "<container-id>",
        "The state command prints the container's state as JSON (runtime-spec state, runc's fields).", true, {},
        one_id<StateOptions>));
    t.push_back(command<UpdateCommandOptions>(
        "update", {}, "update container resource constraints", "<container-id>",
        "The update command changes the cgroup limits of a running container, from flags or from a\n"
        "runtime-spec linux.resources JSON object given with --resources.",
        true, update_flags(), [](UpdateCommandOptions& o, const FlagParse& p, const std::string& cmd) {
            exact_args(cmd, p, 1);
            o.update.id = p.args[0];
        }));
    t.push_back(command<FeaturesOptions>(
        "features", {}, "show the enabled features", "",
        "The features command prints what this berth implements as JSON (runtime-spec features.md).", true, {},
        no_args<FeaturesOptions>));
    t.push_back(command<HelpOptions>(
        "help", {"h"}, "shows a list of commands or help for one command", "[command]", "", true, {},
        [](HelpOptions& o, const FlagParse& p, const std::string&) {
            if (p.args.empty()) return;
            const CommandDef* c = find_command(p.args[0]);
            if (!c) throw UsageError("No help topic for '" + p.args[0] + "'");
            o.topic = c->name;
        }));
    return t;
}

const FlagSpec kHelpFlag{{"help", "h"}, FlagKind::Bool, "show help", true};

bool asks_for_help(const std::vector<std::string>& args) {
    for (const auto& a : args) {
        if (a == "--") break;
        if (a == "-h" || a == "--h" || a == "-help" || a == "--help" || a == "--help=true" || a == "-help=true")
            return true;
    }
    return false;
}

}  // namespace

const std::vector<CommandDef>& command_table() {
    static const std::vector<CommandDef> table = make_table();
    return table;
}

const CommandDef* find_command(const std::string& name) {
    for (const auto& c : command_table()) {
        if (c.name == name) return &c;
        for (const auto& a : c.aliases)
            if (a == name) return &c;
    }
    return nullptr;
}

const std::vector<FlagSpec>& global_flags() {
    static const std::vector<FlagSpec> flags = {
        {{"debug"}, kBool, "enable debug logging"},
        {{"log"}, kValue, "set the log file to write berth logs to (default is '/dev/stderr')"},
        {{"log-format"}, kValue, "set the log format ('text' (default), or 'json') (default: \"text\")"},
        {{"root"}, kValue,
         "root directory for storage of container state (this should be located in tmpfs) (default: \"/run/berth\")"},
        {{"criu"}, kValue, "accepted for runc compatibility and ignored (berth does not checkpoint)"},
        {{"systemd-cgroup"}, kBool,
         "enable systemd cgroup support, expects cgroupsPath to be of form \"slice:prefix:name\" for e.g. "
         "\"system.slice:berth:434234\""},
        {{"rootless"}, kValue, "ignore cgroup permission errors ('true', 'false', or 'auto') (default: \"auto\")"},
        {{"help", "h"}, kBool, "show help"},
        {{"version", "v"}, kBool, "print the version"},
    };
    return flags;
}

ParsedCommandLine parse_global_flags(const std::vector<std::string>& args, std::vector<std::string>& rest) {
    FlagParse p = parse_go_flags(args, global_flags());
    ParsedCommandLine line;
    bool help = false, version = false;
    for (const auto& h : p.hits) {
        if (h.name == "debug") {
            line.global.debug = line.log.debug = on(h);
        } else if (h.name == "log") {
            line.log.file = h.value;
        } else if (h.name == "log-format") {
            if (h.value == "text") line.log.format = LogFormat::Text;
            else if (h.value == "json") line.log.format = LogFormat::Json;
            else throw UsageError("invalid log-format: " + h.value);
        } else if (h.name == "root") {
            line.global.root = h.value;
            line.rootGiven = true;
        } else if (h.name == "criu") {
            line.criu = h.value;
        } else if (h.name == "systemd-cgroup") {
            line.global.systemdCgroup = on(h);
        } else if (h.name == "rootless") {
            std::string v = h.value;
            for (auto& c : v) c = static_cast<char>(c | (c >= 'A' && c <= 'Z' ? 0x20 : 0));
            if (v.empty() || v == "auto") line.global.rootless.reset();
            else if (auto b = parse_go_bool(h.value)) line.global.rootless = *b;
            else bad_value(h, "want true, false or auto");
        } else if (h.name == "help") {
            help = on(h);
        } else if (h.name == "version") {
            version = on(h);
        }
    }
    rest = std::move(p.args);
    if (help) {
        line.command = "help";
        line.options = HelpOptions{};
    } else if (version) {
        line.command = "version";
        line.options = VersionOptions{};
    }
    return line;
}

void parse_command(ParsedCommandLine& line, const std::vector<std::string>& rest) {
    if (!line.command.empty()) return;  // --help or --version decided already
    if (rest.empty()) {
        line.command = "help";
        line.options = HelpOptions{};
        return;
    }
    const CommandDef* cmd = find_command(rest[0]);
    if (!cmd) throw UsageError("No help topic for '" + rest[0] + "'");
    std::vector<std::string> args(rest.begin() + 1, rest.end());
    if (cmd->skipFlagParsing) {
        if (asks_for_help(args)) {
            line.command = "help";
            line.options = HelpOptions{cmd->name};
        } else {
            line.command = cmd->name;
            line.options = cmd->build(FlagParse{{}, args});
        }
        return;
    }
    std::vector<FlagSpec> specs = cmd->flags;
    specs.push_back(kHelpFlag);
    if (cmd->reorder) args = reorder_known_flags_first(args, specs);
    FlagParse p = parse_go_flags(args, specs);
    for (const auto& h : p.hits) {
        if (h.name == "help" && on(h)) {
            line.command = "help";
            line.options = HelpOptions{cmd->name == "help" ? std::string() : cmd->name};
            return;
        }
    }
    line.command = cmd->name;
    line.options = cmd->build(p);
    if (cmd->name == "help") line.command = "help";
}

ParsedCommandLine parse_command_line(const std::vector<std::string>& args) {
    std::vector<std::string> rest;
    ParsedCommandLine line = parse_global_flags(args, rest);
    parse_command(line, rest);
    return line;
}

ParsedCommandLine parse_command_line(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    return parse_command_line(args);
}

}  // namespace berth::cli

// berth's command line must read exactly what engines write for runc.
// Each case is parsed with the pure parse_command_line (no I/O).
#include <catch2/catch.hpp>

#include <csignal>
#include <string>
#include <vector>

#include "runtime/cli/cli.hpp"

using namespace berth::cli;
using namespace berth::container;

namespace {

ParsedCommandLine parse(std::vector<std::string> args) { return parse_command_line(args); }

template <class T>
T get(const ParsedCommandLine& p) {
    REQUIRE(std::holds_alternative<T>(p.options));
    return std::get<T>(p.options);
}

std::string usage_error(std::vector<std::string> args) {
    try {
        parse_command_line(args);
    } catch (const UsageError& e) {
        return e.what();
    }
    FAIL("no usage error for this command line");
    return {};
}

}  // namespace

TEST_CASE("containerd-shim-runc-v2 create", "[cli][engines]") {
    auto p = parse({"--root", "/run/containerd/runc/default", "--log", "/x/log.json", "--log-format", "json",
                    "create", "--bundle", "/b", "--pid-file", "/b/init.pid", "--console-socket", "/tmp/s", "ID"});
    CHECK(p.command == "create");
    CHECK(p.global.root == "/run/containerd/runc/default");
    CHECK(p.rootGiven);
    CHECK(p.log.file == "/x/log.json");
    CHECK(p.log.format == LogFormat::Json);
    CHECK_FALSE(p.global.systemdCgroup);
    auto o = get<CreateOptions>(p);
    CHECK(o.id == "ID");
    CHECK(o.bundle == "/b");
    CHECK(o.pidFile == "/b/init.pid");
    CHECK(o.consoleSocket == "/tmp/s");
    CHECK(o.preserveFds == 0);
    CHECK_FALSE(o.noPivot);
    CHECK_FALSE(o.noNewKeyring);
}

TEST_CASE("containerd's other invocations", "[cli][engines]") {
    const std::vector<std::string> g = {"--root", "/run/containerd/runc/k8s.io", "--log", "/b/log.json",
                                        "--log-format", "json", "--systemd-cgroup"};
    auto with = [&](std::vector<std::string> rest) {
        auto args = g;
        args.insert(args.end(), rest.begin(), rest.end());
        auto p = parse(args);
        CHECK(p.global.systemdCgroup);
        CHECK(p.global.root == "/run/containerd/runc/k8s.io");
        return p;
    };
    CHECK(get<StartOptions>(with({"start", "c1"})).id == "c1");
    CHECK(get<StateOptions>(with({"state", "c1"})).id == "c1");
    auto k = get<KillOptions>(with({"kill", "c1", "9"}));
    CHECK((k.id == "c1" && k.signal == 9 && !k.all));
    k = get<KillOptions>(with({"kill", "--all", "c1", "15"}));
    CHECK((k.id == "c1" && k.signal == 15 && k.all));
    auto d = get<DeleteOptions>(with({"delete", "--force", "c1"}));
    CHECK((d.id == "c1" && d.force));
    auto e = get<ExecOptions>(with({"exec", "--process", "/tmp/p.json", "--console-socket", "/tmp/c.sock",
                                    "--detach", "--pid-file", "/b/exec.pid", "c1"}));
    CHECK(e.id == "c1");
    CHECK(e.processFile == "/tmp/p.json");
    CHECK(e.consoleSocket == "/tmp/c.sock");
    CHECK(e.detach);
    CHECK(e.pidFile == "/b/exec.pid");
    CHECK(e.args.empty());
    auto u = get<UpdateCommandOptions>(with({"update", "--resources", "-", "c1"}));
    CHECK((u.update.id == "c1" && u.update.resourcesFile == "-"));
    auto ps = get<PsOptions>(with({"ps", "--format", "json", "c1"}));
    CHECK((ps.id == "c1" && ps.format == "json" && ps.psArgs.empty()));
    CHECK(get<PauseOptions>(with({"pause", "c1"})).id == "c1");
    CHECK(get<ResumeOptions>(with({"resume", "c1"})).id == "c1");
    auto ev = get<EventsOptions>(with({"events", "--stats", "c1"}));
    CHECK((ev.id == "c1" && ev.stats));
}

TEST_CASE("dockerd delete", "[cli][engines]") {
    auto p = parse({"--root", "/var/run/docker/runtime-runc/moby", "--log", "/run/x/log.json", "--log-format",
                    "json", "--systemd-cgroup", "delete", "--force", "abc"});
    CHECK(p.command == "delete");
    CHECK(p.global.systemdCgroup);
    CHECK(p.log.format == LogFormat::Json);
    auto d = get<DeleteOptions>(p);
    CHECK(d.id == "abc");
    CHECK(d.force);
}

TEST_CASE("conmon and CRI-O write --flag=value", "[cli][engines]") {
    auto p = parse({"--systemd-cgroup", "--root=/run/runc", "--log-format=json", "--log=/var/lib/c/userdata/log",
                    "create", "--bundle", "/var/lib/c/userdata", "--pid-file", "/var/lib/c/userdata/pidfile",
                    "--no-pivot", "--no-new-keyring", "--console-socket", "/tmp/conmon-term.sock", "ctr"});
    CHECK(p.global.root == "/run/runc");
    CHECK(p.log.format == LogFormat::Json);
    CHECK(p.log.file == "/var/lib/c/userdata/log");
    auto o = get<CreateOptions>(p);
    CHECK(o.id == "ctr");
    CHECK(o.noPivot);
    CHECK(o.noNewKeyring);
    CHECK(o.consoleSocket == "/tmp/conmon-term.sock");

    auto e = get<ExecOptions>(parse({"--root=/run/runc", "exec", "--pid-file", "/tmp/pid", "--process",
                                     "/tmp/exec-process", "--detach", "--tty", "ctr"}));
    CHECK((e.tty && e.detach && e.pidFile == "/tmp/pid" && e.processFile == "/tmp/exec-process"));
    auto k = get<KillOptions>(parse({"--root=/run/runc", "kill", "ctr", "KILL"}));
    CHECK(k.signal == SIGKILL);
}

TEST_CASE("global flags", "[cli][global]") {
    auto p = parse({"list"});
    CHECK(p.global.root == "/run/berth");
    CHECK_FALSE(p.rootGiven);
    CHECK(p.log.file.empty());
    CHECK(p.log.format == LogFormat::Text);
    CHECK_FALSE(p.global.debug);
    CHECK_FALSE(p.global.rootless.has_value());

    p = parse({"-root", "/x", "-debug", "-log", "/l", "--criu", "/usr/sbin/criu", "list"});
    CHECK(p.global.root == "/x");
    CHECK(p.global.debug);
    CHECK(p.log.debug);
    CHECK(p.log.file == "/l");
    CHECK(p.criu == "/usr/sbin/criu");

    CHECK_FALSE(parse({"--debug=false", "list"}).global.debug);
    CHECK_FALSE(parse({"--rootless", "auto", "list"}).global.rootless.has_value());
    CHECK_FALSE(parse({"--rootless=AUTO", "list"}).global.rootless.has_value());
    CHECK(parse({"--rootless=TRUE", "list"}).global.rootless == std::optional<bool>(true));
    CHECK(parse({"--rootless", "false", "list"}).global.rootless == std::optional<bool>(false));
    CHECK(parse({"--log-format", "text", "list"}).log.format == LogFormat::Text);
    // "--" ends the global flags.
    CHECK(parse({"--root", "/r", "--", "list"}).command == "list");
}

TEST_CASE("version and help requests", "[cli][global]") {
    CHECK(parse({"--version"}).command == "version");
    CHECK(std::holds_alternative<VersionOptions>(parse({"-v"}).options));
    CHECK(get<HelpOptions>(parse({"--help"})).topic.empty());
    CHECK(get<HelpOptions>(parse({"-h"})).topic.empty());
    CHECK(get<HelpOptions>(parse({})).topic.empty());  // no command: berth's help
    CHECK(get<HelpOptions>(parse({"help"})).topic.empty());
    CHECK(get<HelpOptions>(parse({"help", "create"})).topic == "create");
    CHECK(get<HelpOptions>(parse({"h", "ls"})).topic == "list");
    for (auto form : {"--help", "-h", "-help", "--help=true"}) {
        auto p = parse({"create", form});
        CHECK(p.command == "help");
        CHECK(get<HelpOptions>(p).topic == "create");
    }
    // Moved ahead of the id like runc's other flags.
    CHECK(get<HelpOptions>(parse({"start", "c1", "--help"})).topic == "start");
    CHECK(get<HelpOptions>(parse({"--root", "/r", "delete", "c1", "-h"})).topic == "delete");
    // exec's trailing arguments belong to the command.
    CHECK(get<ExecOptions>(parse({"exec", "c1", "--help"})).args == std::vector<std::string>{"--help"});
}

TEST_CASE("checkpoint and restore: help works and running is unsupported", "[cli][checkpoint]") {
    CHECK(get<HelpOptions>(parse({"checkpoint", "--help"})).topic == "checkpoint");
    CHECK(get<HelpOptions>(parse({"restore", "-h"})).topic == "restore");
    CHECK(get<HelpOptions>(parse({"checkpoint", "--image-path", "/i", "c1", "--help"})).topic == "checkpoint");
    auto p = parse({"checkpoint", "--image-path", "/i", "--leave-running", "c1"});
    CHECK(p.command == "checkpoint");
    CHECK(get<UnsupportedOptions>(p).command == "checkpoint");
    CHECK(get<UnsupportedOptions>(parse({"restore", "--bundle", "/b", "c1"})).command == "restore");
}

TEST_CASE("create: every flag form", "[cli][create]") {
    for (auto args : std::vector<std::vector<std::string>>{
             {"create", "-b", "/b", "c1"},
             {"create", "--bundle", "/b", "c1"},
             {"create", "--bundle=/b", "c1"},
             {"create", "-bundle", "/b", "c1"},
             {"create", "-bundle=/b", "c1"},
             {"create", "-b=/b", "c1"},
             {"create", "c1", "--bundle", "/b"},  // urfave moves known flags first
             {"create", "c1", "-b=/b"},
             {"create", "--bundle", "/b", "--", "c1"},
         }) {
        auto o = get<CreateOptions>(parse(args));
        CHECK(o.id == "c1");
        CHECK(o.bundle == "/b");
    }
    auto o = get<CreateOptions>(parse({"create", "c1"}));
    CHECK(o.bundle == ".");
    CHECK(get<CreateOptions>(parse({"create", "--", "c1"})).id == "c1");

    o = get<CreateOptions>(parse({"create", "--preserve-fds", "3", "--no-pivot", "--no-new-keyring=true",
                                  "--pid-file=/p", "--console-socket", "/s", "c1"}));
    CHECK(o.preserveFds == 3);
    CHECK(o.noPivot);
    CHECK(o.noNewKeyring);
    CHECK(o.pidFile == "/p");
    CHECK(o.consoleSocket == "/s");
    CHECK(get<CreateOptions>(parse({"create", "--preserve-fds=0x10", "c1"})).preserveFds == 16);  // Go base 0
    CHECK_FALSE(get<CreateOptions>(parse({"create", "--no-pivot=false", "c1"})).noPivot);
    // The last occurrence wins.
    CHECK(get<CreateOptions>(parse({"create", "-b", "/a", "-b", "/b", "c1"})).bundle == "/b");
    // A value flag takes the next argument even when it starts with '-'.
    CHECK(get<CreateOptions>(parse({"create", "--pid-file", "-odd", "c1"})).pidFile == "-odd");
}

TEST_CASE("run", "[cli][run]") {
    auto p = parse({"run", "-d", "-b", "/b", "--keep", "--pid-file", "/p", "--preserve-fds", "1", "c1"});
    CHECK(p.command == "run");
    auto o = get<RunOptions>(p);
    CHECK(o.id == "c1");
    CHECK(o.detach);
    CHECK(o.keep);
    CHECK(o.bundle == "/b");
    CHECK(o.pidFile == "/p");
    CHECK(o.preserveFds == 1);
    o = get<RunOptions>(parse({"run", "--detach=false", "--no-subreaper", "c1"}));
    CHECK_FALSE(o.detach);
    CHECK_FALSE(o.keep);
    CHECK(get<RunOptions>(parse({"run", "--detach=T", "c1"})).detach);
    CHECK(get<RunOptions>(parse({"run", "c1", "--detach"})).detach);
}

TEST_CASE("kill", "[cli][kill]") {
    auto k = get<KillOptions>(parse({"kill", "c1"}));
    CHECK(k.id == "c1");
    CHECK(k.signal == SIGTERM);
    CHECK_FALSE(k.all);
    CHECK(get<KillOptions>(parse({"kill", "c1", "KILL"})).signal == SIGKILL);
    CHECK(get<KillOptions>(parse({"kill", "c1", "SIGKILL"})).signal == SIGKILL);
    CHECK(get<KillOptions>(parse({"kill", "c1", "sighup"})).signal == SIGHUP);
    CHECK(get<KillOptions>(parse({"kill", "c1", "9"})).signal == 9);
    CHECK(get<KillOptions>(parse({"kill", "-a", "c1"})).all);
    CHECK_FALSE(get<KillOptions>(parse({"kill", "--all=false", "c1"})).all);
    // After the id: moved ahead, and (unlike urfave) a bool flag does not swallow the signal.
    k = get<KillOptions>(parse({"kill", "c1", "-a", "KILL"}));
    CHECK((k.id == "c1" && k.all && k.signal == SIGKILL));
    k = get<KillOptions>(parse({"kill", "c1", "KILL", "--all"}));
    CHECK((k.id == "c1" && k.all && k.signal == SIGKILL));
}

TEST_CASE("delete start state pause and resume", "[cli][ids]") {
    CHECK(get<DeleteOptions>(parse({"delete", "-f", "c1"})).force);
    CHECK(get<DeleteOptions>(parse({"delete", "c1", "--force"})).force);
    CHECK_FALSE(get<DeleteOptions>(parse({"delete", "c1", "-f=false"})).force);
    CHECK_FALSE(get<DeleteOptions>(parse({"delete", "c1"})).force);
    CHECK(parse({"start", "c1"}).command == "start");
    CHECK(parse({"state", "c1"}).command == "state");
    CHECK(parse({"pause", "c1"}).command == "pause");
    CHECK(parse({"resume", "c1"}).command == "resume");
    CHECK(get<StateOptions>(parse({"state", "--", "c1"})).id == "c1");
}

TEST_CASE("list and ls", "[cli][list]") {
    auto p = parse({"list"});
    CHECK(p.command == "list");
    auto o = get<ListOptions>(p);
    CHECK(o.format == "table");
    CHECK_FALSE(o.quiet);
    p = parse({"ls", "-q"});
    CHECK(p.command == "list");
    CHECK(get<ListOptions>(p).quiet);
    o = get<ListOptions>(parse({"list", "-f=json", "--quiet"}));
    CHECK((o.format == "json" && o.quiet));
    CHECK(get<ListOptions>(parse({"list", "--format", "json"})).format == "json");
    CHECK(get<ListOptions>(parse({"list", "-format=table"})).format == "table");
    CHECK(get<ListOptions>(parse({"list", "-f", "json", "--"})).format == "json");
}

TEST_CASE("ps: arguments after the id go to ps(1)", "[cli][ps]") {
    auto o = get<PsOptions>(parse({"ps", "c1"}));
    CHECK(o.id == "c1");
    CHECK(o.format == "table");
    CHECK(o.psArgs.empty());
    CHECK(get<PsOptions>(parse({"ps", "-f", "json", "c1"})).format == "json");
    CHECK(get<PsOptions>(parse({"ps", "c1", "-ef"})).psArgs == std::vector<std::string>{"-ef"});
    o = get<PsOptions>(parse({"ps", "c1", "-f", "json"}));  // not moved: they are ps options
    CHECK(o.format == "table");
    CHECK(o.psArgs == std::vector<std::string>{"-f", "json"});
    CHECK(get<PsOptions>(parse({"ps", "c1", "aux", "-o", "pid"})).psArgs ==
          std::vector<std::string>{"aux", "-o", "pid"});
    CHECK(get<PsOptions>(parse({"ps", "c1", "--", "-ef"})).psArgs == std::vector<std::string>{"-ef"});
}

TEST_CASE("update: every resource flag", "[cli][update]") {
    auto u = get<UpdateCommandOptions>(parse({"update", "c1"}));
    CHECK(u.update.id == "c1");
    CHECK(u.update.resourcesFile.empty());
    CHECK_FALSE(u.update.memory);
    CHECK_FALSE(u.update.memorySwap);
    CHECK_FALSE(u.update.cpuShares);
    CHECK_FALSE(u.update.cpuQuota);
    CHECK_FALSE(u.update.pidsLimit);
    CHECK_FALSE(u.update.blkioWeight);
    CHECK(u.update.cpusetCpus.empty());

    u = get<UpdateCommandOptions>(parse(
        {"update", "--memory", "32m", "--memory-swap=-1", "--memory-reservation", "512k", "--kernel-memory", "10m",
         "--kernel-memory-tcp", "1m", "--cpu-shares", "512", "--cpu-quota", "50000", "--cpu-period", "100000",
         "--cpu-rt-runtime", "950000", "--cpu-rt-period", "1000000", "--cpuset-cpus", "0-1", "--cpuset-mems", "0",
         "--pids-limit", "100", "--blkio-weight", "500", "c1"}));
    CHECK(u.update.memory == 32 * 1024 * 1024);
    CHECK(u.update.memorySwap == -1);
    CHECK(u.update.memoryReservation == 512 * 1024);
    CHECK(u.update.kernelMemory == 10 * 1024 * 1024);
    CHECK(u.kernelMemoryTcp == 1024 * 1024);
    CHECK(u.update.cpuShares == 512u);
    CHECK(u.update.cpuQuota == 50000);
    CHECK(u.update.cpuPeriod == 100000u);
    CHECK(u.update.cpuRtRuntime == 950000);
    CHECK(u.update.cpuRtPeriod == 1000000u);
    CHECK(u.update.cpusetCpus == "0-1");
    CHECK(u.update.cpusetMems == "0");
    CHECK(u.update.pidsLimit == 100);
    CHECK(u.update.blkioWeight == 500);

    CHECK(get<UpdateCommandOptions>(parse({"update", "--cpu-share", "7", "c1"})).update.cpuShares == 7u);
    CHECK(get<UpdateCommandOptions>(parse({"update", "--memory=1g", "c1"})).update.memory == 1073741824);
    CHECK(get<UpdateCommandOptions>(parse({"update", "--memory", "-1", "c1"})).update.memory == -1);
    CHECK(get<UpdateCommandOptions>(parse({"update", "--memory", "1.5GiB", "c1"})).update.memory ==
          1610612736);
    CHECK(get<UpdateCommandOptions>(parse({"update", "-r", "/res.json", "c1"})).update.resourcesFile ==
          "/res.json");
    CHECK(get<UpdateCommandOptions>(parse({"update", "c1", "--memory", "1m"})).update.memory == 1048576);
    CHECK_FALSE(get<UpdateCommandOptions>(parse({"update", "--blkio-weight", "0", "c1"})).update.blkioWeight);
    auto rdt = get<UpdateCommandOptions>(parse({"update", "--l3-cache-schema", "L3:0=f", "--mem-bw-schema",
                                                "MB:0=70", "c1"}));
    CHECK(rdt.l3CacheSchema == "L3:0=f");
    CHECK(rdt.memBwSchema == "MB:0=70");
}

TEST_CASE("events", "[cli][events]") {
    auto e = get<EventsOptions>(parse({"events", "c1"}));
    CHECK(e.id == "c1");
    CHECK(e.intervalSeconds == 5);
    CHECK_FALSE(e.stats);
    CHECK(get<EventsOptions>(parse({"events", "--interval", "10s", "c1"})).intervalSeconds == 10);
    CHECK(get<EventsOptions>(parse({"events", "--interval=1m", "c1"})).intervalSeconds == 60);
    CHECK(get<EventsOptions>(parse({"events", "--interval", "1m30s", "c1"})).intervalSeconds == 90);
    CHECK(get<EventsOptions>(parse({"events", "--interval", "500ms", "c1"})).intervalSeconds == 1);
    CHECK(get<EventsOptions>(parse({"events", "c1", "--stats"})).stats);
}

TEST_CASE("exec: flags stop at the container id", "[cli][exec]") {
    auto e = get<ExecOptions>(parse({"exec", "c1", "sh", "-c", "echo hi"}));
    CHECK(e.id == "c1");
    CHECK(e.args == std::vector<std::string>{"sh", "-c", "echo hi"});
    CHECK(e.caps.empty());
    CHECK_FALSE(e.tty);

    e = get<ExecOptions>(parse({"exec", "-t", "-e", "A=1", "-e", "B=2", "--env", "C=3,4", "-env=D=5", "-u",
                                "1000:1000", "-g", "10", "--additional-gids", "20", "-g=0x1e", "--cap", "CAP_KILL",
                                "-c", "CAP_CHOWN", "--cwd", "/tmp", "--no-new-privs", "--apparmor", "prof",
                                "--process-label", "system_u:system_r:container_t:s0", "--preserve-fds", "2",
                                "--ignore-paused", "--pid-file", "/p", "--console-socket", "/s", "-d", "c1",
                                "ls", "-l", "-t"}));
    CHECK(e.tty);
    CHECK(e.env == std::vector<std::string>{"A=1", "B=2", "C=3,4", "D=5"});
    CHECK(e.user == std::optional<std::string>("1000:1000"));
    CHECK(e.additionalGids == std::vector<uint32_t>{10, 20, 30});
    CHECK(e.caps == std::vector<std::string>{"CAP_KILL", "CAP_CHOWN"});
    CHECK(e.cwd == "/tmp");
    CHECK(e.noNewPrivs);
    CHECK(e.apparmor == "prof");
    CHECK(e.processLabel == "system_u:system_r:container_t:s0");
    CHECK(e.preserveFds == 2);
    CHECK(e.ignorePaused);
    CHECK(e.pidFile == "/p");
    CHECK(e.consoleSocket == "/s");
    CHECK(e.detach);
    CHECK(e.id == "c1");
    CHECK(e.args == std::vector<std::string>{"ls", "-l", "-t"});

    e = get<ExecOptions>(parse({"exec", "-p", "/p.json", "c1"}));
    CHECK(e.processFile == "/p.json");
    CHECK(e.args.empty());
    CHECK_FALSE(e.user.has_value());
    CHECK(get<ExecOptions>(parse({"exec", "--user=0", "c1", "true"})).user == std::optional<std::string>("0"));
    // "--" before the id ends the flags; right after the id it is dropped.
    e = get<ExecOptions>(parse({"exec", "--", "c1", "ls"}));
    CHECK((e.id == "c1" && e.args == std::vector<std::string>{"ls"}));
    e = get<ExecOptions>(parse({"exec", "c1", "--", "ls", "--", "x"}));
    CHECK(e.args == std::vector<std::string>{"ls", "--", "x"});
    // "-" is a positional argument.
    CHECK(get<ExecOptions>(parse({"exec", "c1", "-"})).args == std::vector<std::string>{"-"});
}

TEST_CASE("spec and features", "[cli][spec]") {
    auto s = get<SpecOptions>(parse({"spec"}));
    CHECK(s.bundle.empty());
    CHECK_FALSE(s.rootless);
    s = get<SpecOptions>(parse({"spec", "-b", "/x", "--rootless"}));
    CHECK((s.bundle == "/x" && s.rootless));
    CHECK(get<SpecOptions>(parse({"spec", "--bundle=/y"})).bundle == "/y");
    CHECK_FALSE(get<SpecOptions>(parse({"spec", "--rootless=false"})).rootless);
    CHECK(parse({"features"}).command == "features");
}

TEST_CASE("the argc/argv entry point", "[cli]") {
    std::vector<std::string> words = {"berth", "--root", "/r", "state", "c1"};
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    auto p = parse_command_line(static_cast<int>(words.size()), argv.data());
    CHECK(p.global.root == "/r");
    CHECK(get<StateOptions>(p).id == "c1");
}

TEST_CASE("usage errors say what is wrong in runc's words", "[cli][errors]") {
    CHECK(usage_error({"create"}) == "berth: \"create\" requires exactly 1 argument(s)");
    CHECK(usage_error({"create", "a", "b"}) == "berth: \"create\" requires exactly 1 argument(s)");
    CHECK(usage_error({"run"}) == "berth: \"run\" requires exactly 1 argument(s)");
    CHECK(usage_error({"start"}) == "berth: \"start\" requires exactly 1 argument(s)");
    CHECK(usage_error({"state", "c1", "--foo"}) == "berth: \"state\" requires exactly 1 argument(s)");
    CHECK(usage_error({"delete"}) == "berth: \"delete\" requires exactly 1 argument(s)");
    CHECK(usage_error({"pause"}) == "berth: \"pause\" requires exactly 1 argument(s)");
    CHECK(usage_error({"resume", "a", "b"}) == "berth: \"resume\" requires exactly 1 argument(s)");
    CHECK(usage_error({"update"}) == "berth: \"update\" requires exactly 1 argument(s)");
    CHECK(usage_error({"update", "c1", "--memory"}) == "berth: \"update\" requires exactly 1 argument(s)");
    CHECK(usage_error({"events"}) == "berth: \"events\" requires exactly 1 argument(s)");
    CHECK(usage_error({"kill"}) == "berth: \"kill\" requires a minimum of 1 argument(s)");
    CHECK(usage_error({"kill", "a", "b", "c"}) == "berth: \"kill\" requires a maximum of 2 argument(s)");
    CHECK(usage_error({"exec"}) == "berth: \"exec\" requires a minimum of 1 argument(s)");
    CHECK(usage_error({"ps"}) == "berth: \"ps\" requires a minimum of 1 argument(s)");
    CHECK(usage_error({"list", "x"}) == "berth: \"list\" requires exactly 0 argument(s)");
    CHECK(usage_error({"list", "--", "-q"}) == "berth: \"list\" requires exactly 0 argument(s)");
    CHECK(usage_error({"spec", "x"}) == "berth: \"spec\" requires exactly 0 argument(s)");
    CHECK(usage_error({"features", "x"}) == "berth: \"features\" requires exactly 0 argument(s)");

    CHECK(usage_error({"exec", "c1"}) == "process args cannot be empty");
    CHECK(usage_error({"kill", "c1", "FOO"}) == "unknown signal \"FOO\"");
    CHECK(usage_error({"bogus"}) == "No help topic for 'bogus'");
    CHECK(usage_error({"help", "bogus"}) == "No help topic for 'bogus'");

    CHECK(usage_error({"create", "--foo", "x"}) == "flag provided but not defined: -foo");
    CHECK(usage_error({"--foo", "list"}) == "flag provided but not defined: -foo");
    CHECK(usage_error({"list", "-qf", "json"}) == "flag provided but not defined: -qf");
    CHECK(usage_error({"exec", "--cgroup", "x", "c1", "sh"}) == "flag provided but not defined: -cgroup");
    CHECK(usage_error({"---x", "list"}) == "bad flag syntax: ---x");
    CHECK(usage_error({"create", "-b"}) == "flag needs an argument: -b");
    CHECK(usage_error({"--root"}) == "flag needs an argument: -root");
    CHECK(usage_error({"list", "--format"}) == "flag needs an argument: -format");
    CHECK(usage_error({"create", "--preserve-fds", "abc", "x"}) ==
          "invalid value \"abc\" for flag -preserve-fds: parse error");
    CHECK(usage_error({"create", "--preserve-fds", "99999999999", "x"}) ==
          "invalid value \"99999999999\" for flag -preserve-fds: value out of range");
    CHECK(usage_error({"create", "--preserve-fds", "-1", "x"}) ==
          "invalid value \"-1\" for flag -preserve-fds: must not be negative");
    CHECK(usage_error({"run", "--detach=maybe", "x"}) == "invalid boolean value \"maybe\" for -detach: parse error");
    CHECK(usage_error({"exec", "-t=maybe", "x", "sh"}) == "invalid boolean value \"maybe\" for -t: parse error");
    CHECK(usage_error({"kill", "c1", "--all=maybe"}) == "invalid boolean value \"maybe\" for -all: parse error");
    CHECK(usage_error({"events", "--interval", "5", "x"}) == "invalid value \"5\" for flag -interval: parse error");
    CHECK(usage_error({"events", "--interval", "0s", "x"}) == "duration interval must be greater than 0");
    CHECK(usage_error({"events", "--interval=-1s", "x"}) == "duration interval must be greater than 0");
    CHECK(usage_error({"--log-format", "xml", "state", "x"}) == "invalid log-format: xml");
    CHECK(usage_error({"--rootless", "maybe", "list"}) ==
          "invalid value \"maybe\" for flag -rootless: want true, false or auto");
    CHECK(usage_error({"list", "--format", "xml"}) == "invalid format option");
    CHECK(usage_error({"ps", "-f", "yaml", "c1"}) == "invalid format option");
    CHECK(usage_error({"update", "--memory", "1x", "c1"}) == "invalid value for memory: invalid size: '1x'");
    CHECK(usage_error({"update", "--memory-swap", "-2", "c1"}) ==
          "invalid value for memory-swap: invalid size: '-2'");
    CHECK(usage_error({"update", "--cpu-period", "abc", "c1"}) ==
          "invalid value for cpu-period: strconv.ParseUint: parsing \"abc\": invalid syntax");
    CHECK(usage_error({"update", "--cpu-shares", "-5", "c1"}) ==
          "invalid value for cpu-share: strconv.ParseUint: parsing \"-5\": invalid syntax");
    CHECK(usage_error({"update", "--cpu-quota", "1.5", "c1"}) ==
          "invalid value for cpu-quota: strconv.ParseInt: parsing \"1.5\": invalid syntax");
    CHECK(usage_error({"update", "--pids-limit", "x", "c1"}) == "invalid value \"x\" for flag -pids-limit: parse error");
    CHECK(usage_error({"update", "--blkio-weight", "70000", "c1"}) ==
          "invalid value \"70000\" for flag -blkio-weight: value out of range");
    CHECK(usage_error({"exec", "-g", "x", "c1", "sh"}) ==
          "invalid value \"x\" for flag -g: strconv.ParseInt: parsing \"x\": invalid syntax");
    CHECK(usage_error({"exec", "-g", "-5", "c1", "sh"}) == "additional-gids must be a positive number -5");
}

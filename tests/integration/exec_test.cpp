// `exec` into real containers: namespaces and cgroup joined, the container's
// seccomp filter, user and capabilities, exit codes, forwarded signals, ttys
// (console socket and the caller's terminal), --detach with --pid-file,
// --process JSON, concurrent execs, paused/stopped/unknown containers, and
// which fds reach the process. Needs root.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/unique_fd.hpp"
#include "integration/support/console_receiver.hpp"
#include "integration/support/harness.hpp"
#include "integration/support/hooks_recorder.hpp"
#include "integration/support/lifecycle_support.hpp"

using namespace berth::test;
using namespace std::chrono_literals;
using berth::UniqueFd;
using json = nlohmann::json;

namespace {

// A running container (`sleep 1000` as its init) and exec into it.
struct ExecFixture {
    TestBundle bundle;
    TestRoot root;
    std::string id = unique_id("ex");
    int initPid = -1;

    ExecFixture() { bundle.set_args({"sleep", "1000"}); }

    void run_detached() {
        bundle.write();
        auto r = root.run({"run", "-d", "--bundle", bundle.dir, id});
        INFO(r.err);
        REQUIRE(r.status == 0);
        initPid = state_json(root, id).at("pid").get<int>();
    }
    // berth exec [flags...] ID [command...]
    CommandResult exec(std::vector<std::string> flags, const std::vector<std::string>& command = {},
                       int timeoutSec = 30) {
        std::vector<std::string> args{"exec"};
        args.insert(args.end(), flags.begin(), flags.end());
        args.push_back(id);
        args.insert(args.end(), command.begin(), command.end());
        return root.run(args, {}, timeoutSec);
    }
    std::vector<std::string> berth(std::vector<std::string> args) const {
        args.insert(args.begin(), {BERTH_BINARY, "--root", root.path()});
        return args;
    }
};

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// "Key:\tvalue" of /proc/<pid>/status.
std::string status_field(int pid, const std::string& key) {
    std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/status"));
    for (std::string l; std::getline(in, l);)
        if (l.rfind(key + ":", 0) == 0) return trim(l.substr(key.size() + 1));
    return {};
}

uint64_t hex(const std::string& s) { return std::stoull(s, nullptr, 16); }

constexpr uint64_t bit(int cap) { return uint64_t{1} << cap; }
// The runc default config's capabilities: CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE.
constexpr uint64_t kDefaultCaps = bit(29) | bit(5) | bit(10);
constexpr int kCapSysAdmin = 21;

const std::vector<std::string> kNsTypes = {"mnt", "pid", "net", "ipc", "uts", "cgroup"};

}  // namespace

TEST_CASE("exec: the process joins every namespace and the cgroup of the container's init", "[exec]") {
    ExecFixture f;
    f.bundle.config["linux"]["namespaces"].push_back({{"type", "cgroup"}});
    f.run_detached();
    const std::string init = std::to_string(f.initPid);

    auto pidFile = f.bundle.dir + "/exec.pid";
    auto r = f.exec({"-d", "--pid-file", pidFile}, {"sleep", "100"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    int pid = read_pid_file(pidFile);
    REQUIRE(pid > 0);
    for (const auto& t : kNsTypes) {
        INFO(t);
        CHECK(ns_link(std::to_string(pid), t) == ns_link(init, t));
        CHECK(ns_link(std::to_string(pid), t) != ns_link("self", t));
    }
    CHECK(read_text("/proc/" + std::to_string(pid) + "/cgroup") == read_text("/proc/" + init + "/cgroup"));
    // Its own pid inside the container's pid namespace: host pid, then a small container pid.
    CHECK(status_field(pid, "NSpid").find('\t') != std::string::npos);

    // In the foreground, what the process itself sees.
    r = f.exec({}, {"sh", "-c", "hostname; readlink /proc/self/ns/net; cat /proc/self/cgroup | grep -c ':/$'"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto out = lines_of(r.out);
    REQUIRE(out.size() == 3);
    CHECK(out[0] == "berth-test");
    CHECK(out[1] == ns_link(init, "net"));
    CHECK(std::stoi(out[2]) >= 1);  // in its cgroup namespace, the container's cgroup is "/"
}

TEST_CASE("exec: a container without a pid namespace of its own", "[exec]") {
    ExecFixture f;
    auto& ns = f.bundle.config["linux"]["namespaces"];
    for (auto it = ns.begin(); it != ns.end(); ++it)
        if ((*it)["type"] == "pid") {
            ns.erase(it);
            break;
        }
    f.run_detached();
    auto r = f.exec({}, {"sh", "-c", "readlink /proc/self/ns/pid; readlink /proc/self/ns/net; echo $$"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto out = lines_of(r.out);
    REQUIRE(out.size() == 3);
    CHECK(out[0] == ns_link("self", "pid"));
    CHECK(out[1] == ns_link(std::to_string(f.initPid), "net"));
    CHECK(std::stoi(out[2]) > 1);  // a host pid
}

TEST_CASE("exec: the container's seccomp filter applies to the exec'd process", "[exec]") {
    ExecFixture f;
    f.bundle.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}}}};
    f.run_detached();
    auto r = f.exec({}, {"sh", "-c", "grep ^Seccomp: /proc/self/status; mkdir /tmp/berth-x && echo made"});
    CHECK(r.status == 1);
    CHECK(r.out.find("Seccomp:\t2") != std::string::npos);
    CHECK(r.out.find("made") == std::string::npos);
    CHECK(r.err.find("Operation not permitted") != std::string::npos);

    SECTION("also with --process") {
        json p = {{"args", {"mkdir", "/tmp/berth-y"}}, {"cwd", "/"}, {"user", {{"uid", 0}, {"gid", 0}}},
                  {"env", {"PATH=/bin"}}};
        std::string file = f.bundle.dir + "/process.json";
        std::ofstream(file) << p.dump();
        r = f.exec({"--process", file});
        CHECK(r.status == 1);
        CHECK(r.err.find("Operation not permitted") != std::string::npos);
    }
}

TEST_CASE("exec: user, groups and capabilities", "[exec]") {
    ExecFixture f;
    f.run_detached();
    SECTION("-u 1000:1000 -g 2000") {
        auto r = f.exec({"-u", "1000:1000", "-g", "2000"},
                        {"sh", "-c", "id -u; id -g; id -G; grep -E '^Cap(Inh|Prm|Eff|Bnd):' /proc/self/status"});
        INFO(r.err);
        REQUIRE(r.status == 0);
        auto out = lines_of(r.out);
        REQUIRE(out.size() == 7);
        CHECK(out[0] == "1000");
        CHECK(out[1] == "1000");
        CHECK(out[2].find("2000") != std::string::npos);
        CHECK(hex(out[3].substr(8)) == 0);             // CapInh
        CHECK(hex(out[5].substr(8)) == 0);             // CapEff: a non-root user without ambient capabilities
        CHECK(hex(out[6].substr(8)) == kDefaultCaps);  // CapBnd: the container's
    }
    SECTION("root gets the container's capabilities, and -c adds one (never to the inheritable set)") {
        auto r = f.exec({}, {"grep", "-E", "^Cap(Inh|Eff):", "/proc/self/status"});
        REQUIRE(r.status == 0);
        auto out = lines_of(r.out);
        REQUIRE(out.size() == 2);
        CHECK(hex(out[1].substr(8)) == kDefaultCaps);
        r = f.exec({"-c", "CAP_SYS_ADMIN"}, {"grep", "-E", "^Cap(Inh|Eff):", "/proc/self/status"});
        INFO(r.err);
        REQUIRE(r.status == 0);
        out = lines_of(r.out);
        REQUIRE(out.size() == 2);
        CHECK(hex(out[0].substr(8)) == 0);
        CHECK(hex(out[1].substr(8)) == (kDefaultCaps | bit(kCapSysAdmin)));
    }
}

TEST_CASE("exec: exit codes are the process's, 128+N for a signal", "[exec]") {
    ExecFixture f;
    f.run_detached();
    CHECK(f.exec({}, {"sh", "-c", "exit 42"}).status == 42);
    CHECK(f.exec({}, {"sh", "-c", "kill -9 $$"}).status == 137);
    CHECK(f.exec({}, {"true"}).status == 0);
    auto r = f.exec({}, {"berth-no-such-program"});
    CHECK(r.status != 0);
    CHECK(r.err.find("berth-no-such-program") != std::string::npos);
}

TEST_CASE("exec: signals to a foreground exec reach the process", "[exec]") {
    ExecFixture f;
    f.run_detached();
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    UniqueFd outRead(p[0]), outWrite(p[1]);
    SpawnOptions so;
    so.out = outWrite.get();
    Background ex(f.berth({"exec", f.id, "sh", "-c", "trap 'exit 7' TERM; echo ready; sleep 100 & wait"}), so);
    outWrite.reset();
    read_until(outRead.get(), "ready", 10s);  // the trap is set
    ex.signal(SIGTERM);
    auto r = ex.wait(10);
    CHECK_FALSE(r.timedOut);
    CHECK(r.status == 7);
}

TEST_CASE("exec: a tty through --console-socket, in the container's devpts", "[exec]") {
    ExecFixture f;
    f.run_detached();
    ConsoleReceiver recv(f.bundle.dir + "/console.sock");
    auto r = f.exec({"-t", "-d", "--console-socket", recv.path()},
                    {"sh", "-c", "tty; stat -c 'dev=%d' $(tty) /dev/pts/ptmx; echo END; read line; echo got:$line"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    UniqueFd master = recv.accept_master(5s);
    std::string text = read_until(master.get(), "END", 5s);
    CHECK(text.find("/dev/pts/") != std::string::npos);
    // Both stat lines name one device: the pty is in the container's own devpts.
    std::vector<std::string> devs;
    for (size_t at = 0; (at = text.find("dev=", at)) != std::string::npos; at += 4)
        devs.push_back(text.substr(at + 4, text.find_first_of("\r\n", at) - at - 4));
    REQUIRE(devs.size() == 2);
    CHECK(devs[0] == devs[1]);
    write_all(master.get(), "hello\n");
    CHECK(read_until(master.get(), "got:hello", 5s).find("got:hello") != std::string::npos);
}

TEST_CASE("exec: -t in the foreground drives the caller's terminal", "[exec]") {
    ExecFixture f;
    f.run_detached();
    UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    REQUIRE(master);
    REQUIRE(::grantpt(master.get()) == 0);
    REQUIRE(::unlockpt(master.get()) == 0);
    UniqueFd slave(::open(::ptsname(master.get()), O_RDWR | O_NOCTTY | O_CLOEXEC));
    REQUIRE(slave);
    SpawnOptions so;
    so.in = so.out = so.err = slave.get();
    Background ex(f.berth({"exec", "-t", f.id, "sh", "-c", "tty; read x; echo got:$x; exit 5"}), so);
    slave.reset();
    CHECK(read_until(master.get(), "/dev/pts/", 10s).find("/dev/pts/") != std::string::npos);
    write_all(master.get(), "typed\r");
    CHECK(read_until(master.get(), "got:typed", 10s).find("got:typed") != std::string::npos);
    auto r = ex.wait(10);
    CHECK(r.status == 5);
}

TEST_CASE("exec: --detach returns once the process runs, its pid in --pid-file", "[exec]") {
    ExecFixture f;
    f.run_detached();
    auto pidFile = f.bundle.dir + "/detached.pid";
    auto t0 = std::chrono::steady_clock::now();
    auto r = f.exec({"--detach", "--pid-file", pidFile}, {"sleep", "100"});
    auto took = std::chrono::steady_clock::now() - t0;
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(took < 5s);
    int pid = read_pid_file(pidFile);
    REQUIRE(pid > 0);
    CHECK(process_alive(pid));
    CHECK(read_text("/proc/" + std::to_string(pid) + "/cmdline") == std::string("sleep\0" "100\0", 10));
    CHECK(ns_link(std::to_string(pid), "pid") == ns_link(std::to_string(f.initPid), "pid"));
    // delete --force takes it with the container (same cgroup).
    REQUIRE(f.root.run({"delete", "--force", f.id}).status == 0);
    CHECK(wait_for([&] { return !process_alive(pid); }, 3000));
}

TEST_CASE("exec: --process JSON given by a relative path", "[exec]") {
    ExecFixture f;
    f.run_detached();
    json p = {{"args", {"sh", "-c", "pwd; echo $FOO; id -u; grep ^CapBnd: /proc/self/status"}},
              {"cwd", "/tmp"},
              {"user", {{"uid", 1000}, {"gid", 1000}}},
              {"env", {"PATH=/bin:/usr/bin", "FOO=from-json"}}};
    std::ofstream(f.bundle.dir + "/process.json") << p.dump();
    SpawnOptions so;
    so.cwd = f.bundle.dir;
    auto r = run_berth(f.root, {"exec", "--process", "process.json", f.id}, so);
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto out = lines_of(r.out);
    REQUIRE(out.size() == 4);
    CHECK(out[0] == "/tmp");
    CHECK(out[1] == "from-json");
    CHECK(out[2] == "1000");
    // No "capabilities" in the JSON: the container's, not none.
    CHECK(hex(trim(out[3].substr(7))) == kDefaultCaps);
}

TEST_CASE("exec: --cwd and -e, which overrides the container's variable", "[exec]") {
    ExecFixture f;
    f.run_detached();
    auto r = f.exec({"--cwd", "/tmp", "-e", "FOO=1", "-e", "PATH=/bin:/usr/bin"},
                    {"sh", "-c", "pwd; echo $FOO; env | grep -c ^PATH=; echo $PATH"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out == "/tmp\n1\n1\n/bin:/usr/bin\n");
    // `env` prints its environ as execve gave it: one TERM, the flag's.
    r = f.exec({"-e", "TERM=dumb"}, {"env"});
    REQUIRE(r.status == 0);
    std::vector<std::string> terms;
    for (const auto& l : lines_of(r.out))
        if (l.rfind("TERM=", 0) == 0) terms.push_back(l);
    CHECK(terms == std::vector<std::string>{"TERM=dumb"});
}

TEST_CASE("exec: HOME comes from the container's /etc/passwd unless the process sets it", "[exec]") {
    // runc sets HOME for exec'd processes as for the init.
    ExecFixture f;
    f.run_detached();
    auto r = f.exec({}, {"sh", "-c", "echo $HOME"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out == "/root\n");
    r = f.exec({"-u", "65534"}, {"sh", "-c", "echo $HOME"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "/nonexistent\n");
    r = f.exec({"-u", "4242"}, {"sh", "-c", "echo $HOME"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "/\n");
    r = f.exec({"-e", "HOME=/elsewhere"}, {"sh", "-c", "echo $HOME"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "/elsewhere\n");
}

TEST_CASE("exec: the process leads its own session", "[exec]") {
    ExecFixture f;
    f.run_detached();
    auto r = f.exec({}, {"sh", "-c", "read pid comm state ppid pgrp session rest </proc/self/stat; "
                                     "[ $session = $$ ] && [ $pgrp = $$ ] && echo leader"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out == "leader\n");
}

TEST_CASE("exec: 8 concurrent execs into one container", "[exec]") {
    ExecFixture f;
    f.run_detached();
    constexpr int kN = 8;
    std::vector<CommandResult> results(kN);
    std::vector<std::thread> threads;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kN; ++i)
        threads.emplace_back([&, i] {
            results[i] = f.exec({}, {"sh", "-c", "echo " + std::to_string(i) + " $$; readlink /proc/self/ns/pid"});
        });
    for (auto& t : threads) t.join();
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    std::set<std::string> pids;
    for (int i = 0; i < kN; ++i) {
        INFO(i << ": " << results[i].err);
        CHECK(results[i].status == 0);
        auto out = lines_of(results[i].out);
        REQUIRE(out.size() == 2);
        CHECK(out[0].rfind(std::to_string(i) + " ", 0) == 0);
        CHECK(out[1] == ns_link(std::to_string(f.initPid), "pid"));
        pids.insert(out[0].substr(out[0].find(' ') + 1));
    }
    CHECK(pids.size() == kN);
    WARN("8 concurrent execs: " << took.count() << " ms");
}

TEST_CASE("exec: a paused container is refused unless --ignore-paused", "[exec]") {
    ExecFixture f;
    f.run_detached();
    REQUIRE(f.root.run({"pause", f.id}).status == 0);
    auto r = f.exec({}, {"true"});
    CHECK(r.status != 0);
    CHECK(r.err.find("paused") != std::string::npos);
    CHECK(status_of(f.root, f.id) == "paused");

    // Allowed: the process is made, frozen with the rest of the container,
    // and runs when the container is resumed.
    Background ex(f.berth({"exec", "--ignore-paused", f.id, "sh", "-c", "echo ran"}));
    CHECK_FALSE(wait_for([&] { return ex.exited(); }, 500));
    REQUIRE(f.root.run({"resume", f.id}).status == 0);
    auto done = ex.wait(10);
    INFO(done.err);
    CHECK(done.status == 0);
    CHECK(done.out == "ran\n");
}

TEST_CASE("exec: stopped and unknown containers fail clearly and change nothing", "[exec]") {
    ExecFixture f;
    SECTION("stopped") {
        f.bundle.set_args({"true"});
        f.run_detached();
        REQUIRE(wait_status(f.root, f.id, "stopped"));
        auto before = state_json(f.root, f.id);
        auto r = f.exec({}, {"true"});
        CHECK(r.status != 0);
        CHECK(r.err.find("stopped") != std::string::npos);
        CHECK(state_json(f.root, f.id) == before);
        CHECK(f.root.run({"delete", f.id}).status == 0);
    }
    SECTION("unknown") {
        auto r = f.exec({}, {"true"});
        CHECK(r.status != 0);
        CHECK(r.err.find("does not exist") != std::string::npos);
        auto ids = f.root.run({"list", "-q"});
        CHECK(ids.out.empty());
    }
}

TEST_CASE("exec: only stdio and --preserve-fds reach the process", "[exec]") {
    ExecFixture f;
    f.run_detached();
    int a[2], b[2];
    REQUIRE(::pipe2(a, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(b, O_CLOEXEC) == 0);
    UniqueFd a0(a[0]), a1(a[1]), b0(b[0]), b1(b[1]);
    SpawnOptions so;
    so.fds = {{3, a1.get()}, {4, b1.get()}};  // berth gets fds 3 and 4
    // The shell's fds, listed by its child (no pipeline: its pipe would show up).
    std::vector<std::string> cmd{"sh", "-c", "ls -1 /proc/$$/fd; true"};

    std::vector<std::string> args{"exec", f.id};
    args.insert(args.end(), cmd.begin(), cmd.end());
    auto r = run_berth(f.root, args, so);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(lines_of(r.out) == std::vector<std::string>{"0", "1", "2"});

    args = {"exec", "--preserve-fds", "1", f.id};
    args.insert(args.end(), cmd.begin(), cmd.end());
    r = run_berth(f.root, args, so);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(lines_of(r.out) == std::vector<std::string>{"0", "1", "2", "3"});
}

TEST_CASE("exec: with SCMP_ACT_NOTIFY the exec'd process's listener goes to the agent too", "[exec][seccomp]") {
    ExecFixture f;
    // The agent's side: a unix socket receiving one fd with the state JSON as its data.
    ConsoleReceiver agent(f.bundle.dir + "/agent.sock");
    f.bundle.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"listenerPath", agent.path()},
        {"syscalls", {{{"names", {"mkdirat"}}, {"action", "SCMP_ACT_NOTIFY"}}}}};
    f.run_detached();
    std::string initState;
    UniqueFd initListener = agent.accept_master(5s, &initState);
    CHECK(json::parse(initState).at("pid") == f.initPid);

    auto pidFile = f.bundle.dir + "/exec.pid";
    auto r = f.exec({"-d", "--pid-file", pidFile}, {"sleep", "100"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    std::string execState;
    UniqueFd execListener = agent.accept_master(5s, &execState);
    auto s = json::parse(execState);
    INFO(execState);
    CHECK(s.at("pid") == read_pid_file(pidFile));
    CHECK(s.at("state").at("id") == f.id);
    CHECK(s.at("state").at("status") == "running");
    CHECK(s.at("fds") == json::array({"seccompFd"}));
    char link[256] = {};
    std::string self = "/proc/self/fd/" + std::to_string(execListener.get());
    REQUIRE(::readlink(self.c_str(), link, sizeof link - 1) > 0);
    CHECK(std::string(link).find("seccomp") != std::string::npos);
}

TEST_CASE("exec: into a container with a user namespace", "[exec][userns]") {
    ExecFixture f;
    f.bundle.config["linux"]["namespaces"].push_back({{"type", "user"}});
    f.bundle.config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 300000}, {"size", 65536}}};
    f.bundle.config["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 300000}, {"size", 65536}}};
    // A read-only /sys/fs/cgroup bind of the host's needs the init user namespace.
    auto& mounts = f.bundle.config["mounts"];
    for (auto it = mounts.begin(); it != mounts.end(); ++it)
        if ((*it)["destination"] == "/sys/fs/cgroup") {
            mounts.erase(it);
            break;
        }
    f.run_detached();
    const std::string init = std::to_string(f.initPid);
    auto r = f.exec({}, {"sh", "-c", "id -u; cat /proc/self/uid_map; readlink /proc/self/ns/user"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto out = lines_of(r.out);
    REQUIRE(out.size() == 3);
    CHECK(out[0] == "0");
    CHECK(out[1].find("300000") != std::string::npos);
    CHECK(out[2] == ns_link(init, "user"));

    // A tty: the pty is made by the namespace's root, not by an unmapped host id.
    ConsoleReceiver recv(f.bundle.dir + "/console.sock");
    r = f.exec({"-t", "-d", "--console-socket", recv.path()}, {"sh", "-c", "stat -c 'owner=%u' $(tty); echo END"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    UniqueFd master = recv.accept_master(5s);
    CHECK(read_until(master.get(), "END", 5s).find("owner=0") != std::string::npos);
}

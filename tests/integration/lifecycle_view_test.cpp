// What a container made by `berth run`/`create` sees: pid 1, hostname, mounts,
// identity, capabilities, limits, masked and read-only paths, env, cwd,
// devices, fds, terminals, and the namespaces it was put in. Needs root.
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "integration/support/console_receiver.hpp"
#include "integration/support/harness.hpp"
#include "integration/support/lifecycle_support.hpp"

using namespace berth::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// `berth run` of the bundle with args; returns what it printed.
CommandResult run_in(const TestRoot& root, TestBundle& b, std::vector<std::string> args,
                     std::vector<std::string> flags = {}, const SpawnOptions& so = {}) {
    b.set_args(std::move(args));
    b.write();
    std::vector<std::string> cmd{"run", "--bundle", b.dir};
    cmd.insert(cmd.end(), flags.begin(), flags.end());
    cmd.push_back(unique_id("view"));
    return run_berth(root, cmd, so, 30);
}

std::string sh(const TestRoot& root, TestBundle& b, const std::string& script,
               std::vector<std::string> flags = {}) {
    auto r = run_in(root, b, {"sh", "-c", script}, std::move(flags));
    INFO("stderr: " << r.err);
    REQUIRE(r.status == 0);
    return r.out;
}

// "Key:\tvalue" of /proc/<pid>/status printed by the container.
std::string status_field(const std::string& status, const std::string& key) {
    std::istringstream in(status);
    for (std::string l; std::getline(in, l);)
        if (l.rfind(key + ":", 0) == 0) return trim(l.substr(key.size() + 1));
    return "<missing " + key + ">";
}

// Mount points and types from /proc/self/mounts text.
std::vector<std::pair<std::string, std::string>> mount_list(const std::string& mounts) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& l : lines_of(mounts)) {
        std::istringstream f(l);
        std::string src, point, type;
        f >> src >> point >> type;
        out.emplace_back(point, type);
    }
    return out;
}

std::string options_of(const std::string& mounts, const std::string& point) {
    for (const auto& l : lines_of(mounts)) {
        std::istringstream f(l);
        std::string src, p, type, opts;
        f >> src >> p >> type >> opts;
        if (p == point) return opts;
    }
    return "<not mounted>";
}

bool has_option(const std::string& opts, const std::string& o) {
    return ("," + opts + ",").find("," + o + ",") != std::string::npos;
}

std::string host_uptime_seconds() {
    std::ifstream in("/proc/uptime");
    std::string s;
    in >> s;
    return s;
}

}  // namespace

TEST_CASE("lifecycle view: pid 1 / hostname / domainname / cgroup", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.config["domainname"] = "example.org";
    b.config["hostname"] = "view-host";
    auto out = sh(root, b, "echo pid=$$; hostname; cat /proc/sys/kernel/domainname; cat /proc/self/cgroup");
    auto lines = lines_of(out);
    REQUIRE(lines.size() >= 4);
    CHECK(lines[0] == "pid=1");
    CHECK(lines[1] == "view-host");
    CHECK(lines[2] == "example.org");
    // No cgroup namespace in this config: the full path shows.
    CHECK(out.find(b.cgroups_path()) != std::string::npos);
}

TEST_CASE("lifecycle view: mounts in order / read-only root / no host mounts", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.config["mounts"].push_back({{"destination", "/mnt"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                                  {"options", {"size=1m"}}});
    // Destination inside the mount before it: only works when mounted in order.
    b.config["mounts"].push_back({{"destination", "/mnt/inner"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                                  {"options", {"size=1m", "ro"}}});
    auto out = sh(root, b, "cat /proc/self/mounts; touch /rootfile 2>&1 || echo root-ro; "
                           "touch /mnt/x && echo mnt-rw; touch /mnt/inner/x 2>&1 || echo inner-ro");
    auto mounts = mount_list(out);
    std::vector<std::string> points;
    for (auto& [p, t] : mounts) points.push_back(p + " " + t);
    auto find = [&](const std::string& s) { return std::find(points.begin(), points.end(), s); };
    for (const char* want : {"/proc proc", "/dev tmpfs", "/dev/pts devpts", "/dev/shm tmpfs", "/dev/mqueue mqueue",
                             "/sys sysfs", "/mnt tmpfs", "/mnt/inner tmpfs"})
        CHECK(find(want) != points.end());
    CHECK(find("/mnt tmpfs") < find("/mnt/inner tmpfs"));
    CHECK(has_option(options_of(out, "/"), "ro"));
    CHECK(has_option(options_of(out, "/sys"), "ro"));
    CHECK(out.find("root-ro") != std::string::npos);
    CHECK(out.find("mnt-rw") != std::string::npos);
    CHECK(out.find("inner-ro") != std::string::npos);
    for (auto& [p, t] : mounts) {
        INFO(p);
        CHECK(p.rfind("/work", 0) != 0);
        CHECK(p.rfind("/tmp/berth-bundle", 0) != 0);
    }
}

TEST_CASE("lifecycle view: a symlinked mount destination stays inside the rootfs", "[lifecycle]") {
    TestRoot root;
    TestBundle b(/*ownRootfs=*/true);
    b.config["root"]["readonly"] = false;
    // /mnt/escape -> /../../../../tmp: followed in the rootfs, it is the rootfs's /tmp.
    std::string link = b.rootfs() + "/mnt/escape";
    REQUIRE(::symlink("/../../../../tmp", link.c_str()) == 0);
    std::string marker = "berth-life-" + unique_id("m");
    b.config["mounts"].push_back({{"destination", "/mnt/escape/" + marker}, {"type", "tmpfs"}, {"source", "tmpfs"},
                                  {"options", {"size=1m"}}});
    auto out = sh(root, b, "grep -c " + marker + " /proc/self/mounts; ls -d /tmp/" + marker);
    CHECK(out.find("/tmp/" + marker) != std::string::npos);
    struct stat st;
    CHECK(::lstat(("/tmp/" + marker).c_str(), &st) != 0);  // not on the host's /tmp
}

TEST_CASE("lifecycle view: user / groups / umask / capabilities / no_new_privs", "[lifecycle]") {
    TestRoot root;
    SECTION("a non-root user") {
        TestBundle b;
        b.config["process"]["user"] = {{"uid", 1000}, {"gid", 1001}, {"additionalGids", {10, 20}}, {"umask", 23}};
        auto out = sh(root, b, "cat /proc/self/status; echo umask=$(umask); id -u; id -g");
        CHECK(status_field(out, "Uid") == "1000\t1000\t1000\t1000");
        CHECK(status_field(out, "Gid") == "1001\t1001\t1001\t1001");
        CHECK(status_field(out, "Groups") == "10 20");
        CHECK(out.find("umask=0027") != std::string::npos);
        // Ambient capabilities need the inheritable set (empty here): a
        // non-root user ends up with none, as with runc.
        CHECK(status_field(out, "CapAmb") == "0000000000000000");
        CHECK(status_field(out, "CapEff") == "0000000000000000");
        CHECK(status_field(out, "CapBnd") == "0000000020000420");
        CHECK(status_field(out, "NoNewPrivs") == "1");
    }
    SECTION("a non-root user with inheritable and ambient capabilities") {
        TestBundle b;
        b.config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
        b.config["process"]["capabilities"]["inheritable"] = b.config["process"]["capabilities"]["ambient"];
        auto out = sh(root, b, "cat /proc/self/status");
        CHECK(status_field(out, "CapAmb") == "0000000020000420");
        CHECK(status_field(out, "CapEff") == "0000000020000420");
        CHECK(status_field(out, "CapInh") == "0000000020000420");
    }
    SECTION("root with the default capabilities") {
        TestBundle b;
        auto out = sh(root, b, "cat /proc/self/status");
        // CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29).
        CHECK(status_field(out, "CapEff") == "0000000020000420");
        CHECK(status_field(out, "CapPrm") == "0000000020000420");
        CHECK(status_field(out, "CapBnd") == "0000000020000420");
        CHECK(status_field(out, "Uid") == "0\t0\t0\t0");
        CHECK(status_field(out, "NoNewPrivs") == "1");
    }
    SECTION("noNewPrivileges false") {
        TestBundle b;
        b.config["process"]["noNewPrivileges"] = false;
        auto out = sh(root, b, "cat /proc/self/status");
        CHECK(status_field(out, "NoNewPrivs") == "0");
    }
    SECTION("a capability that cannot be granted is a warning") {
        TestBundle b;
        for (const char* set : {"bounding", "effective", "permitted"})
            b.config["process"]["capabilities"][set].push_back("CAP_BERTH_NO_SUCH_CAP");
        auto r = run_in(root, b, {"sh", "-c", "grep CapEff /proc/self/status"});
        INFO(r.err);
        CHECK(r.status == 0);
        CHECK(r.out.find("0000000020000420") != std::string::npos);
        CHECK(r.err.find("CAP_BERTH_NO_SUCH_CAP") != std::string::npos);
    }
}

TEST_CASE("lifecycle view: rlimits / oom score / personality / sysctl", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.config["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 512}},
                                      {{"type", "RLIMIT_NPROC"}, {"hard", 2000}, {"soft", 1000}}};
    b.config["process"]["oomScoreAdj"] = 500;
    b.config["linux"]["personality"] = {{"domain", "LINUX32"}};
    b.config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmni", "1000"}};
    auto out = sh(root, b, "ulimit -n; ulimit -Hn; grep 'Max processes' /proc/self/limits; "
                           "cat /proc/self/oom_score_adj; uname -m; cat /proc/sys/net/ipv4/ip_forward; "
                           "cat /proc/sys/kernel/shmmni");
    auto l = lines_of(out);
    REQUIRE(l.size() == 7);
    CHECK(l[0] == "512");
    CHECK(l[1] == "1024");
    CHECK(std::regex_search(l[2], std::regex(R"(Max processes\s+1000\s+2000\s)")));
    CHECK(l[3] == "500");
    CHECK(l[4] != "x86_64");  // LINUX32 reports i686 on x86_64
    CHECK(l[5] == "1");
    CHECK(l[6] == "1000");
}

TEST_CASE("lifecycle view: masked and read-only paths", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.config["linux"]["maskedPaths"].push_back("/etc/passwd");
    b.config["linux"]["readonlyPaths"].push_back("/tmp");
    b.config["root"]["readonly"] = false;
    b.config["mounts"].push_back({{"destination", "/tmp"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                                  {"options", {"size=1m"}}});
    auto out = sh(root, b,
                  "echo timers=$(cat /proc/timer_list | wc -c); echo keys=$(cat /proc/keys | wc -c); "
                  "echo passwd=$(wc -c < /etc/passwd); echo firmware=$(ls -A /sys/firmware | wc -l); "
                  "echo 1 > /proc/sysrq-trigger 2>/dev/null || echo sysrq-denied; "
                  "echo 1 > /proc/sys/vm/drop_caches 2>/dev/null || echo sys-denied; "
                  "touch /tmp/x 2>/dev/null || echo tmp-ro; cat /proc/self/mounts");
    INFO(out);
    REQUIRE(std::ifstream("/proc/timer_list").good());  // the host has it: masked, it reads as empty
    CHECK(out.find("timers=0") != std::string::npos);
    CHECK(out.find("keys=0") != std::string::npos);
    CHECK(out.find("passwd=0") != std::string::npos);
    CHECK(out.find("firmware=0") != std::string::npos);
    CHECK(out.find("sysrq-denied") != std::string::npos);
    CHECK(out.find("sys-denied") != std::string::npos);
    CHECK(out.find("tmp-ro") != std::string::npos);
    CHECK(has_option(options_of(out, "/proc/sys"), "ro"));
}

TEST_CASE("lifecycle view: env / cwd / args0 found on PATH", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.config["process"]["env"] = {"PATH=/usr/bin:/bin", "FOO=bar baz", "EMPTY="};
    b.config["process"]["cwd"] = "/tmp";
    auto r = run_in(root, b, {"env"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto env = lines_of(r.out);
    std::set<std::string> have(env.begin(), env.end());
    CHECK(have.count("PATH=/usr/bin:/bin"));
    CHECK(have.count("FOO=bar baz"));
    CHECK(have.count("EMPTY="));
    CHECK(have.count("HOME=/root"));  // from /etc/passwd when unset, as runc does

    auto out = sh(root, b, "pwd; pwd -P");
    CHECK(out == "/tmp\n/tmp\n");
}

TEST_CASE("lifecycle view: cwd never resolves outside the rootfs", "[lifecycle]") {
    TestRoot root;
    for (int fd = 3; fd <= 8; ++fd) {
        DYNAMIC_SECTION("cwd /proc/self/fd/" << fd) {
            TestBundle b;
            b.config["process"]["cwd"] = "/proc/self/fd/" + std::to_string(fd);
            auto r = run_in(root, b, {"sh", "-c", "pwd -P; ls"});
            INFO(r.out << r.err);
            if (r.status == 0) {
                // Wherever it landed, it is inside the container.
                CHECK(r.out.rfind("/", 0) == 0);
                CHECK(r.out.find("unreachable") == std::string::npos);
            } else {
                CHECK(r.err.find("cwd") != std::string::npos);
                CHECK(r.err.find("/proc/self/fd/" + std::to_string(fd)) != std::string::npos);
            }
        }
    }
    SECTION("cwd with ..") {
        TestBundle b;
        b.config["process"]["cwd"] = "/../../../../..";
        auto out = sh(root, b, "pwd -P; ls /");
        CHECK(lines_of(out).at(0) == "/");
    }
}

TEST_CASE("lifecycle view: devices", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.config["linux"]["devices"] = {{{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229},
                                     {"fileMode", 0666}, {"uid", 0}, {"gid", 0}}};
    b.config["linux"]["resources"]["devices"].push_back(
        {{"allow", true}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"access", "rwm"}});
    auto out = sh(root, b,
                  "for d in null zero full random urandom tty fuse; do "
                  "[ -c /dev/$d ] && echo \"$d $(stat -c '%t:%T %a' /dev/$d)\"; done; "
                  "readlink /dev/ptmx; readlink /dev/fd; readlink /dev/stdin; readlink /dev/stdout; "
                  "readlink /dev/stderr; echo x > /dev/null && echo null-ok; "
                  "head -c 4 /dev/zero | wc -c; [ -d /dev/pts ] && echo pts; [ -e /dev/sda ] || echo no-sda");
    auto l = lines_of(out);
    std::set<std::string> have(l.begin(), l.end());
    for (const char* want : {"null 1:3 666", "zero 1:5 666", "full 1:7 666", "random 1:8 666", "urandom 1:9 666",
                             "tty 5:0 666", "fuse a:e5 666", "pts/ptmx", "/proc/self/fd", "/proc/self/fd/0",
                             "/proc/self/fd/1", "/proc/self/fd/2", "null-ok", "4", "pts", "no-sda"}) {
        INFO(want << " in:\n" << out);
        CHECK(have.count(want));
    }
}

TEST_CASE("lifecycle view: no host fd reaches the container / --preserve-fds / LISTEN_FDS", "[lifecycle]") {
    TestRoot root;
    // Every fd of ls itself except the directory it is reading.
    const std::string listFds =
        "ls -l /proc/self/fd | sed -n 's/.* \\([0-9]*\\) -> \\(.*\\)/\\1 \\2/p' | grep -v ' /proc/[0-9]*/fd$'";
    SECTION("only stdio") {
        TestBundle b;
        auto out = sh(root, b, listFds);
        std::vector<std::string> fds;
        for (auto& l : lines_of(out)) fds.push_back(l.substr(0, l.find(' ')));
        CHECK(fds == std::vector<std::string>{"0", "1", "2"});
    }
    SECTION("--preserve-fds 2 keeps fds 3 and 4, no more") {
        TestBundle b;
        MemFile f3("preserved-3"), f4("preserved-4");
        REQUIRE(::write(f3.fd(), "three", 5) == 5);
        REQUIRE(::write(f4.fd(), "four", 4) == 4);
        SpawnOptions so;
        so.fds = {{3, f3.fd()}, {4, f4.fd()}, {5, f4.fd()}};  // 5 is not preserved
        auto r = run_in(root, b, {"sh", "-c", listFds + "; cat /proc/self/fd/3; echo; cat /proc/self/fd/4"},
                        {"--preserve-fds", "2"}, so);
        INFO(r.err);
        REQUIRE(r.status == 0);
        std::vector<std::string> fds;
        for (auto& l : lines_of(r.out))
            if (std::isdigit(static_cast<unsigned char>(l[0]))) fds.push_back(l.substr(0, l.find(' ')));
        CHECK(fds == std::vector<std::string>{"0", "1", "2", "3", "4"});
        CHECK(r.out.find("three\nfour") != std::string::npos);
    }
    SECTION("create --preserve-fds 1, checked after start") {
        TestBundle b;
        b.set_args({"sh", "-c", "cat /proc/self/fd/3; " + listFds});
        b.write();
        MemFile f3("preserved"), out("out");
        REQUIRE(::write(f3.fd(), "kept\n", 5) == 5);
        SpawnOptions so;
        so.out = out.fd();
        so.fds = {{3, f3.fd()}};
        std::string id = unique_id("fds");
        auto r = run_berth(root, {"create", "--preserve-fds", "1", "--bundle", b.dir, id}, so);
        INFO(r.err);
        REQUIRE(r.status == 0);
        REQUIRE(root.run({"start", id}).status == 0);
        REQUIRE(wait_status(root, id, "stopped"));
        auto l = lines_of(out.text());
        REQUIRE(l.size() == 5);
        CHECK(l[0] == "kept");
        CHECK(l[4].rfind("3 /memfd:preserved", 0) == 0);
        CHECK(root.run({"delete", id}).status == 0);
    }
    SECTION("LISTEN_FDS passes sockets on as runc does") {
        TestBundle b;
        MemFile f3("listen");
        SpawnOptions so;
        so.fds = {{3, f3.fd()}};
        so.env = {"LISTEN_FDS=1", "LISTEN_PID=" + std::to_string(::getpid())};
        auto r = run_in(root, b, {"sh", "-c", "echo $LISTEN_FDS $LISTEN_PID; " + listFds}, {}, so);
        INFO(r.err);
        REQUIRE(r.status == 0);
        auto l = lines_of(r.out);
        REQUIRE(l.size() == 5);
        CHECK(l[0] == "1 1");
        CHECK(l[4].rfind("3 /memfd:listen", 0) == 0);
    }
}

TEST_CASE("lifecycle view: terminal via --console-socket", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.config["process"]["terminal"] = true;
    b.config["process"]["consoleSize"] = {{"height", 30}, {"width", 100}};
    b.set_args({"sh", "-c", "tty; stty size; [ -t 0 ] && echo stdin-tty; ls -l /dev/console; read x; echo got-$x"});
    b.write();
    ConsoleReceiver rx(b.dir + "/console.sock");
    std::string id = unique_id("tty");
    // create blocks until the master is sent: accept while it runs.
    Background create({BERTH_BINARY, "--root", root.path(), "create", "--console-socket", rx.path(), "--bundle",
                       b.dir, id});
    auto master = rx.accept_master(10s);
    auto cr = create.wait(20);
    INFO(cr.err);
    REQUIRE(cr.status == 0);
    CHECK(status_of(root, id) == "created");
    REQUIRE(root.run({"start", id}).status == 0);
    auto seen = read_until(master.get(), "console", 10s);
    CHECK(seen.find("/dev/pts/0") != std::string::npos);
    CHECK(seen.find("30 100") != std::string::npos);
    CHECK(seen.find("stdin-tty") != std::string::npos);
    CHECK(seen.find(" /dev/console") != std::string::npos);
    write_all(master.get(), "ping\n");
    seen = read_until(master.get(), "got-ping", 10s);
    CHECK(wait_status(root, id, "stopped"));
    CHECK(root.run({"delete", id}).status == 0);
}

TEST_CASE("lifecycle view: terminal rules", "[lifecycle]") {
    TestRoot root;
    SECTION("run without a console socket relays the pty itself") {
        TestBundle b;
        b.config["process"]["terminal"] = true;
        auto r = run_in(root, b, {"sh", "-c", "tty; [ -t 1 ] && echo stdout-tty; "
                                               "ls -l /proc/self/fd | grep -c -- '->'; exit 4"});
        INFO(r.out << r.err);
        CHECK(r.status == 4);
        // Links readable: 0 1 2 only (ls's own directory fd is not). No console socket, no master.
        CHECK(r.out.find("\n3\r\n") != std::string::npos);
        CHECK(r.out.find("/dev/pts/0") != std::string::npos);
        CHECK(r.out.find("stdout-tty") != std::string::npos);
    }
    SECTION("create with a terminal needs a console socket") {
        TestBundle b;
        b.config["process"]["terminal"] = true;
        b.write();
        std::string id = unique_id("tty");
        auto r = root.run({"create", "--bundle", b.dir, id});
        CHECK(r.status != 0);
        CHECK(r.err.find("cannot allocate tty") != std::string::npos);
        CHECK(describe_leftovers(root, b, id) == "");
    }
    SECTION("a console socket without a terminal is refused") {
        TestBundle b;
        b.write();
        ConsoleReceiver rx(b.dir + "/console.sock");
        std::string id = unique_id("tty");
        auto r = root.run({"create", "--console-socket", rx.path(), "--bundle", b.dir, id});
        CHECK(r.status != 0);
        CHECK(r.err.find("console socket") != std::string::npos);
        CHECK(describe_leftovers(root, b, id) == "");
    }
}

TEST_CASE("lifecycle view: user namespace with uid/gid mappings", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "user"}});
    b.config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    b.config["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    b.config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
    std::string id = unique_id("userns");
    b.set_args({"sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; stat -c %u /bin/busybox; "
                            "sleep 100"});
    b.write();
    auto r = root.run({"run", "-d", "--bundle", b.dir, id});
    INFO(r.err);
    REQUIRE(r.status == 0);
    pid_t pid = state_json(root, id)["pid"].get<pid_t>();
    // The host sees the mapped ids.
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string text((std::istreambuf_iterator<char>(status)), {});
    CHECK(status_field(text, "Uid") == "101000\t101000\t101000\t101000");
    CHECK(status_field(text, "Gid") == "101000\t101000\t101000\t101000");
    char self[64], theirs[64];
    ssize_t n1 = ::readlink("/proc/self/ns/user", self, sizeof self);
    ssize_t n2 = ::readlink(("/proc/" + std::to_string(pid) + "/ns/user").c_str(), theirs, sizeof theirs);
    REQUIRE(n1 > 0);
    REQUIRE(n2 > 0);
    CHECK(std::string(self, n1) != std::string(theirs, n2));
    std::ifstream map("/proc/" + std::to_string(pid) + "/uid_map");
    std::string m;
    std::getline(map, m);
    CHECK(std::regex_match(m, std::regex(R"(\s*0\s+100000\s+65536\s*)")));
    CHECK(root.run({"delete", "-f", id}).status == 0);
    CHECK(describe_leftovers(root, b, id) == "");
}

TEST_CASE("lifecycle view: user namespace objects belong to its root", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "user"}});
    b.config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    b.config["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    // The ipc namespace's /dev/mqueue, made by whoever creates the namespace;
    // /dev (tmpfs) and a file init creates.
    auto out = sh(root, b, "stat -c '%n %u %g' /dev/mqueue /dev /dev/pts; id -u; id -g");
    CHECK(out == "/dev/mqueue 0 0\n/dev 0 0\n/dev/pts 0 0\n0\n0\n");
}

TEST_CASE("lifecycle view: a cgroup namespace is rooted at the container's cgroups", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "cgroup"}});
    auto out = sh(root, b, "cat /proc/self/cgroup");
    auto l = lines_of(out);
    REQUIRE_FALSE(l.empty());
    for (const auto& line : l) {
        INFO(line);
        CHECK(line.substr(line.rfind(':')) == ":/");  // every hierarchy, v1 ones included
    }
}

TEST_CASE("lifecycle view: a user namespace joined by path", "[lifecycle]") {
    TestBundle owner, joiner;
    TestRoot root;
    owner.config["linux"]["namespaces"].push_back({{"type", "user"}});
    owner.config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    owner.config["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    owner.set_args({"sleep", "100"});
    owner.write();
    std::string oid = unique_id("userns-owner");
    auto r = root.run({"run", "-d", "--bundle", owner.dir, oid});
    INFO(r.err);
    REQUIRE(r.status == 0);
    pid_t opid = state_json(root, oid)["pid"].get<pid_t>();
    const std::string userns = "/proc/" + std::to_string(opid) + "/ns/user";

    // New pid, mount, ipc, uts, network namespaces, all owned by the joined user namespace.
    joiner.config["linux"]["namespaces"].push_back({{"type", "user"}, {"path", userns}});
    // berth run stays the init's parent (exit status) although a helper cloned it.
    auto rr = run_in(root, joiner, {"sh", "-c", "cat /proc/self/uid_map; id -u; hostname; echo pid=$$; "
                                                "stat -c '%u' /dev/mqueue; exit 7"});
    INFO(rr.err);
    CHECK(rr.status == 7);
    auto l = lines_of(rr.out);
    REQUIRE(l.size() == 5);
    CHECK(std::regex_match(l[0], std::regex(R"(\s*0\s+100000\s+65536\s*)")));
    CHECK(l[1] == "0");
    CHECK(l[2] == "berth-test");
    CHECK(l[3] == "pid=1");
    CHECK(l[4] == "0");
    CHECK(root.run({"delete", "-f", oid}).status == 0);
    CHECK(describe_leftovers(root, owner, oid) == "");
}

TEST_CASE("lifecycle view: a network namespace joined by path", "[lifecycle]") {
    TestRoot root;
    NetnsGuard ns("berth-life-" + std::to_string(::getpid()));
    TestBundle b;
    for (auto& n : b.config["linux"]["namespaces"])
        if (n["type"] == "network") n["path"] = ns.path();
    struct stat st;
    REQUIRE(::stat(ns.path().c_str(), &st) == 0);
    auto r = run_in(root, b, {"sh", "-c", "readlink /proc/self/ns/net; ls /sys/class/net"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("net:[" + std::to_string(st.st_ino) + "]") != std::string::npos);
    CHECK(lines_of(r.out).size() == 2);  // only lo
}

TEST_CASE("lifecycle view: time namespace offsets", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "time"}});
    const long day = 86400;
    b.config["linux"]["timeOffsets"] = {{"boottime", {{"secs", 10 * day}, {"nanosecs", 0}}},
                                        {"monotonic", {{"secs", 20 * day}, {"nanosecs", 0}}}};
    double before = std::stod(host_uptime_seconds());
    auto out = sh(root, b, "cut -d' ' -f1 /proc/uptime");
    double after = std::stod(host_uptime_seconds());
    double inside = std::stod(trim(out));
    CHECK(inside >= before + 10 * day);
    CHECK(inside <= after + 10 * day + 1);
}

TEST_CASE("lifecycle view: --no-pivot", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    auto out = sh(root, b, "hostname; ls /; cat /proc/self/mounts", {"--no-pivot"});
    CHECK(out.find("berth-test\n") == 0);
    CHECK(out.find("\nbin\n") != std::string::npos);
    for (auto& [p, t] : mount_list(out.substr(out.find("\n") + 1))) CHECK(p.rfind("/work", 0) != 0);
}

TEST_CASE("lifecycle view: containers joining another's namespaces by path (a pod)", "[lifecycle]") {
    TestBundle sandbox, app;
    TestRoot root;
    sandbox.config["hostname"] = "pod-host";
    sandbox.set_args({"sleep", "100"});
    sandbox.write();
    std::string sid = unique_id("pod");
    REQUIRE(root.run({"run", "-d", "--bundle", sandbox.dir, sid}).status == 0);
    pid_t spid = state_json(root, sid)["pid"].get<pid_t>();
    std::string nsDir = "/proc/" + std::to_string(spid) + "/ns/";

    app.config.erase("hostname");  // the uts namespace is the sandbox's
    app.config["linux"]["namespaces"] = {{{"type", "pid"}, {"path", nsDir + "pid"}},
                                         {{"type", "network"}, {"path", nsDir + "net"}},
                                         {{"type", "ipc"}, {"path", nsDir + "ipc"}},
                                         {{"type", "uts"}, {"path", nsDir + "uts"}},
                                         {{"type", "mount"}}};
    auto r = run_in(root, app, {"sh", "-c", "echo pid=$$; hostname; ps -o pid,comm | grep -c sleep; "
                                            "for n in net ipc uts; do readlink /proc/self/ns/$n; done"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto l = lines_of(r.out);
    REQUIRE(l.size() == 6);
    CHECK(l[0] != "pid=1");  // the sandbox's sleep is pid 1
    CHECK(l[1] == "pod-host");
    CHECK(l[2] == "1");  // sees the sandbox's process
    for (int i = 0; i < 3; ++i) {
        const char* ns[] = {"net", "ipc", "uts"};
        char buf[64];
        ssize_t n = ::readlink((nsDir + ns[i]).c_str(), buf, sizeof buf);
        REQUIRE(n > 0);
        CHECK(l[3 + i] == std::string(buf, n));
    }
    // berth's own pid namespace is unchanged by the join (hooks and later commands run in it).
    CHECK(root.run({"delete", "-f", sid}).status == 0);
    CHECK(describe_leftovers(root, sandbox, sid) == "");
}

TEST_CASE("lifecycle view: the init leads its own session and process group", "[lifecycle]") {
    // As runc's init: the caller's terminal and process group are not the container's.
    TestRoot root;
    TestBundle b;
    b.write();
    auto r = run_in(root, b, {"sh", "-c", "read pid comm state ppid pgrp session rest </proc/self/stat; "
                                          "echo $$ $pgrp $session"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out == "1 1 1\n");
}

TEST_CASE("lifecycle view: a session keyring per container unless --no-new-keyring", "[lifecycle]") {
    TestRoot root;
    TestBundle b;
    // /proc/keys lists the keys the reader can see: unmask it for this test.
    b.config["linux"]["maskedPaths"] = json::array();
    b.set_args({"cat", "/proc/keys"});
    b.write();
    std::string id = unique_id("keys");
    auto r = root.run({"run", "--bundle", b.dir, id});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("_ses." + id) != std::string::npos);

    std::string id2 = unique_id("keys");
    r = root.run({"run", "--no-new-keyring", "--bundle", b.dir, id2});
    REQUIRE(r.status == 0);
    CHECK(r.out.find("_ses." + id2) == std::string::npos);
}

TEST_CASE("lifecycle view: run with a terminal drives the caller's terminal", "[lifecycle]") {
    TestBundle b;
    TestRoot root;
    b.config["process"]["terminal"] = true;
    b.set_args({"sh", "-c", "stty size; echo ready; read x; echo got-$x; exit 6"});
    b.write();
    // The caller's terminal: a pty whose slave is berth's stdio and controlling tty.
    berth::UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    REQUIRE(master);
    REQUIRE(::grantpt(master.get()) == 0);
    REQUIRE(::unlockpt(master.get()) == 0);
    std::string slavePath = ::ptsname(master.get());
    winsize ws{};
    ws.ws_row = 40;
    ws.ws_col = 120;
    REQUIRE(::ioctl(master.get(), TIOCSWINSZ, &ws) == 0);
    std::string id = unique_id("ctty");
    std::vector<std::string> args{BERTH_BINARY, "--root", root.path(), "run", "--bundle", b.dir, id};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::setsid();
        int slave = ::open(slavePath.c_str(), O_RDWR);
        if (slave < 0 || ::ioctl(slave, TIOCSCTTY, 0) < 0) ::_exit(126);
        for (int fd = 0; fd < 3; ++fd) ::dup2(slave, fd);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    struct Reaper {
        pid_t pid;
        bool done = false;
        ~Reaper() {
            if (!done) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, nullptr, 0);
            }
        }
    } reaper{pid};
    auto seen = read_until(master.get(), "ready", 10s);
    CHECK(seen.find("40 120") != std::string::npos);
    write_all(master.get(), "hello\r");
    seen = read_until(master.get(), "got-hello", 10s);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    reaper.done = true;
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 6);
    // berth put the caller's terminal back the way it was (not raw).
    termios t{};
    berth::UniqueFd slave(::open(slavePath.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
    REQUIRE(slave);
    REQUIRE(::tcgetattr(slave.get(), &t) == 0);
    CHECK((t.c_lflag & ICANON) != 0);
    CHECK((t.c_lflag & ECHO) != 0);
    CHECK(describe_leftovers(root, b, id) == "");
}

TEST_CASE("lifecycle view: no container mount reaches the host while it runs", "[lifecycle]") {
    TestRoot root;
    for (std::string mode : {"shared", "slave", "private", "no-pivot"}) {
        DYNAMIC_SECTION("rootfsPropagation / flag " << mode) {
            TestBundle b;
            if (mode != "no-pivot") b.config["linux"]["rootfsPropagation"] = mode;
            b.config["mounts"].push_back({{"destination", "/mnt"}, {"type", "tmpfs"}, {"source", "tmpfs"}});
            b.set_args({"sleep", "100"});
            b.write();
            std::string id = unique_id("prop");
            std::vector<std::string> args{"run", "-d", "--bundle", b.dir, id};
            if (mode == "no-pivot") args.insert(args.begin() + 1, "--no-pivot");
            auto r = root.run(args);
            INFO(r.err);
            REQUIRE(r.status == 0);
            CHECK(status_of(root, id) == "running");
            auto seen = mounts_mentioning(b.rootfs());
            std::string text;
            for (const auto& m : seen) text += m + "\n";
            CHECK(text == "");
            CHECK(root.run({"delete", "-f", id}).status == 0);
            CHECK(describe_leftovers(root, b, id) == "");
        }
    }
}

TEST_CASE("lifecycle view: run with --console-socket", "[lifecycle]") {
    TestRoot root;
    for (bool detach : {true, false}) {
        DYNAMIC_SECTION((detach ? "run -d" : "run in the foreground")) {
            TestBundle b;
            b.config["process"]["terminal"] = true;
            b.set_args({"sh", "-c", "tty; read x; echo got-$x; exit 9"});
            b.write();
            ConsoleReceiver rx(b.dir + "/console.sock");
            std::string id = unique_id("runtty");
            std::vector<std::string> argv{BERTH_BINARY, "--root", root.path(), "run", "--console-socket", rx.path(),
                                          "--bundle", b.dir, id};
            if (detach) argv.insert(argv.begin() + 4, "-d");
            Background run(argv);
            auto master = rx.accept_master(10s);
            auto seen = read_until(master.get(), "/dev/pts/0", 10s);
            if (detach) {
                auto r = run.wait(20);
                INFO(r.err);
                CHECK(r.status == 0);
                CHECK(status_of(root, id) == "running");
            }
            write_all(master.get(), "ping\n");
            read_until(master.get(), "got-ping", 10s);
            if (detach) {
                CHECK(wait_status(root, id, "stopped"));
                CHECK(root.run({"delete", id}).status == 0);
            } else {
                auto r = run.wait(20);
                INFO(r.err);
                CHECK(r.status == 9);
            }
            CHECK(describe_leftovers(root, b, id) == "");
        }
    }
}

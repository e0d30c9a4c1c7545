// prepare_rootfs / enter_rootfs / finish_rootfs on a real busybox rootfs, as
// root. Each test runs the three steps in a sandbox (a forked child, pid 1
// of new mount/pid/ipc/uts namespaces) and checks from inside what it got;
// the test process's own mounts are never touched, which every test checks
// at its end.
#include <linux/magic.h>
#include <sys/vfs.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <sstream>

#include "common/unique_fd.hpp"
#include "runtime/kernel/mountinfo.hpp"
#include "runtime/kernel/rootfs.hpp"
#include "support/rootfs_sandbox.hpp"

using namespace berth::rootfs_test;
using berth::kernel::RootfsContext;
namespace spec = berth::spec;

namespace {

struct Run {
    bool noPivot = false;
    bool terminal = false;
    bool userNamespace = false;
    std::function<void()> before;  // in the sandbox, before prepare_rootfs
    SandboxOptions sandbox;
};

// The three rootfs steps, then `checks` inside the container.
SandboxResult run_rootfs(const TempBundle& bundle, const spec::Config& config, const std::function<void(Facts&)>& checks,
                         const Run& run = {}) {
    return run_sandboxed(
        [&](Facts& f) {
            if (run.before) run.before();
            RootfsContext ctx{config,       bundle.rootfs(), bundle.dir(), run.userNamespace || run.sandbox.userNamespace,
                              run.noPivot, run.terminal};
            f["fds_before"] = open_fds();
            berth::kernel::prepare_rootfs(ctx);
            berth::kernel::enter_rootfs(ctx);
            berth::kernel::finish_rootfs(ctx);
            // Without a procfs in the container there is no fd list to compare.
            if (::access("/proc/self/fd", F_OK) == 0) f["fds_after"] = open_fds();
            checks(f);
        },
        run.sandbox);
}

std::string fstype(const std::string& summary) { return summary.substr(0, summary.find(' ')); }

std::set<std::string> options(const std::string& summary) {
    std::istringstream in(summary);
    std::string type, opts;
    in >> type >> opts;
    std::set<std::string> out;
    std::istringstream parts(opts);
    std::string o;
    while (std::getline(parts, o, ',')) out.insert(o);
    return out;
}

bool has(const std::set<std::string>& opts, std::initializer_list<const char*> wanted) {
    for (const char* w : wanted)
        if (!opts.count(w)) return false;
    return true;
}

// Every test ends with the host untouched and no fd leaked by the rootfs code.
void expect_clean(const TempBundle& bundle, const SandboxResult& r) {
    CHECK_FALSE(host_mounts_under(bundle.dir()));
    if (r.error.empty() && r.facts.count("fds_after")) CHECK(r.fact("fds_before") == r.fact("fds_after"));
}

spec::Mount proc_mount() { return mount_entry("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}); }
spec::Mount dev_mount() { return mount_entry("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}); }

}  // namespace

TEST_CASE("proc, sysfs, tmpfs, devpts and mqueue are mounted with their flags", "[rootfs]") {
    TempBundle b;
    spec::Config c = base_config(b);
    c.mounts = {
        proc_mount(),
        mount_entry("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        dev_mount(),
        mount_entry("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
        mount_entry("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        mount_entry("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
    };
    auto r = run_rootfs(b, c, [](Facts& f) {
        for (const char* p : {"/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"}) f[p] = mount_summary(p);
        f["dev_super"] = find_mount("/dev").superOptions;
        f["pts_super"] = find_mount("/dev/pts").superOptions;
        f["shm_super"] = find_mount("/dev/shm").superOptions;
        f["shm_dir"] = describe("/dev/shm");
        f["pid"] = read_text("/proc/self/stat").substr(0, 2);
        f["ptmx"] = describe("/dev/ptmx");
        berth::UniqueFd pty(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
        f["ptmx_open"] = pty ? "ok" : "failed";
        f["sys_write"] = try_create("/sys/berth-test");
    });
    REQUIRE(r.error == "");
    CHECK(fstype(r.fact("/proc")) == "proc");
    CHECK(has(options(r.fact("/proc")), {"rw", "nosuid", "nodev", "noexec"}));
    CHECK(r.fact("pid") == "1 ");  // our own pid namespace's procfs
    CHECK(fstype(r.fact("/sys")) == "sysfs");
    CHECK(has(options(r.fact("/sys")), {"ro", "nosuid", "nodev", "noexec"}));
    CHECK(r.fact("sys_write") == "read-only file system");
    CHECK(fstype(r.fact("/dev")) == "tmpfs");
    CHECK(has(options(r.fact("/dev")), {"rw", "nosuid"}));
    CHECK_THAT(r.fact("dev_super"), Catch::Contains("size=65536k"));
    CHECK_THAT(r.fact("dev_super"), Catch::Contains("mode=755"));
    CHECK(fstype(r.fact("/dev/pts")) == "devpts");
    CHECK(has(options(r.fact("/dev/pts")), {"nosuid", "noexec"}));
    CHECK_THAT(r.fact("pts_super"), Catch::Contains("ptmxmode=666"));
    CHECK_THAT(r.fact("pts_super"), Catch::Contains("mode=620"));
    CHECK_THAT(r.fact("pts_super"), Catch::Contains("gid=5"));
    CHECK(fstype(r.fact("/dev/shm")) == "tmpfs");
    CHECK(has(options(r.fact("/dev/shm")), {"nosuid", "nodev", "noexec"}));
    CHECK_THAT(r.fact("shm_super"), Catch::Contains("size=65536k"));
    CHECK(r.fact("shm_dir") == "d 1777 0:0");  // tmpfs does not list its default mode
    CHECK(fstype(r.fact("/dev/mqueue")) == "mqueue");
    CHECK(has(options(r.fact("/dev/mqueue")), {"nosuid", "nodev", "noexec"}));
    CHECK(r.fact("ptmx") == "l -> pts/ptmx");
    CHECK(r.fact("ptmx_open") == "ok");
    expect_clean(b, r);
}

TEST_CASE("bind mounts: read-only, rbind with propagation, a file, relative sources, missing destinations",
          "[rootfs]") {
    TempBundle b;
    const std::string src = b.dir() + "/src";
    TempBundle::make_dir(src);
    TempBundle::make_dir(src + "/sub");
    TempBundle::write_file(src + "/hello", "hi");
    spec::Config c = base_config(b);
    c.mounts = {
        proc_mount(),
        mount_entry("/data", "bind", src, {"bind", "ro"}),
        mount_entry("/rdata", "none", src, {"rbind", "rshared"}),
        mount_entry("/udata", "none", src, {"rbind", "runbindable"}),
        mount_entry("/etc/hello.txt", "bind", src + "/hello", {"bind", "ro", "nosuid"}),
        mount_entry("/rel/deep/dir", "bind", "src", {"bind"}),
        mount_entry("/a/b/c", "tmpfs", "tmpfs", {"size=1m"}),
    };
    Run run;
    // A submount inside the source, to tell bind from rbind.
    run.before = [src] {
        if (::mount("tmpfs", (src + "/sub").c_str(), "tmpfs", 0, "size=1m") < 0) throw std::runtime_error("mount sub");
    };
    auto r = run_rootfs(
        b, c,
        [](Facts& f) {
            f["data"] = mount_summary("/data");
            f["data_hello"] = read_text("/data/hello");
            f["data_write"] = try_create("/data/new");
            f["data_sub"] = mount_summary("/data/sub");
            f["rdata"] = mount_summary("/rdata");
            f["rdata_sub"] = mount_summary("/rdata/sub");
            f["rdata_write"] = try_create("/rdata/new");
            f["udata"] = mount_summary("/udata");
            f["file"] = describe("/etc/hello.txt");
            f["file_text"] = read_text("/etc/hello.txt");
            f["file_mount"] = mount_summary("/etc/hello.txt");
            f["rel"] = read_text("/rel/deep/dir/hello");
            f["abc"] = mount_summary("/a/b/c");
        },
        run);
    REQUIRE(r.error == "");
    CHECK(r.fact("data_hello") == "hi");
    CHECK(has(options(r.fact("data")), {"ro"}));
    CHECK(r.fact("data_write") == "read-only file system");
    CHECK(r.fact("data_sub") == "<not a mount point>");  // plain bind: no submounts
    CHECK(fstype(r.fact("rdata_sub")) == "tmpfs");      // rbind: submounts come along
    CHECK(has(options(r.fact("rdata")), {"rw"}));
    CHECK(r.fact("rdata_write") == "ok");
    CHECK_THAT(r.fact("rdata"), Catch::Contains("shared:"));
    CHECK_THAT(r.fact("udata"), Catch::Contains("unbindable"));
    CHECK(r.fact("file").rfind("f ", 0) == 0);
    CHECK(r.fact("file_text") == "hi");
    CHECK(has(options(r.fact("file_mount")), {"ro", "nosuid"}));
    CHECK(r.fact("rel") == "hi");
    CHECK(fstype(r.fact("abc")) == "tmpfs");
    // The rootfs got the mount points, the source got nothing new.
    struct stat st;
    CHECK(::stat(b.in_rootfs("/etc/hello.txt").c_str(), &st) == 0);
    CHECK(::stat((src + "/new").c_str(), &st) < 0);
    expect_clean(b, r);
}

TEST_CASE("recursive attributes apply to the whole tree, plain ones to the top mount", "[rootfs]") {
    TempBundle b;
    const std::string src = b.dir() + "/src";
    TempBundle::make_dir(src);
    TempBundle::make_dir(src + "/sub");
    spec::Config c = base_config(b);
    c.mounts = {
        proc_mount(),
        mount_entry("/rec", "none", src, {"rbind", "rro", "rnosuid", "rnoexec", "rnoatime"}),
        mount_entry("/top", "none", src, {"rbind", "ro", "nosuid"}),
    };
    Run run;
    run.before = [src] {
        if (::mount("tmpfs", (src + "/sub").c_str(), "tmpfs", 0, "size=1m") < 0) throw std::runtime_error("mount sub");
    };
    auto r = run_rootfs(
        b, c,
        [](Facts& f) {
            for (const char* p : {"/rec", "/rec/sub", "/top", "/top/sub"}) f[p] = mount_summary(p);
            f["rec_sub_write"] = try_create("/rec/sub/x");
            f["top_sub_write"] = try_create("/top/sub/x");
        },
        run);
    REQUIRE(r.error == "");
    CHECK(has(options(r.fact("/rec")), {"ro", "nosuid", "noexec", "noatime"}));
    CHECK(has(options(r.fact("/rec/sub")), {"ro", "nosuid", "noexec", "noatime"}));
    CHECK(r.fact("rec_sub_write") == "read-only file system");
    CHECK(has(options(r.fact("/top")), {"ro", "nosuid"}));
    CHECK(has(options(r.fact("/top/sub")), {"rw"}));
    CHECK_FALSE(has(options(r.fact("/top/sub")), {"nosuid"}));
    CHECK(r.fact("top_sub_write") == "ok");
    expect_clean(b, r);
}

TEST_CASE("default devices, linux.devices, /dev links and the console placeholder", "[rootfs]") {
    TempBundle b;
    spec::Config c = base_config(b);
    c.mounts = {proc_mount(), dev_mount(),
                mount_entry("/dev/pts", "devpts", "devpts", {"newinstance", "ptmxmode=0666"})};
    auto dev = [](const char* path, const char* type, int64_t maj, int64_t min, uint32_t mode, uint32_t uid, uint32_t gid) {
        spec::Device d;
        d.path = path;
        d.type = type;
        d.major = maj;
        d.minor = min;
        d.fileMode = mode;
        d.uid = uid;
        d.gid = gid;
        return d;
    };
    c.linux->devices = {
        dev("/dev/fuse", "c", 10, 229, 0640, 1000, 1001),
        dev("/dev/loop-berth", "b", 7, 200, 0600, 0, 6),
        dev("/dev/fifo-berth", "p", 0, 0, 0620, 0, 0),
        dev("/dev/full", "c", 1, 7, 0600, 0, 0),  // overrides the default's mode
        dev("/opt/devs/zero2", "c", 1, 5, 0644, 0, 0),
    };
    Run run;
    run.terminal = true;
    auto r = run_rootfs(
        b, c,
        [](Facts& f) {
            for (const char* p : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
                                  "/dev/fuse", "/dev/loop-berth", "/dev/fifo-berth", "/opt/devs/zero2", "/dev/ptmx",
                                  "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/console"})
                f[p] = describe(p);
            f["null_write"] = try_open_write("/dev/null");
            for (const char* p : {"/dev/zero", "/dev/urandom"}) {
                berth::UniqueFd z(::open(p, O_RDONLY | O_CLOEXEC));
                char buf[8] = {1};
                f[std::string(p) + "_read"] = z && ::read(z.get(), buf, sizeof buf) == 8 ? "ok" : "failed";
                if (std::string(p) == "/dev/zero") f["zero_byte"] = std::to_string(buf[0]);
            }
        },
        run);
    REQUIRE(r.error == "");
    CHECK(r.fact("/dev/null") == "c 1:3 0666 0:0");
    CHECK(r.fact("/dev/zero") == "c 1:5 0666 0:0");
    CHECK(r.fact("/dev/full") == "c 1:7 0600 0:0");
    CHECK(r.fact("/dev/random") == "c 1:8 0666 0:0");
    CHECK(r.fact("/dev/urandom") == "c 1:9 0666 0:0");
    CHECK(r.fact("/dev/tty") == "c 5:0 0666 0:0");
    CHECK(r.fact("/dev/fuse") == "c 10:229 0640 1000:1001");
    CHECK(r.fact("/dev/loop-berth") == "b 7:200 0600 0:6");
    CHECK(r.fact("/dev/fifo-berth") == "p 0620 0:0");
    CHECK(r.fact("/opt/devs/zero2") == "c 1:5 0644 0:0");
    CHECK(r.fact("/dev/ptmx") == "l -> pts/ptmx");
    CHECK(r.fact("/dev/fd") == "l -> /proc/self/fd");
    CHECK(r.fact("/dev/stdin") == "l -> /proc/self/fd/0");
    CHECK(r.fact("/dev/stdout") == "l -> /proc/self/fd/1");
    CHECK(r.fact("/dev/stderr") == "l -> /proc/self/fd/2");
    CHECK(r.fact("/dev/console").rfind("f ", 0) == 0);
    CHECK(r.fact("null_write") == "ok");
    CHECK(r.fact("/dev/urandom_read") == "ok");
    CHECK(r.fact("/dev/zero_read") == "ok");
    CHECK(r.fact("zero_byte") == "0");
    expect_clean(b, r);
}

TEST_CASE("without a /dev mount, devices are made in the rootfs and planted symlinks are not followed",
          "[rootfs][attack]") {
    TempBundle b;
    // Host files a malicious rootfs points its /dev entries at.
    const std::string secret = b.dir() + "/host-secret";
    const std::string secret2 = b.dir() + "/host-secret2";
    TempBundle::write_file(secret, "secret");
    TempBundle::write_file(secret2, "secret2");
    TempBundle::make_symlink(secret, b.in_rootfs("/dev/null"));
    TempBundle::make_symlink("../../../../../../../../" + secret2, b.in_rootfs("/dev/zero"));
    TempBundle::write_file(b.in_rootfs("/dev/tty"), "not a tty");
    TempBundle::make_symlink(secret, b.in_rootfs("/dev/ptmx"));
    TempBundle::make_dir(b.in_rootfs("/dev/pts"));
    TempBundle::make_symlink(secret, b.in_rootfs("/dev/pts/ptmx"));
    TempBundle::make_symlink(secret, b.in_rootfs("/dev/console"));
    spec::Config c = base_config(b);
    c.mounts = {proc_mount()};
    Run run;
    run.terminal = true;
    auto r = run_rootfs(
        b, c,
        [](Facts& f) {
            for (const char* p : {"/dev/null", "/dev/zero", "/dev/tty", "/dev/ptmx", "/dev/console"}) f[p] = describe(p);
            f["null_write"] = try_open_write("/dev/null");
        },
        run);
    REQUIRE(r.error == "");
    CHECK(r.fact("/dev/null") == "c 1:3 0666 0:0");
    CHECK(r.fact("/dev/zero") == "c 1:5 0666 0:0");
    CHECK(r.fact("/dev/tty") == "c 5:0 0666 0:0");
    CHECK(r.fact("/dev/ptmx") == "l -> pts/ptmx");
    CHECK(r.fact("/dev/console").rfind("f ", 0) == 0);
    // The host files the symlinks named are untouched regular files.
    struct stat st;
    REQUIRE(::lstat(secret.c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK(read_text(secret) == "secret");
    REQUIRE(::lstat(secret2.c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK(read_text(secret2) == "secret2");
    // The nodes are real files of the rootfs now.
    REQUIRE(::lstat(b.in_rootfs("/dev/null").c_str(), &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    expect_clean(b, r);
}

TEST_CASE("in a user namespace: host devices are bound, locked flags are kept, sysfs falls back to a bind",
          "[rootfs][userns]") {
    TempBundle b;
    const std::string src = b.dir() + "/locked";
    TempBundle::make_dir(src);
    spec::Config c = base_config(b);
    c.linux->namespaces.push_back({spec::NamespaceType::User, ""});
    c.root->readonly = true;
    c.mounts = {
        proc_mount(),
        dev_mount(),
        mount_entry("/dev/pts", "devpts", "devpts", {"newinstance", "ptmxmode=0666"}),
        mount_entry("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        mount_entry("/locked", "bind", src, {"bind", "ro"}),
    };
    c.linux->maskedPaths = {"/proc/timer_list", "/sys/firmware"};
    c.linux->readonlyPaths = {"/proc/sys"};
    Run run;
    run.sandbox.userNamespace = true;
    // A nosuid,nodev,noexec mount made by real root: locked in the user namespace.
    run.sandbox.setup = [src] {
        if (::mount("tmpfs", src.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m") < 0)
            throw std::runtime_error("mount tmpfs on " + src);
    };
    auto r = run_rootfs(
        b, c,
        [](Facts& f) {
            f["uid"] = std::to_string(::getuid());
            f["null"] = describe("/dev/null");
            f["null_mount"] = mount_summary("/dev/null");
            f["tty"] = describe("/dev/tty");
            f["sys"] = mount_summary("/sys");
            f["locked"] = mount_summary("/locked");
            f["locked_write"] = try_create("/locked/x");
            f["timer_list"] = read_text("/proc/timer_list");
            f["firmware"] = mount_summary("/sys/firmware");
            f["procsys"] = mount_summary("/proc/sys");
            f["root_write"] = try_create("/x");
        },
        run);
    REQUIRE(r.error == "");
    CHECK(r.fact("uid") == "0");
    CHECK(r.fact("null") == "c 1:3 0666 0:0");
    CHECK(fstype(r.fact("null_mount")) == "devtmpfs");  // the host's node, bind-mounted
    CHECK(r.fact("tty") == "c 5:0 0666 0:0");
    CHECK(fstype(r.fact("sys")) == "sysfs");
    CHECK(has(options(r.fact("sys")), {"ro", "nosuid", "nodev", "noexec"}));
    CHECK(has(options(r.fact("locked")), {"ro", "nosuid", "nodev", "noexec"}));
    CHECK(r.fact("locked_write") == "read-only file system");
    CHECK(r.fact("timer_list") == "");
    CHECK(fstype(r.fact("firmware")) == "tmpfs");
    CHECK(has(options(r.fact("procsys")), {"ro"}));
    CHECK(r.fact("root_write") == "read-only file system");
    expect_clean(b, r);

    // Explicitly clearing a locked flag cannot be honoured: an error, not a
    // silently different mount.
    TempBundle b2;
    const std::string src2 = b2.dir() + "/locked";
    TempBundle::make_dir(src2);
    spec::Config c2 = base_config(b2);
    c2.mounts = {mount_entry("/locked", "bind", src2, {"bind", "ro", "suid"})};
    Run run2;
    run2.sandbox.userNamespace = true;
    run2.sandbox.setup = [src2] {
        if (::mount("tmpfs", src2.c_str(), "tmpfs", MS_NOSUID, "size=1m") < 0) throw std::runtime_error("mount");
    };
    auto r2 = run_rootfs(b2, c2, [](Facts&) {}, run2);
    CHECK(r2.error == "mount " + src2 + " on /locked: remount: operation not permitted");
    expect_clean(b2, r2);
}

TEST_CASE("a linux.devices entry over a different existing file is an error", "[rootfs]") {
    TempBundle b;
    TempBundle::write_file(b.in_rootfs("/dev/fuse"), "plain file");
    spec::Config c = base_config(b);
    spec::Device d;
    d.path = "/dev/fuse";
    d.type = "c";
    d.major = 10;
    d.minor = 229;
    c.linux->devices = {d};
    auto r = run_rootfs(b, c, [](Facts&) {});
    CHECK(r.error == "create device /dev/fuse: a different file already exists there");
    expect_clean(b, r);
}

TEST_CASE("masked and read-only paths", "[rootfs]") {
    TempBundle b;
    spec::Config c = base_config(b);
    c.mounts = {proc_mount(), mount_entry("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev"}), dev_mount()};
    // Docker's lists: paths this kernel lacks (kcore, sysrq-trigger...) are skipped.
    c.linux->maskedPaths = {"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                            "/sys/firmware", "/sys/devices/virtual/powercap", "/proc/berth-does-not-exist"};
    c.linux->readonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
                              "/proc/berth-nothing-here"};
    auto r = run_rootfs(b, c, [](Facts& f) {
        f["timer_list"] = read_text("/proc/timer_list");
        f["acpi"] = mount_summary("/proc/acpi");
        f["acpi_ls"] = describe("/proc/acpi");
        f["keys"] = read_text("/proc/keys");
        f["keys_mount"] = mount_summary("/proc/keys");
        f["firmware"] = mount_summary("/sys/firmware");
        f["firmware_write"] = try_create("/sys/firmware/x");
        f["procsys"] = mount_summary("/proc/sys");
        f["domainname_write"] = try_open_write("/proc/sys/kernel/domainname");
        f["proc_still_rw"] = try_open_write("/proc/self/comm");
    });
    REQUIRE(r.error == "");
    CHECK(r.fact("timer_list") == "");
    CHECK(r.fact("keys") == "");
    CHECK(fstype(r.fact("acpi")) == "tmpfs");
    CHECK(has(options(r.fact("acpi")), {"ro", "nosuid", "nodev", "noexec"}));
    CHECK(fstype(r.fact("keys_mount")) == "tmpfs");  // the /dev/null of the container's tmpfs /dev
    CHECK(fstype(r.fact("firmware")) == "tmpfs");
    CHECK(has(options(r.fact("firmware")), {"ro"}));
    CHECK(r.fact("firmware_write") == "read-only file system");
    CHECK(fstype(r.fact("procsys")) == "proc");
    CHECK(has(options(r.fact("procsys")), {"ro", "nosuid", "nodev", "noexec"}));
    CHECK(r.fact("domainname_write") == "read-only file system");
    CHECK(r.fact("proc_still_rw") == "ok");
    expect_clean(b, r);
}

TEST_CASE("root.readonly, and read-only tmpfs and /dev populated before they turn read-only", "[rootfs]") {
    TempBundle b;
    const std::string src = b.dir() + "/src";
    TempBundle::make_dir(src);
    spec::Config c = base_config(b);
    c.root->readonly = true;
    c.mounts = {
        proc_mount(),
        mount_entry("/dev", "tmpfs", "tmpfs", {"nosuid", "mode=755", "ro"}),
        mount_entry("/tmp", "tmpfs", "tmpfs", {"nosuid", "nodev"}),
        mount_entry("/ro-tmpfs", "tmpfs", "tmpfs", {"ro", "noexec"}),
        mount_entry("/ro-tmpfs/inner/dir", "bind", src, {"bind"}),
    };
    auto r = run_rootfs(b, c, [](Facts& f) {
        f["root"] = mount_summary("/");
        f["root_write"] = try_create("/berth-new-file");
        f["tmp_write"] = try_create("/tmp/x");
        f["dev"] = mount_summary("/dev");
        f["dev_null"] = describe("/dev/null");
        f["dev_write"] = try_create("/dev/x");
        f["ro_tmpfs"] = mount_summary("/ro-tmpfs");
        f["inner"] = mount_summary("/ro-tmpfs/inner/dir");
        f["inner_write"] = try_create("/ro-tmpfs/inner/dir/x");
    });
    REQUIRE(r.error == "");
    CHECK(has(options(r.fact("root")), {"ro"}));
    CHECK(r.fact("root_write") == "read-only file system");
    CHECK(r.fact("tmp_write") == "ok");
    CHECK(has(options(r.fact("dev")), {"ro", "nosuid"}));
    CHECK(r.fact("dev_null") == "c 1:3 0666 0:0");
    CHECK(r.fact("dev_write") == "read-only file system");
    CHECK(has(options(r.fact("ro_tmpfs")), {"ro", "noexec"}));
    CHECK(has(options(r.fact("inner")), {"rw"}));
    CHECK(r.fact("inner_write") == "ok");
    expect_clean(b, r);
}

TEST_CASE("noPivot moves the rootfs onto / and chroots", "[rootfs]") {
    TempBundle b;
    TempBundle::write_file(b.in_rootfs("/etc/marker"), "inside");
    spec::Config c = base_config(b);
    c.mounts = {proc_mount(), dev_mount()};
    Run run;
    run.noPivot = true;
    auto r = run_rootfs(
        b, c,
        [](Facts& f) {
            f["marker"] = read_text("/etc/marker");
            f["busybox"] = describe("/bin/busybox").substr(0, 6);
            f["pid"] = read_text("/proc/self/stat").substr(0, 2);
            f["root"] = mount_summary("/");
            std::string procs;
            for (const auto& m : berth::kernel::read_mountinfo())
                if (m.fsType == "proc" || m.fsType == "sysfs") procs += m.mountPoint + " ";
            f["procs"] = procs;
        },
        run);
    REQUIRE(r.error == "");
    CHECK(r.fact("marker") == "inside");
    CHECK(r.fact("busybox") == "f 0755");
    CHECK(r.fact("pid") == "1 ");
    CHECK(r.fact("procs") == "/proc ");  // the host's proc and sysfs are gone
    expect_clean(b, r);
}

TEST_CASE("tmpcopyup copies the directory's content into the new tmpfs", "[rootfs]") {
    TempBundle b;
    TempBundle::make_dir(b.in_rootfs("/opt"));
    TempBundle::make_dir(b.in_rootfs("/opt/data"), 0750);
    TempBundle::write_file(b.in_rootfs("/opt/data/a.txt"), "A", 0640);
    TempBundle::make_dir(b.in_rootfs("/opt/data/sub"));
    TempBundle::write_file(b.in_rootfs("/opt/data/sub/b.txt"), "B");
    TempBundle::make_symlink("a.txt", b.in_rootfs("/opt/data/link"));
    ::chown(b.in_rootfs("/opt/data/sub/b.txt").c_str(), 1234, 5678);
    spec::Config c = base_config(b);
    c.mounts = {proc_mount(), mount_entry("/opt/data", "tmpfs", "tmpfs", {"tmpcopyup", "size=1m"})};
    auto r = run_rootfs(b, c, [](Facts& f) {
        f["mount"] = mount_summary("/opt/data");
        f["dir"] = describe("/opt/data");
        f["a"] = read_text("/opt/data/a.txt");
        f["a_stat"] = describe("/opt/data/a.txt");
        f["b"] = read_text("/opt/data/sub/b.txt");
        f["b_stat"] = describe("/opt/data/sub/b.txt");
        f["link"] = describe("/opt/data/link");
        f["write"] = try_create("/opt/data/new");
        berth::UniqueFd keep(::open("/opt/data/kept", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    });
    REQUIRE(r.error == "");
    CHECK(fstype(r.fact("mount")) == "tmpfs");
    CHECK(r.fact("dir") == "d 0750 0:0");
    CHECK(r.fact("a") == "A");
    CHECK(r.fact("a_stat") == "f 0640 0:0 size 1");
    CHECK(r.fact("b") == "B");
    CHECK(r.fact("b_stat") == "f 0644 1234:5678 size 1");
    CHECK(r.fact("link") == "l -> a.txt");
    CHECK(r.fact("write") == "ok");
    struct stat st;
    CHECK(::stat(b.in_rootfs("/opt/data/kept").c_str(), &st) < 0);  // written to the tmpfs, not the rootfs
    expect_clean(b, r);
}

TEST_CASE("overlay gets its data options / a tmpfs keeps the mode of the directory it covers", "[rootfs]") {
    TempBundle b;
    for (const char* d : {"/lower", "/upper", "/work"}) TempBundle::make_dir(b.dir() + d);
    TempBundle::write_file(b.dir() + "/lower/from-lower", "L");
    TempBundle::make_dir(b.in_rootfs("/sticky"), 01777);
    spec::Config c = base_config(b);
    c.mounts = {
        proc_mount(),
        mount_entry("/merged", "overlay", "overlay",
                    {"lowerdir=" + b.dir() + "/lower", "upperdir=" + b.dir() + "/upper", "workdir=" + b.dir() + "/work"}),
        mount_entry("/sticky", "tmpfs", "tmpfs", {"nosuid", "size=1m"}),
        mount_entry("/tmp", "tmpfs", "tmpfs", {"mode=0700"}),
    };
    auto r = run_rootfs(b, c, [](Facts& f) {
        f["merged"] = mount_summary("/merged");
        f["lower"] = read_text("/merged/from-lower");
        berth::UniqueFd fd(::open("/merged/from-container", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        f["sticky"] = describe("/sticky");
        f["sticky_mount"] = mount_summary("/sticky");
        f["tmp"] = describe("/tmp");
    });
    REQUIRE(r.error == "");
    CHECK(fstype(r.fact("merged")) == "overlay");
    CHECK(r.fact("lower") == "L");
    struct stat st;
    CHECK(::stat((b.dir() + "/upper/from-container").c_str(), &st) == 0);  // writes went to upperdir
    CHECK(fstype(r.fact("sticky_mount")) == "tmpfs");
    CHECK(r.fact("sticky") == "d 1777 0:0");
    CHECK(r.fact("tmp") == "d 0700 0:0");  // an explicit mode wins
    expect_clean(b, r);
}

TEST_CASE("cgroup mounts inside a cgroup namespace", "[rootfs][cgroup]") {
    TempBundle b;
    spec::Config c = base_config(b);
    c.linux->namespaces.push_back({spec::NamespaceType::Cgroup, ""});
    c.mounts = {
        proc_mount(),
        mount_entry("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        mount_entry("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
        mount_entry("/cg2", "cgroup2", "cgroup", {"nosuid", "noexec", "nodev"}),
    };
    auto cgroupMounts = [] {
        std::vector<berth::kernel::MountInfo> out;
        for (const auto& m : berth::kernel::read_mountinfo())
            if (m.mountPoint.rfind("/sys/fs/cgroup", 0) == 0) out.push_back(m);
        return out;
    };
    const auto hostBefore = cgroupMounts();
    Run run;
    run.sandbox.extraCloneFlags = CLONE_NEWCGROUP;
    auto r = run_rootfs(
        b, c,
        [](Facts& f) {
            f["top"] = mount_summary("/sys/fs/cgroup");
            std::string subs;
            for (const auto& m : berth::kernel::read_mountinfo())
                if (m.mountPoint.rfind("/sys/fs/cgroup/", 0) == 0)
                    subs += m.mountPoint.substr(15) + "=" + m.fsType + ":" + m.options.substr(0, 2) + ":" + m.root + " ";
            f["subs"] = subs;
            f["cpu_link"] = describe("/sys/fs/cgroup/cpu");
            f["cg2"] = mount_summary("/cg2");
            f["cg2_root"] = find_mount("/cg2").root;
            f["write"] = try_create("/sys/fs/cgroup/x");
        },
        run);
    REQUIRE(r.error == "");
    // On a pure cgroup v2 host (the test VM) a "cgroup" mount is the cgroup2
    // file system itself; on v1 and hybrid hosts a tmpfs holding the v1 hierarchies.
    struct statfs hostCg {};
    const bool unified = ::statfs("/sys/fs/cgroup", &hostCg) == 0 && hostCg.f_type == CGROUP2_SUPER_MAGIC;
    CHECK(fstype(r.fact("top")) == (unified ? "cgroup2" : "tmpfs"));
    CHECK(has(options(r.fact("top")), {"ro", "nosuid", "nodev", "noexec"}));
    CHECK(r.fact("write") == "read-only file system");
    // One read-only cgroup mount per v1 hierarchy of the host, rooted at the
    // namespace's root; the host's cgroup2 "unified" is not among them.
    for (const auto& m : hostBefore) {
        if (m.fsType != "cgroup") continue;
        const std::string name = m.mountPoint.substr(m.mountPoint.rfind('/') + 1);
        INFO(name);
        CHECK(r.fact("subs").find(name + "=cgroup:ro:/ ") != std::string::npos);
    }
    CHECK_THAT(r.fact("subs"), !Catch::Contains("unified"));
    CHECK(fstype(r.fact("cg2")) == "cgroup2");
    CHECK(r.fact("cg2_root") == "/");
    // The host's cgroup mounts are exactly as they were.
    const auto hostAfter = cgroupMounts();
    REQUIRE(hostAfter.size() == hostBefore.size());
    for (size_t i = 0; i < hostAfter.size(); ++i) {
        CHECK(hostAfter[i].mountPoint == hostBefore[i].mountPoint);
        CHECK(hostAfter[i].options == hostBefore[i].options);
    }
    expect_clean(b, r);
}

TEST_CASE("an id-mapped bind mount shows the mapped owners", "[rootfs][idmap]") {
    TempBundle b;
    const std::string src = b.dir() + "/idsrc";
    TempBundle::make_dir(src);
    TempBundle::write_file(src + "/owned-by-root", "x");
    TempBundle::write_file(src + "/owned-by-7", "x");
    ::chown((src + "/owned-by-7").c_str(), 7, 7);
    spec::Config c = base_config(b);
    spec::Mount m = mount_entry("/mapped", "bind", src, {"bind", "idmap"});
    m.uidMappings = {{0, 100000, 65536}};
    m.gidMappings = {{0, 200000, 65536}};
    c.mounts = {proc_mount(), m};
    auto r = run_rootfs(b, c, [](Facts& f) {
        f["root_file"] = describe("/mapped/owned-by-root");
        f["seven"] = describe("/mapped/owned-by-7");
        f["mount"] = mount_summary("/mapped");
    });
    REQUIRE(r.error == "");
    CHECK(r.fact("root_file") == "f 0644 100000:200000 size 1");
    CHECK(r.fact("seven") == "f 0644 100007:200007 size 1");
    CHECK_THAT(r.fact("mount"), Catch::Contains("idmapped"));
    expect_clean(b, r);
}

TEST_CASE("idmap without mappings or a user namespace is an error", "[rootfs][idmap]") {
    TempBundle b;
    const std::string src = b.dir() + "/idsrc";
    TempBundle::make_dir(src);
    spec::Config c = base_config(b);
    c.mounts = {mount_entry("/mapped", "bind", src, {"bind", "idmap"})};
    auto r = run_rootfs(b, c, [](Facts&) {});
    CHECK(r.error == "mount " + src + " on /mapped: idmap needs uidMappings and gidMappings, or a user namespace");
    expect_clean(b, r);
}

TEST_CASE("a destination through a symlink to / or ../../.. never mounts outside the rootfs", "[rootfs][attack]") {
    TempBundle b;
    const std::string tag = std::to_string(::getpid());
    const std::string outside = b.dir() + "/outside";
    TempBundle::make_dir(outside);
    TempBundle::make_symlink("/", b.in_rootfs("/evil-root"));
    TempBundle::make_symlink("../../../../../../..", b.in_rootfs("/etc/evil-dotdot"));
    TempBundle::make_symlink(outside, b.in_rootfs("/evil-host-path"));
    const std::string src = b.dir() + "/src";
    TempBundle::make_dir(src);
    TempBundle::write_file(src + "/f", "bound");
    spec::Config c = base_config(b);
    c.mounts = {
        proc_mount(),
        mount_entry("/evil-root/berth-escape-" + tag, "tmpfs", "tmpfs", {"size=1m"}),
        mount_entry("/etc/evil-dotdot/berth-escape2-" + tag, "bind", src, {"bind"}),
        mount_entry("/evil-host-path", "tmpfs", "tmpfs", {"size=1m"}),
        mount_entry("/evil-root/etc/evil-dotdot/file-" + tag, "bind", src + "/f", {"bind"}),
    };
    auto r = run_rootfs(b, c, [&](Facts& f) {
        f["escape"] = mount_summary("/berth-escape-" + tag);
        f["escape2"] = read_text("/berth-escape2-" + tag + "/f");
        f["host_path"] = mount_summary(outside);
        f["file"] = read_text("/file-" + tag);
    });
    REQUIRE(r.error == "");
    // Everything landed inside the container...
    CHECK(fstype(r.fact("escape")) == "tmpfs");
    CHECK(r.fact("escape2") == "bound");
    CHECK(fstype(r.fact("host_path")) == "tmpfs");
    CHECK(r.fact("file") == "bound");
    // ...as directories of the rootfs, and nothing appeared on the host.
    struct stat st;
    CHECK(::stat(("/berth-escape-" + tag).c_str(), &st) < 0);
    CHECK(::stat(("/berth-escape2-" + tag).c_str(), &st) < 0);
    CHECK(::stat(("/file-" + tag).c_str(), &st) < 0);
    CHECK(::stat(b.in_rootfs("/berth-escape-" + tag).c_str(), &st) == 0);
    CHECK(::stat(b.in_rootfs(outside).c_str(), &st) == 0);  // the symlink's target, created inside the rootfs
    CHECK(std::distance(std::filesystem::directory_iterator(outside), std::filesystem::directory_iterator()) == 0);
    CHECK_FALSE(host_mounts_under("/berth-escape-" + tag));
    expect_clean(b, r);
}

TEST_CASE("a rootfs whose /proc is a symlink fails cleanly", "[rootfs][attack]") {
    TempBundle b;
    ::rmdir(b.in_rootfs("/proc").c_str());
    TempBundle::make_dir(b.in_rootfs("/fakeproc"));
    TempBundle::make_symlink("/fakeproc", b.in_rootfs("/proc"));
    spec::Config c = base_config(b);
    c.mounts = {proc_mount()};
    auto r = run_rootfs(b, c, [](Facts&) {});
    CHECK(r.error == "create mount destination /proc: a symlink is in the path");
    expect_clean(b, r);

    // Without a proc mount, masking /proc paths meets the fake /proc and refuses.
    TempBundle b2;
    ::rmdir(b2.in_rootfs("/proc").c_str());
    TempBundle::make_symlink("/etc", b2.in_rootfs("/proc"));
    TempBundle::write_file(b2.in_rootfs("/etc/kcore"), "fake");
    spec::Config c2 = base_config(b2);
    c2.linux->maskedPaths = {"/proc/kcore"};
    auto r2 = run_rootfs(b2, c2, [](Facts&) {});
    CHECK(r2.error == "mask /proc/kcore: /proc is not a procfs mount (a symlink or plain directory?)");
    expect_clean(b2, r2);
}

TEST_CASE("masked paths on a plain /proc directory: fake files fail, missing ones are skipped", "[rootfs][attack]") {
    TempBundle b;
    TempBundle::write_file(b.in_rootfs("/proc/kcore"), "fake");
    spec::Config c = base_config(b);
    c.linux->maskedPaths = {"/proc/kcore"};
    auto r = run_rootfs(b, c, [](Facts&) {});
    CHECK(r.error == "mask /proc/kcore: /proc is not a procfs mount (a symlink or plain directory?)");
    expect_clean(b, r);

    TempBundle b2;
    spec::Config c2 = base_config(b2);
    c2.linux->maskedPaths = {"/proc/kcore", "/sys/firmware"};
    c2.linux->readonlyPaths = {"/proc/sys"};
    auto r2 = run_rootfs(b2, c2, [](Facts& f) { f["ok"] = "yes"; });
    CHECK(r2.error == "");
    CHECK(r2.fact("ok") == "yes");
    expect_clean(b2, r2);
}

TEST_CASE("mounts into /proc are refused, also through a symlink", "[rootfs][attack]") {
    const std::vector<std::pair<spec::Mount, std::string>> cases = {
        {mount_entry("/proc/sys/kernel", "bind", "/tmp", {"bind"}), "mount /tmp on /proc/sys/kernel: destination is inside /proc"},
        {mount_entry("/p/kernel", "bind", "/tmp", {"rbind"}), "mount /tmp on /p/kernel: destination is inside /proc"},
        {mount_entry("/proc", "tmpfs", "tmpfs", {}), "mount tmpfs on /proc: /proc can only be a proc filesystem"},
    };
    for (const auto& [m, expected] : cases) {
        TempBundle b;
        TempBundle::make_symlink("/proc/sys", b.in_rootfs("/p"));
        spec::Config c = base_config(b);
        c.mounts = {proc_mount(), m};
        auto r = run_rootfs(b, c, [](Facts&) {});
        CHECK(r.error == expected);
        expect_clean(b, r);
    }
}

TEST_CASE("errors name the step and the path", "[rootfs]") {
    const std::vector<std::pair<spec::Mount, std::string>> cases = {
        {mount_entry("/x", "berthfs-nonexistent", "none", {}), "mount berthfs-nonexistent on /x: no such device"},
        {mount_entry("/data", "bind", "/berth-no-such-source", {"bind"}),
         "mount /berth-no-such-source on /data: no such file or directory"},
        {mount_entry("/etc/file/sub", "tmpfs", "tmpfs", {}), "create mount destination /etc/file/sub: not a directory"},
        {mount_entry("/y", "", "", {}), "mount on /y: no type and not a bind mount"},
        {mount_entry("/z", "proc", "proc", {"tmpcopyup"}), "mount on /z: tmpcopyup needs a tmpfs"},
    };
    for (const auto& [m, expected] : cases) {
        TempBundle b;
        TempBundle::write_file(b.in_rootfs("/etc/file"), "");
        spec::Config c = base_config(b);
        c.mounts = {m};
        auto r = run_rootfs(b, c, [](Facts&) {});
        CHECK(r.error == expected);
        expect_clean(b, r);
    }
}

TEST_CASE("rootfsPropagation shared makes the container's / a new peer group", "[rootfs]") {
    TempBundle b;
    spec::Config c = base_config(b);
    c.mounts = {proc_mount()};
    c.linux->rootfsPropagation = "shared";
    auto r = run_rootfs(b, c, [](Facts& f) { f["root"] = mount_summary("/"); });
    REQUIRE(r.error == "");
    CHECK_THAT(r.fact("root"), Catch::Contains("shared:"));
    expect_clean(b, r);

    TempBundle b2;
    spec::Config c2 = base_config(b2);
    c2.mounts = {proc_mount()};
    auto r2 = run_rootfs(b2, c2, [](Facts& f) { f["root"] = mount_summary("/"); });
    REQUIRE(r2.error == "");
    CHECK_THAT(r2.fact("root"), !Catch::Contains("shared:"));  // rprivate by default
    CHECK_THAT(r2.fact("root"), !Catch::Contains("master:"));
    expect_clean(b2, r2);
}

TEST_CASE("temporary bundles are removed and nothing stays mounted", "[rootfs]") {
    std::string dir;
    {
        TempBundle b;
        dir = b.dir();
        spec::Config c = base_config(b);
        c.mounts = {proc_mount(), dev_mount()};
        auto r = run_rootfs(b, c, [](Facts& f) { f["ok"] = "yes"; });
        CHECK(r.error == "");
    }
    struct stat st;
    CHECK(::stat(dir.c_str(), &st) < 0);
    CHECK_FALSE(host_mounts_under(dir));
    for (const auto& m : berth::kernel::read_mountinfo()) CHECK(m.mountPoint.find("berth-rootfs-") == std::string::npos);
}

// linux.cgroupsPath resolution and host layout discovery (no root needed).
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/cgroups/cgroup_path.hpp"
#include "runtime/cgroups/layout.hpp"

using namespace berth::cgroups;

namespace {

std::string own_cgroup_of_memory() {
    std::ifstream f("/proc/self/cgroup");
    std::string line;
    while (std::getline(f, line)) {
        auto first = line.find(':'), second = line.find(':', first + 1);
        if (line.substr(first + 1, second - first - 1) == "memory") return line.substr(second + 1);
    }
    return "";
}

}  // namespace

TEST_CASE("absolute cgroupsPath is used as is, cleaned", "[cgroup_path]") {
    CHECK(resolve_cgroup_path(std::string("/docker/abc"), "abc", false) == "/docker/abc");
    CHECK(resolve_cgroup_path(std::string("/default/abc"), "abc", false) == "/default/abc");
    CHECK(resolve_cgroup_path(std::string("/libpod_parent/libpod-abc"), "abc", false) == "/libpod_parent/libpod-abc");
    CHECK(resolve_cgroup_path(std::string("//a/./b//c/"), "x", false) == "/a/b/c");
    // ".." never climbs above the hierarchy root.
    CHECK(resolve_cgroup_path(std::string("/../../etc/x"), "x", false) == "/etc/x");
    CHECK(resolve_cgroup_path(std::string("/a/../b"), "x", false) == "/b");
}

TEST_CASE("relative and unset cgroupsPath land below /berth, never below berth's own cgroup", "[cgroup_path]") {
    CHECK(resolve_cgroup_path(std::nullopt, "abc", false) == "/berth/abc");
    CHECK(resolve_cgroup_path(std::string(""), "abc", false) == "/berth/abc");
    CHECK(resolve_cgroup_path(std::string("foo/bar"), "abc", false) == "/berth/foo/bar");
    CHECK(resolve_cgroup_path(std::string("../../escape"), "abc", false) == "/berth/escape");
    std::string own = own_cgroup_of_memory();
    INFO("own memory cgroup: " << own);
    for (const auto& p : {resolve_cgroup_path(std::nullopt, "abc", false),
                          resolve_cgroup_path(std::string("rel"), "abc", false)}) {
        CHECK(p.rfind("/berth/", 0) == 0);
        if (own.size() > 1) CHECK(p.rfind(own, 0) != 0);
    }
}

TEST_CASE("bad paths and ids are refused with the field name", "[cgroup_path]") {
    CHECK_THROWS_WITH(resolve_cgroup_path(std::string("/"), "abc", false), Catch::Contains("linux.cgroupsPath") &&
                                                                                 Catch::Contains("root cgroup"));
    CHECK_THROWS_WITH(resolve_cgroup_path(std::string("/.."), "abc", false), Catch::Contains("root cgroup"));
    CHECK_THROWS_WITH(resolve_cgroup_path(std::string(".."), "abc", false), Catch::Contains("names no cgroup"));
    CHECK_THROWS_WITH(resolve_cgroup_path(std::nullopt, "a/b", false), Catch::Contains("invalid container id"));
    CHECK_THROWS_WITH(resolve_cgroup_path(std::nullopt, "..", false), Catch::Contains("invalid container id"));
}

TEST_CASE("systemd slice:prefix:name maps to the cgroupfs path systemd would use", "[cgroup_path]") {
    CHECK(resolve_cgroup_path(std::string("system.slice:docker:abc"), "abc", true) == "/system.slice/docker-abc.scope");
    CHECK(resolve_cgroup_path(std::string("machine.slice:libpod:abc"), "abc", true) ==
          "/machine.slice/libpod-abc.scope");
    CHECK(resolve_cgroup_path(std::string("kubepods-besteffort-pod1.slice:cri-containerd:abc"), "abc", true) ==
          "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-abc.scope");
    CHECK(resolve_cgroup_path(std::string(":docker:abc"), "abc", true) == "/system.slice/docker-abc.scope");
    CHECK(resolve_cgroup_path(std::string("user.slice::abc"), "abc", true) == "/user.slice/abc.scope");
    CHECK(resolve_cgroup_path(std::string("-.slice:p:abc"), "abc", true) == "/p-abc.scope");
    CHECK(resolve_cgroup_path(std::string("system.slice:p:my-app.slice"), "abc", true) == "/my.slice/my-app.slice");
    CHECK(resolve_cgroup_path(std::nullopt, "abc", true) == "/system.slice/berth-abc.scope");
    CHECK_THROWS_WITH(resolve_cgroup_path(std::string("/docker/abc"), "abc", true),
                      Catch::Contains("slice:prefix:name"));
    CHECK_THROWS_WITH(resolve_cgroup_path(std::string("a:b:c:d"), "abc", true), Catch::Contains("slice:prefix:name"));
    CHECK_THROWS_WITH(resolve_cgroup_path(std::string("notaslice:p:n"), "abc", true), Catch::Contains("slice name"));
    CHECK_THROWS_WITH(resolve_cgroup_path(std::string("a--b.slice:p:n"), "abc", true), Catch::Contains("slice name"));
    CHECK_THROWS_WITH(resolve_cgroup_path(std::string("s.slice:p:a/b"), "abc", true), Catch::Contains("unit name"));
}

TEST_CASE("slice expansion and path cleaning helpers", "[cgroup_path]") {
    CHECK(expand_systemd_slice("a.slice") == "/a.slice");
    CHECK(expand_systemd_slice("a-b-c.slice") == "/a.slice/a-b.slice/a-b-c.slice");
    CHECK(expand_systemd_slice("-.slice").empty());
    CHECK(clean_absolute("/") == "/");
    CHECK(clean_absolute("/a/b/../../..") == "/");
    CHECK(clean_absolute("/a//b/./c/..") == "/a/b");
}

TEST_CASE("mountinfo parsing finds v1 hierarchies and the unified mount", "[cgroup_layout]") {
    const std::string mi =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:5 - cgroup cgroup rw,cpu,cpuacct\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "36 31 0:33 / /sys/fs/cgroup/my\\040dir rw - cgroup cgroup rw,pids\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
        "42 31 0:39 / /sys/fs/cgroup/foo rw,relatime - cgroup cgroup rw,name=foo\n"
        "43 23 0:35 / /elsewhere/memory rw,relatime - cgroup cgroup rw,memory\n"
        "44 31 0:32 / /sys/fs/cgroup/memory2 rw,relatime - cgroup cgroup rw,memory\n";
    Layout l = parse_layout(mi, "/sys/fs/cgroup", Mode::Hybrid);
    CHECK(l.mode == Mode::Hybrid);
    CHECK(l.unified == "/sys/fs/cgroup/unified");
    REQUIRE(l.v1.size() == 4);
    CHECK(l.v1[0].mountpoint == "/sys/fs/cgroup/cpu,cpuacct");
    CHECK(l.v1[0].controllers == std::vector<std::string>{"cpu", "cpuacct"});
    CHECK(l.v1_mount("cpuacct") == "/sys/fs/cgroup/cpu,cpuacct");
    CHECK(l.v1_mount("memory") == "/sys/fs/cgroup/memory");  // the first mount of a hierarchy wins
    CHECK(l.v1_mount("pids") == "/sys/fs/cgroup/my dir");    // \040 unescaped
    CHECK(l.v1_mount("name=systemd") == "/sys/fs/cgroup/systemd");
    CHECK_FALSE(l.v1_mount("name=foo"));  // unknown named hierarchies are left alone
    CHECK_FALSE(l.v1_mount("blkio"));

    Layout legacy = parse_layout(mi, "/sys/fs/cgroup", Mode::Legacy);
    CHECK(legacy.unified.empty());
    Layout unified = parse_layout("", "/sys/fs/cgroup", Mode::Unified);
    CHECK(unified.unified == "/sys/fs/cgroup");
    CHECK(unified.v1.empty());
}

TEST_CASE("this host's layout is detected", "[cgroup_layout]") {
    Mode m = detect_mode();
    Layout l = detect_layout();
    CHECK(l.mode == m);
    if (m == Mode::Unified) {
        CHECK(l.v1.empty());
    } else {
        CHECK_FALSE(l.v1.empty());
        CHECK(l.v1_mount("memory"));
        if (m == Mode::Hybrid) CHECK(l.unified == "/sys/fs/cgroup/unified");
    }
}

// Mount option strings -> mount(2) flags, propagation, mount_setattr
// attributes and data; rootfsPropagation; mountinfo parsing; lexical path
// helpers. Pure functions: no root needed.
#include <sys/mount.h>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/kernel/mount_options.hpp"
#include "runtime/kernel/mountinfo.hpp"
#include "runtime/kernel/path_in_root.hpp"
#include "runtime/kernel/rootfs.hpp"

using berth::kernel::MountOptions;
using berth::kernel::parse_mount_options;

namespace {

MountOptions one(const std::string& option) { return parse_mount_options({option}); }

}  // namespace

TEST_CASE("each flag option sets or clears its MS_ flag", "[mount_options]") {
    struct Case {
        const char* set;
        const char* clear;
        unsigned long flag;
    };
    const Case cases[] = {
        {"ro", "rw", MS_RDONLY},
        {"nosuid", "suid", MS_NOSUID},
        {"nodev", "dev", MS_NODEV},
        {"noexec", "exec", MS_NOEXEC},
        {"sync", "async", MS_SYNCHRONOUS},
        {"mand", "nomand", MS_MANDLOCK},
        {"noatime", "atime", MS_NOATIME},
        {"nodiratime", "diratime", MS_NODIRATIME},
        {"relatime", "norelatime", MS_RELATIME},
        {"strictatime", "nostrictatime", MS_STRICTATIME},
        {"lazytime", "nolazytime", MS_LAZYTIME},
        {"iversion", "noiversion", MS_I_VERSION},
        {"silent", "loud", MS_SILENT},
        {"nosymfollow", "symfollow", MS_NOSYMFOLLOW},
    };
    for (const Case& c : cases) {
        INFO(c.set << " / " << c.clear);
        MountOptions s = one(c.set);
        CHECK(s.flags == c.flag);
        CHECK(s.clearFlags == 0);
        CHECK(s.data.empty());
        MountOptions r = one(c.clear);
        CHECK(r.flags == 0);
        CHECK(r.clearFlags == c.flag);
        CHECK(r.data.empty());
        // The last of a pair wins.
        MountOptions both = parse_mount_options({c.set, c.clear});
        CHECK((both.flags & c.flag) == 0);
        CHECK((both.clearFlags & c.flag) == c.flag);
        MountOptions back = parse_mount_options({c.clear, c.set});
        CHECK((back.flags & c.flag) == c.flag);
        CHECK((back.clearFlags & c.flag) == 0);
    }
}

TEST_CASE("dirsync, remount, bind, rbind and defaults", "[mount_options]") {
    CHECK(one("dirsync").flags == MS_DIRSYNC);
    CHECK(one("remount").flags == MS_REMOUNT);
    MountOptions bind = one("bind");
    CHECK(bind.flags == MS_BIND);
    CHECK(bind.bind());
    CHECK_FALSE(bind.recursive());
    MountOptions rbind = one("rbind");
    CHECK(rbind.flags == (MS_BIND | MS_REC));
    CHECK(rbind.bind());
    CHECK(rbind.recursive());
    MountOptions defaults = one("defaults");
    CHECK(defaults.flags == 0);
    CHECK(defaults.clearFlags == 0);
    CHECK(defaults.data.empty());
}

TEST_CASE("noatime, relatime and strictatime are one mode: the last wins", "[mount_options]") {
    CHECK(parse_mount_options({"noatime", "relatime"}).flags == MS_RELATIME);
    CHECK(parse_mount_options({"relatime", "strictatime"}).flags == MS_STRICTATIME);
    CHECK(parse_mount_options({"strictatime", "noatime"}).flags == MS_NOATIME);
    // nodiratime is independent of the mode.
    CHECK(parse_mount_options({"nodiratime", "noatime"}).flags == (MS_NODIRATIME | MS_NOATIME));
}

TEST_CASE("propagation options are kept in order with their recursive bit", "[mount_options]") {
    MountOptions o = parse_mount_options(
        {"shared", "rshared", "slave", "rslave", "private", "rprivate", "unbindable", "runbindable"});
    REQUIRE(o.propagation.size() == 8);
    CHECK(o.propagation[0] == MS_SHARED);
    CHECK(o.propagation[1] == (MS_SHARED | MS_REC));
    CHECK(o.propagation[2] == MS_SLAVE);
    CHECK(o.propagation[3] == (MS_SLAVE | MS_REC));
    CHECK(o.propagation[4] == MS_PRIVATE);
    CHECK(o.propagation[5] == (MS_PRIVATE | MS_REC));
    CHECK(o.propagation[6] == MS_UNBINDABLE);
    CHECK(o.propagation[7] == (MS_UNBINDABLE | MS_REC));
    // Propagation never leaks into the mount flags (MS_REC there means rbind).
    CHECK(o.flags == 0);
    CHECK(o.data.empty());
    CHECK(berth::kernel::propagation_flags("rslave") == (MS_SLAVE | MS_REC));
    CHECK(berth::kernel::propagation_flags("ro") == 0);
}

TEST_CASE("recursive options map to mount_setattr attributes", "[mount_options]") {
    struct Case {
        const char* set;
        const char* clear;
        uint64_t attr;
    };
    const Case cases[] = {
        {"rro", "rrw", MOUNT_ATTR_RDONLY},           {"rnosuid", "rsuid", MOUNT_ATTR_NOSUID},
        {"rnodev", "rdev", MOUNT_ATTR_NODEV},        {"rnoexec", "rexec", MOUNT_ATTR_NOEXEC},
        {"rnodiratime", "rdiratime", MOUNT_ATTR_NODIRATIME}, {"rnosymfollow", "rsymfollow", MOUNT_ATTR_NOSYMFOLLOW},
    };
    for (const Case& c : cases) {
        INFO(c.set << " / " << c.clear);
        MountOptions s = one(c.set);
        CHECK(s.attrSet == c.attr);
        CHECK(s.attrClear == 0);
        CHECK(s.flags == 0);
        CHECK(s.has_recursive_attrs());
        MountOptions r = one(c.clear);
        CHECK(r.attrSet == 0);
        CHECK(r.attrClear == c.attr);
        CHECK(r.flags == 0);
        MountOptions last = parse_mount_options({c.set, c.clear});
        CHECK(last.attrSet == 0);
        CHECK(last.attrClear == c.attr);
    }
}

TEST_CASE("recursive access-time options set one mode and clear the whole field", "[mount_options]") {
    struct Case {
        const char* option;
        uint64_t mode;
    };
    const Case cases[] = {
        {"rnoatime", MOUNT_ATTR_NOATIME},       {"ratime", MOUNT_ATTR_RELATIME},
        {"rrelatime", MOUNT_ATTR_RELATIME},     {"rnorelatime", MOUNT_ATTR_STRICTATIME},
        {"rstrictatime", MOUNT_ATTR_STRICTATIME}, {"rnostrictatime", MOUNT_ATTR_RELATIME},
    };
    for (const Case& c : cases) {
        INFO(c.option);
        MountOptions o = one(c.option);
        CHECK(o.attrSet == c.mode);
        CHECK(o.attrClear == MOUNT_ATTR__ATIME);
        CHECK(o.has_recursive_attrs());
        CHECK(o.flags == 0);
    }
    MountOptions o = parse_mount_options({"rnoatime", "rstrictatime", "rro"});
    CHECK(o.attrSet == (MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_RDONLY));
    CHECK(o.attrClear == MOUNT_ATTR__ATIME);
}

TEST_CASE("idmap, ridmap and tmpcopyup are flags of their own, not data", "[mount_options]") {
    MountOptions i = one("idmap");
    CHECK(i.idmap);
    CHECK_FALSE(i.idmapRecursive);
    MountOptions r = one("ridmap");
    CHECK(r.idmap);
    CHECK(r.idmapRecursive);
    MountOptions t = one("tmpcopyup");
    CHECK(t.tmpcopyup);
    for (const MountOptions* o : {&i, &r, &t}) {
        CHECK(o->data.empty());
        CHECK(o->flags == 0);
    }
}

TEST_CASE("unknown options become the data string, in order", "[mount_options]") {
    MountOptions o = parse_mount_options(
        {"nosuid", "mode=755", "", "size=65536k", "rbind", "newinstance", "ptmxmode=0666", "rro", "lowerdir=/a:/b"});
    CHECK(o.data == "mode=755,size=65536k,newinstance,ptmxmode=0666,lowerdir=/a:/b");
    CHECK(o.flags == (MS_NOSUID | MS_BIND | MS_REC));
    CHECK(o.attrSet == MOUNT_ATTR_RDONLY);
    CHECK(parse_mount_options({}).data.empty());
}

TEST_CASE("a typical Docker /dev/pts entry", "[mount_options]") {
    MountOptions o = parse_mount_options({"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"});
    CHECK(o.flags == (MS_NOSUID | MS_NOEXEC));
    CHECK(o.clearFlags == 0);
    CHECK(o.propagation.empty());
    CHECK_FALSE(o.has_recursive_attrs());
    CHECK(o.data == "newinstance,ptmxmode=0666,mode=0620,gid=5");
    CHECK_FALSE(o.readonly());
    CHECK(one("ro").readonly());
}

TEST_CASE("rootfsPropagation: what happens before and after pivot_root", "[rootfs]") {
    using berth::kernel::root_propagation;
    auto p = root_propagation("", false);
    CHECK(p.before == (MS_PRIVATE | MS_REC));
    CHECK(p.after == 0);
    p = root_propagation("", true);  // --no-pivot: rslave so host unmounts reach us
    CHECK(p.before == (MS_SLAVE | MS_REC));
    CHECK(p.after == 0);
    p = root_propagation("private", false);
    CHECK(p.before == (MS_PRIVATE | MS_REC));
    CHECK(p.after == 0);
    p = root_propagation("rprivate", false);
    CHECK(p.before == (MS_PRIVATE | MS_REC));
    p = root_propagation("shared", false);
    CHECK(p.before == (MS_PRIVATE | MS_REC));  // never shared with the host
    CHECK(p.after == MS_SHARED);
    p = root_propagation("rshared", false);
    CHECK(p.after == (MS_SHARED | MS_REC));
    p = root_propagation("slave", false);
    CHECK(p.before == (MS_SLAVE | MS_REC));
    CHECK(p.after == MS_SLAVE);
    p = root_propagation("rslave", false);
    CHECK(p.before == (MS_SLAVE | MS_REC));
    p = root_propagation("unbindable", false);
    CHECK(p.before == (MS_PRIVATE | MS_REC));
    CHECK(p.after == MS_UNBINDABLE);
    p = root_propagation("runbindable", true);
    CHECK(p.before == (MS_SLAVE | MS_REC));
    CHECK(p.after == (MS_UNBINDABLE | MS_REC));
    CHECK_THROWS_AS(root_propagation("bogus", false), berth::Error);
    CHECK_THROWS_AS(root_propagation("ro", false), berth::Error);
    CHECK_THROWS_WITH(root_propagation("rprivate", true), Catch::Contains("not safe without pivot_root"));
    CHECK_THROWS_WITH(root_propagation("private", true), Catch::Contains("not safe without pivot_root"));
}

TEST_CASE("mountinfo lines are parsed with propagation and escapes", "[mountinfo]") {
    const char* text =
        "22 27 0:21 / /proc rw,relatime shared:5 - proc proc rw\n"
        "31 23 0:28 / /sys/fs/cgroup rw,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755\n"
        "40 31 0:37 /user.slice /sys/fs/cgroup/sys\\040temd rw,relatime master:3 shared:9 - cgroup cgroup "
        "rw,xattr,name=systemd\n"
        "garbage line\n"
        "1 2 3 4 5 6 7 8 no separator\n"
        "50 1 8:1 / /mnt rw - ext4 /dev/sda1 rw";
    auto mounts = berth::kernel::parse_mountinfo(text);
    REQUIRE(mounts.size() == 4);
    CHECK(mounts[0].id == 22);
    CHECK(mounts[0].parentId == 27);
    CHECK(mounts[0].major == 0);
    CHECK(mounts[0].minor == 21);
    CHECK(mounts[0].mountPoint == "/proc");
    CHECK(mounts[0].optional == "shared:5");
    CHECK(mounts[0].fsType == "proc");
    CHECK(mounts[1].optional.empty());
    CHECK(mounts[1].superOptions == "ro,mode=755");
    CHECK(berth::kernel::MountInfo::has_option(mounts[1].options, "nodev"));
    CHECK_FALSE(berth::kernel::MountInfo::has_option(mounts[1].options, "dev"));
    CHECK(mounts[2].root == "/user.slice");
    CHECK(mounts[2].mountPoint == "/sys/fs/cgroup/sys temd");
    CHECK(mounts[2].optional == "master:3 shared:9");
    CHECK(berth::kernel::MountInfo::has_option(mounts[2].superOptions, "name=systemd"));
    CHECK(mounts[2].source == "cgroup");
    CHECK(mounts[3].mountPoint == "/mnt");  // last line without a newline
    CHECK(mounts[3].source == "/dev/sda1");
    CHECK(mounts[3].major == 8);
}

TEST_CASE("lexical path helpers", "[path_in_root]") {
    using berth::kernel::clean_path;
    using berth::kernel::split_parent;
    CHECK(clean_path("") == "/");
    CHECK(clean_path("dev") == "/dev");
    CHECK(clean_path("/dev/") == "/dev");
    CHECK(clean_path("//a/./b/../c") == "/a/c");
    CHECK(clean_path("/../../etc") == "/etc");
    CHECK(split_parent("/dev/null") == std::pair<std::string, std::string>{"/dev", "null"});
    CHECK(split_parent("/null") == std::pair<std::string, std::string>{"/", "null"});
    CHECK(split_parent("a/b/") == std::pair<std::string, std::string>{"a", "b"});
    CHECK(split_parent("file") == std::pair<std::string, std::string>{"/", "file"});
    CHECK_THROWS_AS(split_parent("/"), berth::Error);
    CHECK_THROWS_AS(split_parent("/a/.."), berth::Error);
    CHECK(berth::kernel::fd_path(7) == "/proc/self/fd/7");
}

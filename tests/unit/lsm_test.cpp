#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/kernel/lsm.hpp"

using namespace berth::kernel;

TEST_CASE("mount labels are added to mount data as context=\"...\"", "[lsm]") {
    const std::string label = "system_u:object_r:container_file_t:s0:c1,c2";
    CHECK(format_mount_label("", label) == "context=\"" + label + "\"");
    CHECK(format_mount_label("mode=755,size=65536k", label) == "mode=755,size=65536k,context=\"" + label + "\"");
    CHECK(format_mount_label("mode=755", "") == "mode=755");
    CHECK(format_mount_label("", "") == "");
}

TEST_CASE("empty profiles and labels give no exec attributes", "[lsm]") {
    CHECK(lsm_exec_attrs("", "", LsmSupport{}).empty());
    CHECK(lsm_exec_attrs("", "", LsmSupport{true, true}).empty());
}

TEST_CASE("without AppArmor a profile is skipped", "[lsm]") {
    CHECK(lsm_exec_attrs("docker-default", "", LsmSupport{false, false}).empty());
}

TEST_CASE("with AppArmor a profile becomes \"exec <profile>\" for the next execve", "[lsm]") {
    auto attrs = lsm_exec_attrs("docker-default", "", LsmSupport{true, false});
    REQUIRE(attrs.size() == 1);
    CHECK(attrs[0].value == "exec docker-default");
    // The LSM-specific file where the kernel has it (5.8+), the generic one otherwise.
    bool specific = ::access("/proc/self/attr/apparmor/exec", F_OK) == 0;
    CHECK(attrs[0].path == (specific ? "/proc/self/attr/apparmor/exec" : "/proc/self/attr/exec"));
}

TEST_CASE("without SELinux a label is an error and mount data is unchanged", "[lsm]") {
    try {
        (void)lsm_exec_attrs("", "system_u:system_r:container_t:s0", LsmSupport{true, false});
        FAIL("no error");
    } catch (const berth::Error& e) {
        CHECK(std::string(e.what()) == "selinux label is specified in config, but selinux is disabled or not supported");
    }
    if (!selinux_enabled())
        CHECK(selinux_mount_context("system_u:object_r:container_file_t:s0", "mode=755") == "mode=755");
}

TEST_CASE("with SELinux a label is written to /proc/self/attr/exec", "[lsm]") {
    auto attrs = lsm_exec_attrs("", "system_u:system_r:container_t:s0", LsmSupport{false, true});
    REQUIRE(attrs.size() == 1);
    CHECK(attrs[0].path == "/proc/self/attr/exec");
    CHECK(attrs[0].value == "system_u:system_r:container_t:s0");
}

TEST_CASE("the host's LSMs are what apparmor_enabled and selinux_enabled say", "[lsm]") {
    LsmSupport s = detect_lsm_support();
    CHECK(s.apparmor == apparmor_enabled());
    CHECK(s.selinux == selinux_enabled());
}

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

TEST_CASE("empty profiles and labels change nothing", "[lsm]") {
    CHECK_NOTHROW(apply_apparmor_profile(""));
    CHECK_NOTHROW(apply_selinux_exec_label(""));
}

TEST_CASE("without AppArmor a profile is skipped", "[lsm]") {
    if (apparmor_enabled()) {
        WARN("AppArmor is enabled on this host; the disabled path is not tested");
        return;
    }
    // Nothing is written: /proc/self/attr/exec stays as it was.
    CHECK_NOTHROW(apply_apparmor_profile("docker-default"));
}

TEST_CASE("without SELinux a label is an error and mount data is unchanged", "[lsm]") {
    if (selinux_enabled()) {
        WARN("SELinux is enabled on this host; the disabled path is not tested");
        return;
    }
    try {
        apply_selinux_exec_label("system_u:system_r:container_t:s0");
        FAIL("no error");
    } catch (const berth::Error& e) {
        CHECK(std::string(e.what()) == "selinux label is specified in config, but selinux is disabled or not supported");
    }
    CHECK(selinux_mount_context("system_u:object_r:container_file_t:s0", "mode=755") == "mode=755");
}

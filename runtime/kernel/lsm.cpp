#include "runtime/kernel/lsm.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstdint>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace berth::kernel {
namespace {

constexpr uint32_t kSelinuxMagic = 0xf97cff8c;  // SELINUX_MAGIC

// First bytes of a small file, "" when it cannot be read.
std::string read_small(const char* path) {
    UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd) return {};
    char buf[256];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

bool apparmor_enabled() {
    struct stat st {};
    if (::stat("/sys/kernel/security/apparmor", &st) != 0) return false;
    std::string enabled = read_small("/sys/module/apparmor/parameters/enabled");
    return !enabled.empty() && enabled[0] == 'Y';
}

bool selinux_enabled() {
    struct statfs fs {};
    bool mounted = (::statfs("/sys/fs/selinux", &fs) == 0 && static_cast<uint32_t>(fs.f_type) == kSelinuxMagic) ||
                   (::statfs("/selinux", &fs) == 0 && static_cast<uint32_t>(fs.f_type) == kSelinuxMagic);
    if (!mounted) return false;
    std::string current = read_small("/proc/self/attr/current");
    while (!current.empty() && (current.back() == '\0' || current.back() == '\n')) current.pop_back();
    return !current.empty() && current != "kernel";
}

LsmSupport detect_lsm_support() {
    return {apparmor_enabled(), selinux_enabled()};
}

std::vector<ExecAttr> lsm_exec_attrs(const std::string& apparmorProfile, const std::string& selinuxLabel,
                                     LsmSupport host) {
    std::vector<ExecAttr> out;
    if (!apparmorProfile.empty()) {
        if (!host.apparmor) {
            spdlog::debug("apparmor is not enabled on this host; not applying profile {}", apparmorProfile);
        } else {
            // The LSM-specific file exists since Linux 5.8 (stacked LSMs); the
            // generic one is owned by whichever LSM is "major" on older kernels.
            const char* path = "/proc/self/attr/apparmor/exec";
            if (::access(path, F_OK) != 0) path = "/proc/self/attr/exec";
            out.push_back({path, "exec " + apparmorProfile});
        }
    }
    if (!selinuxLabel.empty()) {
        if (!host.selinux)
            throw Error("selinux label is specified in config, but selinux is disabled or not supported", EINVAL);
        out.push_back({"/proc/self/attr/exec", selinuxLabel});
    }
    return out;
}

std::string format_mount_label(const std::string& data, const std::string& mountLabel) {
    if (mountLabel.empty()) return data;
    const std::string context = "context=\"" + mountLabel + "\"";
    return data.empty() ? context : data + "," + context;
}

std::string selinux_mount_context(const std::string& mountLabel, const std::string& data) {
    return selinux_enabled() ? format_mount_label(data, mountLabel) : data;
}

}  // namespace berth::kernel

#include "runtime/kernel/sysctl.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace berth::kernel {
namespace {

constexpr std::array<std::string_view, 8> kIpcSysctls{
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",  "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

const spec::Namespace* find_namespace(const spec::Config& config, spec::NamespaceType type) {
    if (!config.linux) return nullptr;
    for (const auto& ns : config.linux->namespaces)
        if (ns.type == type) return &ns;
    return nullptr;
}

// Whether the joined network namespace at path is the one we are in now.
bool is_current_netns(const std::string& path) {
    struct stat self {}, other {};
    if (::stat("/proc/self/ns/net", &self) != 0) throw_errno("invalid netns path: stat /proc/self/ns/net");
    if (::stat(path.c_str(), &other) != 0) throw_errno("invalid netns path: stat " + path);
    return self.st_dev == other.st_dev && self.st_ino == other.st_ino;
}

void check_components(const std::string& key) {
    std::string path = sysctl_path(key);
    size_t start = 0;
    while (true) {
        size_t end = path.find('/', start);
        std::string_view part(path.data() + start, (end == std::string::npos ? path.size() : end) - start);
        if (part.empty() || part == "." || part == "..") throw Error("invalid sysctl key \"" + key + "\"", EINVAL);
        if (end == std::string::npos) break;
        start = end + 1;
    }
}

}  // namespace

std::string sysctl_dotted(const std::string& key) {
    size_t first = key.find_first_of("./");
    if (first == std::string::npos || key[first] == '.') return key;
    std::string out = key;
    for (char& c : out) {
        if (c == '.') c = '/';
        else if (c == '/') c = '.';
    }
    return out;
}

std::string sysctl_path(const std::string& key) {
    std::string out = sysctl_dotted(key);
    for (char& c : out) {
        if (c == '.') c = '/';
        else if (c == '/') c = '.';
    }
    return out;
}

void validate_sysctls(const spec::Config& config) {
    if (!config.linux) return;
    const auto* ipc = find_namespace(config, spec::NamespaceType::Ipc);
    const auto* net = find_namespace(config, spec::NamespaceType::Network);
    const auto* uts = find_namespace(config, spec::NamespaceType::Uts);
    for (const auto& [key, value] : config.linux->sysctl) {
        check_components(key);
        const std::string s = sysctl_dotted(key);
        if (std::find(kIpcSysctls.begin(), kIpcSysctls.end(), s) != kIpcSysctls.end() ||
            s.rfind("fs.mqueue.", 0) == 0) {
            if (ipc) continue;
            throw Error("sysctl \"" + s + "\" is not allowed in the hosts ipc namespace", EINVAL);
        }
        if (s.rfind("net.", 0) == 0) {
            // "Host" means the caller's namespace: joining it by path is no isolation.
            if (!net || (!net->path.empty() && is_current_netns(net->path)))
                throw Error("sysctl \"" + s + "\" not allowed in host network namespace", EINVAL);
            continue;
        }
        if (uts) {
            if (s == "kernel.domainname") continue;
            if (s == "kernel.hostname")
                throw Error("sysctl \"" + s + "\" is not allowed as it conflicts with the OCI \"hostname\" field",
                            EINVAL);
        }
        throw Error("sysctl \"" + s + "\" is not in a separate kernel namespace", EINVAL);
    }
}

void apply_sysctls(const std::map<std::string, std::string>& sysctls) {
    if (sysctls.empty()) return;
    UniqueFd procsys(::open("/proc/sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!procsys) throw_errno("open /proc/sys");
    struct statfs fs {};
    if (::fstatfs(procsys.get(), &fs) != 0) throw_errno("statfs /proc/sys");
    if (fs.f_type != PROC_SUPER_MAGIC) throw Error("/proc/sys is not on procfs", EINVAL);

    for (const auto& [key, value] : sysctls) {
        const std::string what = "write sysctl " + key + "=" + value;
        check_components(key);
        struct open_how how {};
        how.flags = O_WRONLY | O_TRUNC | O_CLOEXEC;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
        const std::string path = sysctl_path(key);
        int fd = static_cast<int>(::syscall(SYS_openat2, procsys.get(), path.c_str(), &how, sizeof how));
        if (fd < 0) throw_errno(what);
        UniqueFd file(fd);
        // One write: procfs sysctl handlers parse the whole value at once.
        ssize_t n = ::write(file.get(), value.data(), value.size());
        if (n < 0) throw_errno(what);
        if (static_cast<size_t>(n) != value.size()) throw Error(what + ": short write", EIO);
    }
}

}  // namespace berth::kernel

#include "runtime/kernel/idmap_userns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"
#include "runtime/kernel/mount_api.hpp"
#include "runtime/kernel/mount_options.hpp"

namespace berth::kernel {
namespace {

void write_file(const std::string& path, const std::string& text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno("open " + path);
    // An id map must be written in one write(2).
    ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n < 0) throw_errno("write " + path);
    if (static_cast<size_t>(n) != text.size()) throw Error("write " + path + ": short write", EIO);
}

// The helper process: killed and reaped however we leave.
class Helper {
public:
    explicit Helper(pid_t pid) : pid_(pid) {}
    Helper(const Helper&) = delete;
    Helper& operator=(const Helper&) = delete;
    ~Helper() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
    }

private:
    pid_t pid_;
};

}  // namespace

std::string format_id_map(const std::vector<spec::IdMapping>& mappings) {
    std::string out;
    for (const spec::IdMapping& m : mappings)
        out += std::to_string(m.containerId) + " " + std::to_string(m.hostId) + " " + std::to_string(m.size) + "\n";
    return out;
}

UniqueFd make_idmap_userns(const std::vector<spec::IdMapping>& uidMappings,
                           const std::vector<spec::IdMapping>& gidMappings) {
    int toParent[2], toChild[2];
    if (::pipe2(toParent, O_CLOEXEC) < 0) throw_errno("idmap user namespace: pipe");
    UniqueFd parentRead(toParent[0]), childWrite(toParent[1]);
    if (::pipe2(toChild, O_CLOEXEC) < 0) throw_errno("idmap user namespace: pipe");
    UniqueFd childRead(toChild[0]), parentWrite(toChild[1]);

    pid_t pid = ::fork();
    if (pid < 0) throw_errno("idmap user namespace: fork");
    if (pid == 0) {
        // Child: report our pid as the mounted /proc numbers it (we may be
        // in a pid namespace /proc does not belong to), unshare, then wait
        // for the parent to close its end. Only async-signal-safe calls.
        char buf[32];
        ssize_t n = ::readlink("/proc/self", buf, sizeof buf - 1);
        if (n <= 0) ::_exit(1);
        buf[n++] = '\n';
        if (::write(childWrite.get(), buf, static_cast<size_t>(n)) != n) ::_exit(1);
        if (::unshare(CLONE_NEWUSER) < 0) ::_exit(1);
        if (::write(childWrite.get(), "u", 1) != 1) ::_exit(1);
        char c;
        while (::read(childRead.get(), &c, 1) < 0 && errno == EINTR) {
        }
        ::_exit(0);
    }
    Helper helper(pid);
    childWrite.reset();
    childRead.reset();

    std::string reply;
    char buf[64];
    for (;;) {
        ssize_t n = ::read(parentRead.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        reply.append(buf, static_cast<size_t>(n));
        if (!reply.empty() && reply.back() == 'u') break;
    }
    size_t nl = reply.find('\n');
    if (nl == std::string::npos || reply.back() != 'u')
        throw Error("idmap user namespace: helper failed to create a user namespace", EPERM);
    std::string proc = "/proc/" + reply.substr(0, nl);
    try {
        write_file(proc + "/uid_map", format_id_map(uidMappings));
        write_file(proc + "/gid_map", format_id_map(gidMappings));
    } catch (const Error& e) {
        throw e.wrap("idmap user namespace");
    }
    UniqueFd ns(::open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) throw_errno("idmap user namespace: open " + proc + "/ns/user");
    return ns;
}

int IdmappedSources::tree_for(const spec::Mount& mount) const {
    for (const auto& [entry, tree] : trees_)
        if (entry == &mount) return tree.get();
    return -1;
}

IdmappedSources prepare_idmapped_sources(const spec::Config& config, const std::string& bundle) {
    IdmappedSources out;
    if (!config.linux) return out;
    const spec::Namespace* userns = nullptr;
    for (const spec::Namespace& ns : config.linux->namespaces)
        if (ns.type == spec::NamespaceType::User) userns = &ns;
    if (!userns) return out;  // the container process is as privileged as we are

    // One helper namespace for every mount that uses the container's mapping.
    UniqueFd containerMapping;
    for (const spec::Mount& m : config.mounts) {
        const MountOptions o = parse_mount_options(m.options);
        if (!o.idmap && m.uidMappings.empty() && m.gidMappings.empty()) continue;
        if (!(o.bind() || m.type == "bind")) continue;  // apply_mount reports it
        std::string source = m.source;
        if (source.empty()) continue;  // apply_mount reports it
        if (source.front() != '/') source = bundle + "/" + source;
        const std::string dest = m.destination.empty() || m.destination.front() != '/' ? "/" + m.destination : m.destination;
        const std::string what = "mount " + source + " on " + dest;
        if (m.uidMappings.empty() != m.gidMappings.empty())
            throw Error(what + ": uidMappings and gidMappings must be given together", EINVAL);

        UniqueFd ownMapping;
        int mapping = -1;
        try {
            if (!m.uidMappings.empty()) {
                ownMapping = make_idmap_userns(m.uidMappings, m.gidMappings);
                mapping = ownMapping.get();
            } else {
                if (!containerMapping && !userns->path.empty()) {
                    containerMapping = UniqueFd(::open(userns->path.c_str(), O_RDONLY | O_CLOEXEC));
                    if (!containerMapping) throw_errno("open user namespace " + userns->path);
                } else if (!containerMapping) {
                    if (config.linux->uidMappings.empty() || config.linux->gidMappings.empty())
                        throw Error("idmap needs uidMappings and gidMappings, or a user namespace", EINVAL);
                    containerMapping = make_idmap_userns(config.linux->uidMappings, config.linux->gidMappings);
                }
                mapping = containerMapping.get();
            }
        } catch (const Error& e) {
            throw e.wrap(what);
        }
        UniqueFd tree = clone_mount(what, AT_FDCWD, source, (o.flags & MS_REC) != 0);
        set_mount_attrs(what + ": set id mapping", tree.get(), MOUNT_ATTR_IDMAP, 0, o.idmapRecursive, mapping);
        out.add(m, std::move(tree));
    }
    return out;
}

}  // namespace berth::kernel

#include "runtime/kernel/mount_options.hpp"

#include <sys/mount.h>

namespace berth::kernel {
namespace {

struct FlagOption {
    std::string_view name;
    bool clear;
    unsigned long flag;
};

// mount(8)'s filesystem-independent options.
constexpr FlagOption kFlagOptions[] = {
    {"defaults", false, 0},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
    {"iversion", false, MS_I_VERSION},
    {"noiversion", true, MS_I_VERSION},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"symfollow", true, MS_NOSYMFOLLOW},
};

// noatime, relatime and strictatime choose one access-time mode: the last
// one given wins (the kernel would otherwise let MS_NOATIME or
// MS_STRICTATIME silently override the others).
constexpr unsigned long kAtimeModes = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;

struct AttrOption {
    std::string_view name;
    bool clear;
    uint64_t attr;
};

// The recursive variants, applied with mount_setattr(AT_RECURSIVE).
constexpr AttrOption kAttrOptions[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

struct AtimeOption {
    std::string_view name;
    uint64_t mode;
};

// The access time is one field (MOUNT_ATTR__ATIME) for mount_setattr, so the
// negative options pick the mode the kernel uses when the positive one is
// absent: without noatime it is relatime, without relatime it is strictatime.
constexpr AtimeOption kAtimeOptions[] = {
    {"rnoatime", MOUNT_ATTR_NOATIME},       {"ratime", MOUNT_ATTR_RELATIME},
    {"rrelatime", MOUNT_ATTR_RELATIME},     {"rnorelatime", MOUNT_ATTR_STRICTATIME},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME}, {"rnostrictatime", MOUNT_ATTR_RELATIME},
};

}  // namespace

bool MountOptions::bind() const { return (flags & MS_BIND) != 0; }
bool MountOptions::recursive() const { return (flags & MS_REC) != 0; }
bool MountOptions::readonly() const { return (flags & MS_RDONLY) != 0; }

unsigned long propagation_flags(std::string_view name) {
    if (name == "shared") return MS_SHARED;
    if (name == "rshared") return MS_SHARED | MS_REC;
    if (name == "slave") return MS_SLAVE;
    if (name == "rslave") return MS_SLAVE | MS_REC;
    if (name == "private") return MS_PRIVATE;
    if (name == "rprivate") return MS_PRIVATE | MS_REC;
    if (name == "unbindable") return MS_UNBINDABLE;
    if (name == "runbindable") return MS_UNBINDABLE | MS_REC;
    return 0;
}

MountOptions parse_mount_options(const std::vector<std::string>& options) {
    MountOptions out;
    for (const std::string& opt : options) {
        if (opt.empty()) continue;
        bool known = false;
        for (const FlagOption& f : kFlagOptions) {
            if (f.name != opt) continue;
            known = true;
            if (f.clear) {
                out.flags &= ~f.flag;
                out.clearFlags |= f.flag;
            } else {
                if (f.flag & kAtimeModes) out.flags &= ~kAtimeModes;
                out.flags |= f.flag;
                out.clearFlags &= ~f.flag;
            }
            break;
        }
        if (known) continue;
        for (const AttrOption& a : kAttrOptions) {
            if (a.name != opt) continue;
            known = true;
            if (a.clear) {
                out.attrSet &= ~a.attr;
                out.attrClear |= a.attr;
            } else {
                out.attrSet |= a.attr;
                out.attrClear &= ~a.attr;
            }
            break;
        }
        if (known) continue;
        for (const AtimeOption& a : kAtimeOptions) {
            if (a.name != opt) continue;
            known = true;
            out.attrSet = (out.attrSet & ~uint64_t{MOUNT_ATTR__ATIME}) | a.mode;
            out.attrClear |= MOUNT_ATTR__ATIME;
            break;
        }
        if (known) continue;
        if (unsigned long p = propagation_flags(opt)) {
            out.propagation.push_back(p);
        } else if (opt == "idmap") {
            out.idmap = true;
        } else if (opt == "ridmap") {
            out.idmap = true;
            out.idmapRecursive = true;
        } else if (opt == "tmpcopyup") {
            out.tmpcopyup = true;
        } else {
            if (!out.data.empty()) out.data += ',';
            out.data += opt;
        }
    }
    return out;
}

}  // namespace berth::kernel

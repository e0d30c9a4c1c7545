// The OCI mount option strings ("ro", "rbind", "rslave", "rnoexec",
// "mode=755"...) turned into what the mount system calls take. Pure parsing:
// no system call, so it is unit-tested without root.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::kernel {

struct MountOptions {
    // MS_* flags to set (MS_BIND, MS_REC for rbind, MS_RDONLY, MS_NOSUID...).
    unsigned long flags = 0;
    // MS_* flags an option asked to clear ("rw", "suid", "dev", "exec",
    // "async", "atime"...). A remount must not keep them.
    unsigned long clearFlags = 0;
    // Propagation changes in the order given, each one of MS_SHARED,
    // MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE, possibly with MS_REC.
    std::vector<unsigned long> propagation;
    // mount_setattr(AT_RECURSIVE) attributes from the "r*" options
    // (MOUNT_ATTR_*). When an atime mode is chosen, attrClear holds
    // MOUNT_ATTR__ATIME and attrSet the mode, as the kernel demands.
    uint64_t attrSet = 0;
    uint64_t attrClear = 0;
    bool idmap = false;      // "idmap": id-mapped mount (not passed to mount(2))
    bool idmapRecursive = false;  // "ridmap": the id mapping applies to submounts too
    bool tmpcopyup = false;  // copy the directory's content into the new tmpfs
    // Filesystem-specific options, comma-joined, for mount(2)'s data argument.
    std::string data;

    bool bind() const;
    bool recursive() const;  // rbind
    bool readonly() const;
    bool has_recursive_attrs() const { return attrSet != 0 || attrClear != 0; }
};

// Parses a mount's options. Unknown options go into data, in order.
MountOptions parse_mount_options(const std::vector<std::string>& options);

// MS_* propagation flags for an option name ("rslave" -> MS_SLAVE|MS_REC),
// or 0 when the name is not a propagation option.
unsigned long propagation_flags(std::string_view name);

}  // namespace berth::kernel

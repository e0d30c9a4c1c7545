// Seccomp profiles for tests. docker_sized_profile() builds a profile of the
// size and shape engines hand the runtime for every container (Docker's
// default: deny by default with EPERM, x86_64 + x86 + x32, a large allow list
// including 32-bit-only and other-arch names, names newer than libseccomp,
// and argument conditions on socket, personality and clone, clone3 -> ENOSYS).
// It is generated from libseccomp's own syscall table minus a deny list, not
// copied from moby's file. Header-only so unit tests may use it too.
#pragma once

#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "spec/config.hpp"

namespace berth::test {

// Privileged or dangerous syscalls a default container must not get (or gets
// only through an argument-filtered rule below).
inline const std::set<std::string>& docker_like_denied() {
    static const std::set<std::string> denied{
        "acct", "add_key", "afs_syscall", "bpf", "clock_settime", "clone", "clone3", "create_module",
        "delete_module", "fanotify_init", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms",
        "get_mempolicy", "getpmsg", "init_module", "ioperm", "iopl", "kcmp", "kexec_file_load", "kexec_load",
        "keyctl", "lookup_dcookie", "mbind", "migrate_pages", "mount", "mount_setattr", "move_mount",
        "move_pages", "nfsservctl", "open_by_handle_at", "open_tree", "perf_event_open", "personality",
        "pidfd_getfd", "pivot_root", "process_madvise", "putpmsg", "query_module", "quotactl", "quotactl_fd",
        "reboot", "request_key", "security", "set_mempolicy", "set_mempolicy_home_node", "setdomainname",
        "sethostname", "setns", "settimeofday", "socket", "swapoff", "swapon", "_sysctl", "sysfs", "syslog",
        "tuxcall", "umount2", "unshare", "uselib", "userfaultfd", "ustat", "vhangup", "vserver",
    };
    return denied;
}

// Names that exist only on 32-bit x86 or on other architectures, and names
// newer than libseccomp 2.5.4's table: real profiles carry all of these.
inline std::vector<std::string> docker_like_foreign_names() {
    return {
        // 32-bit x86 (and other 32-bit) variants
        "_llseek", "_newselect", "chown32", "clock_adjtime64", "clock_getres_time64", "clock_gettime64",
        "clock_nanosleep_time64", "fadvise64_64", "fchown32", "fcntl64", "fstat64", "fstatat64", "fstatfs64",
        "ftruncate64", "futex_time64", "getegid32", "geteuid32", "getgid32", "getgroups32", "getresgid32",
        "getresuid32", "getuid32", "io_pgetevents_time64", "ipc", "lchown32", "lstat64", "mmap2",
        "mq_timedreceive_time64", "mq_timedsend_time64", "ppoll_time64", "pselect6_time64", "recv",
        "recvmmsg_time64", "rt_sigtimedwait_time64", "sched_rr_get_interval_time64", "semtimedop_time64",
        "send", "sendfile64", "setfsgid32", "setfsuid32", "setgid32", "setgroups32", "setregid32",
        "setresgid32", "setresuid32", "setreuid32", "setuid32", "sigprocmask", "sigreturn", "socketcall",
        "stat64", "statfs64", "timer_gettime64", "timer_settime64", "timerfd_gettime64", "timerfd_settime64",
        "truncate64", "ugetrlimit", "utimensat_time64", "waitpid",
        // other architectures
        "arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush", "riscv_flush_icache",
        "s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr", "set_tls", "swapcontext",
        "sync_file_range2", "atomic_barrier", "atomic_cmpxchg_32", "get_tls", "kern_features", "multiplexer",
        "s390_guarded_storage", "s390_sthyi", "spu_create", "spu_run", "subpage_prot", "switch_endian",
        "sys_debug_setcontext", "usr26", "usr32",
        // legacy 32-bit x86 calls
        "ftime", "nice", "oldfstat", "oldlstat", "oldolduname", "oldstat", "olduname", "readdir", "sgetmask",
        "sigaction", "signal", "sigpending", "sigsuspend", "ssetmask", "ulimit",
        // newer than the libseccomp table (skipped by the compiler)
        "getxattrat", "listmount", "listxattrat", "lsm_get_self_attr", "lsm_list_modules",
        "lsm_set_self_attr", "mseal", "open_tree_attr", "removexattrat", "setxattrat", "statmount",
        "uretprobe",
    };
}

inline spec::Seccomp docker_sized_profile() {
    spec::Seccomp p;
    p.defaultAction = "SCMP_ACT_ERRNO";
    p.defaultErrnoRet = EPERM;
    p.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};

    // Allow list: every x86_64 syscall libseccomp knows, minus the deny list.
    spec::SeccompSyscall allow;
    allow.action = "SCMP_ACT_ALLOW";
    for (int nr = 0; nr < 1024; ++nr) {
        char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
        if (!name) continue;
        std::string n(name);
        std::free(name);
        if (!docker_like_denied().count(n)) allow.names.push_back(n);
    }
    for (auto& n : docker_like_foreign_names()) allow.names.push_back(std::move(n));
    std::sort(allow.names.begin(), allow.names.end());
    allow.names.erase(std::unique(allow.names.begin(), allow.names.end()), allow.names.end());
    p.syscalls.push_back(std::move(allow));

    // socket: anything but AF_VSOCK (40).
    p.syscalls.push_back({{"socket"}, "SCMP_ACT_ALLOW", std::nullopt, {{0, 40, 0, "SCMP_CMP_NE"}}});
    // personality: the handful of harmless personas, one entry each.
    for (uint64_t persona : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL})
        p.syscalls.push_back({{"personality"}, "SCMP_ACT_ALLOW", std::nullopt, {{0, persona, 0, "SCMP_CMP_EQ"}}});
    // clone without any namespace flag (CLONE_NEW* mask 0x7E020000).
    p.syscalls.push_back({{"clone"}, "SCMP_ACT_ALLOW", std::nullopt, {{0, 0x7E020000ULL, 0, "SCMP_CMP_MASKED_EQ"}}});
    // clone3's flags live in memory seccomp cannot read: make libc fall back to clone.
    p.syscalls.push_back({{"clone3"}, "SCMP_ACT_ERRNO", ENOSYS, {}});
    // Capability-gated groups engines add for a default capability set.
    p.syscalls.push_back({{"chroot"}, "SCMP_ACT_ALLOW", std::nullopt, {}});
    p.syscalls.push_back({{"process_vm_readv", "process_vm_writev", "ptrace"}, "SCMP_ACT_ALLOW", std::nullopt, {}});
    p.syscalls.push_back({{"arch_prctl", "modify_ldt"}, "SCMP_ACT_ALLOW", std::nullopt, {}});
    return p;
}

inline size_t profile_name_count(const spec::Seccomp& p) {
    size_t n = 0;
    for (const auto& s : p.syscalls) n += s.names.size();
    return n;
}

}  // namespace berth::test

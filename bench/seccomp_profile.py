#!/usr/bin/python3
"""Print a Docker-sized seccomp profile (the "linux.seccomp" object of an OCI
config) as JSON.

Same shape as tests/integration/support/seccomp_profiles.hpp's
docker_sized_profile(): deny by default with EPERM, x86_64 + x86 + x32, an
allow list made of every x86_64 syscall libseccomp knows minus a deny list,
plus 32-bit-only, other-architecture and newer-than-libseccomp names, and
argument conditions on socket, personality and clone (clone3 -> ENOSYS).
libseccomp's own table is read through ctypes (libseccomp.so.2), so no
compiler and no scmp_sys_resolver are needed.

Usage: seccomp_profile.py            # JSON on stdout
       seccomp_profile.py --count    # number of syscall names in the profile
"""
import ctypes
import json
import sys

EPERM = 1
ENOSYS = 38
SCMP_ARCH_X86_64 = 0xC000003E  # AUDIT_ARCH_X86_64

DENIED = {
    "acct", "add_key", "afs_syscall", "bpf", "clock_settime", "clone", "clone3", "create_module",
    "delete_module", "fanotify_init", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick",
    "get_kernel_syms", "get_mempolicy", "getpmsg", "init_module", "ioperm", "iopl", "kcmp",
    "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "migrate_pages", "mount",
    "mount_setattr", "move_mount", "move_pages", "nfsservctl", "open_by_handle_at", "open_tree",
    "perf_event_open", "personality", "pidfd_getfd", "pivot_root", "process_madvise", "putpmsg",
    "query_module", "quotactl", "quotactl_fd", "reboot", "request_key", "security", "set_mempolicy",
    "set_mempolicy_home_node", "setdomainname", "sethostname", "setns", "settimeofday", "socket",
    "swapoff", "swapon", "_sysctl", "sysfs", "syslog", "tuxcall", "umount2", "unshare", "uselib",
    "userfaultfd", "ustat", "vhangup", "vserver",
}

FOREIGN = [
    # 32-bit x86 (and other 32-bit) variants
    "_llseek", "_newselect", "chown32", "clock_adjtime64", "clock_getres_time64", "clock_gettime64",
    "clock_nanosleep_time64", "fadvise64_64", "fchown32", "fcntl64", "fstat64", "fstatat64",
    "fstatfs64", "ftruncate64", "futex_time64", "getegid32", "geteuid32", "getgid32", "getgroups32",
    "getresgid32", "getresuid32", "getuid32", "io_pgetevents_time64", "ipc", "lchown32", "lstat64",
    "mmap2", "mq_timedreceive_time64", "mq_timedsend_time64", "ppoll_time64", "pselect6_time64",
    "recv", "recvmmsg_time64", "rt_sigtimedwait_time64", "sched_rr_get_interval_time64",
    "semtimedop_time64", "send", "sendfile64", "setfsgid32", "setfsuid32", "setgid32",
    "setgroups32", "setregid32", "setresgid32", "setresuid32", "setreuid32", "setuid32",
    "sigprocmask", "sigreturn", "socketcall", "stat64", "statfs64", "timer_gettime64",
    "timer_settime64", "timerfd_gettime64", "timerfd_settime64", "truncate64", "ugetrlimit",
    "utimensat_time64", "waitpid",
    # other architectures
    "arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush", "riscv_flush_icache",
    "s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr", "set_tls", "swapcontext",
    "sync_file_range2", "atomic_barrier", "atomic_cmpxchg_32", "get_tls", "kern_features",
    "multiplexer", "s390_guarded_storage", "s390_sthyi", "spu_create", "spu_run", "subpage_prot",
    "switch_endian", "sys_debug_setcontext", "usr26", "usr32",
    # legacy 32-bit x86 calls
    "ftime", "nice", "oldfstat", "oldlstat", "oldolduname", "oldstat", "olduname", "readdir",
    "sgetmask", "sigaction", "signal", "sigpending", "sigsuspend", "ssetmask", "ulimit",
    # newer than libseccomp 2.5.4's table (runtimes skip unknown names)
    "getxattrat", "listmount", "listxattrat", "lsm_get_self_attr", "lsm_list_modules",
    "lsm_set_self_attr", "mseal", "open_tree_attr", "removexattrat", "setxattrat", "statmount",
    "uretprobe",
]


def libseccomp_x86_64_names():
    lib = ctypes.CDLL("libseccomp.so.2")
    libc = ctypes.CDLL(None)
    resolve = lib.seccomp_syscall_resolve_num_arch
    resolve.argtypes = [ctypes.c_uint32, ctypes.c_int]
    resolve.restype = ctypes.c_void_p  # malloc'ed char*, freed below
    libc.free.argtypes = [ctypes.c_void_p]
    names = []
    for nr in range(1024):
        p = resolve(SCMP_ARCH_X86_64, nr)
        if p:
            names.append(ctypes.string_at(p).decode())
            libc.free(p)
    return names


def rule(names, action, args=None, errno_ret=None):
    r = {"names": names, "action": action}
    if errno_ret is not None:
        r["errnoRet"] = errno_ret
    if args:
        r["args"] = args
    return r


def profile():
    allow = sorted({n for n in libseccomp_x86_64_names() if n not in DENIED} | set(FOREIGN))
    syscalls = [rule(allow, "SCMP_ACT_ALLOW")]
    # socket: anything but AF_VSOCK (40).
    syscalls.append(rule(["socket"], "SCMP_ACT_ALLOW",
                         [{"index": 0, "value": 40, "valueTwo": 0, "op": "SCMP_CMP_NE"}]))
    # personality: the harmless personas, one rule each.
    for persona in (0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF):
        syscalls.append(rule(["personality"], "SCMP_ACT_ALLOW",
                             [{"index": 0, "value": persona, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]))
    # clone without any CLONE_NEW* flag.
    syscalls.append(rule(["clone"], "SCMP_ACT_ALLOW",
                         [{"index": 0, "value": 0x7E020000, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]))
    # clone3's flags are in memory seccomp cannot read: make libc fall back to clone.
    syscalls.append(rule(["clone3"], "SCMP_ACT_ERRNO", errno_ret=ENOSYS))
    syscalls.append(rule(["chroot"], "SCMP_ACT_ALLOW"))
    syscalls.append(rule(["process_vm_readv", "process_vm_writev", "ptrace"], "SCMP_ACT_ALLOW"))
    syscalls.append(rule(["arch_prctl", "modify_ldt"], "SCMP_ACT_ALLOW"))
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": EPERM,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": syscalls,
    }


if __name__ == "__main__":
    p = profile()
    if sys.argv[1:] == ["--count"]:
        print(sum(len(s["names"]) for s in p["syscalls"]))
    else:
        json.dump(p, sys.stdout, indent=1)
        sys.stdout.write("\n")

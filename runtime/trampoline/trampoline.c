/*
 * berth's exec trampoline: the only program a container process ever runs
 * before its own (CVE-2019-5736 defence; man/berth-security.7).
 *
 * The init and `exec` children are clones of berth, so until they execve the
 * kernel's /proc/self/exe of the container process is the host's berth
 * binary. A container that names /proc/self/exe as its program (directly, as
 * a #! interpreter or as an ELF interpreter) would make that execve run berth
 * itself inside the container, where a dumpable berth process hands its exe
 * to the container's root to open and rewrite. So berth first execs this
 * small static program from a sealed memfd, and only this program execs the
 * container's program: at that execve /proc/self/exe is the sealed memfd,
 * which nobody can write, and the berth binary is out of the picture.
 *
 * No libc: the program is a few KiB, built freestanding, embedded in berth
 * (runtime/kernel/exec_trampoline.cpp) and checked by the tests.
 *
 * argv: [0] "berth-exec"  [1] report fd  [2] N  then N pairs (attr path,
 * value) to write first — the LSM "exec" attributes, which apply at the next
 * execve and so must be written here — then the program's path and its argv.
 * On failure it writes "berth-exec-failed <errno> <what>" to the report fd
 * (exec.fifo or the exec error pipe) and exits 127. The report fd is made
 * close-on-exec, so a successful execve closes it: the reader sees EOF.
 */

#define AT_FDCWD (-100)
#define O_WRONLY 01
#define O_CLOEXEC 02000000
#define F_SETFD 2
#define FD_CLOEXEC 1

#if defined(__x86_64__)
#define NR_write 1
#define NR_close 3
#define NR_fcntl 72
#define NR_openat 257
#define NR_execve 59
#define NR_exit_group 231

static long sys3(long n, long a, long b, long c) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}
static long sys4(long n, long a, long b, long c, long d) {
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return ret;
}
__asm__(".text\n.global _start\n_start:\n xor %rbp,%rbp\n mov %rsp,%rdi\n and $-16,%rsp\n call trampoline_main\n hlt\n");

#elif defined(__aarch64__)
#define NR_write 64
#define NR_close 57
#define NR_fcntl 25
#define NR_openat 56
#define NR_execve 221
#define NR_exit_group 94

static long sys4(long n, long a, long b, long c, long d) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
}
static long sys3(long n, long a, long b, long c) { return sys4(n, a, b, c, 0); }
__asm__(".text\n.global _start\n_start:\n mov x29, #0\n mov x0, sp\n bl trampoline_main\n brk #0\n");

#else
#error "the exec trampoline knows the system calls of x86_64 and aarch64 only"
#endif

static unsigned long length(const char* s) {
    unsigned long n = 0;
    while (s[n]) ++n;
    return n;
}

static void put(int fd, const char* s, unsigned long n) {
    while (n > 0) {
        long w = sys3(NR_write, fd, (long)s, (long)n);
        if (w == -4 /* EINTR */) continue;
        if (w <= 0) return;
        s += w;
        n -= (unsigned long)w;
    }
}

static void put_str(int fd, const char* s) { put(fd, s, length(s)); }

/* "berth-exec-failed <errno> <verb><what>", then ` to "<value>"` if value is given. */
__attribute__((noreturn)) static void fail(int fd, long err, const char* verb, const char* what, const char* value) {
    char digits[24];
    int i = (int)sizeof digits;
    unsigned long e = (unsigned long)(err < 0 ? -err : err);
    digits[--i] = '\0';
    do {
        digits[--i] = (char)('0' + e % 10);
        e /= 10;
    } while (e > 0 && i > 0);
    if (fd >= 0) {
        put_str(fd, "berth-exec-failed ");
        put_str(fd, digits + i);
        put_str(fd, " ");
        put_str(fd, verb);
        put_str(fd, what);
        if (value) {
            put_str(fd, " to \"");
            put_str(fd, value);
            put_str(fd, "\"");
        }
    }
    sys3(NR_exit_group, 127, 0, 0);
    for (;;) {
    }
}

static int parse_int(const char* s, long* out) {
    long v = 0;
    if (!s || !*s) return 0;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9' || v > 100000000) return 0;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 1;
}

__attribute__((noreturn, used)) void trampoline_main(long* sp) {
    long argc = sp[0];
    char** argv = (char**)(sp + 1);
    char** envp = argv + argc + 1;
    long report = -1, attrs = 0;
    if (argc < 5 || !parse_int(argv[1], &report) || !parse_int(argv[2], &attrs) || argc < 5 + 2 * attrs)
        fail(-1, 22 /* EINVAL */, "", "", 0);
    char** arg = argv + 3;
    for (long i = 0; i < attrs; ++i, arg += 2) {
        long fd = sys4(NR_openat, AT_FDCWD, (long)arg[0], O_WRONLY | O_CLOEXEC, 0);
        if (fd < 0) fail((int)report, fd, "set ", arg[0], arg[1]);
        unsigned long n = length(arg[1]);
        long w = sys3(NR_write, fd, (long)arg[1], (long)n);
        if (w < 0) fail((int)report, w, "set ", arg[0], arg[1]);
        if ((unsigned long)w != n) fail((int)report, 5 /* EIO */, "set ", arg[0], arg[1]);
        sys3(NR_close, fd, 0, 0);
    }
    sys3(NR_fcntl, report, F_SETFD, FD_CLOEXEC);
    long err = sys3(NR_execve, (long)arg[0], (long)(arg + 1), (long)envp);
    fail((int)report, err, "exec ", arg[0], 0);
}

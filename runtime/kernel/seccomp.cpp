#include "runtime/kernel/seccomp.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

#include "common/error.hpp"
#include "common/fault.hpp"
#include "runtime/kernel/seccomp_enosys.hpp"

namespace berth::kernel {
namespace {

constexpr unsigned kMaxSyscallArgs = 6;
constexpr size_t kBpfMaxInsns = 4096;  // BPF_MAXINSNS: the kernel refuses longer programs
// Past this many syscall rules libseccomp's binary-tree layout beats the linear
// one (runc's threshold, also where libseccomp <= 2.5.4 stops misbehaving).
constexpr size_t kBinaryTreeThreshold = 32;

struct NamedValue {
    std::string_view name;
    uint32_t value;
};

// Actions without an errno. SCMP_ACT_KILL is KILL_THREAD, as in libseccomp.
constexpr std::array<NamedValue, 7> kPlainActions{{
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
}};

constexpr std::array<NamedValue, 7> kOperators{{
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
}};

// The spec's architectures; 0 = named by the spec but missing from the
// libseccomp berth was built with (rejected with a clear message).
constexpr NamedValue kArchs[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#else
    {"SCMP_ARCH_LOONGARCH64", 0},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#else
    {"SCMP_ARCH_M68K", 0},
#endif
#ifdef SCMP_ARCH_SH
    {"SCMP_ARCH_SH", SCMP_ARCH_SH},
    {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#else
    {"SCMP_ARCH_SH", 0},
    {"SCMP_ARCH_SHEB", 0},
#endif
};

constexpr std::array<NamedValue, 4> kFlags{{
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
}};

template <size_t N>
std::optional<uint32_t> lookup(const NamedValue (&table)[N], std::string_view name) {
    for (const auto& e : table)
        if (e.name == name) return e.value;
    return std::nullopt;
}
template <size_t N>
std::optional<uint32_t> lookup(const std::array<NamedValue, N>& table, std::string_view name) {
    for (const auto& e : table)
        if (e.name == name) return e.value;
    return std::nullopt;
}

// The libseccomp action for `name`, with the errno for ERRNO and TRACE
// (default EPERM). An errnoRet on any other action is an error (config-linux.md).
uint32_t parse_action(const std::string& name, const std::optional<uint32_t>& errnoRet, std::string_view where) {
    const bool withErrno = name == "SCMP_ACT_ERRNO" || name == "SCMP_ACT_TRACE";
    if (withErrno) {
        uint32_t err = errnoRet.value_or(EPERM);
        if (err > 0xffff) throw Error(std::string(where) + ": errnoRet " + std::to_string(err) + " is out of range");
        return name == "SCMP_ACT_ERRNO" ? SCMP_ACT_ERRNO(err) : SCMP_ACT_TRACE(err);
    }
    auto act = lookup(kPlainActions, name);
    if (!act) throw Error(std::string(where) + ": unknown action \"" + name + "\"");
    if (errnoRet)
        throw Error(std::string(where) + ": errnoRet is not supported by action " + name +
                    " (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an errno)");
    return *act;
}

bool is_allow_like(const std::string& action) {
    // TRACE counts as allow: a tracer handles ENOSYS for new syscalls itself.
    return action == "SCMP_ACT_ALLOW" || action == "SCMP_ACT_LOG" || action == "SCMP_ACT_TRACE";
}

struct FilterDeleter {
    void operator()(void* ctx) const { seccomp_release(ctx); }
};
using FilterCtx = std::unique_ptr<void, FilterDeleter>;

// libseccomp returns -errno.
void check_rc(int rc, std::string_view what) {
    if (rc < 0) throw_errno(what, -rc);
}

long seccomp_syscall(unsigned op, unsigned flags, void* arg) {
    return ::syscall(SYS_seccomp, op, flags, arg);
}

// A flag (combination) the kernel understands gets past flag validation and
// fails on the NULL program with EFAULT; an unknown one fails with EINVAL.
bool kernel_accepts(unsigned flags) {
    return seccomp_syscall(SECCOMP_SET_MODE_FILTER, flags, nullptr) < 0 && errno == EFAULT;
}

std::vector<sock_filter> export_bpf(void* ctx) {
    UniqueFd mem(::memfd_create("berth-seccomp-bpf", MFD_CLOEXEC));
    if (!mem) throw_errno("memfd_create for seccomp export");
    check_rc(seccomp_export_bpf(ctx, mem.get()), "export seccomp bpf");
    struct stat st {};
    if (::fstat(mem.get(), &st) < 0) throw_errno("stat seccomp export");
    if (st.st_size <= 0 || st.st_size % sizeof(sock_filter) != 0)
        throw Error("export seccomp bpf: unexpected program size " + std::to_string(st.st_size));
    std::vector<sock_filter> prog(static_cast<size_t>(st.st_size) / sizeof(sock_filter));
    size_t done = 0;
    auto* out = reinterpret_cast<char*>(prog.data());
    while (done < static_cast<size_t>(st.st_size)) {
        ssize_t n = ::pread(mem.get(), out + done, static_cast<size_t>(st.st_size) - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw_errno("read seccomp export", n < 0 ? errno : EIO);
        done += static_cast<size_t>(n);
    }
    return prog;
}

// One libseccomp rule for `nr`; conditions sharing an argument index become
// separate (ORed) rules, since libseccomp cannot AND two conditions on one
// argument (runc's behaviour).
void add_rule(void* ctx, uint32_t action, int nr, const std::string& name, const std::vector<spec::SeccompArg>& args) {
    const std::string what = "add seccomp rule for syscall " + name;
    if (args.empty()) {
        check_rc(seccomp_rule_add_array(ctx, action, nr, 0, nullptr), what);
        return;
    }
    std::vector<scmp_arg_cmp> conds;
    std::array<unsigned, kMaxSyscallArgs> perIndex{};
    bool sharedIndex = false;
    for (const auto& a : args) {
        if (a.index >= kMaxSyscallArgs)
            throw Error(what + ": argument index " + std::to_string(a.index) + " is out of range (0-5)");
        auto op = lookup(kOperators, a.op);
        if (!op) throw Error(what + ": unknown operator \"" + a.op + "\"");
        // MASKED_EQ: datum_a is the mask (value), datum_b the expected result (valueTwo).
        conds.push_back(scmp_arg_cmp{a.index, static_cast<scmp_compare>(*op), a.value, a.valueTwo});
        if (++perIndex[a.index] > 1) sharedIndex = true;
    }
    if (!sharedIndex) {
        check_rc(seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conds.size()), conds.data()), what);
        return;
    }
    for (const auto& c : conds) check_rc(seccomp_rule_add_array(ctx, action, nr, 1, &c), what);
}

// runc's rules for the flags; the result never holds NEW_LISTENER (load adds it).
unsigned resolve_flags(const spec::Seccomp& cfg, bool needsListener, unsigned kernel) {
    unsigned flags = 0;
    if (cfg.flags.empty()) {
        // runc: no flags given -> SPEC_ALLOW when supported (engines never send
        // flags, and the spec model cannot tell an absent list from []).
        if (kernel & SECCOMP_FILTER_FLAG_SPEC_ALLOW) flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        return flags;
    }
    for (const auto& name : cfg.flags) {
        auto bit = lookup(kFlags, name);
        if (!bit) throw Error("seccomp flag " + name + " is not known");
        if (!(kernel & *bit)) throw Error("seccomp flag " + name + " is not supported by the running kernel");
        flags |= *bit;
    }
    if (needsListener && (flags & SECCOMP_FILTER_FLAG_TSYNC)) {
        // TSYNC and NEW_LISTENER together need TSYNC_ESRCH (5.7+); without
        // it drop TSYNC: the container's init is single-threaded anyway.
        if (kernel & SECCOMP_FILTER_FLAG_TSYNC_ESRCH) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
        else flags &= ~static_cast<unsigned>(SECCOMP_FILTER_FLAG_TSYNC);
    }
    if (!needsListener && (flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)) {
        // The kernel refuses it without a listener, and it means nothing then.
        spdlog::debug("seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: no SCMP_ACT_NOTIFY rule");
        flags &= ~static_cast<unsigned>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    }
    return flags;
}

void validate_notify(const spec::Seccomp& cfg, bool needsListener, unsigned kernel) {
    if (!cfg.listenerMetadata.empty() && cfg.listenerPath.empty())
        throw Error("seccomp: listenerMetadata is set but listenerPath is not");
    if (cfg.defaultAction == "SCMP_ACT_NOTIFY") throw Error("seccomp: SCMP_ACT_NOTIFY cannot be the default action");
    if (!needsListener) return;
    if (cfg.listenerPath.empty()) throw Error("seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not set");
    if (seccomp_api_get() < 6)
        throw Error("seccomp: SCMP_ACT_NOTIFY needs libseccomp API level 6 (libseccomp >= 2.5.0, linux >= 5.7)");
    if (!(kernel & SECCOMP_FILTER_FLAG_NEW_LISTENER))
        throw Error("seccomp: SCMP_ACT_NOTIFY is not supported by the running kernel");
    for (const auto& sc : cfg.syscalls) {
        if (sc.action != "SCMP_ACT_NOTIFY") continue;
        // The runtime's own handshake after loading writes; a notified write
        // would wait for an agent that does not have the fd yet (runc's rule).
        for (const auto& n : sc.names)
            if (n == "write") throw Error("seccomp: SCMP_ACT_NOTIFY cannot be used for the write syscall");
    }
}

// For the ENOSYS stub: the largest syscall number the profile names on each
// listed architecture (the native one counts only when listed, as in runc).
std::vector<detail::ArchLastSyscall> last_syscalls(const spec::Seccomp& cfg, const std::vector<uint32_t>& archs) {
    std::vector<detail::ArchLastSyscall> out;
    for (uint32_t arch : archs) {
        int last = 0;
        for (const auto& sc : cfg.syscalls)
            for (const auto& n : sc.names) {
                int nr = seccomp_syscall_resolve_name_arch(arch, n.c_str());
                if (nr > last) last = nr;
            }
        if (last > 0) out.push_back({arch, static_cast<uint32_t>(last)});
        else spdlog::warn("seccomp: no syscall of the profile exists on architecture {:#x}", arch);
    }
    return out;
}

}  // namespace

SeccompProgram compile_seccomp(const spec::Seccomp& cfg) {
    const unsigned kernel = seccomp_kernel_flags();
    if (cfg.defaultAction.empty()) throw Error("seccomp: defaultAction is required");
    const uint32_t defaultAction = parse_action(cfg.defaultAction, cfg.defaultErrnoRet, "seccomp defaultAction");

    SeccompProgram prog;
    for (const auto& sc : cfg.syscalls)
        if (sc.action == "SCMP_ACT_NOTIFY") prog.needsListener = true;
    validate_notify(cfg, prog.needsListener, kernel);
    prog.flags = resolve_flags(cfg, prog.needsListener, kernel);

    FilterCtx ctx(seccomp_init(defaultAction));
    if (!ctx) throw Error("seccomp: cannot create filter for default action " + cfg.defaultAction, EINVAL);

    std::vector<uint32_t> archs;
    for (const auto& name : cfg.architectures) {
        auto arch = lookup(kArchs, name);
        if (!arch) throw Error("seccomp: unknown architecture \"" + name + "\"");
        if (*arch == 0) throw Error("seccomp: architecture " + name + " is not supported by libseccomp " + libseccomp_version());
        int rc = seccomp_arch_add(ctx.get(), *arch);
        if (rc < 0 && rc != -EEXIST) throw_errno("seccomp: add architecture " + name, -rc);
        archs.push_back(*arch);
    }

    // seccomp_load is never used (berth loads the exported program itself),
    // but keep libseccomp from assuming no_new_privs.
    check_rc(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0), "seccomp: clear no_new_privs attribute");

    size_t ruleCount = 0;
    for (const auto& sc : cfg.syscalls) ruleCount += sc.names.size();
    if (ruleCount > kBinaryTreeThreshold) {
        int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (rc < 0) spdlog::debug("seccomp: binary tree optimisation unavailable: {}", errno_text(-rc));
    }

    for (size_t i = 0; i < cfg.syscalls.size(); ++i) {
        const auto& sc = cfg.syscalls[i];
        const std::string where = "seccomp syscalls[" + std::to_string(i) + "]";
        if (sc.names.empty()) throw Error(where + ": names must not be empty");
        const uint32_t action = parse_action(sc.action, sc.errnoRet, where);
        for (const auto& name : sc.names) {
            if (name.empty()) throw Error(where + ": empty syscall name");
            // A rule equal to the default action is redundant (libseccomp refuses it).
            if (action == defaultAction) continue;
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) {
                spdlog::debug("seccomp: unknown syscall \"{}\" ignored", name);
                continue;
            }
            add_rule(ctx.get(), action, nr, name, sc.args);
        }
    }

    prog.filter = export_bpf(ctx.get());

    const bool errnoIsEnosys = cfg.defaultAction == "SCMP_ACT_ERRNO" && cfg.defaultErrnoRet == static_cast<uint32_t>(ENOSYS);
    if (!is_allow_like(cfg.defaultAction) && !errnoIsEnosys) {
        auto stub = detail::enosys_stub(last_syscalls(cfg, archs));
        prog.filter.insert(prog.filter.begin(), stub.begin(), stub.end());
    }
    if (prog.filter.size() > kBpfMaxInsns)
        throw Error("seccomp: filter has " + std::to_string(prog.filter.size()) + " instructions, more than the kernel's " +
                        std::to_string(kBpfMaxInsns),
                    E2BIG);
    return prog;
}

UniqueFd load_seccomp(const SeccompProgram& prog) {
    if (prog.filter.empty() || prog.filter.size() > kBpfMaxInsns) throw Error("load seccomp filter: invalid program size", EINVAL);
    sock_fprog fprog{};
    fprog.len = static_cast<unsigned short>(prog.filter.size());
    fprog.filter = const_cast<sock_filter*>(prog.filter.data());
    unsigned flags = prog.flags;
    if (prog.needsListener) flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    BERTH_FAULT_MARK("seccomp", "load seccomp filter");
    long rc = seccomp_syscall(SECCOMP_SET_MODE_FILTER, flags, &fprog);
    if (rc < 0) throw_errno("load seccomp filter");
    if (prog.needsListener) return UniqueFd(static_cast<int>(rc));
    return UniqueFd();
}

unsigned int seccomp_kernel_flags() {
    unsigned flags = 0;
    for (unsigned bit : {SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                         SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_TSYNC_ESRCH})
        if (kernel_accepts(bit)) flags |= bit;
    // Only valid together with NEW_LISTENER.
    if (kernel_accepts(SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV))
        flags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    return flags;
}

std::vector<std::string> seccomp_known_actions() {
    std::vector<std::string> out{"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"};
    for (const auto& a : kPlainActions) out.emplace_back(a.name);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> seccomp_known_operators() {
    std::vector<std::string> out;
    for (const auto& o : kOperators) out.emplace_back(o.name);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> seccomp_known_archs() {
    std::vector<std::string> out;
    for (const auto& a : kArchs)
        if (a.value != 0) out.emplace_back(a.name);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> seccomp_known_flags() {
    std::vector<std::string> out;
    for (const auto& f : kFlags) out.emplace_back(f.name);
    return out;
}

std::vector<std::string> seccomp_supported_flags() {
    const unsigned kernel = seccomp_kernel_flags();
    std::vector<std::string> out;
    for (const auto& f : kFlags)
        if (kernel & f.value) out.emplace_back(f.name);
    return out;
}

std::string libseccomp_version() {
    const scmp_version* v = seccomp_version();
    if (!v) return "unknown";
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

}  // namespace berth::kernel

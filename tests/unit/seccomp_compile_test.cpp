// compile_seccomp: the produced BPF is run in a small classic-BPF interpreter
// against synthetic seccomp_data, so every action, operator and architecture
// is checked without loading anything into the kernel.
#include <catch2/catch.hpp>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.hpp"
#include "runtime/kernel/seccomp.hpp"

using berth::kernel::compile_seccomp;
using berth::kernel::SeccompProgram;
namespace spec = berth::spec;

namespace {

// Runs a seccomp filter the way the kernel does (the subset of classic BPF a
// seccomp program may use). Returns the SECCOMP_RET_* value.
uint32_t run_filter(const std::vector<sock_filter>& prog, const seccomp_data& data) {
    uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = {};
    auto word_at = [&](uint32_t off) {
        REQUIRE(off % 4 == 0);
        REQUIRE(off + 4 <= sizeof data);
        uint32_t v;
        std::memcpy(&v, reinterpret_cast<const char*>(&data) + off, 4);
        return v;
    };
    for (size_t pc = 0; pc < prog.size(); ++pc) {
        const sock_filter& i = prog[pc];
        const uint32_t src = BPF_SRC(i.code) == BPF_X ? X : i.k;
        switch (BPF_CLASS(i.code)) {
        case BPF_LD:
            if (BPF_MODE(i.code) == BPF_ABS) A = word_at(i.k);
            else if (BPF_MODE(i.code) == BPF_IMM) A = i.k;
            else if (BPF_MODE(i.code) == BPF_MEM) A = M[i.k];
            else if (BPF_MODE(i.code) == BPF_LEN) A = sizeof data;
            else FAIL("unsupported ld mode");
            break;
        case BPF_LDX:
            if (BPF_MODE(i.code) == BPF_IMM) X = i.k;
            else if (BPF_MODE(i.code) == BPF_MEM) X = M[i.k];
            else if (BPF_MODE(i.code) == BPF_LEN) X = sizeof data;
            else FAIL("unsupported ldx mode");
            break;
        case BPF_ST: M[i.k] = A; break;
        case BPF_STX: M[i.k] = X; break;
        case BPF_ALU:
            switch (BPF_OP(i.code)) {
            case BPF_ADD: A += src; break;
            case BPF_SUB: A -= src; break;
            case BPF_MUL: A *= src; break;
            case BPF_DIV: REQUIRE(src != 0); A /= src; break;
            case BPF_MOD: REQUIRE(src != 0); A %= src; break;
            case BPF_AND: A &= src; break;
            case BPF_OR: A |= src; break;
            case BPF_XOR: A ^= src; break;
            case BPF_LSH: A <<= src; break;
            case BPF_RSH: A >>= src; break;
            case BPF_NEG: A = -A; break;
            default: FAIL("unsupported alu op");
            }
            break;
        case BPF_JMP: {
            if (BPF_OP(i.code) == BPF_JA) {
                pc += i.k;
                break;
            }
            bool t = false;
            switch (BPF_OP(i.code)) {
            case BPF_JEQ: t = A == src; break;
            case BPF_JGT: t = A > src; break;
            case BPF_JGE: t = A >= src; break;
            case BPF_JSET: t = (A & src) != 0; break;
            default: FAIL("unsupported jmp op");
            }
            pc += t ? i.jt : i.jf;
            break;
        }
        case BPF_RET: return BPF_RVAL(i.code) == BPF_A ? A : i.k;
        case BPF_MISC:
            if (BPF_MISCOP(i.code) == BPF_TAX) X = A;
            else A = X;
            break;
        default: FAIL("unsupported instruction class");
        }
    }
    FAIL("filter fell off its end");
    return 0;
}

int nr_of(const char* name, uint32_t arch = SCMP_ARCH_X86_64) {
    int nr = seccomp_syscall_resolve_name_arch(arch, name);
    REQUIRE(nr >= 0);
    return nr;
}

uint32_t eval(const SeccompProgram& p, const char* name, std::initializer_list<uint64_t> args = {},
              uint32_t scmpArch = SCMP_ARCH_X86_64) {
    seccomp_data d{};
    d.nr = nr_of(name, scmpArch);
    d.arch = scmpArch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : scmpArch;
    size_t i = 0;
    for (uint64_t a : args) d.args[i++] = a;
    return run_filter(p.filter, d);
}

uint32_t eval_nr(const SeccompProgram& p, uint32_t nr, uint32_t auditArch = AUDIT_ARCH_X86_64) {
    seccomp_data d{};
    d.nr = static_cast<int>(nr);
    d.arch = auditArch;
    return run_filter(p.filter, d);
}

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t ret_errno(int e) { return SECCOMP_RET_ERRNO | static_cast<uint32_t>(e); }

spec::Seccomp allow_all_but(const std::string& name, const std::string& action, std::optional<uint32_t> errnoRet = {}) {
    spec::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.syscalls.push_back({{name}, action, errnoRet, {}});
    return s;
}

spec::Seccomp personality_rule(std::vector<spec::SeccompArg> args) {
    spec::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.syscalls.push_back({{"personality"}, "SCMP_ACT_ERRNO", EDOM, std::move(args)});
    return s;
}

}  // namespace

TEST_CASE("every action maps to its kernel return value", "[seccomp]") {
    struct Case {
        const char* action;
        std::optional<uint32_t> errnoRet;
        uint32_t expected;
    };
    const Case cases[] = {
        {"SCMP_ACT_KILL", {}, SECCOMP_RET_KILL_THREAD},
        {"SCMP_ACT_KILL_THREAD", {}, SECCOMP_RET_KILL_THREAD},
        {"SCMP_ACT_KILL_PROCESS", {}, SECCOMP_RET_KILL_PROCESS},
        {"SCMP_ACT_TRAP", {}, SECCOMP_RET_TRAP},
        {"SCMP_ACT_ERRNO", {}, ret_errno(EPERM)},
        {"SCMP_ACT_ERRNO", EXDEV, ret_errno(EXDEV)},
        {"SCMP_ACT_TRACE", {}, SECCOMP_RET_TRACE | EPERM},
        {"SCMP_ACT_TRACE", 7u, SECCOMP_RET_TRACE | 7u},
        {"SCMP_ACT_LOG", {}, SECCOMP_RET_LOG},
    };
    for (const auto& c : cases) {
        INFO(c.action);
        auto p = compile_seccomp(allow_all_but("mkdir", c.action, c.errnoRet));
        CHECK(eval(p, "mkdir") == c.expected);
        CHECK(eval(p, "getpid") == kAllow);
        CHECK_FALSE(p.needsListener);
    }
    SECTION("SCMP_ACT_NOTIFY asks for a listener") {
        auto s = allow_all_but("mkdir", "SCMP_ACT_NOTIFY");
        s.listenerPath = "/run/agent.sock";
        auto p = compile_seccomp(s);
        CHECK(eval(p, "mkdir") == SECCOMP_RET_USER_NOTIF);
        CHECK(eval(p, "getpid") == kAllow);
        CHECK(p.needsListener);
    }
    SECTION("SCMP_ACT_ALLOW rules under a denying default") {
        spec::Seccomp s;
        s.defaultAction = "SCMP_ACT_ERRNO";
        s.defaultErrnoRet = EACCES;
        s.syscalls.push_back({{"getpid", "read"}, "SCMP_ACT_ALLOW", {}, {}});
        auto p = compile_seccomp(s);
        CHECK(eval(p, "getpid") == kAllow);
        CHECK(eval(p, "read") == kAllow);
        CHECK(eval(p, "mkdir") == ret_errno(EACCES));
    }
}

TEST_CASE("default actions", "[seccomp]") {
    spec::Seccomp s;
    s.syscalls.push_back({{"getpid"}, "SCMP_ACT_ALLOW", {}, {}});
    s.syscalls.push_back({{"read"}, "SCMP_ACT_ALLOW", {}, {}});
    SECTION("SCMP_ACT_ERRNO defaults to EPERM") {
        s.defaultAction = "SCMP_ACT_ERRNO";
        CHECK(eval(compile_seccomp(s), "mkdir") == ret_errno(EPERM));
    }
    SECTION("SCMP_ACT_KILL_PROCESS") {
        s.defaultAction = "SCMP_ACT_KILL_PROCESS";
        auto p = compile_seccomp(s);
        CHECK(eval(p, "mkdir") == SECCOMP_RET_KILL_PROCESS);
        CHECK(eval(p, "getpid") == kAllow);
    }
    SECTION("SCMP_ACT_LOG") {
        s.defaultAction = "SCMP_ACT_LOG";
        CHECK(eval(compile_seccomp(s), "mkdir") == SECCOMP_RET_LOG);
    }
    SECTION("a rule equal to the default is dropped, not an error") {
        s.defaultAction = "SCMP_ACT_ALLOW";
        s.syscalls.push_back({{"mkdir"}, "SCMP_ACT_ERRNO", {}, {}});
        auto p = compile_seccomp(s);
        CHECK(eval(p, "getpid") == kAllow);
        CHECK(eval(p, "mkdir") == ret_errno(EPERM));
    }
}

TEST_CASE("every comparison operator", "[seccomp]") {
    auto cond = [](const char* op, uint64_t v, uint64_t v2 = 0) {
        return personality_rule({{0, v, v2, op}});
    };
    const uint32_t denied = ret_errno(EDOM);
    {
        auto p = compile_seccomp(cond("SCMP_CMP_EQ", 0xffffffff));
        CHECK(eval(p, "personality", {0xffffffff}) == denied);
        CHECK(eval(p, "personality", {8}) == kAllow);
    }
    {
        auto p = compile_seccomp(cond("SCMP_CMP_NE", 0xffffffff));
        CHECK(eval(p, "personality", {0xffffffff}) == kAllow);
        CHECK(eval(p, "personality", {0}) == denied);
        CHECK(eval(p, "personality", {0x20008}) == denied);
    }
    {
        auto p = compile_seccomp(cond("SCMP_CMP_LT", 100));
        CHECK(eval(p, "personality", {99}) == denied);
        CHECK(eval(p, "personality", {100}) == kAllow);
    }
    {
        auto p = compile_seccomp(cond("SCMP_CMP_LE", 100));
        CHECK(eval(p, "personality", {100}) == denied);
        CHECK(eval(p, "personality", {101}) == kAllow);
    }
    {
        auto p = compile_seccomp(cond("SCMP_CMP_GT", 100));
        CHECK(eval(p, "personality", {101}) == denied);
        CHECK(eval(p, "personality", {100}) == kAllow);
        // all 64 bits take part
        CHECK(eval(p, "personality", {0x100000000ULL}) == denied);
    }
    {
        auto p = compile_seccomp(cond("SCMP_CMP_GE", 100));
        CHECK(eval(p, "personality", {100}) == denied);
        CHECK(eval(p, "personality", {99}) == kAllow);
    }
    {
        // value is the mask, valueTwo the expected masked value (clone's namespace check)
        auto p = compile_seccomp(cond("SCMP_CMP_MASKED_EQ", 0x7E020000, 0));
        CHECK(eval(p, "personality", {0x11}) == denied);             // no masked bit set
        CHECK(eval(p, "personality", {0x20000000}) == kAllow);       // CLONE_NEWUTS-like bit set
        CHECK(eval(p, "personality", {0x20000 | 0x11}) == kAllow);   // CLONE_NEWNS bit
    }
}

TEST_CASE("argument conditions: distinct indexes AND, a repeated index ORs", "[seccomp]") {
    SECTION("two indexes in one rule must both match") {
        spec::Seccomp s;
        s.defaultAction = "SCMP_ACT_ALLOW";
        s.syscalls.push_back({{"socket"}, "SCMP_ACT_ERRNO", EAFNOSUPPORT,
                              {{0, 40, 0, "SCMP_CMP_EQ"}, {1, 1, 0, "SCMP_CMP_EQ"}}});
        auto p = compile_seccomp(s);
        CHECK(eval(p, "socket", {40, 1, 0}) == ret_errno(EAFNOSUPPORT));
        CHECK(eval(p, "socket", {40, 2, 0}) == kAllow);
        CHECK(eval(p, "socket", {2, 1, 0}) == kAllow);
    }
    SECTION("two conditions on one index become separate rules (runc)") {
        auto p = compile_seccomp(personality_rule({{0, 8, 0, "SCMP_CMP_EQ"}, {0, 0x20000, 0, "SCMP_CMP_EQ"}}));
        CHECK(eval(p, "personality", {8}) == ret_errno(EDOM));
        CHECK(eval(p, "personality", {0x20000}) == ret_errno(EDOM));
        CHECK(eval(p, "personality", {0xffffffff}) == kAllow);
    }
}

TEST_CASE("architectures", "[seccomp]") {
    spec::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    s.syscalls.push_back({{"mkdir"}, "SCMP_ACT_ERRNO", EXDEV, {}});
    SECTION("only the native arch when none is listed; others hit the bad-arch kill") {
        auto p = compile_seccomp(s);
        CHECK(eval(p, "mkdir") == ret_errno(EXDEV));
        CHECK(eval_nr(p, nr_of("mkdir", SCMP_ARCH_X86), AUDIT_ARCH_I386) == SECCOMP_RET_KILL_THREAD);
    }
    SECTION("listed archs are added, the native one stays") {
        s.architectures = {"SCMP_ARCH_X86", "SCMP_ARCH_X32"};
        auto p = compile_seccomp(s);
        CHECK(eval(p, "mkdir") == ret_errno(EXDEV));
        CHECK(eval(p, "mkdir", {}, SCMP_ARCH_X86) == ret_errno(EXDEV));
        CHECK(eval(p, "getpid", {}, SCMP_ARCH_X86) == kAllow);
        CHECK(eval(p, "mkdir", {}, SCMP_ARCH_X32) == ret_errno(EXDEV));
        CHECK(eval_nr(p, 0, AUDIT_ARCH_AARCH64) == SECCOMP_RET_KILL_THREAD);
    }
    SECTION("listing the native arch again is fine") {
        s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86_64"};
        CHECK(eval(compile_seccomp(s), "mkdir") == ret_errno(EXDEV));
    }
    SECTION("a 32-bit-only name applies to x86 only") {
        s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"};
        s.syscalls.push_back({{"chown32"}, "SCMP_ACT_ERRNO", EROFS, {}});
        auto p = compile_seccomp(s);
        CHECK(eval(p, "chown32", {}, SCMP_ARCH_X86) == ret_errno(EROFS));
        CHECK(eval(p, "chown") == kAllow);
    }
}

TEST_CASE("unknown syscall names are skipped", "[seccomp]") {
    spec::Seccomp with;
    with.defaultAction = "SCMP_ACT_ERRNO";
    with.architectures = {"SCMP_ARCH_X86_64"};
    with.syscalls.push_back({{"getpid", "no_such_syscall_berth", "read"}, "SCMP_ACT_ALLOW", {}, {}});
    with.syscalls.push_back({{"another_unknown_one"}, "SCMP_ACT_KILL", {}, {}});
    spec::Seccomp without = with;
    without.syscalls = {{{"getpid", "read"}, "SCMP_ACT_ALLOW", {}, {}}};

    auto a = compile_seccomp(with);
    auto b = compile_seccomp(without);
    REQUIRE(a.filter.size() == b.filter.size());
    CHECK(std::memcmp(a.filter.data(), b.filter.data(), a.filter.size() * sizeof(sock_filter)) == 0);
    CHECK(eval(a, "getpid") == kAllow);
}

TEST_CASE("ENOSYS for syscalls newer than the profile (runc's stub)", "[seccomp]") {
    spec::Seccomp s;
    s.defaultAction = "SCMP_ACT_ERRNO";
    s.defaultErrnoRet = EPERM;
    s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    s.syscalls.push_back({{"read", "write", "openat", "exit_group"}, "SCMP_ACT_ALLOW", {}, {}});
    const uint32_t last64 = static_cast<uint32_t>(nr_of("openat"));  // the largest of the four on x86_64

    auto p = compile_seccomp(s);
    CHECK(eval(p, "read") == kAllow);
    CHECK(eval(p, "mkdir") == ret_errno(EPERM));          // older than the profile: default
    CHECK(eval_nr(p, last64 + 1) == ret_errno(ENOSYS));   // newer: ENOSYS
    CHECK(eval_nr(p, 1000) == ret_errno(ENOSYS));
    CHECK(eval(p, "read", {}, SCMP_ARCH_X86) == kAllow);
    CHECK(eval(p, "mkdir", {}, SCMP_ARCH_X86) == ret_errno(EPERM));
    CHECK(eval_nr(p, 1000, AUDIT_ARCH_I386) == ret_errno(ENOSYS));
    CHECK(eval(p, "read", {}, SCMP_ARCH_X32) == kAllow);
    CHECK(eval_nr(p, 0x40000000U + 1000) == ret_errno(ENOSYS));  // x32 call past the x32 table

    SECTION("not with a permissive default") {
        s.defaultAction = "SCMP_ACT_ALLOW";
        s.defaultErrnoRet.reset();
        s.syscalls = {{{"mkdir"}, "SCMP_ACT_ERRNO", {}, {}}};
        CHECK(eval_nr(compile_seccomp(s), 1000) == kAllow);
    }
    SECTION("not when the default already returns ENOSYS") {
        s.defaultErrnoRet = ENOSYS;
        auto q = compile_seccomp(s);
        CHECK(eval_nr(q, 1000) == ret_errno(ENOSYS));
        CHECK(q.filter.size() < p.filter.size());
    }
}

TEST_CASE("flags", "[seccomp]") {
    const unsigned kernel = berth::kernel::seccomp_kernel_flags();
    auto s = allow_all_but("mkdir", "SCMP_ACT_ERRNO");
    SECTION("no flags: SPEC_ALLOW when the kernel has it (runc's default)") {
        CHECK(compile_seccomp(s).flags == (kernel & SECCOMP_FILTER_FLAG_SPEC_ALLOW));
    }
    SECTION("listed flags are passed") {
        if (!(kernel & SECCOMP_FILTER_FLAG_LOG)) return;
        s.flags = {"SECCOMP_FILTER_FLAG_LOG"};
        CHECK(compile_seccomp(s).flags == SECCOMP_FILTER_FLAG_LOG);
        if (!(kernel & SECCOMP_FILTER_FLAG_TSYNC)) return;
        s.flags.push_back("SECCOMP_FILTER_FLAG_TSYNC");
        CHECK(compile_seccomp(s).flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_TSYNC));
    }
    SECTION("WAIT_KILLABLE_RECV only with a listener") {
        if (!(kernel & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)) return;
        s.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
        CHECK(compile_seccomp(s).flags == 0);
        auto n = allow_all_but("mkdir", "SCMP_ACT_NOTIFY");
        n.listenerPath = "/run/agent.sock";
        n.flags = s.flags;
        CHECK(compile_seccomp(n).flags == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    }
    SECTION("TSYNC with a listener needs TSYNC_ESRCH (or is dropped)") {
        if (!(kernel & SECCOMP_FILTER_FLAG_TSYNC)) return;
        auto n = allow_all_but("mkdir", "SCMP_ACT_NOTIFY");
        n.listenerPath = "/run/agent.sock";
        n.flags = {"SECCOMP_FILTER_FLAG_TSYNC"};
        const unsigned expected = (kernel & SECCOMP_FILTER_FLAG_TSYNC_ESRCH)
                                      ? (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH)
                                      : 0u;
        CHECK(compile_seccomp(n).flags == expected);
    }
    SECTION("unknown flag") {
        s.flags = {"SECCOMP_FILTER_FLAG_BOGUS"};
        CHECK_THROWS_WITH(compile_seccomp(s), Catch::Contains("SECCOMP_FILTER_FLAG_BOGUS is not known"));
    }
}

TEST_CASE("invalid profiles are refused", "[seccomp]") {
    using Catch::Contains;
    auto base = allow_all_but("mkdir", "SCMP_ACT_ERRNO");
    {
        auto s = base;
        s.defaultAction = "SCMP_ACT_BOGUS";
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("unknown action"));
    }
    {
        auto s = base;
        s.defaultAction.clear();
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("defaultAction is required"));
    }
    {
        auto s = base;
        s.defaultErrnoRet = 5;  // default is ALLOW: no errno
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("errnoRet is not supported by action SCMP_ACT_ALLOW"));
    }
    {
        auto s = allow_all_but("mkdir", "SCMP_ACT_KILL", 5);
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("errnoRet is not supported by action SCMP_ACT_KILL"));
    }
    {
        auto s = base;
        s.syscalls[0].args = {{0, 1, 0, "SCMP_CMP_ALMOST"}};
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("unknown operator"));
    }
    {
        auto s = base;
        s.syscalls[0].args = {{6, 1, 0, "SCMP_CMP_EQ"}};
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("argument index 6 is out of range"));
    }
    {
        auto s = base;
        s.architectures = {"SCMP_ARCH_Z80"};
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("unknown architecture"));
    }
    {
        auto s = base;
        s.syscalls[0].names.clear();
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("names must not be empty"));
    }
    {
        auto s = allow_all_but("mkdir", "SCMP_ACT_NOTIFY");
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("listenerPath is not set"));
        s.listenerPath = "/run/agent.sock";
        s.syscalls[0].names.push_back("write");
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("cannot be used for the write syscall"));
    }
    {
        auto s = base;
        s.defaultAction = "SCMP_ACT_NOTIFY";
        s.listenerPath = "/run/agent.sock";
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("cannot be the default action"));
    }
    {
        auto s = base;
        s.listenerMetadata = "x";
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("listenerMetadata is set but listenerPath is not"));
    }
    {
        auto s = allow_all_but("mkdir", "SCMP_ACT_ERRNO", 70000);
        CHECK_THROWS_WITH(compile_seccomp(s), Contains("out of range"));
    }
}

TEST_CASE("feature lists for `berth features`", "[seccomp]") {
    auto has = [](const std::vector<std::string>& v, const char* s) { return std::find(v.begin(), v.end(), s) != v.end(); };
    auto actions = berth::kernel::seccomp_known_actions();
    CHECK(actions.size() == 9);
    for (const char* a : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                          "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"})
        CHECK(has(actions, a));
    CHECK(std::is_sorted(actions.begin(), actions.end()));
    auto ops = berth::kernel::seccomp_known_operators();
    CHECK(ops.size() == 7);
    CHECK(has(ops, "SCMP_CMP_MASKED_EQ"));
    auto archs = berth::kernel::seccomp_known_archs();
    CHECK(has(archs, "SCMP_ARCH_X86_64"));
    CHECK(has(archs, "SCMP_ARCH_X32"));
    CHECK(has(archs, "SCMP_ARCH_AARCH64"));
    auto known = berth::kernel::seccomp_known_flags();
    CHECK(known.size() == 4);
    for (const auto& f : berth::kernel::seccomp_supported_flags()) CHECK(has(known, f.c_str()));
    CHECK(berth::kernel::libseccomp_version().find('.') != std::string::npos);
}

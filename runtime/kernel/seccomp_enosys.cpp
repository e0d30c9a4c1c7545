// Layout of the stub (all "to filter" jumps are unconditional `ja`, whose
// offset is 32 bits wide, so no conditional jump ever needs more than 8 bits):
//
//   ld  [4]                        ; seccomp_data.arch
//   jeq AUDIT_ARCH_A, 0, 1 ; ja section_A     (one pair per audit arch)
//   ...
//   ja  filter                     ; an arch we have no section for
// section_A:
//   ld  [0]                        ; seccomp_data.nr
//   jgt LAST_A, 0, 1 ; ret ENOSYS ; ja filter
// section_x86_64 (x86_64 and x32 share AUDIT_ARCH_X86_64, split on the x32 bit):
//   ld  [0] ; jset X32_BIT, N, 0 ; <x86_64 check or ja filter> ; <x32 check or ja filter>
#include "runtime/kernel/seccomp_enosys.hpp"

#include <linux/audit.h>
#include <seccomp.h>

#include <cerrno>
#include <cstddef>
#include <linux/seccomp.h>
#include <map>

#include "common/error.hpp"

namespace berth::kernel::detail {
namespace {

constexpr uint32_t kX32SyscallBit = 0x40000000U;
constexpr uint32_t kRetEnosys = SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA);
constexpr uint32_t kOffsetNr = offsetof(seccomp_data, nr);
constexpr uint32_t kOffsetArch = offsetof(seccomp_data, arch);

sock_filter stmt(uint16_t code, uint32_t k) { return sock_filter{code, 0, 0, k}; }
sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) { return sock_filter{code, jt, jf, k}; }

// The AUDIT_ARCH_* value the kernel reports for a libseccomp arch token. They
// are the same number except for x32, which libseccomp gives a made-up token.
uint32_t audit_arch(uint32_t scmpArch) {
    if (scmpArch == SCMP_ARCH_X32) return AUDIT_ARCH_X86_64;
    if (scmpArch == SCMP_ARCH_NATIVE) throw Error("seccomp enosys stub: unresolved native arch");
    return scmpArch;
}

class StubBuilder {
public:
    void emit(sock_filter insn) { code_.push_back(insn); }
    // A `ja` to the first instruction of the real filter, patched in finish().
    void jump_to_filter() {
        toFilter_.push_back(code_.size());
        emit(stmt(BPF_JMP | BPF_JA, 0));
    }
    // "if nr > last: return ENOSYS; else go to the filter"
    void check_last(uint32_t last) {
        emit(jump(BPF_JMP | BPF_JGT | BPF_K, last, 0, 1));
        emit(stmt(BPF_RET | BPF_K, kRetEnosys));
        jump_to_filter();
    }
    size_t size() const { return code_.size(); }
    sock_filter& at(size_t i) { return code_[i]; }
    std::vector<sock_filter> finish() {
        for (size_t i : toFilter_) code_[i].k = static_cast<uint32_t>(code_.size() - i - 1);
        return std::move(code_);
    }

private:
    std::vector<sock_filter> code_;
    std::vector<size_t> toFilter_;
};

}  // namespace

std::vector<sock_filter> enosys_stub(const std::vector<ArchLastSyscall>& archs) {
    if (archs.empty()) return {};

    // audit arch -> (libseccomp arch -> last syscall); only x86_64 holds two.
    std::map<uint32_t, std::map<uint32_t, uint32_t>> byAudit;
    for (const auto& a : archs) {
        auto& last = byAudit[audit_arch(a.scmpArch)][a.scmpArch];
        if (a.lastSyscall > last) last = a.lastSyscall;
    }

    StubBuilder b;
    b.emit(stmt(BPF_LD | BPF_W | BPF_ABS, kOffsetArch));
    std::vector<std::pair<size_t, uint32_t>> sectionJumps;  // (index of ja, audit arch)
    for (const auto& [audit, _] : byAudit) {
        b.emit(jump(BPF_JMP | BPF_JEQ | BPF_K, audit, 0, 1));
        sectionJumps.emplace_back(b.size(), audit);
        b.emit(stmt(BPF_JMP | BPF_JA, 0));
    }
    b.jump_to_filter();

    for (const auto& [audit, lasts] : byAudit) {
        for (auto& [at, target] : sectionJumps)
            if (target == audit) b.at(at).k = static_cast<uint32_t>(b.size() - at - 1);
        b.emit(stmt(BPF_LD | BPF_W | BPF_ABS, kOffsetNr));

        if (audit == AUDIT_ARCH_X86_64) {
            auto x64 = lasts.find(SCMP_ARCH_X86_64);
            auto x32 = lasts.find(SCMP_ARCH_X32);
            // x86_64 part is 3 instructions when checked, 1 (ja filter) when not.
            const uint8_t skip = x64 != lasts.end() ? 3 : 1;
            b.emit(jump(BPF_JMP | BPF_JSET | BPF_K, kX32SyscallBit, skip, 0));
            if (x64 != lasts.end()) b.check_last(x64->second);
            else b.jump_to_filter();
            if (x32 != lasts.end()) b.check_last(x32->second);
            else b.jump_to_filter();
            continue;
        }
        if (lasts.size() != 1) throw Error("seccomp enosys stub: unexpected arch overlap");
        // s390(x) multiplexes large syscall numbers through setup(2) = 0; an
        // unknown one arrives as 0 and must get ENOSYS as well.
        if (audit == AUDIT_ARCH_S390 || audit == AUDIT_ARCH_S390X) {
            b.emit(jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1));
            b.emit(stmt(BPF_RET | BPF_K, kRetEnosys));
        }
        b.check_last(lasts.begin()->second);
    }
    return b.finish();
}

}  // namespace berth::kernel::detail

#include "runtime/cgroups/device_filter.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace berth::cgroups {

namespace {

constexpr uint8_t R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

bpf_insn load_word(uint8_t dst, uint8_t src, int16_t off) {
    return insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0);
}
bpf_insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm) {
    return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn mov32_reg(uint8_t dst, uint8_t src) {
    return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}
bpf_insn mov64_imm(uint8_t dst, int32_t imm) {
    return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}
// 32-bit compares: major and minor are u32 and may exceed INT32_MAX.
bpf_insn jne32_imm(uint8_t dst, uint32_t imm, int16_t off) {
    return insn(BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, off, static_cast<int32_t>(imm));
}
bpf_insn jne_reg(uint8_t dst, uint8_t src, int16_t off) {
    return insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, off, 0);
}
bpf_insn exit_insn() {
    return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

long sys_bpf(int cmd, bpf_attr* attr) {
    return ::syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

uint64_t ptr(const void* p) {
    return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p));
}

UniqueFd load(const std::vector<bpf_insn>& program, const std::string& where) {
    static const char kLicense[] = "GPL";
    bpf_attr attr{};
    std::memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = ptr(program.data());
    attr.insn_cnt = static_cast<uint32_t>(program.size());
    attr.license = ptr(kLicense);
    long fd = sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd < 0 && errno == EPERM) {
        // Before Linux 5.11 programs were charged to RLIMIT_MEMLOCK.
        rlimit lim{RLIM_INFINITY, RLIM_INFINITY};
        if (::setrlimit(RLIMIT_MEMLOCK, &lim) == 0) fd = sys_bpf(BPF_PROG_LOAD, &attr);
    }
    if (fd < 0) {
        int err = errno;
        std::string log(64 * 1024, '\0');
        attr.log_level = 1;
        attr.log_buf = ptr(log.data());
        attr.log_size = static_cast<uint32_t>(log.size());
        long again = sys_bpf(BPF_PROG_LOAD, &attr);
        if (again >= 0) return UniqueFd(static_cast<int>(again));
        log.resize(std::strlen(log.c_str()));
        throw Error("load device filter for " + where + ": " + errno_text(err) +
                        (log.empty() ? "" : " (verifier: " + log + ")"),
                    err);
    }
    return UniqueFd(static_cast<int>(fd));
}

UniqueFd prog_fd_by_id(uint32_t id) {
    bpf_attr attr{};
    std::memset(&attr, 0, sizeof attr);
    attr.prog_id = id;
    return UniqueFd(static_cast<int>(sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr)));
}

int attach(int cgroupFd, int progFd, uint32_t flags, int replaceFd) {
    bpf_attr attr{};
    std::memset(&attr, 0, sizeof attr);
    attr.target_fd = static_cast<uint32_t>(cgroupFd);
    attr.attach_bpf_fd = static_cast<uint32_t>(progFd);
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = flags;
    if (replaceFd >= 0) attr.replace_bpf_fd = static_cast<uint32_t>(replaceFd);
    return sys_bpf(BPF_PROG_ATTACH, &attr) == 0 ? 0 : errno;
}

int detach(int cgroupFd, int progFd) {
    bpf_attr attr{};
    std::memset(&attr, 0, sizeof attr);
    attr.target_fd = static_cast<uint32_t>(cgroupFd);
    attr.attach_bpf_fd = static_cast<uint32_t>(progFd);
    attr.attach_type = BPF_CGROUP_DEVICE;
    return sys_bpf(BPF_PROG_DETACH, &attr) == 0 ? 0 : errno;
}

void detach_all(int cgroupFd, const std::vector<uint32_t>& ids, const std::string& where) {
    for (uint32_t id : ids) {
        UniqueFd old = prog_fd_by_id(id);
        if (!old) {
            if (errno == ENOENT) continue;  // already gone
            throw_errno("open device filter " + std::to_string(id) + " of " + where);
        }
        int err = detach(cgroupFd, old.get());
        if (err && err != ENOENT) throw_errno("detach device filter " + std::to_string(id) + " from " + where, err);
    }
}

}  // namespace

std::vector<bpf_insn> device_filter_program(const std::vector<DeviceRule>& rules, bool defaultAllow) {
    std::vector<bpf_insn> p = {
        load_word(R2, R1, 0),          // R2 = access_type
        alu32_imm(BPF_AND, R2, 0xFFFF), //      & 0xffff: the device type
        load_word(R3, R1, 0),          // R3 = access_type
        alu32_imm(BPF_RSH, R3, 16),    //      >> 16: the requested access
        load_word(R4, R1, 4),          // R4 = major
        load_word(R5, R1, 8),          // R5 = minor
    };
    for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
        const DeviceRule& r = *it;
        const bool checkType = r.type != 'a';
        const bool checkAccess = (r.access & kAccessAll) != kAccessAll;
        const bool checkMajor = r.major >= 0;
        const bool checkMinor = r.minor >= 0;
        // Each test jumps past the rest of this block (to the next rule) on mismatch.
        int16_t remaining = static_cast<int16_t>((checkType ? 1 : 0) + (checkAccess ? 3 : 0) + (checkMajor ? 1 : 0) +
                                                 (checkMinor ? 1 : 0) + 2);
        auto skip = [&](int16_t size) { return static_cast<int16_t>(remaining - size); };
        if (checkType) {
            int32_t type = r.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
            p.push_back(jne32_imm(R2, static_cast<uint32_t>(type), skip(1)));
            remaining -= 1;
        }
        if (checkAccess) {
            int32_t acc = 0;
            if (r.access & kAccessRead) acc |= BPF_DEVCG_ACC_READ;
            if (r.access & kAccessWrite) acc |= BPF_DEVCG_ACC_WRITE;
            if (r.access & kAccessMknod) acc |= BPF_DEVCG_ACC_MKNOD;
            p.push_back(mov32_reg(R1, R3));             // R1 = requested
            p.push_back(alu32_imm(BPF_AND, R1, acc));   // R1 &= granted
            p.push_back(jne_reg(R1, R3, skip(3)));      // some bit not granted: next rule
            remaining -= 3;
        }
        if (checkMajor) {
            p.push_back(jne32_imm(R4, static_cast<uint32_t>(r.major), skip(1)));
            remaining -= 1;
        }
        if (checkMinor) {
            p.push_back(jne32_imm(R5, static_cast<uint32_t>(r.minor), skip(1)));
            remaining -= 1;
        }
        p.push_back(mov64_imm(R0, r.allow ? 1 : 0));
        p.push_back(exit_insn());
        // A rule that matches everything hides all rules before it.
        if (!checkType && !checkAccess && !checkMajor && !checkMinor) return p;
    }
    p.push_back(mov64_imm(R0, defaultAllow ? 1 : 0));
    p.push_back(exit_insn());
    return p;
}

std::vector<uint32_t> attached_device_programs(int cgroupFd, const std::string& where) {
    std::vector<uint32_t> ids(64);
    for (;;) {
        bpf_attr attr{};
        std::memset(&attr, 0, sizeof attr);
        attr.query.target_fd = static_cast<uint32_t>(cgroupFd);
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = ptr(ids.data());
        attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
        if (sys_bpf(BPF_PROG_QUERY, &attr) == 0) {
            ids.resize(attr.query.prog_cnt);
            return ids;
        }
        if (errno == ENOSPC && ids.size() < 65536) {
            ids.resize(ids.size() * 4);
            continue;
        }
        throw_errno("query device filters of " + where);
    }
}

void install_device_filter(int cgroupFd, const std::vector<bpf_insn>& program, const std::string& where) {
    UniqueFd prog = load(program, where);
    std::vector<uint32_t> old = attached_device_programs(cgroupFd, where);

    if (old.size() == 1) {
        // Atomic swap: no instant without a filter, and nothing left behind.
        UniqueFd oldFd = prog_fd_by_id(old[0]);
        if (oldFd) {
            int err = attach(cgroupFd, prog.get(), BPF_F_ALLOW_MULTI | BPF_F_REPLACE, oldFd.get());
            if (err == 0) return;
            if (err != EINVAL && err != ENOENT && err != EPERM)
                throw_errno("attach device filter to " + where, err);
            // EINVAL: no BPF_F_REPLACE (before 5.6) or the old one is not multi; fall through.
        }
    }
    int err = attach(cgroupFd, prog.get(), BPF_F_ALLOW_MULTI, -1);
    if (err == EPERM && !old.empty()) {
        // The old program was attached without BPF_F_ALLOW_MULTI: it must go first.
        detach_all(cgroupFd, old, where);
        old.clear();
        err = attach(cgroupFd, prog.get(), BPF_F_ALLOW_MULTI, -1);
    }
    if (err) throw_errno("attach device filter to " + where, err);
    detach_all(cgroupFd, old, where);
}

}  // namespace berth::cgroups

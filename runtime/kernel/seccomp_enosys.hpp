// runc's "-ENOSYS stub": a few BPF instructions put in front of libseccomp's
// filter so that a syscall newer than every syscall the profile names (i.e.
// one the profile's author could not know about) fails with ENOSYS instead of
// the profile's default errno. glibc and friends treat ENOSYS as "not
// implemented, use the fallback" but EPERM as a real failure (clone3,
// faccessat2, close_range... broke exactly this way before runc added it).
// Internal to the seccomp files.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <vector>

namespace berth::kernel::detail {

// The largest syscall number the profile names on one libseccomp arch token
// (SCMP_ARCH_*; for x32 the number includes the x32 bit, as libseccomp gives it).
struct ArchLastSyscall {
    uint32_t scmpArch = 0;
    uint32_t lastSyscall = 0;
};

// The stub to prepend to the exported filter. Every path through it either
// returns ENOSYS or jumps to the first instruction after the stub. Empty when
// `archs` is empty. Throws berth::Error for an arch it cannot map.
std::vector<sock_filter> enosys_stub(const std::vector<ArchLastSyscall>& archs);

}  // namespace berth::kernel::detail

// A cache of compiled seccomp programs, so that the ~30 ms libseccomp compile
// of Docker's profile happens once per (profile, libseccomp, kernel) instead of
// once per container.
//
// Entry: <cacheDir>/<32 hex digits of the key>.bpf, written atomically (temp
// file + rename). The key is XXH3-128 over a canonical serialization of every
// field of the seccomp section that affects the program, the libseccomp
// version and API level, the native arch, the kernel release and machine and
// the seccomp flags the kernel accepts. An entry is used only after checking
// magic, format version, full key, length and checksum, and that it is a
// regular file owned by us and writable by nobody else; anything else is
// recompiled and replaced, never trusted. After a miss the directory is
// trimmed to the 64 most recently written entries. The directory is created 0700 and
// must be owned by the caller; keep it outside every container's rootfs
// (e.g. "<berth --root>/seccomp-cache").
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "runtime/kernel/seccomp.hpp"
#include "spec/config.hpp"

namespace berth::kernel {

using SeccompCacheKey = std::array<uint8_t, 16>;

// The key for `cfg` on this machine (deterministic; any change to a field that
// shapes the program gives a different key).
SeccompCacheKey seccomp_cache_key(const spec::Seccomp& cfg);
std::string seccomp_cache_key_hex(const SeccompCacheKey& key);

// Returns the program for `cfg`, from the cache when a valid entry exists,
// else compiles it (compile_seccomp) and stores it. `*compiled` (if given) is
// set to whether libseccomp compiled it. A cache that cannot be read or written
// is logged and bypassed, never fatal; an invalid profile still throws.
SeccompProgram load_or_compile_seccomp(const spec::Seccomp& cfg, const std::string& cacheDir, bool* compiled = nullptr);

// Path of the entry for `key` in cacheDir (for tests and `berth` debugging).
std::string seccomp_cache_entry_path(const std::string& cacheDir, const SeccompCacheKey& key);

}  // namespace berth::kernel

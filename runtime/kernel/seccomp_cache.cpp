#include "runtime/kernel/seccomp_cache.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>
#include <string_view>
#include <utility>

#include "common/error.hpp"

namespace berth::kernel {
namespace {

constexpr char kMagic[8] = {'B', 'E', 'R', 'T', 'H', 'S', 'C', 'F'};
constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kMaxInsns = 4096;
// Entries are ~10 KiB and engines use a handful of profiles; past this many
// (old kernels, libseccomp upgrades) the least recently written ones go.
constexpr size_t kMaxEntries = 64;
constexpr unsigned kKnownFlags = SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW |
                                 SECCOMP_FILTER_FLAG_TSYNC_ESRCH | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;

// On-disk header; native byte order (an entry never leaves this machine).
struct EntryHeader {
    char magic[8];
    uint32_t version;
    uint32_t flags;
    uint32_t needsListener;
    uint32_t count;  // sock_filter instructions that follow
    uint8_t key[16];
    uint64_t checksum;  // XXH3-64 of this header (checksum = 0) and the program
};
static_assert(sizeof(EntryHeader) == 48);

// Length-prefixed, tagged fields: no two different sections serialize alike.
class KeyWriter {
public:
    void u8(uint8_t v) { buf_.push_back(static_cast<char>(v)); }
    void u64(uint64_t v) {
        for (int i = 0; i < 8; ++i) buf_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
    void str(std::string_view s) {
        u64(s.size());
        buf_.append(s);
    }
    void opt(const std::optional<uint32_t>& v) {
        u8(v ? 1 : 0);
        if (v) u64(*v);
    }
    void strings(const std::vector<std::string>& v) {
        u64(v.size());
        for (const auto& s : v) str(s);
    }
    const std::string& data() const { return buf_; }

private:
    std::string buf_;
};

std::string serialize_for_key(const spec::Seccomp& cfg) {
    KeyWriter w;
    w.str("berth-seccomp-key-v1");
    w.str(cfg.defaultAction);
    w.opt(cfg.defaultErrnoRet);
    w.strings(cfg.architectures);
    w.strings(cfg.flags);
    // Only whether a listener is configured shapes the result (validation);
    // the path and metadata themselves do not, so agents do not split the cache.
    w.u8(cfg.listenerPath.empty() ? 0 : 1);
    w.u8(cfg.listenerMetadata.empty() ? 0 : 1);
    w.u64(cfg.syscalls.size());
    for (const auto& sc : cfg.syscalls) {
        w.strings(sc.names);
        w.str(sc.action);
        w.opt(sc.errnoRet);
        w.u64(sc.args.size());
        for (const auto& a : sc.args) {
            w.u64(a.index);
            w.u64(a.value);
            w.u64(a.valueTwo);
            w.str(a.op);
        }
    }
    // What else decides the program: the compiler and the kernel.
    w.str(libseccomp_version());
    w.u64(seccomp_api_get());
    w.u64(seccomp_arch_native());
    struct utsname u {};
    if (::uname(&u) == 0) {
        w.str(u.release);
        w.str(u.version);
        w.str(u.machine);
    }
    w.u64(seccomp_kernel_flags());
    return w.data();
}

uint64_t entry_checksum(EntryHeader hdr, const sock_filter* prog, size_t count) {
    hdr.checksum = 0;
    XXH3_state_t* st = XXH3_createState();
    if (!st) throw Error("seccomp cache: out of memory", ENOMEM);
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, &hdr, sizeof hdr);
    XXH3_64bits_update(st, prog, count * sizeof(sock_filter));
    uint64_t sum = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return sum;
}

// mkdir -p with 0700 for what is missing, then open it and insist it is a
// directory owned by us that nobody else can write (tightened if it is ours).
UniqueFd open_cache_dir(const std::string& dir) {
    if (dir.empty() || dir[0] != '/') throw Error("seccomp cache directory must be an absolute path: \"" + dir + "\"");
    constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    UniqueFd fd(::open(dir.c_str(), kFlags));
    if (!fd && errno == ENOENT) {  // first use: create it (and missing parents)
        for (size_t pos = 1; pos <= dir.size(); ++pos) {
            if (pos != dir.size() && dir[pos] != '/') continue;
            std::string prefix = dir.substr(0, pos);
            if (::mkdir(prefix.c_str(), 0700) < 0 && errno != EEXIST) throw_errno("create " + prefix);
        }
        fd.reset(::open(dir.c_str(), kFlags));
    }
    if (!fd) throw_errno("open " + dir);
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) throw_errno("stat " + dir);
    if (st.st_uid != ::geteuid()) throw Error(dir + " is owned by uid " + std::to_string(st.st_uid) + ", not by us", EPERM);
    if ((st.st_mode & 077) != 0 && ::fchmod(fd.get(), 0700) < 0) throw_errno("chmod 0700 " + dir);
    return fd;
}

bool read_all(int fd, void* buf, size_t len) {
    auto* p = static_cast<char*>(buf);
    size_t done = 0;
    while (done < len) {
        ssize_t n = ::read(fd, p + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

bool write_all(int fd, const void* buf, size_t len) {
    const auto* p = static_cast<const char*>(buf);
    size_t done = 0;
    while (done < len) {
        ssize_t n = ::write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

// The entry's program, or nullopt (with the reason logged) if it is missing or
// not to be trusted.
std::optional<SeccompProgram> read_entry(int dirfd, const std::string& name, const SeccompCacheKey& key) {
    UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd) {
        if (errno != ENOENT) spdlog::debug("seccomp cache: open {}: {}", name, errno_text(errno));
        return std::nullopt;
    }
    auto reject = [&](std::string_view why) -> std::optional<SeccompProgram> {
        spdlog::debug("seccomp cache: entry {} rejected: {}", name, why);
        return std::nullopt;
    };
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return reject("cannot stat");
    if (!S_ISREG(st.st_mode)) return reject("not a regular file");
    if (st.st_uid != ::geteuid()) return reject("wrong owner");
    if (st.st_mode & 022) return reject("writable by others");
    if (st.st_size < static_cast<off_t>(sizeof(EntryHeader))) return reject("truncated header");

    EntryHeader hdr{};
    if (!read_all(fd.get(), &hdr, sizeof hdr)) return reject("short read");
    if (std::memcmp(hdr.magic, kMagic, sizeof kMagic) != 0) return reject("bad magic");
    if (hdr.version != kFormatVersion) return reject("other format version");
    if (std::memcmp(hdr.key, key.data(), key.size()) != 0) return reject("key mismatch");
    if (hdr.count == 0 || hdr.count > kMaxInsns) return reject("bad program length");
    if (hdr.needsListener > 1 || (hdr.flags & ~kKnownFlags) != 0) return reject("bad flags");
    if (st.st_size != static_cast<off_t>(sizeof hdr + hdr.count * sizeof(sock_filter))) return reject("size mismatch");

    SeccompProgram prog;
    prog.filter.resize(hdr.count);
    if (!read_all(fd.get(), prog.filter.data(), hdr.count * sizeof(sock_filter))) return reject("short read");
    if (entry_checksum(hdr, prog.filter.data(), prog.filter.size()) != hdr.checksum) return reject("checksum mismatch");
    prog.flags = hdr.flags;
    prog.needsListener = hdr.needsListener != 0;
    return prog;
}

void write_entry(int dirfd, const std::string& name, const SeccompCacheKey& key, const SeccompProgram& prog) {
    EntryHeader hdr{};
    std::memcpy(hdr.magic, kMagic, sizeof kMagic);
    hdr.version = kFormatVersion;
    hdr.flags = prog.flags;
    hdr.needsListener = prog.needsListener ? 1 : 0;
    hdr.count = static_cast<uint32_t>(prog.filter.size());
    std::memcpy(hdr.key, key.data(), key.size());
    hdr.checksum = entry_checksum(hdr, prog.filter.data(), prog.filter.size());

    const std::string tmp = name + ".tmp-" + std::to_string(::getpid());
    UniqueFd fd(::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd && errno == EEXIST) {  // left over by a crashed process with our pid
        ::unlinkat(dirfd, tmp.c_str(), 0);
        fd.reset(::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    }
    if (!fd) throw_errno("create " + tmp);
    bool ok = write_all(fd.get(), &hdr, sizeof hdr) &&
              write_all(fd.get(), prog.filter.data(), prog.filter.size() * sizeof(sock_filter));
    int err = errno;
    fd.reset();
    if (!ok) {
        ::unlinkat(dirfd, tmp.c_str(), 0);
        throw_errno("write " + tmp, err ? err : EIO);
    }
    // Concurrent creates race harmlessly: both write the same bytes.
    if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) < 0) {
        err = errno;
        ::unlinkat(dirfd, tmp.c_str(), 0);
        throw_errno("rename " + tmp + " to " + name, err);
    }
}

std::string entry_name(const SeccompCacheKey& key) { return seccomp_cache_key_hex(key) + ".bpf"; }

// Keeps the directory bounded: runs only after a miss, so never on the fast path.
void prune(int dirfd, const std::string& keep) {
    int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        return;
    }
    std::vector<std::pair<struct timespec, std::string>> entries;
    const time_t staleTmp = ::time(nullptr) - 60;
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        struct stat st {};
        if (::fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        // A temp file a crashed writer left behind.
        if (n.find(".bpf.tmp-") != std::string_view::npos) {
            if (st.st_mtime < staleTmp) ::unlinkat(dirfd, e->d_name, 0);
            continue;
        }
        if (n.size() < 4 || n.substr(n.size() - 4) != ".bpf" || n == keep) continue;
        entries.emplace_back(st.st_mtim, std::string(n));
    }
    ::closedir(d);
    if (entries.size() < kMaxEntries) return;
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.first.tv_sec != b.first.tv_sec ? a.first.tv_sec < b.first.tv_sec : a.first.tv_nsec < b.first.tv_nsec;
    });
    for (size_t i = 0; i + kMaxEntries - 1 < entries.size(); ++i) ::unlinkat(dirfd, entries[i].second.c_str(), 0);
}

}  // namespace

SeccompCacheKey seccomp_cache_key(const spec::Seccomp& cfg) {
    const std::string data = serialize_for_key(cfg);
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, XXH3_128bits(data.data(), data.size()));
    SeccompCacheKey key{};
    static_assert(sizeof canon.digest == sizeof key);
    std::memcpy(key.data(), canon.digest, key.size());
    return key;
}

std::string seccomp_cache_key_hex(const SeccompCacheKey& key) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(key.size() * 2);
    for (uint8_t b : key) {
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 0xf]);
    }
    return out;
}

std::string seccomp_cache_entry_path(const std::string& cacheDir, const SeccompCacheKey& key) {
    return cacheDir + "/" + entry_name(key);
}

SeccompProgram load_or_compile_seccomp(const spec::Seccomp& cfg, const std::string& cacheDir, bool* compiled) {
    if (compiled) *compiled = false;
    const SeccompCacheKey key = seccomp_cache_key(cfg);
    const std::string name = entry_name(key);

    UniqueFd dir;
    try {
        dir = open_cache_dir(cacheDir);
    } catch (const Error& e) {
        spdlog::warn("seccomp cache unusable, compiling without it: {}", e.what());
    }
    if (dir) {
        if (auto hit = read_entry(dir.get(), name, key)) return std::move(*hit);
    }

    SeccompProgram prog = compile_seccomp(cfg);
    if (compiled) *compiled = true;
    if (dir) {
        try {
            write_entry(dir.get(), name, key, prog);
            prune(dir.get(), name);
        } catch (const Error& e) {
            spdlog::warn("seccomp cache: cannot store {}: {}", name, e.what());
        }
    }
    return prog;
}

}  // namespace berth::kernel

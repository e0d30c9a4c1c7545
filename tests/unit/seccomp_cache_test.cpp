// The compiled-seccomp cache: key stability and sensitivity, hits, and that
// damaged, foreign or badly-owned entries are rebuilt rather than trusted.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "runtime/kernel/seccomp_cache.hpp"

namespace fs = std::filesystem;
namespace spec = berth::spec;
using namespace berth::kernel;

namespace {

// A temporary directory removed with everything in it.
class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/berth-seccomp-cache-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

spec::Seccomp base_profile() {
    spec::Seccomp s;
    s.defaultAction = "SCMP_ACT_ERRNO";
    s.defaultErrnoRet = 1;
    s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"};
    s.syscalls.push_back({{"read", "write", "exit_group", "getpid"}, "SCMP_ACT_ALLOW", {}, {}});
    s.syscalls.push_back({{"personality"}, "SCMP_ACT_ALLOW", {}, {{0, 8, 0, "SCMP_CMP_EQ"}}});
    s.syscalls.push_back({{"mkdir"}, "SCMP_ACT_ERRNO", 18, {}});
    return s;
}

bool same_program(const SeccompProgram& a, const SeccompProgram& b) {
    return a.flags == b.flags && a.needsListener == b.needsListener && a.filter.size() == b.filter.size() &&
           std::memcmp(a.filter.data(), b.filter.data(), a.filter.size() * sizeof(sock_filter)) == 0;
}

std::string read_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& p, const std::string& data) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << data;
    REQUIRE(out.good());
}

}  // namespace

TEST_CASE("cache key is stable", "[seccomp][cache]") {
    auto a = base_profile();
    auto b = base_profile();
    CHECK(seccomp_cache_key(a) == seccomp_cache_key(b));
    CHECK(seccomp_cache_key(a) == seccomp_cache_key(a));
    CHECK(seccomp_cache_key_hex(seccomp_cache_key(a)).size() == 32);
}

TEST_CASE("cache key changes with every field that shapes the program", "[seccomp][cache]") {
    std::vector<std::pair<std::string, spec::Seccomp>> variants;
    auto add = [&](const std::string& what, auto change) {
        auto s = base_profile();
        change(s);
        variants.emplace_back(what, std::move(s));
    };
    add("base", [](spec::Seccomp&) {});
    add("defaultAction", [](spec::Seccomp& s) { s.defaultAction = "SCMP_ACT_KILL"; s.defaultErrnoRet.reset(); });
    add("defaultErrnoRet value", [](spec::Seccomp& s) { s.defaultErrnoRet = 38; });
    add("defaultErrnoRet absent", [](spec::Seccomp& s) { s.defaultErrnoRet.reset(); });
    add("architecture added", [](spec::Seccomp& s) { s.architectures.push_back("SCMP_ARCH_X32"); });
    add("architecture order", [](spec::Seccomp& s) { std::swap(s.architectures[0], s.architectures[1]); });
    add("flags", [](spec::Seccomp& s) { s.flags = {"SECCOMP_FILTER_FLAG_LOG"}; });
    add("listener", [](spec::Seccomp& s) { s.listenerPath = "/run/agent.sock"; });
    add("syscall name", [](spec::Seccomp& s) { s.syscalls[0].names[3] = "getppid"; });
    add("syscall name moved between entries", [](spec::Seccomp& s) {
        s.syscalls[0].names.pop_back();
        s.syscalls[2].names.insert(s.syscalls[2].names.begin(), "getpid");
    });
    add("action", [](spec::Seccomp& s) { s.syscalls[2].action = "SCMP_ACT_KILL_PROCESS"; s.syscalls[2].errnoRet.reset(); });
    add("errnoRet", [](spec::Seccomp& s) { s.syscalls[2].errnoRet = 17; });
    add("errnoRet absent", [](spec::Seccomp& s) { s.syscalls[2].errnoRet.reset(); });
    add("arg index", [](spec::Seccomp& s) { s.syscalls[1].args[0].index = 1; });
    add("arg value", [](spec::Seccomp& s) { s.syscalls[1].args[0].value = 9; });
    add("arg valueTwo", [](spec::Seccomp& s) { s.syscalls[1].args[0].valueTwo = 1; });
    add("arg op", [](spec::Seccomp& s) { s.syscalls[1].args[0].op = "SCMP_CMP_NE"; });
    add("arg added", [](spec::Seccomp& s) { s.syscalls[1].args.push_back({1, 0, 0, "SCMP_CMP_EQ"}); });
    add("entry added", [](spec::Seccomp& s) { s.syscalls.push_back({{"getuid"}, "SCMP_ACT_ALLOW", {}, {}}); });
    add("entries reordered", [](spec::Seccomp& s) { std::swap(s.syscalls[0], s.syscalls[2]); });

    std::set<SeccompCacheKey> keys;
    for (const auto& [what, s] : variants) {
        INFO(what);
        CHECK(keys.insert(seccomp_cache_key(s)).second);
    }
    CHECK(keys.size() == variants.size());

    SECTION("the listener's path and metadata do not split the cache") {
        auto a = base_profile();
        a.listenerPath = "/run/a.sock";
        auto b = base_profile();
        b.listenerPath = "/run/b.sock";
        CHECK(seccomp_cache_key(a) == seccomp_cache_key(b));
    }
}

TEST_CASE("miss compiles and stores, hit does not compile", "[seccomp][cache]") {
    TempDir tmp;
    const std::string dir = tmp.path() + "/root/seccomp-cache";  // created on demand, parents too
    auto s = base_profile();
    bool compiled = false;
    auto first = load_or_compile_seccomp(s, dir, &compiled);
    CHECK(compiled);
    const std::string entry = seccomp_cache_entry_path(dir, seccomp_cache_key(s));
    struct stat st {};
    REQUIRE(::stat(entry.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);

    auto second = load_or_compile_seccomp(s, dir, &compiled);
    CHECK_FALSE(compiled);
    CHECK(same_program(first, second));
    CHECK(same_program(second, compile_seccomp(s)));

    // No temp files are left behind.
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        ++files;
        CHECK(e.path().extension() == ".bpf");
    }
    CHECK(files == 1);
}

TEST_CASE("damaged, foreign or unsafe entries are rebuilt, never trusted", "[seccomp][cache]") {
    TempDir tmp;
    const std::string dir = tmp.path();
    auto s = base_profile();
    const auto fresh = compile_seccomp(s);
    bool compiled = false;
    load_or_compile_seccomp(s, dir, &compiled);
    REQUIRE(compiled);
    const std::string entry = seccomp_cache_entry_path(dir, seccomp_cache_key(s));
    const std::string good = read_file(entry);
    REQUIRE(good.size() > 48);

    auto expect_rebuilt = [&] {
        bool c = false;
        auto p = load_or_compile_seccomp(s, dir, &c);
        CHECK(c);
        CHECK(same_program(p, fresh));
        // and the rewritten entry is good again
        auto again = load_or_compile_seccomp(s, dir, &c);
        CHECK_FALSE(c);
        CHECK(same_program(again, fresh));
    };

    SECTION("one flipped bit in the program") {
        std::string bad = good;
        bad[bad.size() - 3] ^= 0x01;
        write_file(entry, bad);
        expect_rebuilt();
    }
    SECTION("one flipped bit in the header flags") {
        std::string bad = good;
        bad[12] ^= 0x02;
        write_file(entry, bad);
        expect_rebuilt();
    }
    SECTION("truncated") {
        write_file(entry, good.substr(0, good.size() - 8));
        expect_rebuilt();
    }
    SECTION("truncated inside the header") {
        write_file(entry, good.substr(0, 20));
        expect_rebuilt();
    }
    SECTION("garbage") {
        std::string junk(good.size(), '\0');
        for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 7 + 3);
        write_file(entry, junk);
        expect_rebuilt();
    }
    SECTION("empty") {
        write_file(entry, "");
        expect_rebuilt();
    }
    SECTION("foreign: another profile's valid entry under this name") {
        auto other = base_profile();
        other.syscalls[2].errnoRet = 13;
        load_or_compile_seccomp(other, dir, &compiled);
        REQUIRE(compiled);
        write_file(entry, read_file(seccomp_cache_entry_path(dir, seccomp_cache_key(other))));
        expect_rebuilt();
    }
    SECTION("writable by others") {
        REQUIRE(::chmod(entry.c_str(), 0666) == 0);
        expect_rebuilt();
        struct stat st {};
        REQUIRE(::stat(entry.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
    }
    SECTION("owned by someone else") {
        if (::geteuid() != 0) {
            WARN("not root: cannot chown the entry, skipped");
            return;
        }
        REQUIRE(::chown(entry.c_str(), 65534, 65534) == 0);
        expect_rebuilt();
        struct stat st {};
        REQUIRE(::stat(entry.c_str(), &st) == 0);
        CHECK(st.st_uid == 0);
    }
    SECTION("a symlink is not followed") {
        const std::string target = dir + "/elsewhere.bpf";
        write_file(target, good);
        REQUIRE(::unlink(entry.c_str()) == 0);
        REQUIRE(::symlink(target.c_str(), entry.c_str()) == 0);
        expect_rebuilt();
        struct stat st {};
        REQUIRE(::lstat(entry.c_str(), &st) == 0);
        CHECK(S_ISREG(st.st_mode));
    }
}

TEST_CASE("an unusable cache directory is bypassed, not fatal", "[seccomp][cache]") {
    TempDir tmp;
    auto s = base_profile();
    bool compiled = false;
    SECTION("path is a file") {
        const std::string file = tmp.path() + "/not-a-dir";
        write_file(file, "x");
        auto p = load_or_compile_seccomp(s, file, &compiled);
        CHECK(compiled);
        CHECK(same_program(p, compile_seccomp(s)));
    }
    SECTION("relative path") {
        auto p = load_or_compile_seccomp(s, "relative/cache", &compiled);
        CHECK(compiled);
        CHECK_FALSE(fs::exists("relative/cache"));
    }
    SECTION("a lax mode on our own directory is tightened") {
        const std::string dir = tmp.path() + "/lax";
        REQUIRE(::mkdir(dir.c_str(), 0777) == 0);
        REQUIRE(::chmod(dir.c_str(), 0777) == 0);
        load_or_compile_seccomp(s, dir, &compiled);
        CHECK(compiled);
        struct stat st {};
        REQUIRE(::stat(dir.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0700);
        load_or_compile_seccomp(s, dir, &compiled);
        CHECK_FALSE(compiled);
    }
}

TEST_CASE("the cache stays bounded: a store drops the oldest entries", "[seccomp][cache]") {
    TempDir tmp;
    for (int i = 0; i < 80; ++i) {
        char name[64];
        std::snprintf(name, sizeof name, "/%032x.bpf", i);
        write_file(tmp.path() + name, "old");
        struct timespec times[2] = {{1000 + i, 0}, {1000 + i, 0}};  // entry i is i seconds newer
        REQUIRE(::utimensat(AT_FDCWD, (tmp.path() + name).c_str(), times, 0) == 0);
    }
    write_file(tmp.path() + "/unrelated.txt", "kept");
    const std::string staleTmp = tmp.path() + "/0123.bpf.tmp-99999", freshTmp = tmp.path() + "/0123.bpf.tmp-99998";
    write_file(staleTmp, "x");
    write_file(freshTmp, "x");  // maybe another process writing right now
    struct timespec old[2] = {{1000, 0}, {1000, 0}};
    REQUIRE(::utimensat(AT_FDCWD, staleTmp.c_str(), old, 0) == 0);
    auto s = base_profile();
    bool compiled = false;
    load_or_compile_seccomp(s, tmp.path(), &compiled);
    REQUIRE(compiled);
    size_t bpf = 0;
    for (const auto& e : fs::directory_iterator(tmp.path())) bpf += e.path().extension() == ".bpf";
    CHECK(bpf == 64);
    CHECK(fs::exists(seccomp_cache_entry_path(tmp.path(), seccomp_cache_key(s))));
    CHECK(fs::exists(tmp.path() + "/unrelated.txt"));
    CHECK_FALSE(fs::exists(staleTmp));
    CHECK(fs::exists(freshTmp));
    char newest[64], oldest[64];
    std::snprintf(newest, sizeof newest, "/%032x.bpf", 79);
    std::snprintf(oldest, sizeof oldest, "/%032x.bpf", 0);
    CHECK(fs::exists(tmp.path() + newest));
    CHECK_FALSE(fs::exists(tmp.path() + oldest));
    load_or_compile_seccomp(s, tmp.path(), &compiled);
    CHECK_FALSE(compiled);
}

TEST_CASE("an invalid profile still fails through the cache", "[seccomp][cache]") {
    TempDir tmp;
    auto s = base_profile();
    s.syscalls[0].action = "SCMP_ACT_NOPE";
    CHECK_THROWS_WITH(load_or_compile_seccomp(s, tmp.path()), Catch::Contains("unknown action"));
}

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/kernel/exec_path.hpp"

using berth::kernel::resolve_executable;
namespace fs = std::filesystem;

namespace {

// A temporary directory tree, removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/berth-exec-path-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string file(const std::string& rel, mode_t mode) const {
        fs::path p = path / rel;
        fs::create_directories(p.parent_path());
        int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        REQUIRE(fd >= 0);
        ::close(fd);
        REQUIRE(::chmod(p.c_str(), mode) == 0);
        return p.string();
    }
};

// Runs the lookup with cwd set to dir, restoring the cwd afterwards.
struct InDir {
    std::string old;
    explicit InDir(const fs::path& dir) : old(fs::current_path()) { fs::current_path(dir); }
    ~InDir() { fs::current_path(old); }
};

std::string error_of(const std::vector<std::string>& env, const std::string& arg0) {
    try {
        return "(found " + resolve_executable(env, arg0) + ")";
    } catch (const berth::Error& e) {
        return e.what();
    }
}

}  // namespace

TEST_CASE("found on PATH, first executable match wins", "[exec_path]") {
    TempDir t;
    t.file("a/tool", 0644);  // not executable: skipped
    std::string b = t.file("b/tool", 0755);
    t.file("c/tool", 0755);
    std::vector<std::string> env{"HOME=/", "PATH=" + (t.path / "a").string() + ":" + (t.path / "b").string() + ":" +
                                               (t.path / "c").string()};
    CHECK(resolve_executable(env, "tool") == b);
}

TEST_CASE("the last PATH in env wins and a directory named like the program is skipped", "[exec_path]") {
    TempDir t;
    fs::create_directories(t.path / "d/tool");
    std::string e = t.file("e/tool", 0700);
    std::vector<std::string> env{"PATH=/nonexistent", "PATH=" + (t.path / "d").string() + ":" + (t.path / "e").string()};
    CHECK(resolve_executable(env, "tool") == e);
}

TEST_CASE("not found anywhere", "[exec_path]") {
    TempDir t;
    t.file("a/tool", 0644);
    std::vector<std::string> env{"PATH=" + (t.path / "a").string()};
    CHECK(error_of(env, "tool") == "exec: \"tool\": executable file not found in $PATH");
    CHECK(error_of(env, "nosuch") == "exec: \"nosuch\": executable file not found in $PATH");
    CHECK(error_of(env, "") == "exec: \"\": executable file not found in $PATH");
}

TEST_CASE("without PATH the default directories are searched", "[exec_path]") {
    // /bin/sh exists on every machine that runs these tests.
    std::string found = resolve_executable({"HOME=/"}, "sh");
    CHECK((found == "/usr/local/sbin/sh" || found == "/usr/local/bin/sh" || found == "/usr/sbin/sh" ||
           found == "/usr/bin/sh" || found == "/sbin/sh" || found == "/bin/sh"));
}

TEST_CASE("absolute paths are checked, not searched", "[exec_path]") {
    TempDir t;
    std::string exe = t.file("bin/x", 0755);
    std::string plain = t.file("bin/y", 0644);
    CHECK(resolve_executable({"PATH=/nonexistent"}, exe) == exe);
    CHECK(error_of({}, plain) == "exec: \"" + plain + "\": permission denied");
    std::string missing = (t.path / "bin/z").string();
    CHECK(error_of({}, missing) == "exec: \"" + missing + "\": no such file or directory");
    std::string dir = (t.path / "bin").string();
    CHECK(error_of({}, dir) == "exec: \"" + dir + "\": is a directory");
}

TEST_CASE("relative paths with a slash are relative to the cwd and returned as given", "[exec_path]") {
    TempDir t;
    t.file("sub/run", 0755);
    t.file("sub/data", 0600);
    InDir in(t.path);
    CHECK(resolve_executable({"PATH=/nonexistent"}, "./sub/run") == "./sub/run");
    CHECK(resolve_executable({}, "sub/run") == "sub/run");
    CHECK(error_of({}, "sub/data") == "exec: \"sub/data\": permission denied");
}

TEST_CASE("a hit through a relative PATH entry is refused, as Go does", "[exec_path]") {
    TempDir t;
    t.file("tool", 0755);
    InDir in(t.path);
    CHECK(error_of({"PATH=."}, "tool") == "exec: \"tool\": cannot run executable found relative to current directory");
    CHECK(error_of({"PATH=/nonexistent::"}, "tool") ==
          "exec: \"tool\": cannot run executable found relative to current directory");
}

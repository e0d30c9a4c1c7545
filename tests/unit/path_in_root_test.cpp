// mkdir_all_in_root and create_file_in_root on a scratch directory used as
// the root (openat2 RESOLVE_IN_ROOT needs no privilege).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/kernel/path_in_root.hpp"

using namespace berth::kernel;
namespace fs = std::filesystem;

namespace {

struct ScratchRoot {
    std::string path;
    berth::UniqueFd fd;
    ScratchRoot() {
        char tmpl[] = "/tmp/berth-path-in-root-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
        fd = open_root(path);
    }
    ~ScratchRoot() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string operator/(const std::string& rel) const { return path + "/" + rel; }
};

struct stat stat_of_fd(int fd) {
    struct stat st {};
    REQUIRE(::fstat(fd, &st) == 0);
    return st;
}

struct stat stat_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st;
}

bool same_inode(int fd, const std::string& path) {
    const struct stat a = stat_of_fd(fd);
    const struct stat b = stat_of(path);
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const berth::Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("mkdir_all_in_root opens an existing directory", "[path_in_root]") {
    ScratchRoot root;
    fs::create_directories(root / "a/b/c");
    berth::UniqueFd fd = mkdir_all_in_root(root.fd.get(), "/a/b/c");
    CHECK(same_inode(fd.get(), root / "a/b/c"));
    berth::UniqueFd top = mkdir_all_in_root(root.fd.get(), "/");
    CHECK(same_inode(top.get(), root.path));
}

TEST_CASE("mkdir_all_in_root creates every missing level with the mode", "[path_in_root]") {
    ScratchRoot root;
    fs::create_directories(root / "a");
    const mode_t old = ::umask(0);
    berth::UniqueFd fd = mkdir_all_in_root(root.fd.get(), "/a/b/c/d", 0711);
    berth::UniqueFd fresh = mkdir_all_in_root(root.fd.get(), "x/y", 0700);
    ::umask(old);
    CHECK(same_inode(fd.get(), root / "a/b/c/d"));
    CHECK((stat_of(root / "a/b").st_mode & 07777) == 0711);
    CHECK((stat_of(root / "a/b/c/d").st_mode & 07777) == 0711);
    CHECK(same_inode(fresh.get(), root / "x/y"));
    CHECK((stat_of(root / "x").st_mode & 07777) == 0700);
}

TEST_CASE("mkdir_all_in_root keeps '..' and symlinks inside the root", "[path_in_root]") {
    ScratchRoot root;
    fs::create_directories(root / "real");
    fs::create_symlink("/real", root / "abs");        // absolute: the root's /real
    fs::create_symlink("../../../..", root / "up");   // climbs no higher than the root
    fs::create_symlink("/made/here", root / "dangling");

    berth::UniqueFd viaAbs = mkdir_all_in_root(root.fd.get(), "/abs/new");
    CHECK(same_inode(viaAbs.get(), root / "real/new"));
    berth::UniqueFd viaUp = mkdir_all_in_root(root.fd.get(), "/up/escaped");
    CHECK(same_inode(viaUp.get(), root / "escaped"));
    berth::UniqueFd dotdot = mkdir_all_in_root(root.fd.get(), "/p/../q/r");
    CHECK(same_inode(dotdot.get(), root / "q/r"));
    CHECK(fs::is_directory(root / "p"));
    // A dangling symlink: what it points to is created, inside the root.
    berth::UniqueFd viaDangling = mkdir_all_in_root(root.fd.get(), "/dangling/deeper");
    CHECK(same_inode(viaDangling.get(), root / "made/here/deeper"));
}

TEST_CASE("mkdir_all_in_root errors name the component at fault", "[path_in_root]") {
    ScratchRoot root;
    fs::create_directories(root / "a");
    std::ofstream(root / "a/file") << "x";
    fs::create_directories(root / "real");
    fs::create_symlink("/real", root / "link");

    CHECK(error_of([&] { mkdir_all_in_root(root.fd.get(), "/a/file/b/c"); }) == "mkdir /a/file: not a directory");
    CHECK(error_of([&] { mkdir_all_in_root(root.fd.get(), "/a/file"); }) == "mkdir /a/file: not a directory");
    // Refused symlinks: the walk reports the link, whether or not the rest exists.
    CHECK(error_of([&] { mkdir_all_in_root(root.fd.get(), "/link/x/y", 0755, Symlinks::Refuse); }) ==
          "mkdir /link: too many levels of symbolic links");
    CHECK(error_of([&] { mkdir_all_in_root(root.fd.get(), "/link", 0755, Symlinks::Refuse); }) ==
          "mkdir /link: too many levels of symbolic links");
    CHECK_FALSE(fs::exists(root / "real/x"));
    // A symlink loop.
    fs::create_symlink("/loop", root / "loop");
    CHECK(error_of([&] { mkdir_all_in_root(root.fd.get(), "/loop/x"); }).find("mkdir /loop") == 0);
}

TEST_CASE("create_file_in_root makes a file and its parents", "[path_in_root]") {
    ScratchRoot root;
    berth::UniqueFd fd = create_file_in_root(root.fd.get(), "/etc/sub/file");
    CHECK(same_inode(fd.get(), root / "etc/sub/file"));
    CHECK(S_ISREG(stat_of(root / "etc/sub/file").st_mode));
    berth::UniqueFd again = create_file_in_root(root.fd.get(), "/etc/sub/file");
    CHECK(same_inode(again.get(), root / "etc/sub/file"));
}

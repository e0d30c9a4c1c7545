#include "runtime/kernel/copy_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace berth::kernel {
namespace {

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};

void copy_file_data(int from, int to, const std::string& name) {
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(from, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("tmpcopyup: read " + name);
        }
        if (n == 0) return;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
            if (w < 0) {
                if (errno == EINTR) continue;
                throw_errno("tmpcopyup: write " + name);
            }
            off += w;
        }
    }
}

void set_owner_mode_times(int fd, const struct stat& st, const std::string& name) {
    if (::fchown(fd, st.st_uid, st.st_gid) < 0) throw_errno("tmpcopyup: chown " + name);
    if (::fchmod(fd, st.st_mode & 07777) < 0) throw_errno("tmpcopyup: chmod " + name);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(fd, times) < 0) throw_errno("tmpcopyup: set times of " + name);
}

void copy_entry(int srcDir, int dstDir, const char* name) {
    struct stat st;
    if (::fstatat(srcDir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) throw_errno(std::string("tmpcopyup: stat ") + name);
    switch (st.st_mode & S_IFMT) {
    case S_IFDIR: {
        if (::mkdirat(dstDir, name, 0700) < 0 && errno != EEXIST)
            throw_errno(std::string("tmpcopyup: mkdir ") + name);
        UniqueFd from(::openat(srcDir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!from) throw_errno(std::string("tmpcopyup: open ") + name);
        UniqueFd to(::openat(dstDir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!to) throw_errno(std::string("tmpcopyup: open ") + name);
        copy_tree(from.get(), to.get());
        set_owner_mode_times(to.get(), st, name);
        return;
    }
    case S_IFREG: {
        UniqueFd from(::openat(srcDir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!from) throw_errno(std::string("tmpcopyup: open ") + name);
        UniqueFd to(::openat(dstDir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!to) throw_errno(std::string("tmpcopyup: create ") + name);
        copy_file_data(from.get(), to.get(), name);
        set_owner_mode_times(to.get(), st, name);
        return;
    }
    case S_IFLNK: {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(srcDir, name, target.data(), target.size());
        if (n < 0) throw_errno(std::string("tmpcopyup: readlink ") + name);
        target.resize(static_cast<size_t>(n));
        if (::symlinkat(target.c_str(), dstDir, name) < 0) throw_errno(std::string("tmpcopyup: symlink ") + name);
        if (::fchownat(dstDir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
            throw_errno(std::string("tmpcopyup: chown ") + name);
        struct timespec times[2] = {st.st_atim, st.st_mtim};
        ::utimensat(dstDir, name, times, AT_SYMLINK_NOFOLLOW);
        return;
    }
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO: {
        if (::mknodat(dstDir, name, st.st_mode, st.st_rdev) < 0) throw_errno(std::string("tmpcopyup: mknod ") + name);
        if (::fchownat(dstDir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
            throw_errno(std::string("tmpcopyup: chown ") + name);
        return;
    }
    default:
        return;  // sockets make no sense outside the process that bound them
    }
}

}  // namespace

void copy_tree(int srcDir, int dstDir) {
    int dup = ::fcntl(srcDir, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) throw_errno("tmpcopyup: dup");
    std::unique_ptr<DIR, DirCloser> dir(::fdopendir(dup));
    if (!dir) {
        ::close(dup);
        throw_errno("tmpcopyup: opendir");
    }
    ::rewinddir(dir.get());
    while (struct dirent* e = ::readdir(dir.get())) {
        std::string_view n = e->d_name;
        if (n == "." || n == "..") continue;
        copy_entry(srcDir, dstDir, e->d_name);
    }
}

}  // namespace berth::kernel

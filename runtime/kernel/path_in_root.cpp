#include "runtime/kernel/path_in_root.hpp"

#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/error.hpp"

namespace berth::kernel {
namespace {

// Linux gives up after 40 symlinks in one lookup; so do we when resolving
// dangling symlinks by hand.
constexpr int kMaxSymlinks = 40;

std::string display(std::string_view path) {
    if (path.empty() || path.front() != '/') return "/" + std::string(path);
    return std::string(path);
}

std::vector<std::string> components(std::string_view path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view c = path.substr(i, j - i);
        if (!c.empty() && c != ".") out.emplace_back(c);
        i = j + 1;
    }
    return out;
}

std::string join(const std::string& dir, std::string_view name) {
    if (dir.empty() || dir.back() == '/') return dir + std::string(name);
    return dir + "/" + std::string(name);
}

// Where a dangling symlink `name` in directory `dir` (a path inside the
// root) points, followed by the components still to walk.
std::string symlink_target(int dirFd, const std::string& dir, const std::string& name,
                           const std::vector<std::string>& rest) {
    char buf[4096];
    ssize_t n = ::readlinkat(dirFd, name.c_str(), buf, sizeof buf - 1);
    if (n < 0) return {};
    std::string link(buf, static_cast<size_t>(n));
    std::string out = link.front() == '/' ? link : join(dir, link);
    for (const std::string& c : rest) out = join(out, c);
    return out;
}

}  // namespace

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

UniqueFd open_root(const std::string& path) {
    int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw_errno("open rootfs " + path);
    return UniqueFd(fd);
}

UniqueFd try_open_in_root(int rootFd, std::string_view path, int flags, Symlinks symlinks) {
    std::string rel(path);
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    if (rel.empty()) rel = ".";
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    if (symlinks == Symlinks::Refuse) how.resolve |= RESOLVE_NO_SYMLINKS;
    // EAGAIN: a concurrent rename made the kernel unsure ".." stayed inside
    // the root; it asks us to retry.
    for (int attempt = 0; attempt < 32; ++attempt) {
        long fd = ::syscall(SYS_openat2, rootFd, rel.c_str(), &how, sizeof how);
        if (fd >= 0) return UniqueFd(static_cast<int>(fd));
        if (errno != EAGAIN) break;
    }
    return UniqueFd();
}

UniqueFd open_in_root(int rootFd, std::string_view path, int flags, Symlinks symlinks) {
    UniqueFd fd = try_open_in_root(rootFd, path, flags, symlinks);
    if (!fd) throw_errno("open " + display(path));
    return fd;
}

UniqueFd mkdir_all_in_root(int rootFd, std::string_view path, mode_t mode, Symlinks symlinks) {
    std::string target(path);
    for (int depth = 0;; ++depth) {
        if (depth > kMaxSymlinks) throw_errno("mkdir " + display(path), ELOOP);
        // Usually everything exists already: one lookup of the whole path.
        if (UniqueFd fd = try_open_in_root(rootFd, target, O_PATH | O_DIRECTORY, symlinks)) return fd;
        const int err = errno;
        const std::vector<std::string> comps = components(target);
        if (comps.empty()) return open_in_root(rootFd, "/", O_PATH | O_DIRECTORY, symlinks);

        // Find the deepest ancestor that exists, stepping back from the end:
        // a lookup fails with ENOENT when a component is missing, and so
        // does every longer one. On any other error walk from the root,
        // looking at each component, so that the error names the one at fault.
        bool look = err != ENOENT;
        size_t have = 0;  // components of the existing ancestor; 0: the root
        UniqueFd haveFd;
        std::string cur = "/";
        if (!look) {
            for (have = comps.size() - 1; have > 0; --have) {
                std::string prefix;
                for (size_t i = 0; i < have; ++i) prefix = join(prefix.empty() ? "/" : prefix, comps[i]);
                haveFd = try_open_in_root(rootFd, prefix, O_PATH | O_DIRECTORY, symlinks);
                if (haveFd) {
                    cur = prefix;
                    break;
                }
                if (errno != ENOENT) {
                    look = true;
                    have = 0;
                    break;
                }
            }
        }
        // rootFd is what "/" resolves to. The component after the ancestor
        // is known to be missing, and so is the next one after each
        // directory we create: those are made without looking first
        // (mkdirat's EEXIST covers a racing creator).
        int curDir = have > 0 ? haveFd.get() : rootFd;
        UniqueFd curFd = std::move(haveFd);
        bool missing = !look;
        bool restarted = false;
        for (size_t i = have; i < comps.size(); ++i) {
            std::string next = join(cur, comps[i]);
            UniqueFd fd;
            bool absent = missing;
            if (!absent) {
                fd = try_open_in_root(rootFd, next, O_PATH | O_DIRECTORY, symlinks);
                absent = !fd && errno == ENOENT;
            }
            missing = false;
            if (absent) {
                const bool made = ::mkdirat(curDir, comps[i].c_str(), mode) == 0;
                if (!made && errno != EEXIST) throw_errno("mkdir " + display(next));
                fd = try_open_in_root(rootFd, next, O_PATH | O_DIRECTORY, symlinks);
                if (!fd && errno == ENOENT) {
                    // Something exists that does not resolve: a dangling
                    // symlink. Create what it points to, inside the root.
                    std::vector<std::string> rest(comps.begin() + static_cast<long>(i) + 1, comps.end());
                    std::string retarget = symlink_target(curDir, cur, comps[i], rest);
                    if (retarget.empty()) throw_errno("mkdir " + display(next), ENOENT);
                    target = retarget;
                    restarted = true;
                    break;
                }
                missing = made;
            }
            if (!fd) throw_errno("mkdir " + display(next));
            cur = next;
            curFd = std::move(fd);
            curDir = curFd.get();
        }
        if (!restarted) return curFd;
    }
}

UniqueFd create_file_in_root(int rootFd, std::string_view path, mode_t mode, Symlinks symlinks) {
    std::string target(path);
    for (int depth = 0;; ++depth) {
        if (depth > kMaxSymlinks) throw_errno("create " + display(path), ELOOP);
        if (UniqueFd fd = try_open_in_root(rootFd, target, O_PATH, symlinks)) return fd;
        if (errno != ENOENT) throw_errno("create " + display(path));
        auto [parent, name] = split_parent(target);
        UniqueFd dir = mkdir_all_in_root(rootFd, parent, 0755, symlinks);
        int fd = ::openat(dir.get(), name.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, mode);
        if (fd >= 0) {
            ::close(fd);
            // The file we just made, not whatever a racing rename put there.
            fd = ::openat(dir.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) throw_errno("open " + display(target));
            return UniqueFd(fd);
        }
        if (errno != EEXIST) throw_errno("create " + display(target));
        if (UniqueFd fd2 = try_open_in_root(rootFd, target, O_PATH, symlinks)) return fd2;
        if (errno != ENOENT) throw_errno("create " + display(target));
        // A dangling symlink: create the file it points to, inside the root.
        std::string retarget = symlink_target(dir.get(), parent, name, {});
        if (retarget.empty()) throw_errno("create " + display(target), ENOENT);
        target = retarget;
    }
}

std::pair<std::string, std::string> split_parent(std::string_view path) {
    std::string p(path);
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    size_t slash = p.rfind('/');
    std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
    std::string parent = slash == std::string::npos ? "/" : p.substr(0, slash);
    if (parent.empty()) parent = "/";
    if (name.empty() || name == "." || name == "..")
        throw Error("invalid path " + display(path) + ": no final name", EINVAL);
    return {parent, name};
}

std::string clean_path(std::string_view path) {
    std::vector<std::string> out;
    for (std::string& c : components(path)) {
        if (c == "..") {
            if (!out.empty()) out.pop_back();
        } else {
            out.push_back(std::move(c));
        }
    }
    std::string s;
    for (const std::string& c : out) s += "/" + c;
    return s.empty() ? "/" : s;
}

}  // namespace berth::kernel

#include "runtime/kernel/exec_path.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.hpp"

namespace berth::kernel {
namespace {

// 0 when path is an executable file for the effective user, else an errno.
int check_executable(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return errno;
    if (S_ISDIR(st.st_mode)) return EISDIR;
    if (::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) == 0) return 0;
    int err = errno;
    // Kernels or seccomp profiles without faccessat: fall back to the mode bits.
    if (err == ENOSYS || err == EPERM) return (st.st_mode & 0111) ? 0 : EACCES;
    return err;
}

Error exec_error(const std::string& name, const std::string& what, int err = 0) {
    return Error("exec: \"" + name + "\": " + what, err);
}

}  // namespace

bool env_lookup(const std::vector<std::string>& env, const std::string& name, std::string& value) {
    bool found = false;
    for (const auto& kv : env) {
        if (kv.size() > name.size() && kv[name.size()] == '=' && kv.compare(0, name.size(), name) == 0) {
            value = kv.substr(name.size() + 1);
            found = true;
        }
    }
    return found;
}

std::string resolve_executable(const std::vector<std::string>& env, const std::string& arg0) {
    if (arg0.find('/') != std::string::npos) {
        if (int err = check_executable(arg0)) throw exec_error(arg0, errno_text(err), err);
        return arg0;
    }
    std::string path;
    if (!env_lookup(env, "PATH", path)) path = kDefaultPath;
    size_t start = 0;
    while (true) {
        size_t end = path.find(':', start);
        std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (dir.empty()) dir = ".";
        std::string candidate = dir + "/" + arg0;
        if (!arg0.empty() && check_executable(candidate) == 0) {
            // Go refuses a hit through a relative PATH entry (exec.ErrDot): it
            // would run whatever the cwd holds.
            if (candidate[0] != '/')
                throw exec_error(arg0, "cannot run executable found relative to current directory");
            return candidate;
        }
        if (end == std::string::npos) break;
        start = end + 1;
    }
    throw exec_error(arg0, "executable file not found in $PATH", ENOENT);
}

}  // namespace berth::kernel

// Finding process.args[0] the way runc does (Go's exec.LookPath), in the
// container after pivot_root, chdir(process.cwd) and the switch to the
// container user, so that access checks use the container's view and user.
#pragma once

#include <string>
#include <vector>

namespace berth::kernel {

// PATH used when process.env sets none. (runc 1.1 then finds nothing; berth,
// like crun, searches the usual directories.)
inline constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Sets `value` to the value of `name` in a KEY=VALUE list (the last entry
// wins, as getenv in the new process would see it); false when absent.
bool env_lookup(const std::vector<std::string>& env, const std::string& name, std::string& value);

// Resolves arg0:
//  - with a '/', it is checked as is (relative to the cwd) and returned as is;
//  - without, each PATH entry (from env, else kDefaultPath; an empty entry is
//    ".") is tried in order and the first executable regular file wins.
// "Executable" is faccessat(X_OK, AT_EACCESS), which also refuses noexec mounts.
// Errors (berth::Error), as runc prints them:
//   exec: "foo": executable file not found in $PATH
//   exec: "/bin/x": permission denied        (also: no such file or directory, is a directory)
//   exec: "foo": cannot run executable found relative to current directory
std::string resolve_executable(const std::vector<std::string>& env, const std::string& arg0);

}  // namespace berth::kernel

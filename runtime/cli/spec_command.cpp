// `berth spec`: writes a starter config.json into the bundle directory and
// never overwrites one (runc: "File config.json exists. Remove it first").
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "runtime/cgroups/layout.hpp"
#include "runtime/cli/cli.hpp"
#include "spec/default_config.hpp"

namespace berth::cli {

int spec_command(const SpecOptions& options) {
    std::string dir = options.bundle.empty() ? "." : options.bundle;
    UniqueFd dirFd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dirFd) throw_errno("chdir " + dir);  // runc's wording: it changes into the bundle
    // runc adds a cgroup namespace on cgroup v2 hosts.
    bool cgroupNs = cgroups::detect_mode() == cgroups::Mode::Unified;
    std::string json = spec::default_config_json(options.rootless, ::geteuid(), ::getegid(), cgroupNs);
    // O_EXCL: refuse an existing file (or a symlink there) without a check-then-create race.
    UniqueFd fd(::openat(dirFd.get(), "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (!fd) {
        if (errno == EEXIST) throw Error("File config.json exists. Remove it first", EEXIST);
        throw_errno("open " + dir + "/config.json");
    }
    std::string_view data = json;
    while (!data.empty()) {
        ssize_t n = ::write(fd.get(), data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("write " + dir + "/config.json");
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return 0;
}

}  // namespace berth::cli

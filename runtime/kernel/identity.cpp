#include "runtime/kernel/identity.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "runtime/kernel/capabilities.hpp"

namespace berth::kernel {
namespace {

void set_keepcaps(bool on) {
    if (::prctl(PR_SET_KEEPCAPS, on ? 1 : 0, 0, 0, 0) != 0)
        throw_errno(on ? "prctl(PR_SET_KEEPCAPS, 1)" : "prctl(PR_SET_KEEPCAPS, 0)");
}

// "setresuid 1000: invalid argument (is uid 1000 mapped in the user namespace?)":
// EINVAL from setgroups/set*id means an id has no mapping in this user namespace.
[[noreturn]] void throw_id_error(const std::string& what, const std::string& ids, int err) {
    std::string msg = what + ": " + errno_text(err);
    if (err == EINVAL) msg += " (is " + ids + " mapped in the user namespace?)";
    throw Error(msg, err);
}

}  // namespace

bool setgroups_allowed() {
    UniqueFd fd(::open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC));
    if (!fd) return true;  // kernels before 3.19 have no such file and no such restriction
    char buf[16] = {};
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    return !(n >= 4 && std::string(buf, 4) == "deny");
}

void fix_stdio_ownership(uid_t uid) {
    // /dev/null is looked at only when an fd is not the user's already.
    struct stat null {};
    int have_null = -1;  // not looked at yet
    for (int fd = 0; fd <= 2; ++fd) {
        struct stat st {};
        if (::fstat(fd, &st) != 0) continue;
        if (st.st_uid == uid) continue;
        if (have_null < 0) have_null = ::stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode);
        if (have_null && S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev) continue;
        if (::fchown(fd, uid, static_cast<gid_t>(-1)) != 0) {
            if (errno == EINVAL || errno == EPERM || errno == EROFS) continue;
            throw_errno("chown stdio fd " + std::to_string(fd) + " to uid " + std::to_string(uid));
        }
    }
}

void apply_user_and_capabilities(const spec::Process& process) {
    const spec::User& user = process.user;
    const ResolvedCapabilities caps = resolve_capabilities(
        process.capabilities, available_capabilities(named_capabilities(process.capabilities)));
    for (const auto& w : caps.warnings) spdlog::warn("{}", w);

    fix_stdio_ownership(user.uid);
    drop_bounding_set(caps.sets.bounding);
    set_keepcaps(true);

    // setgroups is tried first: /proc/self/setgroups is read only when it
    // fails, to tell "denied in this user namespace" (EPERM) from an error.
    std::vector<gid_t> groups(user.additionalGids.begin(), user.additionalGids.end());
    if (::setgroups(groups.size(), groups.data()) != 0) {
        const int err = errno;
        if (err == EPERM && !setgroups_allowed()) {
            if (!user.additionalGids.empty())
                spdlog::warn("ignoring additionalGids: setgroups is denied in this user namespace");
        } else {
            std::string list;
            for (gid_t g : groups) list += (list.empty() ? "" : ",") + std::to_string(g);
            throw_id_error("setgroups [" + list + "]", "every gid of " + list, err);
        }
    }

    if (::setresgid(user.gid, user.gid, user.gid) != 0)
        throw_id_error("setresgid " + std::to_string(user.gid), "gid " + std::to_string(user.gid), errno);
    if (::setresuid(user.uid, user.uid, user.uid) != 0)
        throw_id_error("setresuid " + std::to_string(user.uid), "uid " + std::to_string(user.uid), errno);

    set_keepcaps(false);
    apply_capability_sets(caps.sets);
    ::umask(static_cast<mode_t>(user.umask.value_or(022)) & 0777);
}

}  // namespace berth::kernel

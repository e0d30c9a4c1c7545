#include "runtime/kernel/exec_trampoline.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

#include "common/error.hpp"

namespace berth::kernel {
namespace {

// Generated at build time from the berth_trampoline target (CMakeLists.txt).
const unsigned char kImage[] = {
#include "exec_trampoline_blob.inc"
};

constexpr unsigned kMfdExec = 0x10;     // MFD_EXEC (Linux 6.3): executable even under vm.memfd_noexec=1
constexpr int kSealExec = 0x20;         // F_SEAL_EXEC (Linux 6.3): the mode cannot change either
constexpr const char kReportTag[] = "berth-exec-failed ";

}  // namespace

std::string_view exec_trampoline_image() {
    return {reinterpret_cast<const char*>(kImage), sizeof kImage};
}

UniqueFd open_exec_trampoline() {
    const unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
    UniqueFd fd(static_cast<int>(::syscall(SYS_memfd_create, "berth-exec", flags | kMfdExec)));
    if (!fd && errno == EINVAL) fd = UniqueFd(static_cast<int>(::syscall(SYS_memfd_create, "berth-exec", flags)));
    if (!fd) throw_errno("exec trampoline: memfd_create");
    std::string_view image = exec_trampoline_image();
    size_t off = 0;
    while (off < image.size()) {
        ssize_t n = ::write(fd.get(), image.data() + off, image.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw_errno("exec trampoline: write memfd");
        off += static_cast<size_t>(n);
    }
    if (::fchmod(fd.get(), 0555) < 0) throw_errno("exec trampoline: fchmod memfd");
    const int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
    if (::fcntl(fd.get(), F_ADD_SEALS, seals | kSealExec) < 0 && ::fcntl(fd.get(), F_ADD_SEALS, seals) < 0)
        throw_errno("exec trampoline: seal memfd");
    return fd;
}

void exec_through_trampoline(const TrampolineExec& e) {
    std::vector<std::string> args = {"berth-exec", std::to_string(e.reportFd), std::to_string(e.attrs.size())};
    for (const auto& a : e.attrs) {
        args.push_back(a.path);
        args.push_back(a.value);
    }
    args.push_back(e.path);
    args.insert(args.end(), e.argv.begin(), e.argv.end());
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (const auto& v : e.env) envp.push_back(const_cast<char*>(v.c_str()));
    envp.push_back(nullptr);

    // The trampoline reports through reportFd and closes it on its own execve.
    int fdFlags = ::fcntl(e.reportFd, F_GETFD);
    if (fdFlags < 0 || ::fcntl(e.reportFd, F_SETFD, fdFlags & ~FD_CLOEXEC) < 0)
        throw_errno("exec trampoline: report fd");
    ::syscall(SYS_execveat, e.trampoline, "", argv.data(), envp.data(), AT_EMPTY_PATH);
    int err = errno;
    // execveat refused (a seccomp profile may allow only execve): the same
    // sealed file through /proc. Never the program directly.
    std::string viaProc = "/proc/self/fd/" + std::to_string(e.trampoline);
    ::execve(viaProc.c_str(), argv.data(), envp.data());
    ::fcntl(e.reportFd, F_SETFD, fdFlags);
    throw Error("exec " + e.path + ": exec trampoline: " + errno_text(err), err);
}

std::string describe_exec_report(const std::string& report) {
    if (report.rfind(kReportTag, 0) != 0) return report;
    const char* p = report.c_str() + sizeof kReportTag - 1;
    char* end = nullptr;
    long err = std::strtol(p, &end, 10);
    if (end == p || *end != ' ') return report;
    return std::string(end + 1) + ": " + errno_text(static_cast<int>(err));
}

}  // namespace berth::kernel

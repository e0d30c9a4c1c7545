#include "runtime/cgroups/teardown.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/error.hpp"
#include "runtime/cgroups/files.hpp"

namespace berth::cgroups {

void signal_pids(const std::vector<pid_t>& pids, int signal) {
    for (pid_t p : pids) {
        if (p <= 0) continue;
        if (::kill(p, signal) != 0 && errno != ESRCH) throw_errno("kill " + std::to_string(p));
    }
}

std::vector<pid_t> unique_sorted(std::vector<pid_t> pids) {
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    return pids;
}

namespace {

std::vector<std::string> subdirs(const std::string& dir) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != ".." && e->d_type == DT_DIR) out.push_back(dir + "/" + n);
    }
    ::closedir(d);
    return out;
}

}  // namespace

void remove_cgroup_tree(const std::string& dir, const std::function<void()>& kick, int timeoutMs) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::milliseconds(timeoutMs);
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
        for (const auto& sub : subdirs(dir)) remove_cgroup_tree(sub, kick, timeoutMs);
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
        int err = errno;
        if (err != EBUSY || clock::now() >= deadline) {
            std::string left;
            for (pid_t p : read_pids(dir, true)) left += (left.empty() ? "" : " ") + std::to_string(p);
            throw Error("remove cgroup " + dir + ": " + errno_text(err) + (left.empty() ? "" : " (pids: " + left + ")"),
                        err);
        }
        kick();
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(100));
    }
}

}  // namespace berth::cgroups

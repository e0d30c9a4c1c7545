#include "runtime/kernel/close_fds.hpp"

#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <vector>

namespace berth::kernel {

void close_fds_except(int first, std::initializer_list<int> keep) {
    std::vector<int> kept;
    for (int fd : keep)
        if (fd >= first) kept.push_back(fd);
    std::sort(kept.begin(), kept.end());
    bool ok = true;
    int from = first;
    for (int fd : kept) {
        if (fd > from) ok = ::syscall(SYS_close_range, from, fd - 1, 0) == 0 && ok;
        from = fd + 1;
    }
    ok = ::syscall(SYS_close_range, from, UINT_MAX, 0) == 0 && ok;
    if (ok) return;
    // No close_range (old kernel, or a seccomp filter that refuses it).
    std::vector<int> open;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        const int own = ::dirfd(d);
        while (dirent* e = ::readdir(d)) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
            int fd = std::atoi(e->d_name);
            if (fd != own && fd >= first && !std::binary_search(kept.begin(), kept.end(), fd)) open.push_back(fd);
        }
        ::closedir(d);
    }
    for (int fd : open) ::close(fd);
}

}  // namespace berth::kernel

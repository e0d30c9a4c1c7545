#include "runtime/kernel/proc_status.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "common/unique_fd.hpp"

namespace berth::kernel {

std::optional<ProcStat> read_proc_stat(pid_t pid) {
    if (pid <= 0) return std::nullopt;
    std::string path = "/proc/" + std::to_string(pid) + "/stat";
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    char buf[1024];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0) return std::nullopt;
    buf[n] = '\0';
    // comm may contain spaces and parentheses: fields start after the last ')'.
    char* p = std::strrchr(buf, ')');
    if (!p || p[1] != ' ') return std::nullopt;
    p += 2;
    ProcStat st;
    st.state = *p;
    // p points at field 3 (state); start time is field 22.
    for (int field = 3; field < 22; ++field) {
        p = std::strchr(p, ' ');
        if (!p) return std::nullopt;
        ++p;
    }
    st.startTime = std::strtoull(p, nullptr, 10);
    return st;
}

bool process_is_alive(pid_t pid, uint64_t startTime) {
    auto st = read_proc_stat(pid);
    if (!st || st->state == 'Z' || st->state == 'X') return false;
    return startTime == 0 || st->startTime == startTime;
}

}  // namespace berth::kernel

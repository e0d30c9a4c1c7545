#include "runtime/container/input_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace berth::container {

std::string read_input_file(const std::string& path) {
    UniqueFd owned;
    int fd = STDIN_FILENO;
    if (path != "-") {
        owned.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!owned) throw_errno("open " + path);
        fd = owned.get();
    }
    std::string data;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read " + (path == "-" ? std::string("stdin") : path));
        if (n == 0) break;
        data.append(buf, static_cast<size_t>(n));
    }
    return data;
}

}  // namespace berth::container

// Command output on standard output, written with write(2). berth has no
// iostreams: <iostream>'s static initialisation (eight standard streams and
// their locales) costs every berth command ~0.06 ms at startup, and a command
// prints at most a few lines.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace berth {

// Writes all of text (continuing short writes). A failed write is dropped, as
// std::cout drops it; SIGPIPE behaves as it would for std::cout.
inline void print_stdout(std::string_view text) {
    while (!text.empty()) {
        ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text.remove_prefix(static_cast<size_t>(n));
    }
}

}  // namespace berth

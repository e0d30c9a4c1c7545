// Closing inherited fds before a container process resolves its cwd and
// program path (CVE-2024-21626): close-on-exec is not enough, because until
// execve a /proc/self/fd/N path would still reach a host directory.
#pragma once

#include <initializer_list>

namespace berth::kernel {

// Closes every fd >= first except those in keep (negative entries ignored).
// Uses close_range(2); falls back to the list in /proc/self/fd.
void close_fds_except(int first, std::initializer_list<int> keep);

}  // namespace berth::kernel

// Reading a JSON input a command was given by path, or "-" for stdin
// (exec --process, update --resources).
#pragma once

#include <string>

namespace berth::container {

// The whole file (O_CLOEXEC, like every fd berth opens) or all of stdin.
std::string read_input_file(const std::string& path);

}  // namespace berth::container

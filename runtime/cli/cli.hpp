// Command-line front end: parses runc's flags, sets up logging, calls one
// function of runtime/container/operations.hpp, and maps errors to exit 1.
#pragma once

namespace berth::cli {

int main(int argc, char** argv);

}  // namespace berth::cli

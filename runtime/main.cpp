// berth: an OCI container runtime. The binary is a thin shell around the CLI.
#include "runtime/cli/cli.hpp"

int main(int argc, char** argv) { return berth::cli::main(argc, argv); }

// The command table: each command's names, help text, flags and how its
// arguments become an option struct. Parsing (command_line.cpp) and help
// (help.cpp) both read this one table, so they cannot disagree.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runtime/cli/cli.hpp"
#include "runtime/cli/flags.hpp"

namespace berth::cli {

struct CommandDef {
    std::string name;
    std::vector<std::string> aliases;
    std::string summary;      // one line, for the command list
    std::string argsUsage;    // after "[command options]", e.g. "<container-id>"
    std::string description;  // paragraphs for `--help`
    // urfave/cli moves known flags ahead of positionals for every command but
    // exec and ps, whose trailing arguments belong to another program.
    bool reorder = true;
    // Flags are not parsed at all (checkpoint, restore): only help is honoured.
    bool skipFlagParsing = false;
    std::vector<FlagSpec> flags;  // without help, which every command has
    std::function<CommandOptions(const FlagParse&)> build;
};

// Every command, in the order `berth --help` lists them.
const std::vector<CommandDef>& command_table();

// The command named `name` or having it as an alias, or nullptr.
const CommandDef* find_command(const std::string& name);

// The global flags (before the command).
const std::vector<FlagSpec>& global_flags();

}  // namespace berth::cli

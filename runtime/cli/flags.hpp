// The flag grammar of runc's command line: Go's flag package, driven by
// urfave/cli v1. Engines depend on its details, so berth reads argv the same
// way:
//   - `-name` and `--name` are the same flag; `-name=value`, `--name value`;
//     short aliases are just other names (`-b`), never bundled (`-dt` is an
//     unknown flag, as in runc);
//   - a boolean flag takes no separate argument: `--detach`, `--detach=false`
//     (strconv.ParseBool values);
//   - a value flag takes the next argument even if it starts with '-';
//   - flag parsing stops at the first positional argument ("-" counts as one)
//     or after `--`, which is consumed;
//   - most commands first move their KNOWN flags in front of the positionals
//     (urfave's reorderArgs), so `delete ID --force` works; exec and ps do not
//     (`exec ID sh -c x` passes `-c x` to sh).
//
// CLI11 (libcli11-dev 2.1.2) was considered and not used: it reads `-name` as
// bundled short flags `-n -a -m -e`, has no mode that moves only known flags
// ahead of positionals while stopping at the first positional for others,
// and its error texts differ from the Go ones engines and scripts match on.
// A small table-driven parser states these rules directly.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"

namespace berth::cli {

// A command line berth cannot read (exit status 1, like runc).
class UsageError : public Error {
public:
    using Error::Error;
};

enum class FlagKind { Bool, Value };

struct FlagSpec {
    std::vector<std::string> names;  // canonical name first: {"bundle", "b"}
    FlagKind kind = FlagKind::Value;
    std::string usage;               // one line for --help
    bool hidden = false;             // accepted, not listed in --help
};

struct FlagHit {
    std::string name;   // canonical name
    std::string typed;  // the name as written, without dashes (for messages)
    std::string value;  // Bool flags: "true" or "false"
};

struct FlagParse {
    std::vector<FlagHit> hits;      // in command-line order
    std::vector<std::string> args;  // what is left: the positional arguments
};

// Go's flag.FlagSet.Parse over `specs`. Throws UsageError with Go's texts:
//   flag provided but not defined: -foo
//   flag needs an argument: -b
//   invalid boolean value "maybe" for -detach: parse error
//   bad flag syntax: ---x
FlagParse parse_go_flags(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs);

// urfave/cli v1's reorderArgs: known flags (and a value following a value
// flag written without '=') move in front, everything else keeps its order,
// nothing after `--` moves. One deliberate difference: urfave also pulls the
// argument after a BOOLEAN flag to the front (`kill ID -a KILL` would kill
// container "KILL" with signal "ID"); berth knows the flag kinds and does not.
std::vector<std::string> reorder_known_flags_first(const std::vector<std::string>& args,
                                                   const std::vector<FlagSpec>& specs);

// The spec whose names include `name` (no dashes), or nullptr.
const FlagSpec* find_flag(const std::vector<FlagSpec>& specs, const std::string& name);

}  // namespace berth::cli

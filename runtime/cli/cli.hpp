// Command-line front end: parses runc's flags, sets up logging, calls one
// function of runtime/container/operations.hpp, and maps errors to exit 1.
//
// Layout (runc's): berth [global flags] COMMAND [command flags] ARGS...
// Parsing is pure (parse_command_line: no I/O, no side effects) so tests can
// check every form engines use; run_command does the work.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/cli/flags.hpp"
#include "runtime/cli/logging.hpp"
#include "runtime/container/operations.hpp"
#include "spec/features.hpp"

namespace berth::cli {

// Commands whose container function takes only an id get a struct each, so
// that every alternative of CommandOptions is a distinct type.
struct StartOptions { std::string id; };
struct StateOptions { std::string id; };
struct PauseOptions { std::string id; };
struct ResumeOptions { std::string id; };

// `update`: the container layer's options plus flags only the CLI handles.
struct UpdateCommandOptions {
    container::UpdateOptions update;
    std::optional<int64_t> kernelMemoryTcp;  // obsolete in runc: accepted, warned about, ignored here
    std::string l3CacheSchema;               // Intel RDT: berth has no RDT support,
    std::string memBwSchema;                 //   so setting either fails
};

struct SpecOptions {
    std::string bundle;  // empty: the current directory
    bool rootless = false;
};

struct FeaturesOptions {};

struct HelpOptions {
    std::string topic;  // empty: berth's own help; else a canonical command name
};

struct VersionOptions {};

// checkpoint and restore: their --help works (containerd probes it); running
// them fails with "<command> is not supported".
struct UnsupportedOptions {
    std::string command;
};

using CommandOptions =
    std::variant<HelpOptions, VersionOptions, container::CreateOptions, container::RunOptions, StartOptions,
                 StateOptions, container::KillOptions, container::DeleteOptions, container::ListOptions,
                 container::PsOptions, PauseOptions, ResumeOptions, UpdateCommandOptions, container::EventsOptions,
                 container::ExecOptions, SpecOptions, FeaturesOptions, UnsupportedOptions>;

struct ParsedCommandLine {
    container::GlobalOptions global;  // --root, --debug, --systemd-cgroup, --rootless
    LogOptions log;                   // --log, --log-format, --debug
    bool rootGiven = false;           // --root was on the command line (else see default_root())
    std::string criu;                 // --criu: accepted and ignored
    // Canonical command: "create", "list" (also for "ls"), ... ; "help" for
    // help/h/--help/-h and for no command at all; "version" for --version/-v.
    std::string command;
    CommandOptions options;
};

// Phase 1: the global flags, up to the command. `rest` receives the command
// and its arguments. Throws UsageError.
ParsedCommandLine parse_global_flags(const std::vector<std::string>& args, std::vector<std::string>& rest);

// Phase 2: the command and its flags, into `line.command` / `line.options`.
// Throws UsageError.
void parse_command(ParsedCommandLine& line, const std::vector<std::string>& rest);

// Both phases. `args` excludes argv[0]. Throws UsageError, e.g.
//   flag provided but not defined: -foo
//   berth: "create" requires exactly 1 argument(s)
//   No help topic for 'bogus'
ParsedCommandLine parse_command_line(const std::vector<std::string>& args);
ParsedCommandLine parse_command_line(int argc, char** argv);

// The state directory when --root is not given: /run/berth for root, else
// $XDG_RUNTIME_DIR/berth when that is set (runc's rule for rootless use).
std::string default_root();

// --root made absolute and normal ("run/x/../y" -> "<cwd>/run/y"), as runc
// does; "/" (also via "", "." or ".." from /) is refused.
std::string resolve_root(const std::string& root);

// Runs one parsed command and returns its exit status. A failure is logged
// at error level (log_command_error) and returns 1.
int run_command(const ParsedCommandLine& line);

// `berth --version`: "berth version 0.1.0\ncommit: ...\nspec: 1.3.0\nlibseccomp: 2.5.4\n".
std::string version_text();

// Help for berth (topic "") or for one command (its name or an alias).
// Throws UsageError("No help topic for '<topic>'").
std::string help_text(std::string_view topic);

// `berth spec` (spec_command.cpp): writes <bundle>/config.json; 0 or throws.
int spec_command(const SpecOptions& options);

// `berth features` (features_command.cpp): what this build implements, and
// that as pretty JSON with a trailing newline.
spec::Features berth_features();
std::string features_json();

// The whole program: logging, parsing, running, exit status.
int main(int argc, char** argv);

}  // namespace berth::cli

// Reading, validating and writing runtime-spec v1.3.0 documents for Linux.
//
// The text is read in one pass straight into the types (no JSON tree in
// between). Parsing is strict about syntax, types and ranges (every error is
// one line naming the JSON path, see spec_error.hpp; strings must be valid
// UTF-8), ignores unknown properties (config.md, Extensibility) and treats a
// property set to null like an absent one, as the Go runtimes do. Absent
// optional fields stay std::nullopt/empty, so "absent" and "zero" remain
// distinguishable. No syscalls happen here except reading the file in
// load_config_file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "spec/config.hpp"
#include "spec/spec_error.hpp"

namespace berth::spec {

// Parses config.json text, then validate_config()s it. `origin` starts every
// error message ("config.json: process.cwd: ...").
Config parse_config(std::string_view json, std::string_view origin = "config.json");

// Reads and parses a config file. An unreadable file gives
// "<origin>: open <path>: no such file or directory" (errno kept in code()).
Config load_config_file(const std::string& path, std::string_view origin = "config.json");

// The semantic rules of config.md / config-linux.md that types cannot hold
// (absolute paths, enums, duplicates, cross-field rules). Throws SpecError on
// the first broken rule, in the same message style as parsing.
void validate_config(const Config& config, std::string_view origin = "config.json");

// A runtime-spec `process` object on its own (`exec --process`), with the same
// checks as config.process. Paths in messages are relative to the object
// ("process.json: cwd: ...").
Process parse_process(std::string_view json, std::string_view origin = "process.json");
void validate_process(const Process& process, std::string_view origin = "process.json");

// A `linux.resources` object on its own (`update --resources`), with the same
// checks as config.linux.resources.
Resources parse_resources(std::string_view json, std::string_view origin = "resources");
void validate_resources(const Resources& resources, std::string_view origin = "resources");

// Serializes only the fields that are set, in the field order of the spec's Go
// bindings; parse_config(config_to_json(c)) == c for every valid c.
// indent < 0: compact; otherwise pretty-printed with `indent` spaces.
std::string config_to_json(const Config& config, int indent = -1);
std::string process_to_json(const Process& process, int indent = -1);
std::string resources_to_json(const Resources& resources, int indent = -1);

std::optional<NamespaceType> namespace_type_from_string(std::string_view name);

}  // namespace berth::spec

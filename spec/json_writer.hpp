// Internal to spec/: spec types -> JSON trees that keep the field order of the
// spec's Go bindings (what runc prints), emitting only the fields that are set.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "spec/config.hpp"

namespace berth::spec::detail {

using OJson = nlohmann::ordered_json;

OJson to_ojson(const Config& c);
OJson to_ojson(const Process& p);
OJson to_ojson(const Resources& r);

// indent < 0: compact. Invalid UTF-8 is replaced rather than thrown on.
std::string dump(const OJson& j, int indent, char indent_char = ' ');

}  // namespace berth::spec::detail

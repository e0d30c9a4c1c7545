// The error thrown for a configuration, process, resources or state document
// that cannot be read or breaks the runtime-spec. The message is one line that
// names the document, the JSON path and what was expected, e.g.
//   config.json: linux.resources.memory.limit: expected an integer
#pragma once

#include <string>

#include "common/error.hpp"

namespace berth::spec {

class SpecError : public berth::Error {
public:
    explicit SpecError(const std::string& msg, int err = 0) : berth::Error(msg, err) {}
};

}  // namespace berth::spec

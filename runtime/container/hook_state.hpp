// The state JSON hooks read on stdin (runtime.md "State"): the spec's fields
// only, with the status the lifecycle step gives.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace berth::container {

std::string hook_state_json(const std::string& id, const char* status, pid_t pid, const std::string& bundle,
                            const std::map<std::string, std::string>& annotations);

}  // namespace berth::container

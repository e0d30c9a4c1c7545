#include "runtime/container/hook_state.hpp"

#include <nlohmann/json.hpp>

#include "spec/config.hpp"

namespace berth::container {

std::string hook_state_json(const std::string& id, const char* status, pid_t pid, const std::string& bundle,
                            const std::map<std::string, std::string>& annotations) {
    nlohmann::ordered_json j;
    j["ociVersion"] = spec::kSpecVersion;
    j["id"] = id;
    j["status"] = status;
    if (pid > 0) j["pid"] = pid;
    j["bundle"] = bundle;
    if (!annotations.empty()) j["annotations"] = annotations;
    return j.dump();
}

}  // namespace berth::container

// The two Manager backends (internal to runtime/cgroups; callers use
// Manager::create / Manager::open).
#pragma once

#include <memory>
#include <string>

#include "runtime/cgroups/manager.hpp"

namespace berth::cgroups {

// What a backend's constructor makes: nothing (open), every directory
// (create), or only the one clone3 places the init in (create_clone_target).
enum class Creation { None, Everything, CloneTarget };

std::unique_ptr<Manager> make_v2_manager(const std::string& path, const Layout& layout, Creation);
std::unique_ptr<Manager> make_v1_manager(const std::string& path, const Layout& layout, Creation);

// Freezes / thaws a v2 cgroup directory (shared with the hybrid backend's tests).
void freeze_v2(const std::string& dir, bool freeze);
FreezerState freezer_state_v2(const std::string& dir);

// True when running in a user namespace other than the initial one, where
// device rules cannot be set (skipped, as runc does).
bool in_user_namespace();

}  // namespace berth::cgroups

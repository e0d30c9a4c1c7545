#include "runtime/container/cgroup_link.hpp"

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "runtime/cgroups/cgroup_path.hpp"
#include "runtime/cgroups/devices.hpp"
#include "runtime/cgroups/manager.hpp"

namespace berth::container {

std::string planned_cgroup_path(const spec::Config& config, const std::string& id, bool systemdCgroup) {
    const std::optional<std::string> noPath;
    const auto& cgroupsPath = config.linux ? config.linux->cgroupsPath : noPath;
    return cgroups::resolve_cgroup_path(cgroupsPath, id, systemdCgroup);
}

CgroupSetup::CgroupSetup(const spec::Config& config, const std::string& id, bool systemdCgroup)
    : config_(config) {
    path_ = planned_cgroup_path(config, id, systemdCgroup);
    manager_ = cgroups::Manager::create_clone_target(path_, cgroups::detect_layout());
}

void CgroupSetup::finish(bool placedByClone) {
    try {
        manager_->make_remaining_directories();
        if (placedByClone && manager_->mode() == cgroups::Mode::Unified) manager_->init_joined();
        spec::Resources resources = config_.linux && config_.linux->resources ? *config_.linux->resources : spec::Resources{};
        // The device rules the container gets: linux.resources.devices plus the
        // default devices every container may use (as runc allows them).
        static const spec::Linux noLinux;
        resources.devices = cgroups::container_device_rules(config_.linux ? *config_.linux : noLinux);
        manager_->apply(resources, /*isUpdate=*/false);
    } catch (const Error& e) {
        throw e.wrap("cgroup " + path_);  // the destructor removes it (after create killed the init)
    }
}

CgroupSetup::CgroupSetup(CgroupSetup&&) noexcept = default;

std::unique_ptr<cgroups::Manager> CgroupSetup::commit() {
    committed_ = true;
    return std::move(manager_);
}

CgroupSetup::~CgroupSetup() {
    if (committed_ || !manager_) return;
    try {
        manager_->destroy();
    } catch (const Error& e) {
        spdlog::warn("remove cgroup {}: {}", path_, e.what());
    }
}

int CgroupSetup::clone_into_fd() const { return manager_->clone_into_fd(); }

bool CgroupSetup::needs_join_after_clone(bool placedByClone) const {
    return !placedByClone || manager_->mode() != cgroups::Mode::Unified;
}

void CgroupSetup::add_process(pid_t pid, bool placedByClone) {
    if (placedByClone && manager_->mode() == cgroups::Mode::Unified) return;
    manager_->add_process(pid);
}

std::vector<std::string> CgroupSetup::self_join_files(bool placedByClone) const {
    if (manager_->mode() == cgroups::Mode::Hybrid && !placedByClone) return {};
    return manager_->v1_task_files();
}

std::unique_ptr<cgroups::Manager> open_cgroup(const ContainerRecord& rec) {
    if (rec.cgroupPath.empty()) return nullptr;
    return cgroups::Manager::open(rec.cgroupPath, cgroups::detect_layout());
}

bool cgroup_is_frozen(const ContainerRecord& rec) {
    try {
        auto cg = open_cgroup(rec);
        return cg && cg->frozen();
    } catch (const Error&) {
        return false;
    }
}

void destroy_cgroup(const ContainerRecord& rec) {
    if (auto cg = open_cgroup(rec)) cg->destroy();
}

void destroy_cgroup(const ContainerRecord& rec, cgroups::Manager* created) {
    if (created && created->path() == rec.cgroupPath) created->destroy();
    else destroy_cgroup(rec);
}

}  // namespace berth::container

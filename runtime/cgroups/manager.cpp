#include "runtime/cgroups/manager.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cstdlib>

#include "common/error.hpp"
#include "runtime/cgroups/backends.hpp"
#include "runtime/cgroups/files.hpp"

namespace berth::cgroups {

namespace {

void check_path(const std::string& path) {
    if (path.empty() || path[0] != '/' || path == "/")
        throw Error("cgroup path \"" + path + "\" must be absolute and below the root cgroup");
    for (size_t i = 0; i < path.size();) {
        size_t slash = path.find('/', i + 1);
        std::string part = path.substr(i + 1, slash == std::string::npos ? std::string::npos : slash - i - 1);
        if (part == "." || part == "..") throw Error("cgroup path \"" + path + "\" must be clean (no . or ..)");
        if (slash == std::string::npos) break;
        i = slash;
    }
}

std::unique_ptr<Manager> make(const std::string& path, const Layout& layout, Creation creation) {
    check_path(path);
    try {
        if (layout.mode == Mode::Unified) return make_v2_manager(path, layout, creation);
        return make_v1_manager(path, layout, creation);
    } catch (const Error& e) {
        throw e.wrap(std::string(creation != Creation::None ? "create" : "open") + " cgroup " + path);
    }
}

uint64_t oom_kill_count(const std::string& dir) {
    auto ev = read_file_if_exists(dir, "memory.events");
    return ev ? parse_flat_keyed(*ev)["oom_kill"] : 0;
}

}  // namespace

std::unique_ptr<Manager> Manager::create(const std::string& path, const Layout& layout) {
    return make(path, layout, Creation::Everything);
}

std::unique_ptr<Manager> Manager::create_clone_target(const std::string& path, const Layout& layout) {
    return make(path, layout, Creation::CloneTarget);
}

std::unique_ptr<Manager> Manager::open(const std::string& path, const Layout& layout) {
    return make(path, layout, Creation::None);
}

void Manager::make_remaining_directories() {
    try {
        make_remaining();
    } catch (const Error& e) {
        throw e.wrap("create cgroup " + path_);
    }
}

CgroupGuard::~CgroupGuard() {
    if (!manager_) return;
    try {
        manager_->destroy();
    } catch (const std::exception& e) {
        spdlog::warn("remove cgroup {} after a failed create: {}", manager_->path(), e.what());
    }
}

bool in_user_namespace() {
    // The initial user namespace maps all of 0..2^32-2 onto itself, in one line.
    UniqueFd fd(::open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    char buf[256];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0) return false;
    buf[n] = '\0';
    char* p = buf;
    uint64_t v[3];
    for (uint64_t& x : v) {
        char* end = nullptr;
        x = std::strtoull(p, &end, 10);
        if (end == p) return false;
        p = end;
    }
    while (*p == ' ' || *p == '\n') ++p;
    return !(v[0] == 0 && v[1] == 0 && v[2] == 4294967295ULL && *p == '\0');
}

OomWatch OomWatch::for_v2(const std::string& dir) {
    OomWatch w;
    w.v2_ = true;
    w.dir_ = dir;
    w.fd_ = UniqueFd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!w.fd_) throw_errno("inotify_init1");
    const std::string events = dir + "/memory.events";
    if (::inotify_add_watch(w.fd_.get(), events.c_str(), IN_MODIFY) < 0) throw_errno("watch " + events);
    w.seen_ = oom_kill_count(dir);
    return w;
}

OomWatch OomWatch::for_v1(const std::string& memoryDir) {
    OomWatch w;
    w.v2_ = false;
    w.dir_ = memoryDir;
    w.fd_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!w.fd_) throw_errno("eventfd");
    const std::string control = memoryDir + "/memory.oom_control";
    w.control_ = UniqueFd(::open(control.c_str(), O_RDONLY | O_CLOEXEC));
    if (!w.control_) throw_errno("open " + control);
    write_file(memoryDir, "cgroup.event_control",
               std::to_string(w.fd_.get()) + " " + std::to_string(w.control_.get()));
    return w;
}

uint64_t OomWatch::consume() {
    if (v2_) {
        char buf[4096];
        while (::read(fd_.get(), buf, sizeof buf) > 0) {
        }
        uint64_t now = oom_kill_count(dir_);
        uint64_t fresh = now > seen_ ? now - seen_ : 0;
        seen_ = std::max(seen_, now);
        return fresh;
    }
    uint64_t n = 0;
    if (::read(fd_.get(), &n, sizeof n) != static_cast<ssize_t>(sizeof n)) return 0;
    // The eventfd also fires when the cgroup is removed; that is no OOM.
    if (!file_exists(dir_, "cgroup.event_control")) return 0;
    return n;
}

}  // namespace berth::cgroups

#include "runtime/container/state_store.hpp"

#include <dirent.h>
#include <algorithm>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/fault.hpp"

namespace berth::container {

void validate_container_id(const std::string& id) {
    if (id.empty()) throw Error("container id cannot be empty");
    if (id == "." || id == "..") throw Error("invalid container id format: " + id);
    if (id.size() > 1024) throw Error("invalid container id format: id is longer than 1024 characters");
    for (char c : id) {
        // runc's ^[\w+-\.]+$: "+-\." is the range '+' .. '.', so ',' is allowed too.
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || (c >= '+' && c <= '.');
        if (!ok) throw Error("invalid container id format: " + id);
    }
}

static void mkdir_p(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return;
    if (errno != ENOENT) throw_errno("create state directory " + path);
    auto slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) throw_errno("create state directory " + path);
    mkdir_p(path.substr(0, slash), 0755);
    if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) throw_errno("create state directory " + path);
}

ContainerDir::ContainerDir(std::string root, std::string id, UniqueFd fd)
    : root_(std::move(root)), id_(std::move(id)), path_(root_ + "/" + id_), dirFd_(std::move(fd)) {}

ContainerDir::~ContainerDir() {
    if (!committed_ && !removed_ && dirFd_) {
        try { remove(); } catch (...) {}
    }
}

ContainerDir ContainerDir::create(const std::string& root, const std::string& id) {
    validate_container_id(id);
    mkdir_p(root, 0711);
    std::string path = root + "/" + id;
    if (::mkdir(path.c_str(), 0700) < 0) {
        if (errno == EEXIST) throw Error("container with id exists: " + id, EEXIST);
        throw_errno("create state directory " + path);
    }
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        int err = errno;
        ::rmdir(path.c_str());
        throw_errno("open state directory " + path, err);
    }
    // Nobody else can hold the lock yet (we just made the directory), but take it
    // so that commands started now wait for create to finish.
    ::flock(fd.get(), LOCK_EX);
    ContainerDir dir(root, id, std::move(fd));
    dir.committed_ = false;
    return dir;
}

ContainerDir ContainerDir::open(const std::string& root, const std::string& id, bool lock) {
    validate_container_id(id);
    std::string path = root + "/" + id;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) throw Error("container does not exist", ENOENT);
        throw_errno("open state directory " + path);
    }
    if (lock && ::flock(fd.get(), LOCK_EX) < 0) throw_errno("lock state directory " + path);
    // A delete that held the lock before us may have removed the directory.
    struct stat st;
    if (::fstat(fd.get(), &st) < 0 || st.st_nlink == 0) throw Error("container does not exist", ENOENT);
    return ContainerDir(root, id, std::move(fd));
}

void ContainerDir::unlock() const { ::flock(dirFd_.get(), LOCK_UN); }

void ContainerDir::relock() const {
    if (::flock(dirFd_.get(), LOCK_EX) < 0) throw_errno("lock state directory " + path_);
    struct stat st;
    if (::fstat(dirFd_.get(), &st) < 0 || st.st_nlink == 0) throw Error("container does not exist", ENOENT);
}

bool ContainerDir::exists(const char* name) const {
    return ::faccessat(dirFd_.get(), name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

bool ContainerDir::has_record() const { return exists("state.json"); }

std::string ContainerDir::read_file(const char* name) const {
    UniqueFd fd(::openat(dirFd_.get(), name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) throw_errno("read " + file(name));
    std::string data;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read " + file(name));
        }
        if (n == 0) break;
        data.append(buf, static_cast<size_t>(n));
    }
    return data;
}

void ContainerDir::write_file(const char* name, const std::string& data) const {
    BERTH_FAULT_MARK("state", std::string("write ") + name);
    // Temp file + rename: a reader sees the old or the new file, never half of one.
    std::string tmp = std::string(".") + name + ".tmp";
    UniqueFd fd(::openat(dirFd_.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw_errno("write " + file(name));
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd.get(), p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("write " + file(name));
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    if (::renameat(dirFd_.get(), tmp.c_str(), dirFd_.get(), name) < 0) throw_errno("write " + file(name));
}

void ContainerDir::write_record(const ContainerRecord& r) const {
    nlohmann::json j = {
        {"id", r.id},           {"bundle", r.bundle},   {"rootfs", r.rootfs},
        {"pid", r.pid},         {"pidStartTime", r.pidStartTime},
        {"created", r.created}, {"owner", r.owner},     {"cgroupPath", r.cgroupPath},
        {"annotations", r.annotations}, {"hasLifecycleHooks", r.hasLifecycleHooks},
    };
    if (r.creating) j["creating"] = true;
    write_file("state.json", j.dump());
}

namespace {

// An integer field in T's range. nlohmann's get<T>() converts a float (or an
// out-of-range integer) with a plain cast, which is undefined for floats: a
// state file written by anything but berth must not reach that (found by
// fuzz/fuzz_state: "pidStartTime": -8.956).
template <typename T>
T integer_field(const nlohmann::json& j, const char* key, std::optional<T> fallback, const std::string& file) {
    auto it = j.find(key);
    if (it == j.end()) {
        if (fallback) return *fallback;
        throw Error(file + ": corrupt state file: " + key + " is missing");
    }
    if (it->is_number_unsigned()) {
        uint64_t v = it->get<uint64_t>();
        if (v <= static_cast<uint64_t>(std::numeric_limits<T>::max())) return static_cast<T>(v);
    } else if (it->is_number_integer()) {
        int64_t v = it->get<int64_t>();
        if (std::numeric_limits<T>::is_signed && v >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
            v <= static_cast<int64_t>(std::numeric_limits<T>::max()))
            return static_cast<T>(v);
    }
    throw Error(file + ": corrupt state file: " + key + ": expected an integer from " +
                std::to_string(std::numeric_limits<T>::min()) + " to " + std::to_string(std::numeric_limits<T>::max()) +
                ", got " + it->dump());
}

}  // namespace

ContainerRecord ContainerDir::read_record() const {
    std::string text = read_file("state.json");
    try {
        auto j = nlohmann::json::parse(text);
        ContainerRecord r;
        r.id = j.at("id").get<std::string>();
        r.bundle = j.at("bundle").get<std::string>();
        r.rootfs = j.value("rootfs", "");
        r.pid = integer_field<pid_t>(j, "pid", std::nullopt, file("state.json"));
        r.pidStartTime = integer_field<uint64_t>(j, "pidStartTime", uint64_t{0}, file("state.json"));
        r.created = j.value("created", "");
        r.owner = j.value("owner", "");
        r.cgroupPath = j.value("cgroupPath", "");
        r.annotations = j.value("annotations", std::map<std::string, std::string>{});
        r.hasLifecycleHooks = j.value("hasLifecycleHooks", false);
        r.creating = j.value("creating", false);
        return r;
    } catch (const nlohmann::json::exception& e) {
        throw Error(file("state.json") + ": corrupt state file: " + e.what());
    }
}

static void remove_tree_at(int dirfd) {
    UniqueFd dup(::dup(dirfd));
    if (!dup) return;
    DIR* d = ::fdopendir(dup.release());
    if (!d) return;
    ::rewinddir(d);
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        if (::unlinkat(dirfd, name.c_str(), 0) < 0 && errno == EISDIR) {
            UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (sub) remove_tree_at(sub.get());
            ::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR);
        }
    }
    ::closedir(d);
}

void ContainerDir::remove() {
    if (removed_) return;
    // What berth keeps there, then the directory; anything else (a dir it
    // did not make, files of an older berth) is found by the full walk.
    for (const char* name : {"state.json", "config.json", "exec.fifo"}) (void)::unlinkat(dirFd_.get(), name, 0);
    if (::rmdir(path_.c_str()) == 0) {
        removed_ = true;
        committed_ = true;
        return;
    }
    remove_tree_at(dirFd_.get());
    if (::rmdir(path_.c_str()) < 0 && errno != ENOENT) throw_errno("remove state directory " + path_);
    removed_ = true;
    committed_ = true;
}

std::vector<std::string> list_container_ids(const std::string& root) {
    std::vector<std::string> ids;
    DIR* d = ::opendir(root.c_str());
    if (!d) return ids;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name.empty() || name[0] == '.') continue;
        if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) ids.push_back(name);
    }
    ::closedir(d);
    std::sort(ids.begin(), ids.end());
    return ids;
}

}  // namespace berth::container

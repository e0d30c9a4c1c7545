#include "integration/support/security_fixtures.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "integration/support/security_attacker.hpp"

namespace berth::security_test {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

void fingerprint_into(const std::string& dir, const std::string& shown, std::vector<std::string>& out) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
        const std::string p = dir + "/" + n;
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0) continue;
        std::ostringstream line;
        line << shown << n << " " << std::oct << st.st_mode << std::dec << " " << st.st_uid << ":" << st.st_gid << " "
             << st.st_size;
        if (S_ISREG(st.st_mode)) line << " " << std::hash<std::string>{}(read_file(p));
        if (S_ISLNK(st.st_mode)) {
            char buf[4096];
            ssize_t len = ::readlink(p.c_str(), buf, sizeof buf);
            if (len > 0) line << " -> " << std::string(buf, static_cast<size_t>(len));
        }
        out.push_back(line.str());
        if (S_ISDIR(st.st_mode)) fingerprint_into(p, shown + n + "/", out);
    }
}

// Single-quoted for /bin/sh.
std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

}  // namespace

HostDir::HostDir() {
    std::string tmpl = "/tmp/berth-sec-XXXXXX";
    if (!::mkdtemp(tmpl.data())) fail("mkdtemp " + tmpl);
    path_ = tmpl;
    ::chmod(path_.c_str(), 0755);
}

HostDir::~HostDir() {
    if (!test::mounts_mentioning(path_ + "/").empty() || !test::mounts_mentioning(path_ + " ").empty()) {
        std::cerr << "security test: not removing " << path_ << ": something is mounted under it\n";
        return;
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);  // removes symlinks, never follows them
    if (ec) std::cerr << "security test: removing " << path_ << ": " << ec.message() << "\n";
}

BerthCopy::BerthCopy() : path_(dir_ / "berth") {
    write_file(path_, read_file(BERTH_BINARY), 0755);
}

bool BerthCopy::unchanged() const { return read_file(path_) == read_file(BERTH_BINARY); }

std::string BerthCopy::target_env() const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) fail("stat " + path_);
    return std::string(kTargetEnv) + "=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

std::string test_executable() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) fail("readlink /proc/self/exe");
    return std::string(buf, static_cast<size_t>(n));
}

void arm_bundle(test::TestBundle& bundle, const std::vector<std::string>& extraEnv) {
    const std::string rootfs = bundle.rootfs();
    for (auto [link, target] : {std::pair{"lib", "usr/lib"}, std::pair{"lib64", "usr/lib64"}})
        if (!exists(rootfs + "/" + link)) make_symlink(target, rootfs + "/" + link);
    // Made here, as host root: a container root of a user namespace may not
    // create them in a rootfs that host root owns.
    for (const char* dir : {"/usr", "/usr/lib", "/usr/lib64"}) ::mkdir((rootfs + dir).c_str(), 0755);
    if (!exists(rootfs + "/attacker")) write_file(rootfs + "/attacker", "", 0755);
    auto& mounts = bundle.config["mounts"];
    for (const char* dir : {"/usr/lib", "/usr/lib64"})
        mounts.push_back({{"destination", dir}, {"type", "bind"}, {"source", dir}, {"options", {"rbind", "ro"}}});
    mounts.push_back({{"destination", "/attacker"},
                      {"type", "bind"},
                      {"source", test_executable()},
                      {"options", {"bind", "ro"}}});
    auto& env = bundle.config["process"]["env"];
    env.push_back(std::string(kAttackerEnv) + "=1");
    for (const auto& e : extraEnv) env.push_back(e);
    bundle.config["root"]["readonly"] = false;
}

void add_bind(test::TestBundle& bundle, const std::string& hostDir, const std::string& destination) {
    bundle.config["mounts"].push_back(
        {{"destination", destination}, {"type", "bind"}, {"source", hostDir}, {"options", {"rbind", "rw"}}});
}

void use_user_namespace(test::TestBundle& bundle) {
    auto& lx = bundle.config["linux"];
    lx["namespaces"].push_back({{"type", "user"}});
    lx["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    lx["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    auto& mounts = bundle.config["mounts"];
    for (auto it = mounts.begin(); it != mounts.end();) {
        if ((*it)["destination"] == "/sys/fs/cgroup") it = mounts.erase(it);
        else ++it;
    }
}

void join_pid_namespace(test::TestBundle& bundle, pid_t hostPid) {
    for (auto& ns : bundle.config["linux"]["namespaces"])
        if (ns["type"] == "pid") ns["path"] = "/proc/" + std::to_string(hostPid) + "/ns/pid";
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& content, mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) fail("open " + path);
    size_t off = 0;
    while (off < content.size()) {
        ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n <= 0) {
            ::close(fd);
            fail("write " + path);
        }
        off += static_cast<size_t>(n);
    }
    ::fchmod(fd, mode);
    ::close(fd);
}

void make_symlink(const std::string& target, const std::string& path) {
    if (::symlink(target.c_str(), path.c_str()) != 0) fail("symlink " + path);
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::string fingerprint(const std::string& dir) {
    std::vector<std::string> lines;
    fingerprint_into(dir, "", lines);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

pid_t container_pid(const test::TestRoot& root, const std::string& id) {
    auto r = root.run({"state", id});
    if (r.status != 0) return -1;
    try {
        return nlohmann::json::parse(r.out).value("pid", -1);
    } catch (const std::exception&) {
        return -1;
    }
}

pid_t innermost_pid(pid_t hostPid) {
    std::istringstream in(read_file("/proc/" + std::to_string(hostPid) + "/status"));
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("NSpid:", 0) != 0) continue;
        std::istringstream ids(line.substr(6));
        pid_t last = -1;
        for (pid_t p; ids >> p;) last = p;
        return last;
    }
    return -1;
}

bool wait_for_text(const std::string& path, const std::string& needle, int timeoutMs) {
    return test::wait_for([&] { return read_file(path).find(needle) != std::string::npos; }, timeoutMs);
}

test::CommandResult run_leaking(const std::string& leakDir, const std::vector<std::string>& argv, int timeoutSec) {
    std::string script = "exec 3</etc/passwd 4</etc/passwd 9<" + quote(leakDir) + " && exec";
    for (const auto& a : argv) script += " " + quote(a);
    return test::run_command({"/bin/sh", "-c", script}, {}, timeoutSec);
}

test::CommandResult runtime_leaking(const test::TestRoot& root, const std::string& leakDir,
                                    const std::vector<std::string>& args) {
    std::vector<std::string> argv{root.runtime(), "--root", root.path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_leaking(leakDir, argv);
}

}  // namespace berth::security_test

#include "integration/support/hooks_recorder.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "integration/support/harness.hpp"

namespace berth::test {
namespace {

const char* const kRecordScript = R"SH(#!/bin/sh
# record LABEL LOGDIR [PATH...] -- see hooks_recorder.hpp
label=$1; d=$2; shift 2
cat > "$d/$label.state"
pid=$(sed -n 's/.*"pid": *\([0-9][0-9]*\).*/\1/p' "$d/$label.state")
if [ -n "$HOOK_SAVE_PID" ] && [ -n "$pid" ]; then printf '%s' "$pid" > "$d/initpid"; fi
{
  for t in mnt pid net uts ipc cgroup user; do echo "ns.$t=$(readlink /proc/self/ns/$t)"; done
  echo "root=$(readlink /proc/self/root)"
  echo "mountinfo.proc=$(cut -d' ' -f5 /proc/self/mountinfo | grep '/proc$' | tr '\n' ' ')"
  echo "args=$label $d $*"
  echo "env=$(env | sort | tr '\n' ' ')"
  if [ -n "$pid" ] && [ -d "/proc/$pid" ]; then
    echo "target.root=$(readlink /proc/$pid/root)"
    echo "target.cmdline=$(tr '\0' ' ' < /proc/$pid/cmdline)"
    for t in mnt pid net uts ipc; do echo "target.ns.$t=$(readlink /proc/$pid/ns/$t)"; done
    echo "target.mountinfo.proc=$(cut -d' ' -f5 /proc/$pid/mountinfo | grep '/proc$' | tr '\n' ' ')"
  fi
  for p in "$@"; do
    if [ -e "$p" ]; then echo "exists.$p=yes"; else echo "exists.$p=no"; fi
  done
  if [ -f "$d/initpid" ]; then
    ip=$(cat "$d/initpid")
    if [ ! -f "/proc/$ip/status" ]; then echo "init.alive=no"
    elif grep -q '^State:.*Z' "/proc/$ip/status"; then echo "init.alive=zombie"
    else echo "init.alive=yes"; fi
  fi
} > "$d/$label.info" 2>&1
echo "$label" >> "$d/order"
if [ -n "$HOOK_SLEEP" ]; then
  sleep "$HOOK_SLEEP" &
  echo $! > "$d/$label.sleeppid"
  wait
fi
if [ -n "$HOOK_EXIT" ]; then echo "$label failing on purpose" >&2; exit "$HOOK_EXIT"; fi
exit 0
)SH";

const char* const kNetSetupScript = R"SH(#!/bin/sh
# netsetup -- see hooks_recorder.hpp
set -e
pid=$(sed -n 's/.*"pid": *\([0-9][0-9]*\).*/\1/p')
if [ -z "$pid" ]; then echo "netsetup: no pid in the state" >&2; exit 1; fi
trap '[ $? -eq 0 ] || ip link del "$HOST" 2>/dev/null' EXIT
ip link add "$HOST" type veth peer name "$PEER"
ip link set "$PEER" netns "$pid"
ip addr add "$HOST_ADDR" dev "$HOST"
ip link set "$HOST" up
nsenter -t "$pid" -n ip addr add "$PEER_ADDR" dev "$PEER"
nsenter -t "$pid" -n ip link set "$PEER" up
nsenter -t "$pid" -n ip link set lo up
)SH";

const char* const kNetCleanupScript = R"SH(#!/bin/sh
# netcleanup -- see hooks_recorder.hpp
if ip link show "$HOST" >/dev/null 2>&1; then ip link del "$HOST"; fi
exit 0
)SH";

const char* const kPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

void write_script(const std::string& path, const char* text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755));
    if (!fd) throw_errno("create " + path);
    std::string_view s(text);
    while (!s.empty()) {
        ssize_t n = ::write(fd.get(), s.data(), s.size());
        if (n <= 0) throw_errno("write " + path);
        s.remove_prefix(static_cast<size_t>(n));
    }
    ::fchmod(fd.get(), 0755);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> with_path(std::vector<std::string> env) {
    for (const auto& e : env)
        if (e.rfind("PATH=", 0) == 0) return env;
    env.emplace_back(kPath);
    return env;
}

}  // namespace

HookRecorder::HookRecorder() {
    std::string tmpl = "/tmp/berth-hooks-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw_errno("mkdtemp " + tmpl);
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);
    write_script(script("record"), kRecordScript);
    write_script(script("netsetup"), kNetSetupScript);
    write_script(script("netcleanup"), kNetCleanupScript);
}

HookRecorder::~HookRecorder() {
    // Scripts and logs only; nothing is ever mounted here.
    if (!dir_.empty()) run_command({"rm", "-rf", "--one-file-system", dir_}, {}, 30);
}

nlohmann::json HookRecorder::hook(const std::string& label, std::vector<std::string> env,
                                  const std::vector<std::string>& checkPaths) const {
    std::vector<std::string> args{"record", label, dir_};
    args.insert(args.end(), checkPaths.begin(), checkPaths.end());
    return {{"path", script("record")}, {"args", args}, {"env", with_path(std::move(env))}};
}

nlohmann::json HookRecorder::hook_in_container(const std::string& containerDir, const std::string& label,
                                               std::vector<std::string> env) const {
    return {{"path", containerDir + "/record"},
            {"args", {"record", label, containerDir}},
            {"env", with_path(std::move(env))}};
}

nlohmann::json HookRecorder::mount_entry(const std::string& containerDir) const {
    return {{"destination", containerDir}, {"type", "bind"}, {"source", dir_}, {"options", {"rbind", "rw"}}};
}

void HookRecorder::mark(const std::string& what) const {
    std::ofstream(dir_ + "/order", std::ios::app) << "== " << what << "\n";
}

std::vector<std::string> HookRecorder::order() const {
    std::vector<std::string> lines;
    std::istringstream in(slurp(dir_ + "/order"));
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) lines.push_back(l);
    return lines;
}

nlohmann::json HookRecorder::state(const std::string& label) const {
    std::string s = slurp(dir_ + "/" + label + ".state");
    if (s.empty()) return nullptr;
    return nlohmann::json::parse(s);
}

std::map<std::string, std::string> HookRecorder::info(const std::string& label) const {
    std::map<std::string, std::string> m;
    std::istringstream in(slurp(dir_ + "/" + label + ".info"));
    for (std::string l; std::getline(in, l);) {
        auto eq = l.find('=');
        if (eq != std::string::npos) m[l.substr(0, eq)] = l.substr(eq + 1);
    }
    return m;
}

bool HookRecorder::ran(const std::string& label) const {
    return ::access((dir_ + "/" + label + ".state").c_str(), F_OK) == 0;
}

int HookRecorder::sleep_pid(const std::string& label) const { return read_pid_file(dir_ + "/" + label + ".sleeppid"); }

std::string ns_link(const std::string& pid, const std::string& type) {
    char buf[PATH_MAX];
    std::string p = "/proc/" + pid + "/ns/" + type;
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    if (n <= 0) return {};
    return std::string(buf, static_cast<size_t>(n));
}

}  // namespace berth::test

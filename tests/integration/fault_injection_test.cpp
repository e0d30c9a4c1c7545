// Fault injection (common/fault.hpp; built only with -DBERTH_FAULT_INJECTION=ON):
// `run --detach` of a container that uses every kind of step (namespaces,
// mounts, cgroup limits, a hook of every phase, a seccomp profile, the exec)
// is made to fail at step N, for N = 1, 2, ... until a run gets through
// without reaching N. After each failure nothing may remain: no state
// directory, cgroup, host mount of the bundle or rootfs, process, or fd open
// on the bundle or the state root. Then the same walk with berth SIGKILLed at
// each step, followed by `delete --force` (what engines do), which must clean
// everything up. Needs root.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "integration/support/harness.hpp"
#include "integration/support/lifecycle_support.hpp"

using namespace berth::test;
using nlohmann::json;

namespace {

// Far more steps than any create has: the walk stops at the first run that
// does not reach its step, this only guards against a runaway loop.
constexpr int kMaxSteps = 400;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<pid_t> all_pids() {
    std::vector<pid_t> pids;
    DIR* d = ::opendir("/proc");
    if (!d) return pids;
    while (dirent* e = ::readdir(d)) {
        char* end = nullptr;
        long pid = std::strtol(e->d_name, &end, 10);
        if (end && *end == '\0' && pid > 0) pids.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(d);
    return pids;
}

// Every process berth starts for this test carries `token` in its environment:
// berth and its init (a clone: it keeps berth's environment block), hooks
// (their env in config.json) and the container's program (process.env).
// Also every fd of any process that points into the bundle or the state root.
std::vector<std::string> process_leftovers(const std::string& token, const TestBundle& bundle,
                                           const TestRoot& root) {
    std::vector<std::string> found;
    for (pid_t pid : all_pids()) {
        std::string proc = "/proc/" + std::to_string(pid);
        std::string env = read_file(proc + "/environ");
        if (env.find(token) != std::string::npos && process_alive(pid))
            found.push_back("process " + std::to_string(pid) + " (" + read_file(proc + "/comm") + ")");
        if (pid == ::getpid()) continue;
        DIR* d = ::opendir((proc + "/fd").c_str());
        if (!d) continue;
        while (dirent* e = ::readdir(d)) {
            if (e->d_name[0] == '.') continue;
            char target[4096];
            ssize_t n = ::readlinkat(::dirfd(d), e->d_name, target, sizeof target - 1);
            if (n <= 0) continue;
            std::string t(target, static_cast<size_t>(n));
            if (t.rfind(bundle.dir + "/", 0) == 0 || t.rfind(root.path() + "/", 0) == 0)
                found.push_back("fd " + std::string(e->d_name) + " of process " + std::to_string(pid) + " -> " + t);
        }
        ::closedir(d);
    }
    return found;
}

std::string everything_left(const TestRoot& root, const TestBundle& bundle, const std::string& id,
                            const std::string& token) {
    std::string text;
    for (const auto& l : leftovers(root, bundle, id)) text += l + "\n";
    for (const auto& l : process_leftovers(token, bundle, root)) text += l + "\n";
    return text;
}

// The container the walk creates: one of each kind of step.
void configure(TestBundle& b, const std::string& token) {
    std::string tokenEnv = "BERTH_FAULT_TOKEN=" + token;
    // A top-level cgroup of its own: under the shared /berth-test parent, other
    // tests removing that parent when they finish make creates fail for real.
    b.config["linux"]["cgroupsPath"] = "/berth-fault-" + token;
    b.set_args({"sleep", "1000"});
    b.config["process"]["env"].push_back(tokenEnv);
    ::mkdir((b.dir + "/data").c_str(), 0755);
    b.config["mounts"].push_back({{"destination", "/mnt/data"}, {"type", "bind"}, {"source", b.dir + "/data"},
                                  {"options", {"rbind", "ro"}}});
    b.config["mounts"].push_back({{"destination", "/run"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                                  {"options", {"nosuid", "nodev", "mode=755"}}});
    b.config["linux"]["resources"]["memory"] = {{"limit", 64 << 20}};
    b.config["linux"]["resources"]["pids"] = {{"limit", 64}};
    b.config["linux"]["resources"]["cpu"] = {{"shares", 512}};
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"architectures", {"SCMP_ARCH_X86_64"}},
        {"syscalls", {{{"names", {"swapon", "swapoff"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
    json hook = {{"path", "/bin/true"}, {"args", {"true"}}, {"env", {tokenEnv}}};
    b.config["hooks"] = {{"prestart", {hook}},       {"createRuntime", {hook}}, {"createContainer", {hook}},
                         {"startContainer", {hook}}, {"poststart", {hook}},     {"poststop", {hook}}};
    b.write();
}

struct Outcome {
    bool reached = false;  // the run reached step N (false: it got through: N is past the last step)
    std::string step;      // "step N: kind detail", as berth named it
    std::string error;     // berth's stderr
    int status = 0;        // berth's exit status
};

std::string step_name(const std::string& err, const std::string& marker) {
    auto at = err.find(marker);
    if (at == std::string::npos) return "";
    auto end = err.find_first_of("\n", at);
    std::string name = err.substr(at + marker.size(), end == std::string::npos ? std::string::npos : end - at - marker.size());
    if (!name.empty() && name.back() == '"') name.pop_back();  // the end of berth's msg="..."
    return name;
}

// `run -d` failing at step n; returns what happened. The container is left
// for the caller to check.
Outcome run_failing_at(const TestRoot& root, const TestBundle& b, const std::string& id, int n,
                       const std::string& token) {
    MemFile out("fault-out"), err("fault-err");
    SpawnOptions so;
    so.out = out.fd();
    so.err = err.fd();
    so.env = {"BERTH_FAULT_STEP=" + std::to_string(n), "BERTH_FAULT_TOKEN=" + token};
    auto r = run_berth(root, {"run", "--detach", "--bundle", b.dir, id}, so, 120);
    Outcome o;
    o.error = err.text();
    REQUIRE_FALSE(r.timedOut);
    o.step = step_name(o.error, "fault injected at ");
    o.reached = !o.step.empty();
    o.status = r.status;
    if (!o.reached && r.status != 0) return o;  // failed for another reason: the caller decides
    if (o.reached) {
        INFO("stderr: " << o.error);
        // A failed poststart hook is only a warning (runtime.md): run succeeds.
        CHECK((r.status == 1 || (r.status == 0 && o.step.find("poststart hook") != std::string::npos)));
        // The error climbs with its context and still names the step.
        CHECK(o.step.rfind("step " + std::to_string(n) + ":", 0) == 0);
    } else {
        INFO("stderr: " << o.error);
        REQUIRE(r.status == 0);
    }
    return o;
}

// `run -d` with berth SIGKILLed at step n: berth kills itself at its own steps;
// at a step of its init, the init announces it on stderr and waits, and the
// test kills berth.
Outcome run_killed_at(const TestRoot& root, const TestBundle& b, const std::string& id, int n,
                      const std::string& token) {
    MemFile out("fault-out"), err("fault-err");
    SpawnOptions so;
    so.out = out.fd();
    so.err = err.fd();
    so.env = {"BERTH_FAULT_STEP=" + std::to_string(n), "BERTH_FAULT_ACTION=kill", "BERTH_FAULT_TOKEN=" + token};
    Background berth({BERTH_BINARY, "--root", root.path(), "run", "--detach", "--bundle", b.dir, id}, so);
    const std::string marker = "berth-fault: ";
    bool reached = wait_for([&] { return err.text().find(marker) != std::string::npos || berth.exited(); }, 60000);
    REQUIRE(reached);
    Outcome o;
    if (err.text().find(marker) != std::string::npos) {
        berth.signal(SIGKILL);  // a no-op when it already killed itself
        auto r = berth.wait(10);
        o.reached = true;
        o.step = step_name(err.text(), marker);
        CHECK(r.status == 128 + SIGKILL);
    } else {
        auto r = berth.wait(10);
        INFO("stderr: " << err.text());
        REQUIRE(r.status == 0);
    }
    o.error = err.text();
    return o;
}

}  // namespace

TEST_CASE("fault injection: create and start fail at every step and leave nothing behind", "[fault]") {
    std::map<std::string, int> kinds;
    int n = 1;
    for (; n <= kMaxSteps; ++n) {
        TestRoot root;
        TestBundle b;
        const std::string token = unique_id("fault");
        configure(b, token);
        const std::string id = unique_id("fi");
        Outcome o = run_failing_at(root, b, id, n, token);
        for (int retry = 0; retry < 2 && !o.reached && o.status != 0; ++retry) {
            // Not the injected fault (the machine is shared: a transient failure?): again.
            INFO("step " << n << ": failed without reaching it: " << o.error);
            CHECK(everything_left(root, b, id, token) == "");
            o = run_failing_at(root, b, id, n, token);
        }
        if (!o.reached && o.status != 0) {
            FAIL_CHECK("step " << n << ": run failed three times without reaching it: " << o.error);
            continue;
        }
        if (!o.reached) {
            // Past the last step: the container runs; delete must still clean up.
            CHECK(status_of(root, id) == "running");
            CHECK(root.run({"delete", "--force", id}).status == 0);
            CHECK(everything_left(root, b, id, token) == "");
            break;
        }
        std::string kind = o.step.substr(o.step.find(": ") + 2);
        kinds[kind.substr(0, kind.find(' '))]++;
        INFO(o.step << "\nberth said: " << o.error);
        // A container whose start failed stays, stopped, as runc's does; its delete cleans up.
        if (status_of(root, id) != "") CHECK(root.run({"delete", "--force", id}).status == 0);
        CHECK(everything_left(root, b, id, token) == "");
    }
    const int steps = n - 1;
    std::ostringstream summary;
    for (const auto& [k, c] : kinds) summary << " " << k << "=" << c;
    std::cerr << "fault injection: failed at each of " << steps << " steps:" << summary.str() << "\n";
    CHECK(steps < kMaxSteps);
    for (const char* kind : {"namespace", "mount", "cgroup", "hook", "seccomp", "exec"}) {
        INFO("steps of kind " << kind << " (is its fault::step marker in place?)");
        CHECK(kinds[kind] > 0);
    }
}

TEST_CASE("fault injection: berth SIGKILLed at every step, then delete --force cleans up", "[fault]") {
    int n = 1;
    for (; n <= kMaxSteps; ++n) {
        TestRoot root;
        TestBundle b;
        const std::string token = unique_id("fault");
        configure(b, token);
        const std::string id = unique_id("fk");
        Outcome o = run_killed_at(root, b, id, n, token);
        auto del = root.run({"delete", "--force", id});
        INFO((o.reached ? o.step : "no step reached") << "\nberth said: " << o.error << "\ndelete: " << del.err);
        CHECK(del.status == 0);
        CHECK(everything_left(root, b, id, token) == "");
        if (!o.reached) break;
    }
    std::cerr << "fault injection: berth killed at each of " << n - 1 << " steps\n";
    CHECK(n - 1 < kMaxSteps);
    CHECK(n > 10);
}

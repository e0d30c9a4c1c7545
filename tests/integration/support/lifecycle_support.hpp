// Helpers for the lifecycle integration tests: commands run in the background
// with chosen fds (a created container's init keeps create's stdio, so its
// output must go to a file the test keeps), state queries, and the leftover
// checks every failure test makes.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/unique_fd.hpp"
#include "integration/support/harness.hpp"

namespace berth::test {

// An anonymous in-memory file: give it to a command as stdout/stderr, read it later.
class MemFile {
public:
    explicit MemFile(const char* name = "lifecycle-out");
    int fd() const { return fd_.get(); }
    std::string text() const;  // everything written so far

private:
    UniqueFd fd_;
};

struct SpawnOptions {
    int in = -1, out = -1, err = -1;          // -1: /dev/null for in, own memfds for out/err
    std::vector<std::pair<int, int>> fds;     // {fd in the child, our fd}: extra fds passed on
    std::vector<std::string> env;             // "K=V" added to (or replacing in) our environment
    std::string cwd;                          // "" = ours
};

// A command running in the background. The destructor SIGKILLs and reaps it
// (by pid) if it still runs.
class Background {
public:
    Background(const std::vector<std::string>& argv, const SpawnOptions& = {});
    ~Background();
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    pid_t pid() const { return pid_; }
    bool exited();                       // reaps it when it has exited
    void signal(int sig) const;          // by pid, only while not reaped
    CommandResult wait(int timeoutSec);  // kills on timeout (timedOut set)

private:
    pid_t pid_ = -1;
    int status_ = -1;
    bool reaped_ = false;
    MemFile out_{"bg-out"}, err_{"bg-err"};
    bool ownOut_ = true, ownErr_ = true;
};

// `<berth> --root <root> args...` with the given stdio and extra fds; waits.
CommandResult run_berth(const TestRoot&, const std::vector<std::string>& args, const SpawnOptions& = {},
                        int timeoutSec = 60);

// The parsed output of `state id` (throws with the command's stderr on failure).
nlohmann::json state_json(const TestRoot&, const std::string& id);
// "status" of state, or "" when state fails.
std::string status_of(const TestRoot&, const std::string& id);
// Waits until the container's status is `want`.
bool wait_status(const TestRoot&, const std::string& id, const std::string& want, int timeoutMs = 5000);

// Pids of live processes with an argument equal to arg (a container id: berth's
// init is a clone of `berth create ... <id>`, so a leftover init shows up here).
std::vector<pid_t> processes_with_argument(const std::string& arg);

// Everything a failed create must not leave: the state dir, the cgroup, host
// mounts of the bundle or rootfs, a process. Returns a description of each leftover.
std::vector<std::string> leftovers(const TestRoot&, const TestBundle&, const std::string& id);
// The same as one line per leftover; "" when nothing is left (for CHECK(... == "")).
std::string describe_leftovers(const TestRoot&, const TestBundle&, const std::string& id);

// A named network namespace (`ip netns add`), deleted by the destructor.
class NetnsGuard {
public:
    explicit NetnsGuard(std::string name);
    ~NetnsGuard();
    const std::string& name() const { return name_; }
    std::string path() const { return "/run/netns/" + name_; }

private:
    std::string name_;
};

// Lines of text, without empty ones.
std::vector<std::string> lines_of(const std::string& text);
std::string trim(const std::string&);

}  // namespace berth::test

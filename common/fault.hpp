// Test-only fault injection: makes create (and start) fail at its Nth step, so
// tests/integration/fault_injection_test.cpp can check that a failure at any
// step leaves nothing behind.
//
// Compiled in only with the CMake option BERTH_FAULT_INJECTION=ON (it defines
// the macro of the same name); otherwise fault::step() is an empty inline
// function and the environment is never read. In such a build:
//
//   BERTH_FAULT_STEP=N     the Nth call of fault::step() throws
//                          Error("fault injected at step N: <kind> <detail>", EIO)
//   BERTH_FAULT_ACTION=kill  instead, at step N berth itself dies by SIGKILL.
//                          When step N runs in a process berth cloned (the
//                          container's init), that process writes
//                          "berth-fault: step N reached: <kind> <detail>" to
//                          stderr and waits 10 s for the test to SIGKILL berth,
//                          then goes on (as an init does whose parent died).
//
// Steps are counted across berth and the processes it clones: the counter
// lives in a MAP_SHARED page that berth maps at its first step (always in
// berth itself, before the init is cloned) and the clones inherit. So N names
// one step of the whole create, whichever process runs it. A step is marked
// with one line right before the operation it stands for:
//   BERTH_FAULT_MARK("mount", destination);   BERTH_FAULT_MARK("cgroup", file);
// Kinds in use: namespace, mount, cgroup, hook, seccomp, exec, state.
#pragma once

#include <string_view>

#ifdef BERTH_FAULT_INJECTION
#include <sys/mman.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "common/error.hpp"
#endif

// Marks a step. The arguments are evaluated only in the fault-injection build:
// in berth as shipped, a marker costs nothing, not even building its text.
#define BERTH_FAULT_MARK(kind, what)                                        \
    do {                                                                    \
        if constexpr (::berth::fault::enabled) ::berth::fault::step(kind, what); \
    } while (0)

namespace berth::fault {

#ifndef BERTH_FAULT_INJECTION

inline constexpr bool enabled = false;
inline void step(std::string_view, std::string_view = {}) {}

#else

inline constexpr bool enabled = true;

namespace detail {

struct Shared {
    std::atomic<long> steps{0};
    pid_t berth = 0;  // the berth process (as its own pid namespace sees it)
};

// nullptr when no fault is asked for. The one piece of mutable global state
// in berth, and only in this test build: the page must outlive every stack.
inline Shared* shared() {
    static Shared* page = []() -> Shared* {
        const char* at = std::getenv("BERTH_FAULT_STEP");
        if (!at || !*at) return nullptr;
        void* p = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return nullptr;
        auto* s = new (p) Shared;
        s->berth = ::getpid();
        return s;
    }();
    return page;
}

inline void say(const std::string& line) {
    std::string text = line + "\n";
    (void)!::write(2, text.data(), text.size());
}

}  // namespace detail

inline void step(std::string_view kind, std::string_view what = {}) {
    detail::Shared* s = detail::shared();
    if (!s) return;
    long n = s->steps.fetch_add(1) + 1;
    if (n != std::atol(std::getenv("BERTH_FAULT_STEP"))) return;
    std::string name = "step " + std::to_string(n) + ": " + std::string(kind);
    if (!what.empty()) name += " " + std::string(what);
    const char* action = std::getenv("BERTH_FAULT_ACTION");
    if (action && std::string_view(action) == "kill") {
        detail::say("berth-fault: " + name + " reached");
        if (::getpid() == s->berth) ::kill(::getpid(), SIGKILL);
        timespec wait{10, 0};
        while (::nanosleep(&wait, &wait) < 0) {
        }
        return;
    }
    throw Error("fault injected at " + name, EIO);
}

#endif

}  // namespace berth::fault

// A minimal seccomp notification agent for tests: listens on a unix socket
// (the spec's listenerPath), receives the container process state JSON and
// the notify fd in one connection, then answers notifications with a
// caller-supplied policy until the last filtered process is gone.
#pragma once

#include <linux/seccomp.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace berth::test {

// The answer to one notification: the syscall's return value or -errno, or
// "let the kernel run it" (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
struct NotifyAnswer {
    int64_t val = 0;
    int error = 0;  // negative errno, 0 for success
    bool continueSyscall = false;
};

class SeccompAgent {
public:
    using Policy = std::function<NotifyAnswer(const seccomp_notif&)>;

    // Binds and listens on `socketPath` right away (so a runtime can connect
    // as soon as the constructor returns), serves on a thread.
    SeccompAgent(std::string socketPath, Policy policy);
    ~SeccompAgent();  // joins the thread; removes the socket
    SeccompAgent(const SeccompAgent&) = delete;
    SeccompAgent& operator=(const SeccompAgent&) = delete;

    // Waits (up to timeoutMs) for the agent to finish: the filtered processes
    // exited, or an error. Returns false on timeout.
    bool wait(int timeoutMs);

    // Results, valid after wait() returned true.
    const std::string& state_json() const { return stateJson_; }
    bool received_fd() const { return receivedFd_; }
    int handled() const { return handled_; }
    const std::string& error() const { return error_; }

private:
    void serve();

    std::string path_;
    Policy policy_;
    int listenFd_ = -1;
    std::string stateJson_;
    bool receivedFd_ = false;
    int handled_ = 0;
    std::string error_;
    std::atomic<bool> done_{false};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace berth::test

// oci-checker: the conformance suite's in-container program.
//
//   oci-checker check 'ID<TAB>KIND<TAB>ARG...'...   evaluate expectations, print TAP
//   oci-checker hook NAME LOGFILE [EXIT]            a hook: log name, namespaces, $CONF_HOOK_ENV, stdin
//   oci-checker log FILE TEXT                       append a line (and exit 0)
//   oci-checker wait-signal                         print "ready", wait for a signal, print it
//   oci-checker sleep SECONDS | exit CODE
//
// The kinds are listed in conformance/README.md. TAP lines look like
// "ok 3 - ID # detail" or "not ok 3 - ID # why".
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

#include "checker.hpp"

namespace checker {

Outcome evaluate(const Expectation& e) {
    if (auto o = check_process(e)) return *o;
    if (auto o = check_filesystem(e)) return *o;
    if (auto o = check_kernel(e)) return *o;
    return fail("unknown check kind '" + e.kind + "'");
}

}  // namespace checker

namespace {

using checker::split;

void write_all(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = write(fd, s.data() + off, s.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        off += static_cast<size_t>(n);
    }
}

std::string one_line(std::string s) {
    for (auto& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}

int run_checks(int argc, char** argv) {
    int n = argc - 2;
    write_all(1, "1.." + std::to_string(n) + "\n");
    for (int i = 0; i < n; ++i) {
        auto fields = split(argv[i + 2], '\t');
        checker::Expectation e;
        e.id = fields[0];
        e.kind = fields.size() > 1 ? fields[1] : "";
        e.args.assign(fields.begin() + (fields.size() > 1 ? 2 : 1), fields.end());
        checker::Outcome o = checker::evaluate(e);
        write_all(1, std::string(o.ok ? "ok " : "not ok ") + std::to_string(i + 1) + " - " + e.id + " # " +
                         one_line(o.detail) + "\n");
    }
    return 0;
}

std::string ns_link(const char* type) {
    char buf[128];
    std::string path = std::string("/proc/self/ns/") + type;
    ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
    return n < 0 ? "?" : std::string(buf, static_cast<size_t>(n));
}

void append_line(const std::string& file, const std::string& line) {
    int fd = open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    write_all(fd, line + "\n");
    close(fd);
}

int run_hook(int argc, char** argv) {
    if (argc < 4) return 2;
    std::string state;
    char buf[4096];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        state.append(buf, static_cast<size_t>(n));
    }
    const char* env = std::getenv("CONF_HOOK_ENV");
    append_line(argv[3], std::string(argv[2]) + "\t" + ns_link("mnt") + "\t" + ns_link("pid") + "\t" +
                             (env ? env : "-") + "\t" + one_line(state));
    return argc > 4 ? std::atoi(argv[4]) : 0;
}

volatile sig_atomic_t got_signal = 0;
void on_signal(int sig) { got_signal = sig; }

int wait_signal() {
    sigset_t block, old;
    sigemptyset(&block);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    for (int sig : {SIGUSR1, SIGUSR2, SIGTERM, SIGHUP, SIGINT}) {
        sigaction(sig, &sa, nullptr);
        sigaddset(&block, sig);
    }
    sigprocmask(SIG_BLOCK, &block, &old);
    alarm(120);  // never outlive a broken test run by long
    write_all(1, "ready\n");
    while (!got_signal) sigsuspend(&old);
    write_all(1, "signal " + std::to_string(got_signal) + "\n");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "check") return run_checks(argc, argv);
    if (mode == "hook") return run_hook(argc, argv);
    if (mode == "log" && argc >= 4) {
        append_line(argv[2], std::string(argv[3]) + "\t" + ns_link("mnt") + "\t" + ns_link("pid"));
        return 0;
    }
    if (mode == "wait-signal") return wait_signal();
    if (mode == "sleep" && argc >= 3) {
        unsigned left = static_cast<unsigned>(std::atoi(argv[2]));
        while (left > 0) left = sleep(left);
        return 0;
    }
    if (mode == "exit" && argc >= 3) return std::atoi(argv[2]);
    write_all(2, "usage: oci-checker check|hook|log|wait-signal|sleep|exit ...\n");
    return 2;
}

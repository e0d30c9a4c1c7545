#include "runtime/kernel/signals.hpp"

#include <csignal>

#include <array>
#include <charconv>
#include <string>

#include "common/error.hpp"

namespace berth::kernel {
namespace {

struct Named {
    const char* name;  // without "SIG"
    int number;
};

// The names Go's unix.SignalNum knows on Linux (runc's table), then the
// aliases procps' kill accepts. The first name of a number is its canonical one.
constexpr std::array<Named, 34> kSignals{{
    {"HUP", SIGHUP},       {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},     {"BUS", SIGBUS},     {"FPE", SIGFPE},
    {"KILL", SIGKILL},     {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},     {"TERM", SIGTERM},   {"STKFLT", SIGSTKFLT},
    {"CHLD", SIGCHLD},     {"CONT", SIGCONT},     {"STOP", SIGSTOP},   {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},     {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH},
    {"IO", SIGIO},         {"PWR", SIGPWR},       {"SYS", SIGSYS},     {"IOT", SIGIOT},
    {"POLL", SIGPOLL},     {"CLD", SIGCHLD},
}};

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

// Parses all of `s` as a decimal number (optionally signed); false otherwise.
bool parse_int(std::string_view s, int& out) {
    if (s.empty()) return false;
    const char* b = s.data();
    if (*b == '+') ++b;  // Go's Atoi accepts a leading '+'
    auto [p, ec] = std::from_chars(b, s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" → number; 0 when not one of those.
int parse_realtime(std::string_view name) {
    const int rtmin = SIGRTMIN, rtmax = SIGRTMAX;
    auto with_offset = [&](std::string_view rest, int base, char sign) -> int {
        if (rest.empty()) return base;
        if (rest[0] != sign || rest.size() < 2) return 0;
        int off = 0;
        auto digits = rest.substr(1);
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), off);
        if (ec != std::errc() || p != digits.data() + digits.size()) return 0;
        int sig = sign == '+' ? base + off : base - off;
        return sig >= rtmin && sig <= rtmax ? sig : 0;
    };
    if (name.substr(0, 5) == "RTMIN") return with_offset(name.substr(5), rtmin, '+');
    if (name.substr(0, 5) == "RTMAX") return with_offset(name.substr(5), rtmax, '-');
    return 0;
}

}  // namespace

int parse_signal(std::string_view text) {
    auto unknown = [&]() { return Error("unknown signal \"" + std::string(text) + "\""); };
    int number = 0;
    if (parse_int(text, number)) {
        if (number < 0 || number > SIGRTMAX) throw unknown();
        return number;
    }
    std::string name = upper(text);
    if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
    for (const auto& s : kSignals)
        if (name == s.name) return s.number;
    if (int rt = parse_realtime(name)) return rt;
    throw unknown();
}

std::string signal_name(int sig) {
    for (const auto& s : kSignals)
        if (s.number == sig) return std::string("SIG") + s.name;
    const int rtmin = SIGRTMIN, rtmax = SIGRTMAX;
    if (sig == rtmin) return "SIGRTMIN";
    if (sig == rtmax) return "SIGRTMAX";
    // Below the middle count up from RTMIN, above it down from RTMAX, as bash does.
    if (sig > rtmin && sig < rtmax) {
        if (sig - rtmin <= (rtmax - rtmin) / 2) return "SIGRTMIN+" + std::to_string(sig - rtmin);
        return "SIGRTMAX-" + std::to_string(rtmax - sig);
    }
    return "SIG" + std::to_string(sig);
}

}  // namespace berth::kernel

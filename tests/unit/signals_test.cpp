#include <csignal>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/kernel/signals.hpp"

using berth::kernel::parse_signal;
using berth::kernel::signal_name;

namespace {

std::string error_of(const std::string& text) {
    try {
        parse_signal(text);
    } catch (const berth::Error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("every standard signal name parses with and without SIG, in any case", "[signals]") {
    const std::pair<const char*, int> table[] = {
        {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},       {"TRAP", SIGTRAP},
        {"ABRT", SIGABRT}, {"BUS", SIGBUS},       {"FPE", SIGFPE},     {"KILL", SIGKILL},     {"USR1", SIGUSR1},
        {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},     {"TERM", SIGTERM},
        {"STKFLT", 16},    {"CHLD", SIGCHLD},     {"CONT", SIGCONT},   {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},
        {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},     {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},
        {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},         {"PWR", SIGPWR},
        {"SYS", SIGSYS},
    };
    for (const auto& [name, number] : table) {
        INFO(name);
        std::string n(name);
        CHECK(parse_signal(n) == number);
        CHECK(parse_signal("SIG" + n) == number);
        std::string lower = "sig" + n;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        CHECK(parse_signal(lower) == number);
        CHECK(parse_signal("Sig" + n) == number);
        CHECK(signal_name(number) == "SIG" + n);
    }
    CHECK(parse_signal("IOT") == SIGABRT);
    CHECK(parse_signal("SIGPOLL") == SIGIO);
    CHECK(parse_signal("cld") == SIGCHLD);
}

TEST_CASE("numbers parse as themselves, as runc's strconv.Atoi does", "[signals]") {
    CHECK(parse_signal("9") == 9);
    CHECK(parse_signal("15") == 15);
    CHECK(parse_signal("0") == 0);
    CHECK(parse_signal("+2") == 2);
    CHECK(parse_signal("34") == 34);
    CHECK(parse_signal(std::to_string(SIGRTMAX)) == SIGRTMAX);
    CHECK(error_of(std::to_string(SIGRTMAX + 1)) == "unknown signal \"" + std::to_string(SIGRTMAX + 1) + "\"");
    CHECK(error_of("-1") == "unknown signal \"-1\"");
    CHECK(error_of("9x") == "unknown signal \"9x\"");
}

TEST_CASE("real-time signals by RTMIN/RTMAX offsets", "[signals]") {
    CHECK(parse_signal("RTMIN") == SIGRTMIN);
    CHECK(parse_signal("SIGRTMIN+3") == SIGRTMIN + 3);
    CHECK(parse_signal("rtmin+1") == SIGRTMIN + 1);
    CHECK(parse_signal("RTMAX") == SIGRTMAX);
    CHECK(parse_signal("SIGRTMAX-2") == SIGRTMAX - 2);
    CHECK(signal_name(SIGRTMIN) == "SIGRTMIN");
    CHECK(signal_name(SIGRTMIN + 3) == "SIGRTMIN+3");
    CHECK(signal_name(SIGRTMAX - 1) == "SIGRTMAX-1");
    CHECK(signal_name(SIGRTMAX) == "SIGRTMAX");
    // Every real-time number round-trips through its name.
    for (int s = SIGRTMIN; s <= SIGRTMAX; ++s) CHECK(parse_signal(signal_name(s)) == s);
    CHECK(error_of("RTMIN+99") == "unknown signal \"RTMIN+99\"");
    CHECK(error_of("RTMAX+1") == "unknown signal \"RTMAX+1\"");
    CHECK(error_of("RTMIN-1") == "unknown signal \"RTMIN-1\"");
    CHECK(error_of("RTMIN+") == "unknown signal \"RTMIN+\"");
}

TEST_CASE("bad names report the text as given", "[signals]") {
    CHECK(error_of("FOO") == "unknown signal \"FOO\"");
    CHECK(error_of("sigfoo") == "unknown signal \"sigfoo\"");
    CHECK(error_of("") == "unknown signal \"\"");
    CHECK(error_of("SIG") == "unknown signal \"SIG\"");
    CHECK(error_of("SIGSIGTERM") == "unknown signal \"SIGSIGTERM\"");
    CHECK(error_of(" TERM") == "unknown signal \" TERM\"");
}

TEST_CASE("numbers without names print as SIG<n>", "[signals]") {
    CHECK(signal_name(32) == "SIG32");
    CHECK(signal_name(0) == "SIG0");
}

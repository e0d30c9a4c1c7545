// berth's log lines must be what engines parse from runc: logrus JSON (key
// order level, msg, time; RFC 3339 time) in the --log file, logrus text on
// stderr; the log fd must not leak into containers.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "runtime/cli/logging.hpp"

using namespace berth::cli;
namespace fs = std::filesystem;

namespace {

// Redirects one fd (1 or 2) into a temporary file until finish().
class CaptureFd {
public:
    explicit CaptureFd(int target) : target_(target) {
        char tmpl[] = "/tmp/berth-cli-capture-XXXXXX";
        file_ = ::mkostemp(tmpl, O_CLOEXEC);
        REQUIRE(file_ >= 0);
        ::unlink(tmpl);
        std::fflush(nullptr);
        saved_ = ::fcntl(target_, F_DUPFD_CLOEXEC, 0);
        ::dup2(file_, target_);
    }
    std::string finish() {
        if (saved_ < 0) return text_;
        std::fflush(nullptr);
        ::dup2(saved_, target_);
        ::close(saved_);
        saved_ = -1;
        ::lseek(file_, 0, SEEK_SET);
        char buf[4096];
        ssize_t n;
        while ((n = ::read(file_, buf, sizeof buf)) > 0) text_.append(buf, static_cast<size_t>(n));
        ::close(file_);
        return text_;
    }
    ~CaptureFd() { finish(); }

private:
    int target_;
    int file_ = -1;
    int saved_ = -1;
    std::string text_;
};

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/berth-cli-log-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

struct Tz {
    explicit Tz(const char* tz) {
        ::setenv("TZ", tz, 1);
        ::tzset();
    }
    ~Tz() {
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
};

// 2024-01-02T15:04:05Z
const auto kTime = std::chrono::system_clock::from_time_t(1704207845);

std::vector<std::string> lines_of(const fs::path& p) {
    std::ifstream in(p);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// What containerd-shim-runc-v2 does with log.json: decode every line, keep
// the msg of the last one whose level is "error".
std::string last_runtime_error(const fs::path& p) {
    std::string msg;
    for (const auto& l : lines_of(p)) {
        auto j = nlohmann::json::parse(l);
        if (j.at("level") == "error") msg = j.at("msg").get<std::string>();
    }
    return msg;
}

}  // namespace

TEST_CASE("json line: logrus key order and RFC 3339 time", "[cli][logging]") {
    Tz tz("UTC");
    CHECK(format_log_line(LogFormat::Json, spdlog::level::err, "container does not exist", kTime) ==
          "{\"level\":\"error\",\"msg\":\"container does not exist\",\"time\":\"2024-01-02T15:04:05Z\"}\n");
    CHECK(format_log_line(LogFormat::Json, spdlog::level::warn, "w", kTime).rfind("{\"level\":\"warning\"", 0) == 0);
    CHECK(level_name(spdlog::level::info) == "info");
    CHECK(level_name(spdlog::level::debug) == "debug");
    CHECK(level_name(spdlog::level::critical) == "fatal");
}

TEST_CASE("RFC 3339 in local time like Go", "[cli][logging]") {
    {
        Tz tz("CET-1");
        CHECK(rfc3339(kTime) == "2024-01-02T16:04:05+01:00");
    }
    {
        Tz tz("IST-5:30");
        CHECK(rfc3339(kTime) == "2024-01-02T20:34:05+05:30");
    }
    {
        Tz tz("EST5");
        CHECK(rfc3339(kTime) == "2024-01-02T10:04:05-05:00");
    }
    Tz tz("UTC");
    CHECK(rfc3339(kTime) == "2024-01-02T15:04:05Z");
}

TEST_CASE("json msg escaping survives a JSON parser", "[cli][logging]") {
    Tz tz("UTC");
    std::string msg = "a \"quoted\" \\path\\ line1\nline2\ttab <b>&amp; \x01 \xe2\x80\xa8 h\xc3\xa9 bad\xff end";
    std::string line = format_log_line(LogFormat::Json, spdlog::level::err, msg, kTime);
    CHECK(line.back() == '\n');
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);  // one line, whatever the message
    CHECK(line.find("\\u003cb\\u003e\\u0026amp;") != std::string::npos);  // Go's HTML-safe escaping
    CHECK(line.find("\\u0001") != std::string::npos);
    CHECK(line.find("\\u2028") != std::string::npos);
    auto j = nlohmann::json::parse(line);
    std::string expected = msg;
    expected.replace(expected.find("\xff"), 1, "\xef\xbf\xbd");  // invalid UTF-8 -> U+FFFD
    CHECK(j.at("msg") == expected);
    CHECK(j.at("level") == "error");
    CHECK(j.at("time") == "2024-01-02T15:04:05Z");
    CHECK(j.size() == 3);
}

TEST_CASE("text line: logrus TextFormatter", "[cli][logging]") {
    Tz tz("UTC");
    CHECK(format_log_line(LogFormat::Text, spdlog::level::err, "container does not exist", kTime) ==
          "time=\"2024-01-02T15:04:05Z\" level=error msg=\"container does not exist\"\n");
    CHECK(format_log_line(LogFormat::Text, spdlog::level::warn, "oops", kTime) ==
          "time=\"2024-01-02T15:04:05Z\" level=warning msg=oops\n");
    CHECK(format_log_line(LogFormat::Text, spdlog::level::err, "say \"hi\"\n", kTime) ==
          "time=\"2024-01-02T15:04:05Z\" level=error msg=\"say \\\"hi\\\"\\n\"\n");
    CHECK(format_log_line(LogFormat::Text, spdlog::level::info, "", kTime) ==
          "time=\"2024-01-02T15:04:05Z\" level=info msg=\n");
}

TEST_CASE("json log file: an engine reads the last error", "[cli][logging]") {
    TempDir dir;
    fs::path log = dir.path / "log.json";
    {
        std::ofstream(log) << "{\"level\":\"error\",\"msg\":\"older failure\",\"time\":\"2024-01-02T15:04:05Z\"}\n";
    }
    setup_logging(LogOptions{log.string(), LogFormat::Json, false});
    spdlog::debug("not shown without --debug");
    spdlog::info("starting {}", "c1");
    spdlog::warn("careful");
    CaptureFd err(STDERR_FILENO);
    log_command_error("container \"c1\" does not exist");
    std::string stderrText = err.finish();
    setup_stderr_logging();  // closes the file

    CHECK(stderrText == "container \"c1\" does not exist\n");  // the bare message, as runc prints it
    auto lines = lines_of(log);
    REQUIRE(lines.size() == 4);  // appended, nothing overwritten
    CHECK(nlohmann::json::parse(lines[0]).at("msg") == "older failure");
    CHECK(nlohmann::json::parse(lines[1]).at("msg") == "starting c1");
    CHECK(nlohmann::json::parse(lines[1]).at("level") == "info");
    CHECK(nlohmann::json::parse(lines[2]).at("level") == "warning");
    CHECK(last_runtime_error(log) == "container \"c1\" does not exist");
    std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d))");
    CHECK(std::regex_match(nlohmann::json::parse(lines[3]).at("time").get<std::string>(), time));
}

TEST_CASE("debug level and text format in a log file", "[cli][logging]") {
    TempDir dir;
    fs::path log = dir.path / "log";
    setup_logging(LogOptions{log.string(), LogFormat::Text, true});
    spdlog::debug("step {}", 1);
    setup_stderr_logging();
    auto lines = lines_of(log);
    REQUIRE(lines.size() == 1);
    CHECK(std::regex_match(lines[0], std::regex(R"(time="[^"]+" level=debug msg="step 1")")));
}

TEST_CASE("the log file descriptor is close-on-exec and append-only", "[cli][logging]") {
    TempDir dir;
    fs::path log = dir.path / "log.json";
    setup_logging(LogOptions{log.string(), LogFormat::Json, false});
    int found = -1;
    for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        if (fs::read_symlink(entry.path(), ec) == log) found = std::stoi(entry.path().filename().string());
    }
    REQUIRE(found >= 0);
    CHECK((::fcntl(found, F_GETFD) & FD_CLOEXEC) != 0);
    CHECK((::fcntl(found, F_GETFL) & O_APPEND) != 0);
    mode_t mask = ::umask(0);
    ::umask(mask);
    CHECK((fs::status(log).permissions() & fs::perms::all) == (fs::perms(0644) & ~fs::perms(mask)));
    setup_stderr_logging();
    // The file is closed once the logger is replaced.
    bool stillOpen = false;
    for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        if (fs::read_symlink(entry.path(), ec) == log) stillOpen = true;
    }
    CHECK_FALSE(stillOpen);
}

TEST_CASE("without a log file errors go once to stderr as a text line", "[cli][logging]") {
    setup_stderr_logging();
    CaptureFd err(STDERR_FILENO);
    spdlog::info("info is below the stderr threshold");
    spdlog::warn("a warning");
    log_command_error("boom here");
    std::string text = err.finish();
    std::regex expected(
        "time=\"[^\"]+\" level=warning msg=\"a warning\"\n"
        "time=\"[^\"]+\" level=error msg=\"boom here\"\n");
    CHECK(std::regex_match(text, expected));
}

TEST_CASE("log file /dev/stderr means standard error", "[cli][logging]") {
    setup_logging(LogOptions{"/dev/stderr", LogFormat::Json, false});
    CaptureFd err(STDERR_FILENO);
    log_command_error("x");
    std::string text = err.finish();
    setup_stderr_logging();
    // One JSON line, no extra bare copy.
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
    CHECK(nlohmann::json::parse(text).at("msg") == "x");
}

TEST_CASE("an unopenable log file is an error naming it", "[cli][logging]") {
    CHECK_THROWS_WITH(setup_logging(LogOptions{"/nonexistent-berth-dir/log.json", LogFormat::Json, false}),
                      "open log file /nonexistent-berth-dir/log.json: no such file or directory");
    setup_stderr_logging();
}

// berth's log, as engines expect runc's: spdlog's default logger writes
// logrus-style lines, synchronously (berth is single-threaded), either to
// standard error or to the file given with --log.
//
//   text: time="2024-01-02T15:04:05Z" level=error msg="container does not exist"
//   json: {"level":"error","msg":"container does not exist","time":"2024-01-02T15:04:05Z"}
//
// containerd-shim-runc-v2 reads --log FILE with --log-format json and shows
// the msg of the LAST line whose level is "error"; every line must therefore
// be one complete JSON object with an RFC 3339 time.
#pragma once

#include <spdlog/common.h>

#include <chrono>
#include <string>
#include <string_view>

namespace berth::cli {

enum class LogFormat { Text, Json };

struct LogOptions {
    std::string file;  // empty (or "/dev/stderr"): standard error
    LogFormat format = LogFormat::Text;
    bool debug = false;
};

// logrus's name for a level: "debug", "info", "warning", "error", "fatal".
std::string_view level_name(spdlog::level::level_enum level);

// Go's time.RFC3339 in local time: "2024-01-02T15:04:05Z" or "...+01:00".
std::string rfc3339(std::chrono::system_clock::time_point t);

// Go's encoding/json string escaping (HTML-safe, invalid UTF-8 -> U+FFFD),
// without the surrounding quotes.
std::string json_escape(std::string_view s);

// One complete log line, newline included.
std::string format_log_line(LogFormat format, spdlog::level::level_enum level, std::string_view msg,
                            std::chrono::system_clock::time_point t);

// Replaces spdlog's default logger: to the --log file (opened O_APPEND |
// O_CREAT | O_CLOEXEC, mode 0644) or to standard error. Level: debug with
// --debug; otherwise info into a file, warnings and errors on standard error.
// Throws berth::Error when the file cannot be opened.
void setup_logging(const LogOptions& options);

// A safe default before the command line is known: text, warnings, stderr.
void setup_stderr_logging();

// Reports a failed command: an error line in the log, and, when the log is a
// file, the bare message on standard error too (what runc does).
void log_command_error(std::string_view message);

}  // namespace berth::cli

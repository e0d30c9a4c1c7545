#include "runtime/cli/logging.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <memory>

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "runtime/cli/values.hpp"

namespace berth::cli {

namespace {

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // nowhere left to report a failing log
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
}

// Writes each record as one write(2) on an fd berth opened itself with
// O_CLOEXEC (spdlog's file sinks use fopen without "e", which would leak the
// log fd into containers). O_APPEND + one write per line keeps lines whole
// when several berth processes share a log file. No locking: single-threaded.
class FdSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
public:
    FdSink(UniqueFd fd, LogFormat format) : fd_(std::move(fd)), format_(format) {}
    bool to_stderr() const { return !fd_; }

protected:
    void sink_it_(const spdlog::details::log_msg& m) override {
        std::string line = format_log_line(format_, m.level,
                                           std::string_view(m.payload.data(), m.payload.size()), m.time);
        write_all(fd_ ? fd_.get() : STDERR_FILENO, line);
    }
    void flush_() override {}

private:
    UniqueFd fd_;  // empty: standard error, which berth does not own
    LogFormat format_;
};

void install(UniqueFd fd, LogFormat format, spdlog::level::level_enum level) {
    auto sink = std::make_shared<FdSink>(std::move(fd), format);
    auto logger = std::make_shared<spdlog::logger>("berth", std::move(sink));
    logger->set_level(level);
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
}

// logrus's TextFormatter quotes a value unless every byte is in this set.
bool needs_quoting(std::string_view s) {
    for (unsigned char c : s) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+';
        if (!plain) return true;
    }
    return false;
}

std::string text_value(std::string_view s) { return needs_quoting(s) ? go_quote(s) : std::string(s); }

}  // namespace

std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace: return "trace";
        case spdlog::level::debug: return "debug";
        case spdlog::level::info: return "info";
        case spdlog::level::warn: return "warning";
        case spdlog::level::err: return "error";
        case spdlog::level::critical: return "fatal";
        default: return "info";
    }
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out = buf;
    long off = tm.tm_gmtoff;
    if (off == 0) return out + "Z";
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", sign, off / 3600, (off / 60) % 60);
    return out + buf;
}

std::string json_escape(std::string_view s) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(s.size() + 8);
    for (size_t i = 0; i < s.size();) {
        uint32_t cp = 0;
        size_t n = utf8_length(s, i, cp);
        if (n == 0) {  // invalid UTF-8: Go writes the replacement character
            out += "\\ufffd";
            ++i;
            continue;
        }
        if (n > 1) {
            if (cp == 0x2028 || cp == 0x2029) out += cp == 0x2028 ? "\\u2028" : "\\u2029";
            else out.append(s.substr(i, n));
            i += n;
            continue;
        }
        unsigned char c = static_cast<unsigned char>(s[i++]);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                // Control characters, and <, >, & as Go's HTML-safe encoder does.
                if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 0xF];
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out;
}

std::string format_log_line(LogFormat format, spdlog::level::level_enum level, std::string_view msg,
                            std::chrono::system_clock::time_point t) {
    std::string time = rfc3339(t);
    std::string line;
    if (format == LogFormat::Json) {
        // logrus's JSONFormatter sorts the keys: level, msg, time.
        line = "{\"level\":\"";
        line += level_name(level);
        line += "\",\"msg\":\"";
        line += json_escape(msg);
        line += "\",\"time\":\"";
        line += time;
        line += "\"}\n";
    } else {
        line = "time=" + text_value(time) + " level=" + std::string(level_name(level)) + " msg=" + text_value(msg) +
               "\n";
    }
    return line;
}

void setup_logging(const LogOptions& options) {
    spdlog::level::level_enum level = spdlog::level::warn;
    UniqueFd fd;
    if (!options.file.empty() && options.file != "/dev/stderr") {
        fd.reset(::open(options.file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
        if (!fd) throw_errno("open log file " + options.file);
        level = spdlog::level::info;
    }
    if (options.debug) level = spdlog::level::debug;
    install(std::move(fd), options.format, level);
}

void setup_stderr_logging() { install(UniqueFd(), LogFormat::Text, spdlog::level::warn); }

void log_command_error(std::string_view message) {
    auto logger = spdlog::default_logger();
    bool toFile = false;
    for (const auto& sink : logger->sinks()) {
        if (auto fdSink = std::dynamic_pointer_cast<FdSink>(sink)) toFile = toFile || !fdSink->to_stderr();
    }
    logger->error("{}", message);
    if (toFile) write_all(STDERR_FILENO, std::string(message) + "\n");
}

}  // namespace berth::cli

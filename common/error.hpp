// berth's error type: a message that grows context as it climbs the call
// chain ("create: mount proc on /proc: no such device"), plus the errno that
// caused it, if any. Thrown in the parent; in a cloned child it is caught at
// the child's entry and sent to the parent as text, never propagated.
#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace berth {

// strerror() in the lower-case style runc and the Go runtime print
// ("no such file or directory"), so engines and users see familiar text.
inline std::string errno_text(int err) {
    std::string s = std::strerror(err);
    if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z' && !(s.size() > 1 && s[1] >= 'A' && s[1] <= 'Z'))
        s[0] = static_cast<char>(s[0] - 'A' + 'a');
    return s;
}

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& msg, int err = 0) : std::runtime_error(msg), errno_(err) {}
    // errno that caused this error, 0 when it was not a failed system call.
    int code() const noexcept { return errno_; }
    // The same error with "context: " in front.
    Error wrap(std::string_view context) const {
        return Error(std::string(context) + ": " + what(), errno_);
    }

private:
    int errno_;
};

// Throws Error("context: <strerror(err)>", err).
[[noreturn]] inline void throw_errno(std::string_view context, int err = errno) {
    throw Error(std::string(context) + ": " + errno_text(err), err);
}

}  // namespace berth

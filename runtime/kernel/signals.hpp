// Signal names <-> numbers, for `berth kill` and for reporting how a process
// died. Accepts what runc accepts: a number ("9"), or a name in any case with
// or without the SIG prefix ("TERM", "SIGTERM", "sigterm"); as an extension,
// real-time signals as "RTMIN", "RTMIN+3", "RTMAX-2" (with or without SIG).
#pragma once

#include <string>
#include <string_view>

namespace berth::kernel {

// The signal number; throws berth::Error(`unknown signal "FOO"`) for anything
// else, including numbers outside 0..SIGRTMAX (0, like runc, is accepted: it
// only probes whether the process exists). RTMIN is glibc's SIGRTMIN (34).
int parse_signal(std::string_view text);

// "SIGTERM", "SIGRTMIN+3"; "SIG<n>" for a number with no name.
std::string signal_name(int sig);

}  // namespace berth::kernel

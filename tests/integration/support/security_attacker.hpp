// The in-container attacker of the security tests. The security test
// executable is bind-mounted into a container (with the host's libraries,
// read-only) and started with BERTH_SECURITY_ATTACKER=1 in its environment;
// a static initializer in security_test.cpp then calls
// run_attacker_if_requested(), which runs the mode named by argv[1] and
// _exit()s before Catch's main ever runs.
//
// Modes (each writes one line per finding to its report, O_APPEND, so the
// test on the host can read <rootfs>/<report> while the attack goes on):
//
//   watch <report> <donefile> [fifo]
//       The CVE-2019-5736 attacker. Until <donefile> exists: for every pid in
//       /proc but itself, open /proc/<pid>/exe with O_WRONLY, and with O_PATH
//       (kept when it is the target file named by BERTH_SECURITY_TARGET=
//       "<dev>:<ino>"). Then opens [fifo] for reading (releasing a berth
//       image blocked on it) and, for 3 s, reopens every kept O_PATH fd
//       through /proc/self/fd/N with O_WRONLY; what opens for writing and is
//       the target gets "PWNED" written at offset 0. Report lines:
//         ready | seen <pid> <errno-name> | write-open <pid> <link> |
//         held <pid> <link> | wrote <how> | reopen-failed <errno-name> |
//         scans <n> | end
//   probe <pid>
//       Prints (stdout) one line per way of looking into another process:
//       "exe-link <result>", "exe-open <result>", "environ <result>",
//       "fd-open <result>" (O_PATH of an entry of /proc/<pid>/fd), "mem <result>";
//       result "ok <detail>", an errno name, or "none" (no fd to try).
//   swap <report> <dir> <a> <b> <donefile>
//       renameat2(RENAME_EXCHANGE) of dir/a and dir/b in a loop until
//       <donefile> exists (the CVE-2021-30465 race); reports "swaps <n>".
//   fds
//       Prints "<n> <link>" for each open fd but the one reading /proc/self/fd.
#pragma once

namespace berth::security_test {

inline constexpr const char* kAttackerEnv = "BERTH_SECURITY_ATTACKER";
inline constexpr const char* kTargetEnv = "BERTH_SECURITY_TARGET";

// Returns at once unless kAttackerEnv is set; otherwise never returns.
void run_attacker_if_requested();

}  // namespace berth::security_test

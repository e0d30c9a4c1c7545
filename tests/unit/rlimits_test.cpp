// rlimit names, plus the pure parts of process attributes (cpu lists, I/O
// priority, scheduler and personality values).
#include <sys/personality.h>
#include <sys/resource.h>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/kernel/process_attrs.hpp"
#include "runtime/kernel/rlimits.hpp"

using namespace berth::kernel;
using berth::spec::Rlimit;

namespace {

template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const berth::Error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("every RLIMIT_ name maps to its number", "[rlimits]") {
    CHECK(rlimit_resource("RLIMIT_AS") == RLIMIT_AS);
    CHECK(rlimit_resource("RLIMIT_CORE") == RLIMIT_CORE);
    CHECK(rlimit_resource("RLIMIT_CPU") == RLIMIT_CPU);
    CHECK(rlimit_resource("RLIMIT_DATA") == RLIMIT_DATA);
    CHECK(rlimit_resource("RLIMIT_FSIZE") == RLIMIT_FSIZE);
    CHECK(rlimit_resource("RLIMIT_LOCKS") == RLIMIT_LOCKS);
    CHECK(rlimit_resource("RLIMIT_MEMLOCK") == RLIMIT_MEMLOCK);
    CHECK(rlimit_resource("RLIMIT_MSGQUEUE") == RLIMIT_MSGQUEUE);
    CHECK(rlimit_resource("RLIMIT_NICE") == RLIMIT_NICE);
    CHECK(rlimit_resource("RLIMIT_NOFILE") == RLIMIT_NOFILE);
    CHECK(rlimit_resource("RLIMIT_NPROC") == RLIMIT_NPROC);
    CHECK(rlimit_resource("RLIMIT_RSS") == RLIMIT_RSS);
    CHECK(rlimit_resource("RLIMIT_RTPRIO") == RLIMIT_RTPRIO);
    CHECK(rlimit_resource("RLIMIT_RTTIME") == RLIMIT_RTTIME);
    CHECK(rlimit_resource("RLIMIT_SIGPENDING") == RLIMIT_SIGPENDING);
    CHECK(rlimit_resource("RLIMIT_STACK") == RLIMIT_STACK);
}

TEST_CASE("unknown rlimit names are errors naming them", "[rlimits]") {
    CHECK(error_of([] { rlimit_resource("RLIMIT_FOO"); }) == "unknown rlimit type \"RLIMIT_FOO\"");
    CHECK(error_of([] { rlimit_resource("NOFILE"); }) == "unknown rlimit type \"NOFILE\"");
    CHECK(error_of([] { rlimit_resource("rlimit_nofile"); }) == "unknown rlimit type \"rlimit_nofile\"");
}

TEST_CASE("rlimit lists: duplicates and soft above hard are refused", "[rlimits]") {
    CHECK_NOTHROW(validate_rlimits({Rlimit{"RLIMIT_NOFILE", 2048, 1024}, Rlimit{"RLIMIT_CORE", 0, 0}}));
    CHECK(error_of([] { validate_rlimits({Rlimit{"RLIMIT_NOFILE", 1, 1}, Rlimit{"RLIMIT_NOFILE", 2, 2}}); }) ==
          "rlimit RLIMIT_NOFILE is set more than once");
    CHECK(error_of([] { validate_rlimits({Rlimit{"RLIMIT_NOFILE", 10, 20}}); }) ==
          "rlimit RLIMIT_NOFILE: soft limit 20 is above hard limit 10");
    CHECK(error_of([] { validate_rlimits({Rlimit{"RLIMIT_BOGUS", 1, 1}}); }) == "unknown rlimit type \"RLIMIT_BOGUS\"");
}

TEST_CASE("cpu lists", "[process_attrs]") {
    CHECK(parse_cpu_list("0") == std::vector<int>{0});
    CHECK(parse_cpu_list("0-3,7") == std::vector<int>{0, 1, 2, 3, 7});
    CHECK(parse_cpu_list("7,0-1,1") == std::vector<int>{0, 1, 7});
    CHECK(parse_cpu_list("2-2\n") == std::vector<int>{2});
    for (const char* bad : {"", "a", "1-", "-1", "3-1", "1,,2", "1 2", "0-99999", ",1"}) {
        INFO(bad);
        CHECK(error_of([&] { parse_cpu_list(bad); }) == std::string("invalid cpu list \"") + bad + "\"");
    }
}

TEST_CASE("io priority values", "[process_attrs]") {
    CHECK(io_priority_value({"IOPRIO_CLASS_RT", 0}) == (1 << 13));
    CHECK(io_priority_value({"IOPRIO_CLASS_BE", 4}) == ((2 << 13) | 4));
    CHECK(io_priority_value({"IOPRIO_CLASS_IDLE", 7}) == ((3 << 13) | 7));
    CHECK(error_of([] { io_priority_value({"IOPRIO_CLASS_NONE", 0}); }) ==
          "invalid io priority class \"IOPRIO_CLASS_NONE\"");
    CHECK(error_of([] { io_priority_value({"IOPRIO_CLASS_BE", 8}); }) == "invalid io priority 8: must be 0..7");
    CHECK(error_of([] { io_priority_value({"IOPRIO_CLASS_BE", -1}); }) == "invalid io priority -1: must be 0..7");
}

TEST_CASE("scheduler validation follows runc", "[process_attrs]") {
    berth::spec::Scheduler s;
    s.policy = "SCHED_OTHER";
    s.nice = 5;
    CHECK_NOTHROW(validate_scheduler(s));
    s.nice = 20;
    CHECK(error_of([&] { validate_scheduler(s); }) == "invalid scheduler.nice: 20 when scheduler.policy is SCHED_OTHER");
    s.nice.reset();
    s.priority = 10;
    CHECK(error_of([&] { validate_scheduler(s); }) ==
          "scheduler.priority can only be specified for SCHED_FIFO or SCHED_RR policy");
    s.policy = "SCHED_FIFO";
    CHECK_NOTHROW(validate_scheduler(s));
    s.runtime = 100;
    CHECK(error_of([&] { validate_scheduler(s); }) ==
          "scheduler runtime/deadline/period can only be specified for SCHED_DEADLINE policy");
    s = {};
    s.policy = "SCHED_DEADLINE";
    s.runtime = 1;
    s.deadline = 2;
    s.period = 3;
    s.flags = {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_DL_OVERRUN"};
    CHECK_NOTHROW(validate_scheduler(s));
    CHECK(scheduler_flags(s.flags) == 0x05);
    s.flags = {"SCHED_FLAG_BOGUS"};
    CHECK(error_of([&] { validate_scheduler(s); }) == "invalid scheduler flag \"SCHED_FLAG_BOGUS\"");
    s.flags.clear();
    s.policy = "SCHED_WHATEVER";
    CHECK(error_of([&] { validate_scheduler(s); }) == "invalid scheduler policy \"SCHED_WHATEVER\"");
    CHECK(scheduler_policy("SCHED_OTHER") == 0);
    CHECK(scheduler_policy("SCHED_FIFO") == 1);
    CHECK(scheduler_policy("SCHED_RR") == 2);
    CHECK(scheduler_policy("SCHED_BATCH") == 3);
    CHECK(scheduler_policy("SCHED_ISO") == 4);
    CHECK(scheduler_policy("SCHED_IDLE") == 5);
    CHECK(scheduler_policy("SCHED_DEADLINE") == 6);
}

TEST_CASE("personality domains", "[process_attrs]") {
    CHECK(personality_value({"LINUX", {}}) == PER_LINUX);
    CHECK(personality_value({"LINUX32", {}}) == PER_LINUX32);
    CHECK(error_of([] { personality_value({"LINUX64", {}}); }) == "unknown personality domain \"LINUX64\"");
}

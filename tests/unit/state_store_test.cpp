// The state store's reader on state files berth did not write: every field of
// the wrong type or range is an error naming the file and field, never
// undefined behaviour (fuzz/fuzz_state found a float pidStartTime).
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "runtime/container/container_builder.hpp"
#include "runtime/container/state_store.hpp"

using berth::container::ContainerDir;

namespace {

struct TempRoot {
    std::string path;
    TempRoot() {
        char tmpl[] = "/tmp/berth-state-store-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempRoot() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

std::string read_error(const std::string& state) {
    TempRoot root;
    ContainerDir dir = ContainerDir::create(root.path, "c1");
    dir.write_file("state.json", state);
    try {
        (void)dir.read_record();
    } catch (const berth::Error& e) {
        return e.what();
    }
    return "";
}

const std::string kHead = R"({"id":"c1","bundle":"/b","pid":)";

}  // namespace

TEST_CASE("state file: a well-formed record reads back", "[state]") {
    TempRoot root;
    ContainerDir dir = ContainerDir::create(root.path, "c1");
    dir.write_file("state.json", kHead + R"(4242,"pidStartTime":18446744073709551615,"cgroupPath":"/berth/c1"})");
    auto r = dir.read_record();
    CHECK(r.pid == 4242);
    CHECK(r.pidStartTime == UINT64_MAX);
    CHECK(r.cgroupPath == "/berth/c1");
}

TEST_CASE("state file: numbers of the wrong kind or range are errors naming the field", "[state]") {
    // Regression input from fuzz/fuzz_state (crash-d319ad27...): a float where an integer belongs.
    CHECK(read_error(kHead + R"(4242,"pidStartTime":-8.956})").find("pidStartTime: expected an integer from 0 to "
                                                                       "18446744073709551615, got -8.956") !=
          std::string::npos);
    CHECK(read_error(kHead + R"(4242,"pidStartTime":-1})").find("pidStartTime: expected an integer") !=
          std::string::npos);
    CHECK(read_error(kHead + R"(1e300})").find("pid: expected an integer from -2147483648 to 2147483647, got 1e+300") !=
          std::string::npos);
    CHECK(read_error(kHead + R"(4294967296})").find("pid: expected an integer") != std::string::npos);
    CHECK(read_error(kHead + R"("12"})").find("pid: expected an integer") != std::string::npos);
    CHECK(read_error(R"({"id":"c1","bundle":"/b"})").find("pid is missing") != std::string::npos);
    CHECK(read_error(kHead + R"(12})") == "");
}

// "created" in state.json: RFC 3339 UTC, as Go's RFC3339Nano, computed without
// the time zone database; it must agree with gmtime for the same second.
TEST_CASE("rfc3339_now is RFC 3339 UTC with trimmed nanoseconds and agrees with gmtime") {
    for (int attempt = 0;; ++attempt) {
        time_t before = time(nullptr);
        std::string s = berth::container::rfc3339_now();
        time_t after = time(nullptr);
        INFO(s);
        REQUIRE(s.size() >= 20);
        CHECK(s.back() == 'Z');
        CHECK(s[4] == '-');
        CHECK(s[7] == '-');
        CHECK(s[10] == 'T');
        CHECK(s[13] == ':');
        CHECK(s[16] == ':');
        if (s.size() > 20) {
            CHECK(s[19] == '.');
            CHECK(s[s.size() - 2] != '0');  // trailing zeros trimmed
        }
        if (before != after && attempt < 3) continue;  // a second boundary in between: try again
        struct tm t;
        gmtime_r(&before, &t);
        char expect[32];
        strftime(expect, sizeof expect, "%Y-%m-%dT%H:%M:%S", &t);
        CHECK(s.substr(0, 19) == expect);
        break;
    }
}

// Go's value syntax (strconv, time.ParseDuration, go-units) and the Go flag /
// urfave reorder grammar, as berth's CLI reproduces them.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/error.hpp"
#include "runtime/cli/flags.hpp"
#include "runtime/cli/values.hpp"

using namespace berth::cli;

namespace {

int64_t i64(std::string_view s, int base = 0) {
    int64_t v = -12345;
    REQUIRE(parse_go_int64(s, base, v) == NumError::None);
    return v;
}

NumError i64_error(std::string_view s, int base = 0) {
    int64_t v = 0;
    return parse_go_int64(s, base, v);
}

const std::vector<FlagSpec> kSpecs = {
    {{"bundle", "b"}, FlagKind::Value, "bundle"},
    {{"detach", "d"}, FlagKind::Bool, "detach"},
    {{"env", "e"}, FlagKind::Value, "env"},
};

}  // namespace

TEST_CASE("strconv.ParseBool", "[cli][values]") {
    for (auto t : {"1", "t", "T", "TRUE", "true", "True"}) CHECK(parse_go_bool(t) == std::optional<bool>(true));
    for (auto f : {"0", "f", "F", "FALSE", "false", "False"}) CHECK(parse_go_bool(f) == std::optional<bool>(false));
    for (auto bad : {"", "yes", "tRUE", "2", "on"}) CHECK_FALSE(parse_go_bool(bad).has_value());
}

TEST_CASE("strconv.ParseInt with base 0 as Go's int flags read", "[cli][values]") {
    CHECK(i64("10") == 10);
    CHECK(i64("-5") == -5);
    CHECK(i64("+5") == 5);
    CHECK(i64("0") == 0);
    CHECK(i64("0x10") == 16);
    CHECK(i64("0X1f") == 31);
    CHECK(i64("010") == 8);
    CHECK(i64("0o10") == 8);
    CHECK(i64("0b101") == 5);
    CHECK(i64("1_000") == 1000);
    CHECK(i64("0x_1f") == 31);
    CHECK(i64("9223372036854775807") == INT64_MAX);
    CHECK(i64("-9223372036854775808") == INT64_MIN);
    CHECK(i64_error("9223372036854775808") == NumError::Range);
    CHECK(i64_error("-9223372036854775809") == NumError::Range);
    CHECK(i64_error("99999999999999999999999") == NumError::Range);
    for (auto bad : {"", "abc", "0x", "1__0", "_1", "1_", "1.5", "08", "--1", " 1", "1 "})
        CHECK(i64_error(bad) == NumError::Syntax);
    // base 10 (update's cpu-quota): no prefixes, no underscores
    CHECK(i64("010", 10) == 10);
    CHECK(i64_error("0x10", 10) == NumError::Syntax);
    CHECK(i64_error("1_000", 10) == NumError::Syntax);
}

TEST_CASE("strconv.ParseUint", "[cli][values]") {
    uint64_t v = 0;
    CHECK(parse_go_uint64("18446744073709551615", 10, v) == NumError::None);
    CHECK(v == UINT64_MAX);
    CHECK(parse_go_uint64("18446744073709551616", 10, v) == NumError::Range);
    CHECK(parse_go_uint64("-1", 10, v) == NumError::Syntax);
    CHECK(parse_go_uint64("+1", 10, v) == NumError::Syntax);
    CHECK(parse_go_uint64("", 10, v) == NumError::Syntax);
    CHECK(strconv_error("ParseUint", "x", NumError::Syntax) == "strconv.ParseUint: parsing \"x\": invalid syntax");
    CHECK(strconv_error("ParseInt", "9e99", NumError::Range) == "strconv.ParseInt: parsing \"9e99\": value out of range");
}

TEST_CASE("time.ParseDuration", "[cli][values]") {
    const int64_t s = 1000000000;
    CHECK(parse_go_duration("5s") == 5 * s);
    CHECK(parse_go_duration("0") == 0);
    CHECK(parse_go_duration("1m30s") == 90 * s);
    CHECK(parse_go_duration("1.5h") == 5400 * s);
    CHECK(parse_go_duration("500ms") == s / 2);
    CHECK(parse_go_duration(".5s") == s / 2);
    CHECK(parse_go_duration("1.s") == s);
    CHECK(parse_go_duration("-1s") == -s);
    CHECK(parse_go_duration("+2s") == 2 * s);
    CHECK(parse_go_duration("1us") == 1000);
    CHECK(parse_go_duration("1\u00b5s") == 1000);
    CHECK(parse_go_duration("1\u03bcs") == 1000);
    CHECK(parse_go_duration("7ns") == 7);
    CHECK(parse_go_duration("2h45m") == (2 * 3600 + 45 * 60) * s);
    CHECK(parse_go_duration("9223372036s") == 9223372036 * s);
    for (auto bad : {"", "5", "s", "1d", "-", ".s", "1.2.3s", "9223372037s", "1s5", "abc"})
        CHECK_FALSE(parse_go_duration(bad).has_value());
}

TEST_CASE("go-units RAMInBytes", "[cli][values]") {
    CHECK(parse_ram_in_bytes("1024") == 1024);
    CHECK(parse_ram_in_bytes("32m") == 33554432);
    CHECK(parse_ram_in_bytes("32M") == 33554432);
    CHECK(parse_ram_in_bytes("1g") == 1073741824);
    CHECK(parse_ram_in_bytes("1GiB") == 1073741824);
    CHECK(parse_ram_in_bytes("1gb") == 1073741824);
    CHECK(parse_ram_in_bytes("512 kb") == 524288);
    CHECK(parse_ram_in_bytes("1.5k") == 1536);
    CHECK(parse_ram_in_bytes("10b") == 10);
    CHECK(parse_ram_in_bytes("10i") == 10);
    CHECK(parse_ram_in_bytes("2t") == 2199023255552);
    CHECK(parse_ram_in_bytes("8p") == 9007199254740992);
    for (auto bad : {"", "1x", "-1", "1.2.3", "1  k", "1e3", "k", "1kk", " 1", "8192p"}) {
        CHECK_THROWS_WITH(parse_ram_in_bytes(bad), "invalid size: '" + std::string(bad) + "'");
    }
}

TEST_CASE("Go's %q quoting", "[cli][values]") {
    CHECK(go_quote("plain") == "\"plain\"");
    CHECK(go_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(go_quote("l1\nl2\t") == "\"l1\\nl2\\t\"");
    CHECK(go_quote(std::string("\x01", 1)) == "\"\\x01\"");
    CHECK(go_quote("\xff") == "\"\\xff\"");
    CHECK(go_quote("h\xc3\xa9llo") == "\"h\xc3\xa9llo\"");  // printable UTF-8 stays
}

TEST_CASE("Go flag parsing: forms and stop rules and errors", "[cli][flags]") {
    auto p = parse_go_flags({"-b", "/x", "--detach", "-e=A=1", "--env", "B", "id", "-d", "rest"}, kSpecs);
    REQUIRE(p.hits.size() == 4);
    CHECK((p.hits[0].name == "bundle" && p.hits[0].typed == "b" && p.hits[0].value == "/x"));
    CHECK((p.hits[1].name == "detach" && p.hits[1].value == "true"));
    CHECK((p.hits[2].name == "env" && p.hits[2].value == "A=1"));  // only the first '=' splits
    CHECK((p.hits[3].name == "env" && p.hits[3].typed == "env" && p.hits[3].value == "B"));
    CHECK(p.args == std::vector<std::string>{"id", "-d", "rest"});  // stops at the first positional

    p = parse_go_flags({"--detach=false", "--", "-b", "x"}, kSpecs);
    CHECK(p.hits[0].value == "false");
    CHECK(p.args == std::vector<std::string>{"-b", "x"});  // "--" consumed, nothing after is a flag

    p = parse_go_flags({"-", "-b", "x"}, kSpecs);
    CHECK(p.hits.empty());
    CHECK(p.args == std::vector<std::string>{"-", "-b", "x"});

    p = parse_go_flags({"-b", "-d"}, kSpecs);  // a value flag takes the next argument, whatever it is
    CHECK(p.hits[0].value == "-d");

    p = parse_go_flags({"-b="}, kSpecs);  // an empty value is a value
    CHECK((p.hits[0].value.empty() && p.args.empty()));

    CHECK_THROWS_WITH(parse_go_flags({"-x"}, kSpecs), "flag provided but not defined: -x");
    CHECK_THROWS_WITH(parse_go_flags({"--bd"}, kSpecs), "flag provided but not defined: -bd");
    CHECK_THROWS_WITH(parse_go_flags({"-db"}, kSpecs), "flag provided but not defined: -db");  // no bundling
    CHECK_THROWS_WITH(parse_go_flags({"-b"}, kSpecs), "flag needs an argument: -b");
    CHECK_THROWS_WITH(parse_go_flags({"-d=yes"}, kSpecs), "invalid boolean value \"yes\" for -d: parse error");
    CHECK_THROWS_WITH(parse_go_flags({"---b"}, kSpecs), "bad flag syntax: ---b");
    CHECK_THROWS_WITH(parse_go_flags({"-=x"}, kSpecs), "bad flag syntax: -=x");
    CHECK_THROWS_AS(parse_go_flags({"-x"}, kSpecs), UsageError);
}

TEST_CASE("urfave reorder: known flags first and the rest in order", "[cli][flags]") {
    using V = std::vector<std::string>;
    CHECK(reorder_known_flags_first({"id", "-b", "/x"}, kSpecs) == V{"-b", "/x", "id"});
    CHECK(reorder_known_flags_first({"id", "--bundle=/x", "more"}, kSpecs) == V{"--bundle=/x", "id", "more"});
    // unknown flags stay where they are (and become positionals or errors later)
    CHECK(reorder_known_flags_first({"id", "--foo", "-d"}, kSpecs) == V{"-d", "id", "--foo"});
    // a bool flag does not take the next argument with it
    CHECK(reorder_known_flags_first({"id", "-d", "KILL"}, kSpecs) == V{"-d", "id", "KILL"});
    // a value flag takes the next argument unless it is a known flag
    CHECK(reorder_known_flags_first({"id", "-b", "-d"}, kSpecs) == V{"-b", "-d", "id"});
    // ... so a negative number is a value ("update --memory -1 ID", as runc takes it)
    CHECK(reorder_known_flags_first({"id", "-b", "-1"}, kSpecs) == V{"-b", "-1", "id"});
    // nothing moves across "--"
    CHECK(reorder_known_flags_first({"id", "--", "-d"}, kSpecs) == V{"id", "--", "-d"});
    CHECK(reorder_known_flags_first({"-", "-d"}, kSpecs) == V{"-d", "-"});
    // urfave strips up to three dashes to recognise a flag; Go's parser then rejects "---d"
    CHECK(reorder_known_flags_first({"id", "---d"}, kSpecs) == V{"---d", "id"});
}

// Flag value syntax as runc's Go code reads it, so engines' and users'
// command lines mean the same thing to berth: strconv.ParseBool,
// strconv.ParseInt/ParseUint, time.ParseDuration and go-units' RAMInBytes.
// Pure functions, no side effects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth::cli {

// strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False.
std::optional<bool> parse_go_bool(std::string_view s);

enum class NumError { None, Syntax, Range };

// strconv.ParseInt(s, base, 64) / ParseUint(s, base, 64). base 0 reads the
// prefix (0x, 0o, 0b, leading 0 = octal) and allows '_' between digits, as
// Go's flag package does for int flags.
NumError parse_go_int64(std::string_view s, int base, int64_t& out);
NumError parse_go_uint64(std::string_view s, int base, uint64_t& out);

// Go's error text: `strconv.ParseInt: parsing "x": invalid syntax`.
std::string strconv_error(std::string_view func, std::string_view s, NumError e);

// time.ParseDuration ("5s", "1m30s", "250ms", "0"), in nanoseconds;
// nullopt when malformed or out of range.
std::optional<int64_t> parse_go_duration(std::string_view s);

// go-units RAMInBytes (v0.4, as vendored by runc 1.1): "1024", "32m", "1g",
// "1.5GiB", "512 kb"; binary multiples, case-insensitive, optional i and b.
// Throws berth::Error("invalid size: '<s>'").
int64_t parse_ram_in_bytes(std::string_view s);

// Length of the valid UTF-8 sequence starting at s[i] (its code point in
// cp), or 0 when the bytes there are not valid UTF-8.
size_t utf8_length(std::string_view s, size_t i, uint32_t& cp);

// Go's %q (strconv.Quote), as Go's flag errors and logrus text lines quote
// values: ASCII escapes, \xNN for control bytes and invalid UTF-8.
std::string go_quote(std::string_view s);

}  // namespace berth::cli

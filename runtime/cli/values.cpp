#include "runtime/cli/values.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "common/error.hpp"

namespace berth::cli {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

// Go's underscoreOK: '_' may only separate digits, and only after a base
// prefix or between decimal digits of a base-0 literal.
bool underscore_ok(std::string_view s) {
    char saw = '^';  // ^ start, 0 digit or prefix, _ underscore, ! other
    size_t i = 0;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
    bool hex = false;
    if (s.size() >= 2 && s[0] == '0') {
        char p = static_cast<char>(s[1] | 0x20);
        if (p == 'b' || p == 'o' || p == 'x') {
            hex = p == 'x';
            i = 2;
            saw = '0';
        }
    }
    for (; i < s.size(); ++i) {
        char c = s[i];
        if (is_digit(c) || (hex && digit_value(c) < 16)) {
            saw = '0';
            continue;
        }
        if (c == '_') {
            if (saw != '0') return false;
            saw = '_';
            continue;
        }
        if (saw == '_') return false;
        saw = '!';
    }
    return saw != '_';
}

// Unsigned magnitude of s (no sign) in base (0 = from prefix).
NumError parse_magnitude(std::string_view s, int base, uint64_t& out) {
    if (s.empty()) return NumError::Syntax;
    bool base0 = base == 0;
    std::string_view orig = s;
    if (base0) {
        base = 10;
        if (s[0] == '0') {
            if (s.size() >= 3 && (s[1] | 0x20) == 'b') { base = 2; s.remove_prefix(2); }
            else if (s.size() >= 3 && (s[1] | 0x20) == 'o') { base = 8; s.remove_prefix(2); }
            else if (s.size() >= 3 && (s[1] | 0x20) == 'x') { base = 16; s.remove_prefix(2); }
            else { base = 8; s.remove_prefix(1); if (s.empty()) { out = 0; return NumError::None; } }
        }
    }
    bool underscores = false;
    uint64_t n = 0;
    bool range = false;
    for (char c : s) {
        if (c == '_' && base0) {
            underscores = true;
            continue;
        }
        int d = digit_value(c);
        if (d >= base) return NumError::Syntax;
        if (n > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
            range = true;
        else
            n = n * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    }
    if (underscores && !underscore_ok(orig)) return NumError::Syntax;
    if (range) return NumError::Range;
    out = n;
    return NumError::None;
}

}  // namespace

// Length of the valid UTF-8 sequence at s[i], 0 when invalid.
size_t utf8_length(std::string_view s, size_t i, uint32_t& cp) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    size_t n;
    if (c < 0x80) { cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else return 0;
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

// Go's %q (strconv.Quote) for the text format, enough for log messages:
// ASCII escapes, \xNN for control bytes and invalid UTF-8, printable UTF-8 kept.
std::string go_quote(std::string_view s) {
    static const char* hex = "0123456789abcdef";
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
        uint32_t cp = 0;
        size_t n = utf8_length(s, i, cp);
        if (n == 0) {
            auto c = static_cast<unsigned char>(s[i]);
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
            ++i;
            continue;
        }
        if (n > 1) {
            out.append(s.substr(i, n));
            i += n;
            continue;
        }
        char c = s[i++];
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\a': out += "\\a"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\v': out += "\\v"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    out += "\\x";
                    out += hex[(c >> 4) & 0xF];
                    out += hex[c & 0xF];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
    return out;
}

std::optional<bool> parse_go_bool(std::string_view s) {
    if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
    if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") return false;
    return std::nullopt;
}

NumError parse_go_uint64(std::string_view s, int base, uint64_t& out) {
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) return NumError::Syntax;  // ParseUint takes no sign
    return parse_magnitude(s, base, out);
}

NumError parse_go_int64(std::string_view s, int base, int64_t& out) {
    if (s.empty()) return NumError::Syntax;
    bool neg = false;
    std::string_view digits = s;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        digits.remove_prefix(1);
    }
    uint64_t mag = 0;
    NumError e = parse_magnitude(digits, base, mag);
    if (e != NumError::None) return e;
    const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (!neg && mag > limit) return NumError::Range;
    if (neg && mag > limit + 1) return NumError::Range;
    out = neg ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
    return NumError::None;
}

std::string strconv_error(std::string_view func, std::string_view s, NumError e) {
    return "strconv." + std::string(func) + ": parsing \"" + std::string(s) +
           "\": " + (e == NumError::Range ? "value out of range" : "invalid syntax");
}

std::optional<int64_t> parse_go_duration(std::string_view s) {
    const uint64_t maxMag = uint64_t{1} << 63;
    bool neg = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s == "0") return 0;
    if (s.empty()) return std::nullopt;
    uint64_t total = 0;
    while (!s.empty()) {
        if (!(s[0] == '.' || is_digit(s[0]))) return std::nullopt;
        // Integer part.
        uint64_t v = 0;
        size_t i = 0;
        for (; i < s.size() && is_digit(s[i]); ++i) {
            if (v > (maxMag - 1) / 10) return std::nullopt;  // overflow
            v = v * 10 + static_cast<uint64_t>(s[i] - '0');
            if (v > maxMag) return std::nullopt;
        }
        bool pre = i > 0;
        s.remove_prefix(i);
        // Fraction part.
        uint64_t f = 0;
        double scale = 1;
        bool post = false;
        if (!s.empty() && s[0] == '.') {
            s.remove_prefix(1);
            size_t j = 0;
            bool overflow = false;
            for (; j < s.size() && is_digit(s[j]); ++j) {
                if (overflow) continue;
                if (f > (std::numeric_limits<uint64_t>::max() >> 1) / 10) {
                    overflow = true;  // ignore further digits, like Go
                    continue;
                }
                f = f * 10 + static_cast<uint64_t>(s[j] - '0');
                scale *= 10;
            }
            post = j > 0;
            s.remove_prefix(j);
        }
        if (!pre && !post) return std::nullopt;
        // Unit.
        size_t u = 0;
        while (u < s.size() && s[u] != '.' && !is_digit(s[u])) ++u;
        if (u == 0) return std::nullopt;
        std::string_view unitName = s.substr(0, u);
        s.remove_prefix(u);
        uint64_t unit;
        if (unitName == "ns") unit = 1;
        else if (unitName == "us" || unitName == "\u00b5s" || unitName == "\u03bcs") unit = 1000;
        else if (unitName == "ms") unit = 1000000;
        else if (unitName == "s") unit = 1000000000;
        else if (unitName == "m") unit = 60ull * 1000000000;
        else if (unitName == "h") unit = 3600ull * 1000000000;
        else return std::nullopt;
        if (v > maxMag / unit) return std::nullopt;
        v *= unit;
        if (f > 0) {
            v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
            if (v > maxMag) return std::nullopt;
        }
        total += v;
        if (total > maxMag) return std::nullopt;
    }
    if (neg) return total == maxMag ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(total);
    if (total > maxMag - 1) return std::nullopt;
    return static_cast<int64_t>(total);
}

int64_t parse_ram_in_bytes(std::string_view s) {
    // ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$
    auto invalid = [&]() -> Error { return Error("invalid size: '" + std::string(s) + "'"); };
    size_t i = 0;
    auto digits = [&]() {
        size_t start = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        return i > start;
    };
    if (!digits()) throw invalid();
    size_t dots = 0;
    while (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
        ++i;
        digits();
        ++dots;
    }
    std::string number(s.substr(0, i));
    if (i < s.size() && s[i] == ' ') ++i;
    uint64_t mul = 1;
    if (i < s.size()) {
        switch (s[i] | 0x20) {
            case 'k': mul = 1ull << 10; ++i; break;
            case 'm': mul = 1ull << 20; ++i; break;
            case 'g': mul = 1ull << 30; ++i; break;
            case 't': mul = 1ull << 40; ++i; break;
            case 'p': mul = 1ull << 50; ++i; break;
            default: break;
        }
    }
    if (i < s.size() && (s[i] | 0x20) == 'i') ++i;
    if (i < s.size() && (s[i] | 0x20) == 'b') ++i;
    if (i != s.size() || dots > 1) throw invalid();  // "1.2.3" is not a number either
    long double size = std::strtold(number.c_str(), nullptr) * static_cast<long double>(mul);
    if (!(size < 9223372036854775808.0L)) throw invalid();
    return static_cast<int64_t>(size);
}

}  // namespace berth::cli

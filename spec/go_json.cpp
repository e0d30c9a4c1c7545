#include "spec/go_json.hpp"

#include <cstdint>

namespace berth::spec::detail {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid
// (overlong forms, surrogates and values above U+10FFFF are invalid, as in Go).
std::size_t utf8_length(std::string_view s, std::size_t i, uint32_t& cp) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
    unsigned char c0 = b(0);
    if (c0 < 0x80) {
        cp = c0;
        return 1;
    }
    if (c0 >= 0xC2 && c0 <= 0xDF && cont(1)) {
        cp = (c0 & 0x1Fu) << 6 | (b(1) & 0x3Fu);
        return 2;
    }
    if (c0 >= 0xE0 && c0 <= 0xEF && cont(1) && cont(2)) {
        cp = (c0 & 0x0Fu) << 12 | (b(1) & 0x3Fu) << 6 | (b(2) & 0x3Fu);
        if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        return 3;
    }
    if (c0 >= 0xF0 && c0 <= 0xF4 && cont(1) && cont(2) && cont(3)) {
        cp = (c0 & 0x07u) << 18 | (b(1) & 0x3Fu) << 12 | (b(2) & 0x3Fu) << 6 | (b(3) & 0x3Fu);
        if (cp < 0x10000 || cp > 0x10FFFF) return 0;
        return 4;
    }
    return 0;
}

}  // namespace

void go_quote(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t i = 0;
    while (i < s.size()) {
        uint32_t cp = 0;
        std::size_t n = utf8_length(s, i, cp);
        if (n == 0) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        if (n == 1) {
            char ch = s[i];
            switch (ch) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '<':
            case '>':
            case '&':
                out += "\\u00";
                out += hex[static_cast<unsigned char>(ch) >> 4];
                out += hex[static_cast<unsigned char>(ch) & 0xF];
                break;
            default:
                if (static_cast<unsigned char>(ch) < 0x20) {
                    out += "\\u00";
                    out += hex[static_cast<unsigned char>(ch) >> 4];
                    out += hex[static_cast<unsigned char>(ch) & 0xF];
                } else {
                    out += ch;
                }
            }
        } else if (cp == 0x2028 || cp == 0x2029) {
            out += cp == 0x2028 ? "\\u2028" : "\\u2029";
        } else {
            out.append(s.substr(i, n));
        }
        i += n;
    }
    out += '"';
}

}  // namespace berth::spec::detail

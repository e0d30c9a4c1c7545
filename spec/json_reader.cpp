#include "spec/json_reader.hpp"

#include <cstdio>

namespace berth::spec::detail {

namespace {

// Containers nested deeper than this are refused (unknown members are skipped
// recursively; this bounds the stack a hostile document can use).
constexpr int kMaxDepth = 256;

// Length of the valid UTF-8 sequence at s[i] (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF), or 0 when invalid.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
    unsigned char c0 = b(0);
    if (c0 < 0x80) return 1;
    if (c0 >= 0xC2 && c0 <= 0xDF) return cont(1) ? 2 : 0;
    if (c0 >= 0xE0 && c0 <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        if (c0 == 0xE0 && b(1) < 0xA0) return 0;  // overlong
        if (c0 == 0xED && b(1) >= 0xA0) return 0;  // surrogate
        return 3;
    }
    if (c0 >= 0xF0 && c0 <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c0 == 0xF0 && b(1) < 0x90) return 0;  // overlong
        if (c0 == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

int hex_value(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

}  // namespace

// ---- Path, Ctx, messages ---------------------------------------------------

void Path::append_to(std::string& out) const {
    switch (kind_) {
    case Kind::Root:
        return;
    case Kind::Field:
        parent_->append_to(out);
        if (!out.empty()) out += '.';
        out += name_;
        return;
    case Kind::Index:
        parent_->append_to(out);
        out += '[';
        out += std::to_string(index_);
        out += ']';
        return;
    case Kind::Key:
        parent_->append_to(out);
        out += '[';
        out += quote(name_);
        out += ']';
        return;
    }
}

std::string Path::str() const {
    std::string out;
    append_to(out);
    return out;
}

std::string quote(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (char ch : s) {
        auto u = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (ch == '\n') {
            out += "\\n";
        } else if (ch == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7F) {
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 0xF];
        } else {
            out += ch;
        }
    }
    out += '"';
    return out;
}

void Ctx::fail(const Path& at, std::string_view what) const {
    std::string msg(origin_);
    msg += ": ";
    if (!at.is_root()) {
        msg += at.str();
        msg += ": ";
    }
    msg += what;
    throw SpecError(msg);
}

void Ctx::out_of_range(const Path& at, std::string_view value, std::string_view expected) const {
    std::string what(value);
    what += " is out of range (expected ";
    what += expected;
    what += ')';
    fail(at, what);
}

void Ctx::missing(const Path& at, std::string_view field) const {
    fail(at, "missing required field " + quote(field));
}

// ---- Pull ------------------------------------------------------------------

void Pull::syntax(std::size_t at, std::string_view what) const {
    std::size_t line = 1, line_start = 0;
    for (std::size_t i = 0; i < at && i < s_.size(); ++i)
        if (s_[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    std::string msg(c_.origin());
    msg += ": invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(at - line_start + 1) + ": ";
    msg += what;
    throw SpecError(msg);
}

void Pull::unexpected(std::string_view expected) const {
    if (pos_ >= s_.size()) syntax(pos_, "unexpected end of input");
    std::string what(expected);
    what += ", found ";
    auto u = static_cast<unsigned char>(s_[pos_]);
    if (u >= 0x20 && u < 0x7F) {
        what += '\'';
        what += s_[pos_];
        what += '\'';
    } else {
        char buf[16];
        std::snprintf(buf, sizeof buf, "byte 0x%02x", u);
        what += buf;
    }
    syntax(pos_, what);
}

void Pull::ws() {
    while (pos_ < s_.size()) {
        char ch = s_[pos_];
        if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t') return;
        ++pos_;
    }
}

Pull::Kind Pull::peek() {
    ws();
    if (pos_ >= s_.size()) syntax(pos_, "unexpected end of input");
    switch (s_[pos_]) {
    case '{': return Kind::Object;
    case '[': return Kind::Array;
    case '"': return Kind::String;
    case 't':
    case 'f': return Kind::Bool;
    case 'n': return Kind::Null;
    case '-': return Kind::Number;
    default:
        if (is_digit(s_[pos_])) return Kind::Number;
        unexpected("expected a value");
    }
}

void Pull::literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) syntax(pos_, "invalid literal");
    pos_ += word.size();
    // "nullx", "true1": a literal must end at a delimiter.
    if (pos_ < s_.size()) {
        char ch = s_[pos_];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) || ch == '_')
            syntax(pos_ - word.size(), "invalid literal");
    }
}

void Pull::open(const Path& p, char bracket, std::string_view type_error) {
    Kind k = peek();
    if ((bracket == '{' && k != Kind::Object) || (bracket == '[' && k != Kind::Array)) c_.fail(p, type_error);
    if (++depth_ > kMaxDepth) syntax(pos_, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    ++pos_;
}

bool Pull::close_if(char bracket) {
    ws();
    if (pos_ < s_.size() && s_[pos_] == bracket) {
        ++pos_;
        leave();
        return true;
    }
    return false;
}

bool Pull::next_in(char closing) {
    ws();
    if (pos_ < s_.size()) {
        if (s_[pos_] == ',') {
            ++pos_;
            return true;
        }
        if (s_[pos_] == closing) {
            ++pos_;
            return false;
        }
    }
    unexpected(closing == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
}

std::string_view Pull::read_key(std::string& scratch) {
    ws();
    if (pos_ >= s_.size() || s_[pos_] != '"') unexpected("expected a string (an object key)");
    std::string_view key = string_token(scratch);
    ws();
    if (pos_ >= s_.size() || s_[pos_] != ':') unexpected("expected ':'");
    ++pos_;
    return key;
}

std::string_view Pull::string_token(std::string& scratch) {
    std::size_t start = ++pos_;  // past the opening quote
    // Fast path: printable ASCII and valid UTF-8 up to the closing quote.
    while (pos_ < s_.size()) {
        auto u = static_cast<unsigned char>(s_[pos_]);
        if (u == '"') {
            std::string_view v = s_.substr(start, pos_ - start);
            ++pos_;
            return v;
        }
        if (u == '\\') break;
        if (u < 0x20) syntax(pos_, "control character in string (it must be escaped)");
        if (u < 0x80) {
            ++pos_;
        } else {
            std::size_t n = utf8_length(s_, pos_);
            if (n == 0) syntax(pos_, "invalid UTF-8 in string");
            pos_ += n;
        }
    }
    if (pos_ >= s_.size()) syntax(pos_, "unexpected end of input");
    // Slow path: decode escapes.
    scratch.assign(s_.data() + start, pos_ - start);
    while (pos_ < s_.size()) {
        auto u = static_cast<unsigned char>(s_[pos_]);
        if (u == '"') {
            ++pos_;
            return scratch;
        }
        if (u < 0x20) syntax(pos_, "control character in string (it must be escaped)");
        if (u >= 0x80) {
            std::size_t n = utf8_length(s_, pos_);
            if (n == 0) syntax(pos_, "invalid UTF-8 in string");
            scratch.append(s_.data() + pos_, n);
            pos_ += n;
            continue;
        }
        if (u != '\\') {
            scratch += static_cast<char>(u);
            ++pos_;
            continue;
        }
        std::size_t esc = pos_;
        if (++pos_ >= s_.size()) syntax(pos_, "unexpected end of input");
        switch (s_[pos_]) {
        case '"': scratch += '"'; break;
        case '\\': scratch += '\\'; break;
        case '/': scratch += '/'; break;
        case 'b': scratch += '\b'; break;
        case 'f': scratch += '\f'; break;
        case 'n': scratch += '\n'; break;
        case 'r': scratch += '\r'; break;
        case 't': scratch += '\t'; break;
        case 'u': {
            auto hex4 = [&](std::size_t at) -> int {
                if (at + 4 > s_.size()) syntax(s_.size(), "unexpected end of input");
                int v = 0;
                for (std::size_t k = 0; k < 4; ++k) {
                    int h = hex_value(s_[at + k]);
                    if (h < 0) syntax(esc, "invalid \\u escape in string");
                    v = v * 16 + h;
                }
                return v;
            };
            std::uint32_t cp = static_cast<std::uint32_t>(hex4(pos_ + 1));
            pos_ += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(pos_ + 1, 2) == "\\u") {
                auto lo = static_cast<std::uint32_t>(hex4(pos_ + 3));
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    pos_ += 6;
                }
            }
            // A lone surrogate becomes U+FFFD, as Go's decoder does.
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
            append_utf8(scratch, cp);
            break;
        }
        default:
            syntax(esc, "invalid escape in string");
        }
        ++pos_;
    }
    syntax(pos_, "unexpected end of input");
}

std::string_view Pull::number_token(bool& integral) {
    std::size_t start = pos_;
    integral = true;
    if (s_[pos_] == '-') ++pos_;
    if (pos_ >= s_.size()) syntax(pos_, "unexpected end of input");
    if (s_[pos_] == '0') {
        ++pos_;
    } else if (is_digit(s_[pos_])) {
        while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    } else {
        syntax(start, "invalid number");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
        integral = false;
        ++pos_;
        if (pos_ >= s_.size() || !is_digit(s_[pos_])) syntax(start, "invalid number");
        while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
        integral = false;
        ++pos_;
        if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
        if (pos_ >= s_.size() || !is_digit(s_[pos_])) syntax(start, "invalid number");
        while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && (is_digit(s_[pos_]) || s_[pos_] == '.' || s_[pos_] == '+' ||
                             (s_[pos_] >= 'a' && s_[pos_] <= 'z') || (s_[pos_] >= 'A' && s_[pos_] <= 'Z')))
        syntax(start, "invalid number");
    return s_.substr(start, pos_ - start);
}

std::string Pull::string(const Path& p) {
    if (peek() != Kind::String) c_.fail(p, "expected a string");
    std::string scratch;
    std::string_view v = string_token(scratch);
    if (v.data() == scratch.data()) return scratch;
    return std::string(v);
}

bool Pull::boolean(const Path& p) {
    if (peek() != Kind::Bool) c_.fail(p, "expected a boolean");
    bool v = s_[pos_] == 't';
    literal(v ? "true" : "false");
    return v;
}

std::vector<std::string> Pull::strings(const Path& p) {
    std::vector<std::string> out;
    array(p, [&](std::size_t, const Path& ip) { out.push_back(string(ip)); });
    return out;
}

std::map<std::string, std::string> Pull::string_map(const Path& p) {
    std::map<std::string, std::string> out;
    map(p, [&](std::string_view key, const Path& kp) {
        out.insert_or_assign(std::string(key), string(kp));
        return true;
    });
    return out;
}

void Pull::skip() {
    std::string scratch;
    switch (peek()) {
    case Kind::String:
        string_token(scratch);
        return;
    case Kind::Number: {
        bool integral;
        number_token(integral);
        return;
    }
    case Kind::Bool:
        literal(s_[pos_] == 't' ? "true" : "false");
        return;
    case Kind::Null:
        literal("null");
        return;
    case Kind::Array: {
        Path any;
        array(any, [&](std::size_t, const Path&) { skip(); });
        return;
    }
    case Kind::Object: {
        Path any;
        object(any, [](std::string_view, const Path&) { return false; });
        return;
    }
    }
}

void check_syntax(std::string_view text, const Ctx& c) {
    Pull j(text, c);
    j.skip();
    j.end();
}

void Pull::end() {
    ws();
    if (pos_ < s_.size()) unexpected("expected the end of the document");
}

}  // namespace berth::spec::detail

// Internal to spec/: a strict pull parser that reads JSON text straight into
// the spec types, without building a tree first. The path of the value being
// read lives on the stack (Path links to its parent) and only becomes text
// when an error is thrown, so the happy path allocates nothing for it.
//
// Conventions shared by all documents (config, process, resources, state):
//   - a member whose value is null reads as absent (as in the Go runtimes);
//   - unknown members are skipped (config.md, Extensibility), after a full
//     syntax check;
//   - a later duplicate member replaces an earlier one;
//   - strings must be valid UTF-8; numbers read into integer fields must be
//     integers within the field's range.
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "spec/spec_error.hpp"

namespace berth::spec::detail {

// A location in a JSON document: the root, or a field / array index / map key
// of a parent location. Build children as named locals (or inside one full
// expression): a child points at its parent.
class Path {
public:
    Path() = default;
    Path(const Path&) = delete;
    Path& operator=(const Path&) = delete;

    Path field(std::string_view name) const { return Path(this, Kind::Field, name, 0); }
    Path index(std::size_t i) const { return Path(this, Kind::Index, {}, i); }
    Path key(std::string_view k) const { return Path(this, Kind::Key, k, 0); }

    bool is_root() const { return kind_ == Kind::Root; }
    // "linux.namespaces[5].type", "linux.sysctl[\"net.ipv4.ip_forward\"]"; "" for the root.
    std::string str() const;

private:
    enum class Kind : std::uint8_t { Root, Field, Index, Key };
    Path(const Path* parent, Kind kind, std::string_view name, std::size_t index)
        : parent_(parent), kind_(kind), name_(name), index_(index) {}
    void append_to(std::string& out) const;

    const Path* parent_ = nullptr;
    Kind kind_ = Kind::Root;
    std::string_view name_;
    std::size_t index_ = 0;
};

// `s` as a JSON string literal for messages: quote("netns") == "\"netns\"".
std::string quote(std::string_view s);

// "expected one of: a, b, c" for enum messages.
template <class List>
std::string one_of(const List& values) {
    std::string out = "expected one of: ";
    bool first = true;
    for (std::string_view v : values) {
        if (!first) out += ", ";
        out += v;
        first = false;
    }
    return out;
}

// The document being read: its name for messages ("config.json").
class Ctx {
public:
    explicit Ctx(std::string_view origin) : origin_(origin) {}
    // "<origin>: <path>: <what>" (no path part at the root).
    [[noreturn]] void fail(const Path& at, std::string_view what) const;
    // "<origin>: <path>: <value> is out of range (expected <expected>)".
    [[noreturn]] void out_of_range(const Path& at, std::string_view value, std::string_view expected) const;
    // "<origin>: <path>: missing required field \"<field>\"".
    [[noreturn]] void missing(const Path& at, std::string_view field) const;
    std::string_view origin() const { return origin_; }

private:
    std::string_view origin_;
};

class Pull {
public:
    enum class Kind : std::uint8_t { Object, Array, String, Number, Bool, Null };

    Pull(std::string_view text, const Ctx& c) : s_(text), c_(c) {}
    Pull(const Pull&) = delete;
    Pull& operator=(const Pull&) = delete;

    const Ctx& ctx() const { return c_; }

    // The kind of the value at the cursor; a syntax error when none starts there.
    Kind peek();

    std::string string(const Path& p);
    bool boolean(const Path& p);
    template <class T>
    T integer(const Path& p);
    std::vector<std::string> strings(const Path& p);
    template <class T>
    std::vector<T> integers(const Path& p);
    std::map<std::string, std::string> string_map(const Path& p);
    void skip();  // any value, fully checked

    // f(std::string_view key, const Path& member) -> bool for every member
    // whose value is not null; f reads the value and returns true, or returns
    // false to have it skipped.
    template <class F>
    void object(const Path& p, F&& f) {
        members(p, /*as_map=*/false, f);
    }
    // The same for an object used as a map: member paths print as p["key"].
    template <class F>
    void map(const Path& p, F&& f) {
        members(p, /*as_map=*/true, f);
    }
    // f(std::size_t index, const Path& element) reads each element.
    template <class F>
    void array(const Path& p, F&& f) {
        open(p, '[', "expected an array");
        if (close_if(']')) return;
        for (std::size_t i = 0;; ++i) {
            Path ip = p.index(i);
            f(i, ip);
            if (!next_in(']')) break;
        }
        leave();
    }

    // Only whitespace may follow the document.
    void end();

private:
    template <class F>
    void members(const Path& p, bool as_map, F& f) {
        open(p, '{', "expected an object");
        if (close_if('}')) return;
        std::string scratch;  // holds a key that had escapes; lives for this object
        for (;;) {
            std::string_view key = read_key(scratch);
            if (peek() == Kind::Null) {
                literal("null");
            } else {
                Path kp = as_map ? p.key(key) : p.field(key);
                if (!f(key, kp)) skip();
            }
            if (!next_in('}')) break;
        }
        leave();
    }

    void ws();
    void literal(std::string_view word);
    void open(const Path& p, char bracket, std::string_view type_error);
    bool close_if(char bracket);
    bool next_in(char closing);  // after a member/element: ',' -> true, closing -> false
    void leave() { --depth_; }
    std::string_view read_key(std::string& scratch);
    // A string token at the cursor: a view into the text when it has no
    // escapes, else decoded into `scratch`.
    std::string_view string_token(std::string& scratch);
    // A number token at the cursor; integral is false for fractions/exponents.
    std::string_view number_token(bool& integral);
    [[noreturn]] void syntax(std::size_t at, std::string_view what) const;
    [[noreturn]] void unexpected(std::string_view expected) const;

    std::string_view s_;
    std::size_t pos_ = 0;
    int depth_ = 0;
    const Ctx& c_;
};

// Throws the first syntax error of `text`, if any. Readers call it when they
// fail half-way, so a truncated or malformed document reports that rather
// than whatever type error came first.
void check_syntax(std::string_view text, const Ctx& c);

// Runs read(Pull&, const Path& root) over a whole document, which must hold
// nothing after the value read.
template <class F>
auto read_document(std::string_view text, const Ctx& c, F&& read) {
    try {
        Pull j(text, c);
        Path root;
        auto value = read(j, root);
        j.end();
        return value;
    } catch (const SpecError&) {
        check_syntax(text, c);
        throw;
    }
}

template <class T>
T Pull::integer(const Path& p) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    constexpr auto lo = std::numeric_limits<T>::min();
    constexpr auto hi = std::numeric_limits<T>::max();
    if (peek() != Kind::Number) c_.fail(p, "expected an integer");
    bool integral = false;
    std::string_view tok = number_token(integral);
    if (!integral) c_.fail(p, "expected an integer");
    auto range = [&] { c_.out_of_range(p, tok, std::to_string(lo) + " to " + std::to_string(hi)); };
    if (tok.front() == '-') {
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
        if (ec != std::errc() || !std::in_range<T>(v)) range();
        return static_cast<T>(v);
    }
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (ec != std::errc() || !std::in_range<T>(v)) range();
    return static_cast<T>(v);
}

template <class T>
std::vector<T> Pull::integers(const Path& p) {
    std::vector<T> out;
    array(p, [&](std::size_t, const Path& ip) { out.push_back(integer<T>(ip)); });
    return out;
}

}  // namespace berth::spec::detail

// Internal to spec/: strict, path-naming reading of an nlohmann::json tree.
// The path of the value being read lives on the stack (Path links to its
// parent) and is only turned into text when an error is thrown, so the happy
// path allocates nothing for it. Strings are moved out of the tree, which the
// caller owns and throws away after parsing.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "spec/spec_error.hpp"

namespace berth::spec::detail {

using Json = nlohmann::json;

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

// `s` as a JSON string literal, for messages ("netns" -> "\"netns\"").
std::string quote(std::string_view s);

// "one of: a, b, c" for enum messages.
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
    [[noreturn]] void fail(const Path& at, std::string_view what) const;
    [[noreturn]] void out_of_range(const Path& at, std::string_view value, std::string_view expected) const;
    std::string_view origin() const { return origin_; }

private:
    std::string_view origin_;
};

// Reads an integer of type T, rejecting non-integers and out-of-range values
// with "<v> is out of range (expected <min> to <max>)".
template <class T>
T read_int(const Ctx& c, const Json& v, const Path& p) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    constexpr auto lo = std::numeric_limits<T>::min();
    constexpr auto hi = std::numeric_limits<T>::max();
    auto range = [&](const auto& got) {
        c.out_of_range(p, std::to_string(got), std::to_string(lo) + " to " + std::to_string(hi));
    };
    if (v.is_number_unsigned()) {
        auto u = v.get<std::uint64_t>();
        if (!std::in_range<T>(u)) range(u);
        return static_cast<T>(u);
    }
    if (v.is_number_integer()) {
        auto i = v.get<std::int64_t>();
        if (!std::in_range<T>(i)) range(i);
        return static_cast<T>(i);
    }
    c.fail(p, "expected an integer");
}

std::string take_string(const Ctx& c, Json& v, const Path& p);
bool read_bool(const Ctx& c, const Json& v, const Path& p);
std::vector<std::string> take_strings(const Ctx& c, Json& v, const Path& p);
std::map<std::string, std::string> take_string_map(const Ctx& c, Json& v, const Path& p);
Json::array_t& as_array(const Ctx& c, Json& v, const Path& p);

// A JSON object being read. Absent fields and fields set to null both read as
// "not set" (Go runtimes, which produce most configs, treat null that way).
// Unknown fields are ignored (config.md, Extensibility).
class Obj {
public:
    Obj(const Ctx& c, Json& v, const Path& p);
    Obj(const Obj&) = delete;
    Obj& operator=(const Obj&) = delete;

    const Ctx& ctx() const { return c_; }
    const Path& path() const { return path_; }

    Json* find(std::string_view name) const;  // nullptr when absent or null
    Json& need(std::string_view name) const;  // throws 'missing required field "name"'
    bool has(std::string_view name) const { return find(name) != nullptr; }

    template <class T>
    std::optional<T> opt_int(std::string_view name) const {
        Json* v = find(name);
        if (!v) return std::nullopt;
        Path p = path_.field(name);
        return read_int<T>(c_, *v, p);
    }
    template <class T>
    T req_int(std::string_view name) const {
        Json& v = need(name);
        Path p = path_.field(name);
        return read_int<T>(c_, v, p);
    }
    template <class T>
    T int_or(std::string_view name, T dflt) const {
        return opt_int<T>(name).value_or(dflt);
    }

    std::string str(std::string_view name) const;  // "" when not set
    std::optional<std::string> opt_str(std::string_view name) const;
    std::string req_str(std::string_view name) const;
    bool flag(std::string_view name) const;  // false when not set
    std::optional<bool> opt_bool(std::string_view name) const;
    std::vector<std::string> strs(std::string_view name) const;  // empty when not set
    std::optional<std::vector<std::string>> opt_strs(std::string_view name) const;
    std::map<std::string, std::string> str_map(std::string_view name) const;

    // f(Obj&) -> R for a sub-object; nullopt when not set.
    template <class F>
    auto opt_obj(std::string_view name, F&& f) const -> std::optional<std::invoke_result_t<F, Obj&>> {
        Json* v = find(name);
        if (!v) return std::nullopt;
        Path p = path_.field(name);
        Obj o(c_, *v, p);
        return f(o);
    }
    // f(Obj&) -> R for each object of an array; empty when not set.
    template <class F>
    auto objs(std::string_view name, F&& f) const -> std::vector<std::invoke_result_t<F, Obj&>> {
        std::vector<std::invoke_result_t<F, Obj&>> out;
        Json* v = find(name);
        if (!v) return out;
        Path p = path_.field(name);
        auto& arr = as_array(c_, *v, p);
        out.reserve(arr.size());
        for (std::size_t i = 0; i < arr.size(); ++i) {
            Path ip = p.index(i);
            Obj o(c_, arr[i], ip);
            out.push_back(f(o));
        }
        return out;
    }
    // f(Obj&) -> R for each value of a JSON object used as a map.
    template <class F>
    auto obj_map(std::string_view name, F&& f) const -> std::map<std::string, std::invoke_result_t<F, Obj&>> {
        std::map<std::string, std::invoke_result_t<F, Obj&>> out;
        Json* v = find(name);
        if (!v) return out;
        Path p = path_.field(name);
        Obj m(c_, *v, p);
        for (auto& [k, val] : *m.obj_) {
            Path kp = p.key(k);
            Obj o(c_, val, kp);
            out.emplace(k, f(o));
        }
        return out;
    }
    // read_int<T> for each element of an integer array.
    template <class T>
    std::vector<T> ints(std::string_view name) const {
        std::vector<T> out;
        Json* v = find(name);
        if (!v) return out;
        Path p = path_.field(name);
        auto& arr = as_array(c_, *v, p);
        out.reserve(arr.size());
        for (std::size_t i = 0; i < arr.size(); ++i) {
            Path ip = p.index(i);
            out.push_back(read_int<T>(c_, arr[i], ip));
        }
        return out;
    }

private:
    const Ctx& c_;
    const Path& path_;
    Json::object_t* obj_;
};

// Parses text into a tree; syntax errors become
// "<origin>: invalid JSON at line L, column C: <what>".
Json parse_json(std::string_view text, std::string_view origin);

}  // namespace berth::spec::detail

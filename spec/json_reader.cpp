#include "spec/json_reader.hpp"

namespace berth::spec::detail {

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
    return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
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

std::string take_string(const Ctx& c, Json& v, const Path& p) {
    if (!v.is_string()) c.fail(p, "expected a string");
    return std::move(v.get_ref<std::string&>());
}

bool read_bool(const Ctx& c, const Json& v, const Path& p) {
    if (!v.is_boolean()) c.fail(p, "expected a boolean");
    return v.get<bool>();
}

Json::array_t& as_array(const Ctx& c, Json& v, const Path& p) {
    if (!v.is_array()) c.fail(p, "expected an array");
    return v.get_ref<Json::array_t&>();
}

std::vector<std::string> take_strings(const Ctx& c, Json& v, const Path& p) {
    auto& arr = as_array(c, v, p);
    std::vector<std::string> out;
    out.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) {
        Path ip = p.index(i);
        out.push_back(take_string(c, arr[i], ip));
    }
    return out;
}

std::map<std::string, std::string> take_string_map(const Ctx& c, Json& v, const Path& p) {
    if (!v.is_object()) c.fail(p, "expected an object");
    std::map<std::string, std::string> out;
    for (auto& [k, val] : v.get_ref<Json::object_t&>()) {
        Path kp = p.key(k);
        out.emplace_hint(out.end(), k, take_string(c, val, kp));
    }
    return out;
}

Obj::Obj(const Ctx& c, Json& v, const Path& p) : c_(c), path_(p), obj_(nullptr) {
    if (!v.is_object()) c.fail(p, "expected an object");
    obj_ = &v.get_ref<Json::object_t&>();
}

Json* Obj::find(std::string_view name) const {
    auto it = obj_->find(name);
    if (it == obj_->end() || it->second.is_null()) return nullptr;
    return &it->second;
}

Json& Obj::need(std::string_view name) const {
    Json* v = find(name);
    if (!v) {
        std::string what = "missing required field ";
        what += quote(name);
        c_.fail(path_, what);
    }
    return *v;
}

std::string Obj::str(std::string_view name) const { return opt_str(name).value_or(std::string()); }

std::optional<std::string> Obj::opt_str(std::string_view name) const {
    Json* v = find(name);
    if (!v) return std::nullopt;
    Path p = path_.field(name);
    return take_string(c_, *v, p);
}

std::string Obj::req_str(std::string_view name) const {
    Json& v = need(name);
    Path p = path_.field(name);
    return take_string(c_, v, p);
}

bool Obj::flag(std::string_view name) const { return opt_bool(name).value_or(false); }

std::optional<bool> Obj::opt_bool(std::string_view name) const {
    Json* v = find(name);
    if (!v) return std::nullopt;
    Path p = path_.field(name);
    return read_bool(c_, *v, p);
}

std::vector<std::string> Obj::strs(std::string_view name) const {
    return opt_strs(name).value_or(std::vector<std::string>());
}

std::optional<std::vector<std::string>> Obj::opt_strs(std::string_view name) const {
    Json* v = find(name);
    if (!v) return std::nullopt;
    Path p = path_.field(name);
    return take_strings(c_, *v, p);
}

std::map<std::string, std::string> Obj::str_map(std::string_view name) const {
    Json* v = find(name);
    if (!v) return {};
    Path p = path_.field(name);
    return take_string_map(c_, *v, p);
}

Json parse_json(std::string_view text, std::string_view origin) {
    try {
        return Json::parse(text.begin(), text.end());
    } catch (const Json::parse_error& e) {
        // nlohmann: "[json.exception.parse_error.101] parse error at line 3, column 5: <what>"
        std::string_view msg = e.what();
        std::string out(origin);
        out += ": invalid JSON";
        if (auto at = msg.find(" at line "); at != std::string_view::npos) {
            out += msg.substr(at);  // " at line 3, column 5: <what>"
        } else if (auto colon = msg.find(": "); colon != std::string_view::npos) {
            out += " at byte " + std::to_string(e.byte);
            out += msg.substr(colon);
        } else {
            out += ": ";
            out += msg;
        }
        throw SpecError(out);
    } catch (const Json::exception& e) {
        // number overflow and the like: "[json.exception.out_of_range.406] number overflow ..."
        std::string_view msg = e.what();
        auto close = msg.find("] ");
        std::string out(origin);
        out += ": invalid JSON: ";
        out += close == std::string_view::npos ? msg : msg.substr(close + 2);
        throw SpecError(out);
    }
}

}  // namespace berth::spec::detail

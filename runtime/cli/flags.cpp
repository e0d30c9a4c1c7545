#include "runtime/cli/flags.hpp"

#include "runtime/cli/values.hpp"

namespace berth::cli {

const FlagSpec* find_flag(const std::vector<FlagSpec>& specs, const std::string& name) {
    for (const auto& spec : specs)
        for (const auto& n : spec.names)
            if (n == name) return &spec;
    return nullptr;
}

FlagParse parse_go_flags(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs) {
    FlagParse out;
    size_t i = 0;
    while (i < args.size()) {
        const std::string& s = args[i];
        if (s.size() < 2 || s[0] != '-') break;  // first positional ("-" is one)
        size_t minuses = 1;
        if (s[1] == '-') {
            minuses = 2;
            if (s.size() == 2) {  // "--" ends the flags and is consumed
                ++i;
                break;
            }
        }
        std::string name = s.substr(minuses);
        if (name.empty() || name[0] == '-' || name[0] == '=') throw UsageError("bad flag syntax: " + s);
        ++i;
        bool hasValue = false;
        std::string value;
        if (auto eq = name.find('=', 1); eq != std::string::npos) {
            value = name.substr(eq + 1);
            hasValue = true;
            name.resize(eq);
        }
        const FlagSpec* spec = find_flag(specs, name);
        if (!spec) throw UsageError("flag provided but not defined: -" + name);
        if (spec->kind == FlagKind::Bool) {
            if (hasValue) {
                auto b = parse_go_bool(value);
                if (!b) throw UsageError("invalid boolean value " + go_quote(value) + " for -" + name + ": parse error");
                value = *b ? "true" : "false";
            } else {
                value = "true";
            }
        } else if (!hasValue) {
            if (i == args.size()) throw UsageError("flag needs an argument: -" + name);
            value = args[i++];
        }
        out.hits.push_back(FlagHit{spec->names.front(), name, std::move(value)});
    }
    out.args.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    return out;
}

namespace {

// urfave's argIsFlag: strip "--" (then one more "-"), or "-", and "=value".
const FlagSpec* known_flag(const std::vector<FlagSpec>& specs, const std::string& arg) {
    if (arg == "-" || arg.empty() || arg[0] != '-') return nullptr;
    std::string name = arg.substr(arg.rfind("--", 0) == 0 ? 2 : 1);
    if (arg.rfind("--", 0) == 0 && !name.empty() && name[0] == '-') name.erase(0, 1);
    name = name.substr(0, name.find('='));
    return find_flag(specs, name);
}

}  // namespace

std::vector<std::string> reorder_known_flags_first(const std::vector<std::string>& args,
                                                   const std::vector<FlagSpec>& specs) {
    std::vector<std::string> flags, rest;
    bool nextMayBeValue = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
            break;
        }
        // A value may look like a flag ("--memory -1"): only a known flag is one (as urfave/cli).
        if (nextMayBeValue && !known_flag(specs, arg)) {
            nextMayBeValue = false;
            flags.push_back(arg);
            continue;
        }
        nextMayBeValue = false;
        if (const FlagSpec* spec = known_flag(specs, arg)) {
            flags.push_back(arg);
            nextMayBeValue = spec->kind == FlagKind::Value && arg.find('=') == std::string::npos;
        } else {
            rest.push_back(arg);
        }
    }
    flags.insert(flags.end(), rest.begin(), rest.end());
    return flags;
}

}  // namespace berth::cli

// `berth --help`, `berth help CMD`, `berth CMD --help` and `berth --version`,
// laid out like runc's (urfave/cli) so people and scripts find the same
// sections: NAME, USAGE, DESCRIPTION, OPTIONS.
#include <algorithm>

#include "runtime/cli/cli.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/kernel/seccomp.hpp"
#include "spec/config.hpp"

#ifndef BERTH_VERSION
#define BERTH_VERSION "0.0.0"
#endif
// The build may pass the git description (e.g. -DBERTH_COMMIT="v0.1.0-3-gabc123").
#ifndef BERTH_COMMIT
#define BERTH_COMMIT "unknown"
#endif

namespace berth::cli {

namespace {

// "--bundle value, -b value" / "--detach, -d": long names get "--", one-letter names "-".
std::string flag_names(const FlagSpec& f) {
    std::string out;
    for (const auto& n : f.names) {
        if (!out.empty()) out += ", ";
        out += (n.size() == 1 ? "-" : "--") + n;
        if (f.kind == FlagKind::Value) out += " value";
    }
    return out;
}

std::string options_block(const std::vector<FlagSpec>& flags) {
    size_t width = 0;
    for (const auto& f : flags)
        if (!f.hidden) width = std::max(width, flag_names(f).size());
    std::string out;
    for (const auto& f : flags) {
        if (f.hidden) continue;
        std::string names = flag_names(f);
        out += "   " + names + std::string(width - names.size() + 2, ' ') + f.usage + "\n";
    }
    return out;
}

std::string indent(const std::string& text) {
    std::string out = "   ";
    for (size_t i = 0; i < text.size(); ++i) {
        out += text[i];
        if (text[i] == '\n' && i + 1 < text.size()) out += "   ";
    }
    return out;
}

std::string app_help() {
    std::string out =
        "NAME:\n"
        "   berth - an OCI container runtime\n"
        "\n"
        "berth runs containers packaged as OCI bundles: a directory holding a \"config.json\" (runtime-spec\n"
        "1.3.0) and a root filesystem. Its command line is runc's, so containerd, Docker, podman and CRI-O can\n"
        "use it in place of runc.\n"
        "\n"
        "To start a new instance of a container:\n"
        "\n"
        "    # berth run [ -b bundle ] <container-id>\n"
        "\n"
        "Where \"<container-id>\" is your name for the instance of the container, unique on this host.\n"
        "Providing the bundle directory using \"-b\" is optional; the default is the current directory.\n"
        "\n"
        "USAGE:\n"
        "   berth [global options] command [command options] [arguments...]\n"
        "\n"
        "VERSION:\n" +
        indent(version_text().substr(std::string("berth version ").size())) +
        "\n"
        "COMMANDS:\n";
    size_t width = 0;
    auto names = [](const CommandDef& c) {
        std::string n = c.name;
        for (const auto& a : c.aliases) n += ", " + a;
        return n;
    };
    for (const auto& c : command_table()) width = std::max(width, names(c).size());
    for (const auto& c : command_table())
        out += "   " + names(c) + std::string(width - names(c).size() + 2, ' ') + c.summary + "\n";
    out += "\nGLOBAL OPTIONS:\n" + options_block(global_flags());
    return out;
}

std::string command_help(const CommandDef& c) {
    std::string out = "NAME:\n   berth " + c.name + " - " + c.summary + "\n\nUSAGE:\n   berth " + c.name;
    if (!c.flags.empty() || c.skipFlagParsing) out += " [command options]";
    if (!c.argsUsage.empty()) out += " " + c.argsUsage;
    out += "\n";
    if (!c.description.empty()) out += "\nDESCRIPTION:\n" + indent(c.description) + "\n";
    if (!c.flags.empty()) out += "\nOPTIONS:\n" + options_block(c.flags);
    return out;
}

}  // namespace

std::string version_text() {
    return std::string("berth version ") + BERTH_VERSION + "\ncommit: " + BERTH_COMMIT + "\nspec: " +
           spec::kSpecVersion + "\nlibseccomp: " + kernel::libseccomp_version() + "\n";
}

std::string help_text(std::string_view topic) {
    if (topic.empty()) return app_help();
    const CommandDef* c = find_command(std::string(topic));
    if (!c) throw UsageError("No help topic for '" + std::string(topic) + "'");
    return command_help(*c);
}

}  // namespace berth::cli

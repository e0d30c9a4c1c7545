// From a parsed command line to one call into the container layer, and the
// program's exit status.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>

#include "runtime/cli/cli.hpp"

namespace berth::cli {

namespace {

// Overload set for std::visit.
template <class... Fs>
struct Visitor : Fs... {
    using Fs::operator()...;
};
template <class... Fs>
Visitor(Fs...) -> Visitor<Fs...>;

int print(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

int update(const container::GlobalOptions& g, const UpdateCommandOptions& o) {
    if (!o.l3CacheSchema.empty()) throw Error("Intel RDT/CAT: l3 cache schema is not enabled");
    if (!o.memBwSchema.empty()) throw Error("Intel RDT/MBA: memory bandwidth schema is not enabled");
    // The container layer decides about --kernel-memory; the TCP limit stops here.
    if (o.kernelMemoryTcp.value_or(0) != 0) spdlog::warn("kernel-memory-tcp is obsolete and ignored");
    return container::update(g, o.update);
}

int dispatch(const ParsedCommandLine& line) {
    const container::GlobalOptions& g = line.global;
    return std::visit(
        Visitor{
            [](const HelpOptions& o) { return print(help_text(o.topic)); },
            [](const VersionOptions&) { return print(version_text()); },
            [&](const container::CreateOptions& o) { return container::create(g, o); },
            [&](const container::RunOptions& o) { return container::run(g, o); },
            [&](const StartOptions& o) { return container::start(g, o.id); },
            [&](const StateOptions& o) { return container::state(g, o.id); },
            [&](const container::KillOptions& o) { return container::kill(g, o); },
            [&](const container::DeleteOptions& o) { return container::remove(g, o); },
            [&](const container::ListOptions& o) { return container::list(g, o); },
            [&](const container::PsOptions& o) { return container::ps(g, o); },
            [&](const PauseOptions& o) { return container::pause(g, o.id); },
            [&](const ResumeOptions& o) { return container::resume(g, o.id); },
            [&](const UpdateCommandOptions& o) { return update(g, o); },
            [&](const container::EventsOptions& o) { return container::events(g, o); },
            [&](const container::ExecOptions& o) { return container::exec(g, o); },
            [](const SpecOptions& o) { return spec_command(o); },
            [](const FeaturesOptions&) { return print(features_json()); },
            [](const UnsupportedOptions& o) -> int { throw Error(o.command + " is not supported"); },
        },
        line.options);
}

}  // namespace

std::string default_root() {
    if (::geteuid() != 0) {
        const char* xdg = std::getenv("XDG_RUNTIME_DIR");
        if (xdg && *xdg) return std::string(xdg) + "/berth";
    }
    return "/run/berth";
}

std::string resolve_root(const std::string& root) {
    std::error_code ec;
    std::filesystem::path abs = std::filesystem::absolute(root.empty() ? "." : root, ec);
    if (ec) throw Error("resolve --root " + root + ": " + errno_text(ec.value()), ec.value());
    std::string out = abs.lexically_normal().string();
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    // A state directory of "/" would make every container id a top-level path.
    if (out == "/") throw UsageError("option --root argument should not be set to /");
    return out;
}

int run_command(const ParsedCommandLine& line) {
    try {
        return dispatch(line);
    } catch (const std::exception& e) {
        log_command_error(e.what());
    } catch (...) {
        log_command_error("unknown error");
    }
    return 1;
}

int main(int argc, char** argv) {
    // Until the command line says otherwise, log warnings and errors to stderr
    // (spdlog's own default logger would write to stdout, which engines parse).
    setup_stderr_logging();
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    ParsedCommandLine line;
    std::vector<std::string> rest;
    try {
        line = parse_global_flags(args, rest);
        line.global.root = line.rootGiven ? resolve_root(line.global.root) : default_root();
        setup_logging(line.log);
        // Command errors go to the --log file from here on, where engines read them.
        parse_command(line, rest);
    } catch (const std::exception& e) {
        log_command_error(e.what());
        return 1;
    }
    return run_command(line);
}

}  // namespace berth::cli

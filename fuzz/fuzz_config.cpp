// libFuzzer target: config.json text -> parse_config (which validates) and, for
// every config it accepts, the round trip through config_to_json. Besides the
// sanitizers' findings, it aborts when
//   - anything but a SpecError escapes (a reader must never throw out_of_range,
//     length_error... at a user),
//   - an error message is not one line (spec_error.hpp's promise),
//   - a config that was accepted is rejected or changed after config_to_json,
//   - the same holds for the `process` and `linux.resources` objects on their
//     own (exec --process, update --resources).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "spec/parse.hpp"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_config: %s: %s\n", what, detail.c_str());
    std::abort();
}

void check_message(const berth::spec::SpecError& e) {
    std::string_view m = e.what();
    if (m.empty() || m.find('\n') != std::string_view::npos) fail("error message is not one line", e.what());
}

template <typename Parse>
bool parse_or_reject(Parse&& parse) {
    try {
        parse();
        return true;
    } catch (const berth::spec::SpecError& e) {
        check_message(e);
        return false;
    } catch (const std::exception& e) {
        fail("not a SpecError", e.what());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    using namespace berth::spec;

    Config config;
    if (!parse_or_reject([&] { config = parse_config(text); })) {
        // The same text as an `exec --process` object or `update --resources` input.
        parse_or_reject([&] { parse_process(text); });
        parse_or_reject([&] { parse_resources(text); });
        return 0;
    }

    std::string out = config_to_json(config);
    Config again;
    try {
        again = parse_config(out);
    } catch (const std::exception& e) {
        fail("config_to_json output rejected", std::string(e.what()) + "\n" + out);
    }
    if (!(again == config)) fail("config changed by the round trip", out);
    if (config_to_json(again, 2) != config_to_json(config, 2)) fail("pretty output differs", out);

    if (config.process) {
        std::string p = process_to_json(*config.process);
        Process process;
        try {
            process = parse_process(p);
        } catch (const std::exception& e) {
            fail("process_to_json output rejected", std::string(e.what()) + "\n" + p);
        }
        if (!(process == *config.process)) fail("process changed by the round trip", p);
    }
    if (config.linux && config.linux->resources) {
        std::string r = resources_to_json(*config.linux->resources);
        Resources resources;
        try {
            resources = parse_resources(r);
        } catch (const std::exception& e) {
            fail("resources_to_json output rejected", std::string(e.what()) + "\n" + r);
        }
        if (!(resources == *config.linux->resources)) fail("resources changed by the round trip", r);
    }
    return 0;
}

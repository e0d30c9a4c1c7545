// libFuzzer target: the two ways berth reads a state file back.
//   - spec::parse_state (runtime.md's state, as `berth state` prints it and as
//     hooks and tools hand it around): only SpecError may escape, with a
//     one-line message; an accepted state survives state_to_json unchanged.
//   - container::ContainerDir::read_record, berth's own <root>/<id>/state.json,
//     which every command reads: a corrupt file must give berth::Error, never
//     another exception or a sanitizer report. The input is written to a real
//     state directory on /dev/shm (one per fuzzer process, removed at exit).
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/container/state_store.hpp"
#include "spec/state.hpp"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_state: %s: %s\n", what, detail.c_str());
    std::abort();
}

void check_one_line(const std::exception& e) {
    std::string_view m = e.what();
    if (m.empty() || m.find('\n') != std::string_view::npos) fail("error message is not one line", e.what());
}

// The fuzzer's own state root, made once and removed at exit.
struct StateRoot {
    std::string root;
    std::optional<berth::container::ContainerDir> dir;
    StateRoot() : root("/dev/shm/berth-fuzz-state-" + std::to_string(::getpid())) {
        dir.emplace(berth::container::ContainerDir::create(root, "c1"));
        dir->commit();
    }
    ~StateRoot() {
        dir.reset();
        std::error_code ec;
        std::filesystem::remove_all(root, ec);
    }
};

void check_parse_state(std::string_view text) {
    using namespace berth::spec;
    State state;
    try {
        state = parse_state(text);
    } catch (const SpecError& e) {
        check_one_line(e);
        return;
    } catch (const std::exception& e) {
        fail("parse_state: not a SpecError", e.what());
    }
    std::string out = state_to_json(state);
    State again;
    try {
        again = parse_state(out);
    } catch (const std::exception& e) {
        fail("state_to_json output rejected", std::string(e.what()) + "\n" + out);
    }
    if (!(again == state)) fail("state changed by the round trip", out);
}

void check_read_record(std::string_view text) {
    static StateRoot root;
    std::string path = root.dir->file("state.json");
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) fail("write", path);
    ::close(fd);
    try {
        auto record = root.dir->read_record();
        // What a command does next with it: the record is written back unchanged.
        root.dir->write_record(record);
        auto again = root.dir->read_record();
        if (again.id != record.id || again.pid != record.pid || again.annotations != record.annotations)
            fail("record changed by write_record", std::string(text));
    } catch (const berth::Error& e) {
        check_one_line(e);
    } catch (const std::exception& e) {
        fail("read_record: not a berth::Error", e.what());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    check_parse_state(text);
    check_read_record(text);
    return 0;
}

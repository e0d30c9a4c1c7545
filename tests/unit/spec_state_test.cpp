// spec/state.hpp: runc's `state` layout byte for byte, the runtime.md state
// given to hooks, parsing states back, and RFC 3339 timestamps as Go prints
// them.
#include <catch2/catch.hpp>

#include <string>

#include "spec/state.hpp"

using namespace berth::spec;

namespace {

State sample() {
    State s;
    s.ociVersion = "1.3.0";
    s.id = "web-1";
    s.status = Status::Running;
    s.pid = 4242;
    s.bundle = "/run/bundles/web-1";
    s.rootfs = "/run/bundles/web-1/rootfs";
    s.created = "2024-05-01T10:00:00.123456789Z";
    return s;
}

std::string error_of(std::string_view text) {
    try {
        parse_state(text);
    } catch (const SpecError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("state_to_json prints runc's layout", "[spec][state]") {
    State s = sample();
    CHECK(state_to_json(s) ==
          "{\n"
          "  \"ociVersion\": \"1.3.0\",\n"
          "  \"id\": \"web-1\",\n"
          "  \"pid\": 4242,\n"
          "  \"status\": \"running\",\n"
          "  \"bundle\": \"/run/bundles/web-1\",\n"
          "  \"rootfs\": \"/run/bundles/web-1/rootfs\",\n"
          "  \"created\": \"2024-05-01T10:00:00.123456789Z\",\n"
          "  \"owner\": \"\"\n"
          "}");

    s.status = Status::Stopped;
    s.pid = 0;
    s.owner = "root";
    s.annotations = {{"org.example.b", "2"}, {"org.example.a", "1"}};
    CHECK(state_to_json(s) ==
          "{\n"
          "  \"ociVersion\": \"1.3.0\",\n"
          "  \"id\": \"web-1\",\n"
          "  \"pid\": 0,\n"
          "  \"status\": \"stopped\",\n"
          "  \"bundle\": \"/run/bundles/web-1\",\n"
          "  \"rootfs\": \"/run/bundles/web-1/rootfs\",\n"
          "  \"created\": \"2024-05-01T10:00:00.123456789Z\",\n"
          "  \"annotations\": {\n"
          "    \"org.example.a\": \"1\",\n"
          "    \"org.example.b\": \"2\"\n"
          "  },\n"
          "  \"owner\": \"root\"\n"
          "}");
}

TEST_CASE("strings are escaped as Go's encoding/json does", "[spec][state]") {
    State s = sample();
    s.id = "a\"b\\c\nd\re\tf\x01g\x7f<h>&i";
    s.bundle = "/b/\xe2\x80\xa8/\xe2\x80\xa9/\xc3\xa9";  // U+2028, U+2029, é
    s.rootfs = "bad\xff\xc3utf8";
    std::string out = state_to_json(s);
    CHECK(out.find("\"id\": \"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\x7f\\u003ch\\u003e\\u0026i\",") != std::string::npos);
    CHECK(out.find("\"bundle\": \"/b/\\u2028/\\u2029/\xc3\xa9\",") != std::string::npos);
    CHECK(out.find("\"rootfs\": \"bad\\ufffd\\ufffdutf8\",") != std::string::npos);
    s.id = std::string("nul\0x\b\f", 7);
    CHECK(state_to_json(s).find("\"id\": \"nul\\u0000x\\u0008\\u000c\",") != std::string::npos);
}

TEST_CASE("oci_state_to_json is runtime.md's state, compact", "[spec][state]") {
    State s = sample();
    CHECK(oci_state_to_json(s) ==
          R"({"ociVersion":"1.3.0","id":"web-1","status":"running","pid":4242,"bundle":"/run/bundles/web-1"})");
    s.status = Status::Stopped;
    s.pid = 0;
    s.annotations = {{"k", "v"}, {"a", ""}};
    CHECK(oci_state_to_json(s) ==
          R"({"ociVersion":"1.3.0","id":"web-1","status":"stopped","bundle":"/run/bundles/web-1",)"
          R"("annotations":{"a":"","k":"v"}})");
    s.status = Status::Creating;
    CHECK(oci_state_to_json(s).find(R"("status":"creating")") != std::string::npos);
}

TEST_CASE("container_process_state_to_json follows config-linux.md", "[spec][state]") {
    State s = sample();
    s.status = Status::Creating;
    s.annotations = {{"myKey", "myValue"}};
    CHECK(container_process_state_to_json(s, 4422, {"seccompFd"}, "MKNOD=/dev/null") ==
          R"({"ociVersion":"1.3.0","fds":["seccompFd"],"pid":4422,"metadata":"MKNOD=/dev/null",)"
          R"("state":{"ociVersion":"1.3.0","id":"web-1","status":"creating","pid":4242,)"
          R"("bundle":"/run/bundles/web-1","annotations":{"myKey":"myValue"}}})");
    CHECK(container_process_state_to_json(s, 1, {}, "").find(R"("fds":[],"pid":1,"state":)") != std::string::npos);
}

TEST_CASE("parse_state reads runc's layout back", "[spec][state]") {
    State s = sample();
    s.annotations = {{"a", "b"}};
    s.owner = "me";
    CHECK(parse_state(state_to_json(s)) == s);
    for (Status st : {Status::Creating, Status::Created, Status::Running, Status::Stopped, Status::Paused}) {
        s.status = st;
        CHECK(parse_state(state_to_json(s)).status == st);
    }
    State from_hook = parse_state(oci_state_to_json(sample()));
    CHECK(from_hook.id == "web-1");
    CHECK(from_hook.pid == 4242);
    CHECK(from_hook.rootfs.empty());
}

TEST_CASE("parse_state is strict and names paths", "[spec][state]") {
    CHECK(error_of(R"({"id": "x", "status": "stopped", "bundle": "/b"})") ==
          "state.json: missing required field \"ociVersion\"");
    CHECK(error_of(R"({"ociVersion": "1.0.0", "id": "x", "status": "stopped"})") ==
          "state.json: missing required field \"bundle\"");
    CHECK(error_of(R"({"ociVersion": "1.0.0", "id": "x", "status": "running", "bundle": "/b"})") ==
          "state.json: missing required field \"pid\"");
    CHECK(error_of(R"({"ociVersion": "1.0.0", "id": "x", "status": "stopped", "bundle": "/b"})") == "(no error)");
    CHECK(error_of(R"({"ociVersion": "1.0.0", "id": "x", "status": "zombie", "bundle": "/b"})") ==
          "state.json: status: unknown status \"zombie\" (expected one of: created, creating, paused, running, "
          "stopped)");
    CHECK(error_of(R"({"ociVersion": "1.0.0", "id": "x", "status": "created", "pid": -1, "bundle": "/b"})") ==
          "state.json: pid: -1 is out of range (expected 0 to 2147483647)");
    CHECK(error_of(R"({"ociVersion": "1.0.0", "id": 7, "status": "created", "pid": 1, "bundle": "/b"})") ==
          "state.json: id: expected a string");
    CHECK(error_of(R"({"ociVersion": "1.0.0", "id": "x", "status": "created", "pid": 1, "bundle": "/b",
                       "annotations": {"k": 1}})") == "state.json: annotations[\"k\"]: expected a string");
    CHECK(error_of(R"({"ociVersion": "1.0.0", "id": "x", "status": "created", "pid": 1, "bundle": "/b",)") ==
          "state.json: invalid JSON at line 1, column 82: unexpected end of input");
}

TEST_CASE("status names", "[spec][state]") {
    CHECK(std::string(to_string(Status::Paused)) == "paused");
    CHECK(std::string(to_string(Status::Creating)) == "creating");
    CHECK(status_from_string("stopped") == Status::Stopped);
    CHECK_FALSE(status_from_string("Stopped"));
}

TEST_CASE("rfc3339_nano formats like Go's time.RFC3339Nano in UTC", "[spec][state]") {
    CHECK(rfc3339_nano(0, 0) == "1970-01-01T00:00:00Z");
    CHECK(rfc3339_nano(1714557600, 123456789) == "2024-05-01T10:00:00.123456789Z");
    CHECK(rfc3339_nano(1714557600, 120000000) == "2024-05-01T10:00:00.12Z");
    CHECK(rfc3339_nano(1714557600, 1) == "2024-05-01T10:00:00.000000001Z");
    CHECK(rfc3339_nano(951782400, 0) == "2000-02-29T00:00:00Z");
    CHECK(rfc3339_nano(-1, 500000000) == "1969-12-31T23:59:59.5Z");
    CHECK(rfc3339_nano(253402300799, 999999999) == "9999-12-31T23:59:59.999999999Z");
    CHECK(rfc3339_nano(1709251199, 0) == "2024-02-29T23:59:59Z");
}

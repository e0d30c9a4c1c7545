// Every way parse_config / parse_process / parse_resources / validate_config
// reject a document, each with its exact one-line message.
#include <catch2/catch.hpp>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "spec/parse.hpp"

using namespace berth::spec;
using nlohmann::json;

namespace {

constexpr const char* kBase = R"({
  "ociVersion": "1.3.0",
  "root": {"path": "rootfs"},
  "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0}},
  "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]}
})";

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const SpecError& e) {
        return e.what();
    }
    return "(no error)";
}

// The message parse_config gives for kBase after `edit`.
std::string config_error(const std::function<void(json&)>& edit) {
    json j = json::parse(kBase);
    edit(j);
    std::string text = j.dump();
    return error_of([&] { parse_config(text); });
}

std::string text_error(const std::string& text) {
    return error_of([&] { parse_config(text); });
}

}  // namespace

TEST_CASE("the base document of these tests is valid", "[spec][errors]") {
    CHECK(config_error([](json&) {}) == "(no error)");
}

TEST_CASE("JSON syntax errors name line and column", "[spec][errors]") {
    CHECK(text_error("{]") ==
          "config.json: invalid JSON at line 1, column 2: expected a string (an object key), found ']'");
    CHECK(text_error("{\n  \"ociVersion\": \"1.0.0\",\n  \"root\": {\"path\": \"rootfs\"}") ==
          "config.json: invalid JSON at line 3, column 29: unexpected end of input");
    CHECK(text_error("") == "config.json: invalid JSON at line 1, column 1: unexpected end of input");
    CHECK(text_error("{\"ociVersion\": \"1.0.0\"} trailing") ==
          "config.json: invalid JSON at line 1, column 25: expected the end of the document, found 't'");
    CHECK(text_error("{\"a\" 1}") == "config.json: invalid JSON at line 1, column 6: expected ':', found '1'");
    CHECK(text_error("{\"a\": 1 \"b\": 2}") ==
          "config.json: invalid JSON at line 1, column 9: expected ',' or '}', found '\"'");
    CHECK(text_error("{\"a\": [1 2]}") ==
          "config.json: invalid JSON at line 1, column 10: expected ',' or ']', found '2'");
    CHECK(text_error("{\"a\": tru}") == "config.json: invalid JSON at line 1, column 7: invalid literal");
    CHECK(text_error("{\"a\": nullx}") == "config.json: invalid JSON at line 1, column 7: invalid literal");
    CHECK(text_error("{\"a\": 01}") == "config.json: invalid JSON at line 1, column 7: invalid number");
    CHECK(text_error("{\"a\": 1.}") == "config.json: invalid JSON at line 1, column 7: invalid number");
    CHECK(text_error("{\"a\": -}") == "config.json: invalid JSON at line 1, column 7: invalid number");
    CHECK(text_error("{\"a\": +1}") == "config.json: invalid JSON at line 1, column 7: expected a value, found '+'");
    CHECK(text_error("{\"a\": \"x\ty\"}") ==
          "config.json: invalid JSON at line 1, column 9: control character in string (it must be escaped)");
    CHECK(text_error("{\"a\": \"\\q\"}") == "config.json: invalid JSON at line 1, column 8: invalid escape in string");
    CHECK(text_error("{\"a\": \"\\u12g4\"}") ==
          "config.json: invalid JSON at line 1, column 8: invalid \\u escape in string");
    CHECK(text_error("{\"a\": \"\xff\"}") == "config.json: invalid JSON at line 1, column 8: invalid UTF-8 in string");
    CHECK(text_error("{\"a\": \"\xc0\xaf\"}") ==
          "config.json: invalid JSON at line 1, column 8: invalid UTF-8 in string");
    CHECK(text_error("{\"a\": \x01}") == "config.json: invalid JSON at line 1, column 7: expected a value, found byte 0x01");
    CHECK(text_error(std::string(300, '[') + std::string(300, ']')) ==
          "config.json: invalid JSON at line 1, column 257: nesting deeper than 256 levels");
    CHECK(error_of([] { parse_process("[1,", "exec.json"); }) ==
          "exec.json: invalid JSON at line 1, column 4: unexpected end of input");
}

TEST_CASE("a broken document reports its syntax error before any type error", "[spec][errors]") {
    // The type error at ociVersion comes first in the text, but the file is
    // truncated: that is what the user needs to hear.
    CHECK(text_error("{\"ociVersion\": 1, \"root\": {") ==
          "config.json: invalid JSON at line 1, column 28: unexpected end of input");
    CHECK(text_error("{\"linux\": {\"namespaces\": [{\"type\": \"netns\"}]}, ]") ==
          "config.json: invalid JSON at line 1, column 48: expected a string (an object key), found ']'");
    CHECK(text_error("[]") == "config.json: expected an object");
}

TEST_CASE("strings are decoded", "[spec][parse]") {
    Config c = parse_config(R"({"ociVersion": "1.0.0", "root": {"path": "r\u00e9\/\ud83d\ude00\ud800x\n"},
        "hostname": "caf\u00e9", "annotations": {"k\u0041": "\"q\" \\ \b\f\r\t"}})");
    CHECK(c.root->path == "r\xc3\xa9/\xf0\x9f\x98\x80\xef\xbf\xbdx\n");
    CHECK(c.hostname == "caf\xc3\xa9");
    CHECK(c.annotations.at("kA") == "\"q\" \\ \b\f\r\t");
}

TEST_CASE("wrong JSON types name the path and the expected type", "[spec][errors]") {
    CHECK(text_error("[]") == "config.json: expected an object");
    CHECK(config_error([](json& j) { j["ociVersion"] = 1; }) == "config.json: ociVersion: expected a string");
    CHECK(config_error([](json& j) { j["root"] = "rootfs"; }) == "config.json: root: expected an object");
    CHECK(config_error([](json& j) { j["root"]["readonly"] = "yes"; }) ==
          "config.json: root.readonly: expected a boolean");
    CHECK(config_error([](json& j) { j["mounts"] = json::object(); }) == "config.json: mounts: expected an array");
    CHECK(config_error([](json& j) { j["process"]["args"] = {"sh", 7}; }) ==
          "config.json: process.args[1]: expected a string");
    CHECK(config_error([](json& j) { j["linux"]["resources"]["memory"]["limit"] = "1G"; }) ==
          "config.json: linux.resources.memory.limit: expected an integer");
    CHECK(config_error([](json& j) { j["linux"]["resources"]["memory"]["limit"] = 1.5; }) ==
          "config.json: linux.resources.memory.limit: expected an integer");
    CHECK(config_error([](json& j) { j["linux"]["resources"]["memory"]["limit"] = 1e3; }) ==
          "config.json: linux.resources.memory.limit: expected an integer");
    CHECK(config_error([](json& j) { j["linux"]["resources"]["memory"]["limit"] = true; }) ==
          "config.json: linux.resources.memory.limit: expected an integer");
    CHECK(config_error([](json& j) { j["linux"]["sysctl"] = {{"net.ipv4.ip_forward", 1}}; }) ==
          "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected a string");
    CHECK(config_error([](json& j) { j["annotations"] = {"a"}; }) == "config.json: annotations: expected an object");
    CHECK(config_error([](json& j) { j["linux"]["namespaces"][1] = "mount"; }) ==
          "config.json: linux.namespaces[1]: expected an object");
    CHECK(config_error([](json& j) { j["linux"]["resources"]["rdma"] = {{"mlx5_1", {{"hcaHandles", "3"}}}}; }) ==
          "config.json: linux.resources.rdma[\"mlx5_1\"].hcaHandles: expected an integer");
    CHECK(config_error([](json& j) { j["process"]["user"]["additionalGids"] = {1, "2"}; }) ==
          "config.json: process.user.additionalGids[1]: expected an integer");
}

TEST_CASE("integers out of range say so with the range", "[spec][errors]") {
    CHECK(config_error([](json& j) { j["process"]["user"]["uid"] = 4294967296LL; }) ==
          "config.json: process.user.uid: 4294967296 is out of range (expected 0 to 4294967295)");
    CHECK(config_error([](json& j) { j["process"]["user"]["gid"] = -1; }) ==
          "config.json: process.user.gid: -1 is out of range (expected 0 to 4294967295)");
    CHECK(config_error([](json& j) { j["process"]["oomScoreAdj"] = 2147483648LL; }) ==
          "config.json: process.oomScoreAdj: 2147483648 is out of range (expected -2147483648 to 2147483647)");
    CHECK(config_error([](json& j) { j["linux"]["resources"]["memory"]["limit"] = 9223372036854775808ULL; }) ==
          "config.json: linux.resources.memory.limit: 9223372036854775808 is out of range (expected "
          "-9223372036854775808 to 9223372036854775807)");
    CHECK(config_error([](json& j) { j["linux"]["resources"]["blockIO"] = {{"weight", 65536}}; }) ==
          "config.json: linux.resources.blockIO.weight: 65536 is out of range (expected 0 to 65535)");
    CHECK(config_error([](json& j) { j["process"]["rlimits"] = {{{"type", "RLIMIT_CORE"}, {"hard", -1}, {"soft", 0}}}; }) ==
          "config.json: process.rlimits[0].hard: -1 is out of range (expected 0 to 18446744073709551615)");
    CHECK(text_error(R"({"ociVersion": "1.0.0", "root": {"path": "r"},
                        "process": {"cwd": "/", "args": ["a"], "rlimits": [{"type": "RLIMIT_AS", "soft": 1,
                                    "hard": 18446744073709551616}]}})") ==
          "config.json: process.rlimits[0].hard: 18446744073709551616 is out of range (expected 0 to "
          "18446744073709551615)");
    CHECK(text_error(R"({"ociVersion": "1.0.0", "root": {"path": "r"}, "linux": {"resources": {"memory":
                        {"swap": -9223372036854775809}}}})") ==
          "config.json: linux.resources.memory.swap: -9223372036854775809 is out of range (expected "
          "-9223372036854775808 to 9223372036854775807)");
}

TEST_CASE("missing required fields are named", "[spec][errors]") {
    CHECK(config_error([](json& j) { j.erase("ociVersion"); }) == "config.json: missing required field \"ociVersion\"");
    CHECK(config_error([](json& j) { j["ociVersion"] = nullptr; }) ==
          "config.json: missing required field \"ociVersion\"");
    CHECK(config_error([](json& j) { j.erase("root"); }) == "config.json: missing required field \"root\"");
    CHECK(config_error([](json& j) { j["root"].erase("path"); }) == "config.json: root: missing required field \"path\"");
    CHECK(config_error([](json& j) { j["process"].erase("cwd"); }) ==
          "config.json: process: missing required field \"cwd\"");
    CHECK(config_error([](json& j) { j["process"]["user"].erase("gid"); }) ==
          "config.json: process.user: missing required field \"gid\"");
    CHECK(config_error([](json& j) { j["mounts"] = {{{"source", "proc"}}}; }) ==
          "config.json: mounts[0]: missing required field \"destination\"");
    CHECK(config_error([](json& j) { j["hooks"]["poststop"] = {json::object()}; }) ==
          "config.json: hooks.poststop[0]: missing required field \"path\"");
    CHECK(config_error([](json& j) { j["linux"]["namespaces"].push_back({{"path", "/x"}}); }) ==
          "config.json: linux.namespaces[2]: missing required field \"type\"");
    CHECK(config_error([](json& j) {
              j["linux"]["namespaces"].push_back({{"type", "user"}});
              j["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}}};
          }) == "config.json: linux.uidMappings[0]: missing required field \"size\"");
    CHECK(config_error([](json& j) { j["linux"]["devices"] = {{{"path", "/dev/x"}}}; }) ==
          "config.json: linux.devices[0]: missing required field \"type\"");
    CHECK(config_error([](json& j) { j["linux"]["resources"]["devices"] = {{{"access", "rwm"}}}; }) ==
          "config.json: linux.resources.devices[0]: missing required field \"allow\"");
    CHECK(config_error([](json& j) { j["linux"]["resources"]["hugepageLimits"] = {{{"pageSize", "2MB"}}}; }) ==
          "config.json: linux.resources.hugepageLimits[0]: missing required field \"limit\"");
    CHECK(config_error([](json& j) {
              j["linux"]["resources"]["blockIO"]["throttleReadBpsDevice"] = {{{"major", 8}, {"minor", 0}}};
          }) == "config.json: linux.resources.blockIO.throttleReadBpsDevice[0]: missing required field \"rate\"");
    CHECK(config_error([](json& j) { j["linux"]["seccomp"] = json::object(); }) ==
          "config.json: linux.seccomp: missing required field \"defaultAction\"");
    CHECK(config_error([](json& j) {
              j["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                       {"syscalls", {{{"names", {"read"}}, {"action", "SCMP_ACT_LOG"},
                                                      {"args", {{{"index", 0}, {"value", 1}}}}}}}};
          }) == "config.json: linux.seccomp.syscalls[0].args[0]: missing required field \"op\"");
    CHECK(config_error([](json& j) { j["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_BE"}}; }) ==
          "config.json: process.ioPriority: missing required field \"priority\"");
    CHECK(config_error([](json& j) { j["process"]["scheduler"] = {{"nice", 1}}; }) ==
          "config.json: process.scheduler: missing required field \"policy\"");
    CHECK(config_error([](json& j) { j["linux"]["personality"] = json::object(); }) ==
          "config.json: linux.personality: missing required field \"domain\"");
    CHECK(config_error([](json& j) { j["linux"]["memoryPolicy"] = {{"nodes", "0"}}; }) ==
          "config.json: linux.memoryPolicy: missing required field \"mode\"");
    CHECK(config_error([](json& j) { j["process"]["consoleSize"] = {{"height", 1}}; }) ==
          "config.json: process.consoleSize: missing required field \"width\"");
}

TEST_CASE("namespace rules", "[spec][errors]") {
    CHECK(config_error([](json& j) {
              j["linux"]["namespaces"] = {{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}},
                                          {{"type", "uts"}}, {{"type", "mount"}}, {{"type", "netns"}}};
          }) == "config.json: linux.namespaces[5].type: unknown namespace type \"netns\" (expected one of: cgroup, "
                "ipc, mount, network, pid, time, user, uts)");
    CHECK(config_error([](json& j) { j["linux"]["namespaces"].push_back({{"type", "pid"}}); }) ==
          "config.json: linux.namespaces[2]: duplicate namespace type \"pid\" (first at linux.namespaces[0])");
    CHECK(config_error([](json& j) { j["linux"]["namespaces"][1]["path"] = "proc/1/ns/mnt"; }) ==
          "config.json: linux.namespaces[1].path: \"proc/1/ns/mnt\" is not an absolute path");
    CHECK(config_error([](json& j) { j["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1}, {"size", 1}}}; }) ==
          "config.json: linux.uidMappings: mappings need a user namespace, but linux.namespaces has no \"user\" "
          "entry");
    CHECK(config_error([](json& j) { j["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 1}, {"size", 1}}}; }) ==
          "config.json: linux.gidMappings: mappings need a user namespace, but linux.namespaces has no \"user\" "
          "entry");
    CHECK(config_error([](json& j) { j["linux"]["timeOffsets"] = {{"boottime", {{"secs", 1}}}}; }) ==
          "config.json: linux.timeOffsets: time offsets need a time namespace, but linux.namespaces has no "
          "\"time\" entry");
    CHECK(config_error([](json& j) {
              j["linux"]["namespaces"].push_back({{"type", "user"}});
              j["linux"]["namespaces"].push_back({{"type", "time"}});
              j["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1}, {"size", 1}}};
              j["linux"]["timeOffsets"] = {{"boottime", {{"secs", 1}}}};
          }) == "(no error)");
}

TEST_CASE("root, process and hook rules", "[spec][errors]") {
    CHECK(config_error([](json& j) { j["ociVersion"] = "1.0"; }) ==
          "config.json: ociVersion: \"1.0\" is not a SemVer 2.0.0 version");
    CHECK(config_error([](json& j) { j["ociVersion"] = "1.02.0"; }) ==
          "config.json: ociVersion: \"1.02.0\" is not a SemVer 2.0.0 version");
    CHECK(config_error([](json& j) { j["ociVersion"] = "1.0.2-dev+abc.1"; }) == "(no error)");
    CHECK(config_error([](json& j) { j["root"]["path"] = ""; }) == "config.json: root.path: must not be empty");
    CHECK(config_error([](json& j) { j["process"]["cwd"] = "root"; }) ==
          "config.json: process.cwd: \"root\" is not an absolute path");
    CHECK(config_error([](json& j) { j["process"]["args"] = json::array(); }) ==
          "config.json: process.args: must contain at least one entry");
    CHECK(config_error([](json& j) { j["process"].erase("args"); }) ==
          "config.json: process.args: must contain at least one entry");
    CHECK(config_error([](json& j) {
              j["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"hard", 1}, {"soft", 1}},
                                         {{"type", "RLIMIT_FOO"}, {"hard", 1}, {"soft", 1}}};
          }) == "config.json: process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\" (expected one of: RLIMIT_AS, "
                "RLIMIT_CORE, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, "
                "RLIMIT_NICE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, "
                "RLIMIT_SIGPENDING, RLIMIT_STACK)");
    CHECK(config_error([](json& j) {
              j["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"hard", 1}, {"soft", 1}},
                                         {{"type", "RLIMIT_NOFILE"}, {"hard", 2}, {"soft", 2}}};
          }) == "config.json: process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"");
    CHECK(config_error([](json& j) { j["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_NONE"}, {"priority", 0}}; }) ==
          "config.json: process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\" (expected one "
          "of: IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE, IOPRIO_CLASS_RT)");
    CHECK(config_error([](json& j) { j["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_BE"}, {"priority", 8}}; }) ==
          "config.json: process.ioPriority.priority: 8 is out of range (expected 0 to 7)");
    CHECK(config_error([](json& j) { j["process"]["scheduler"] = {{"policy", "SCHED_NORMAL"}}; }) ==
          "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_NORMAL\" (expected one of: "
          "SCHED_BATCH, SCHED_DEADLINE, SCHED_FIFO, SCHED_IDLE, SCHED_ISO, SCHED_OTHER, SCHED_RR)");
    CHECK(config_error([](json& j) { j["process"]["scheduler"] = {{"policy", "SCHED_RR"}, {"flags", {"SCHED_FLAG_X"}}}; }) ==
          "config.json: process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_X\" (expected one of: "
          "SCHED_FLAG_DL_OVERRUN, SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_RECLAIM, "
          "SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_UTIL_CLAMP_MAX, SCHED_FLAG_UTIL_CLAMP_MIN)");
    CHECK(config_error([](json& j) { j["process"]["execCPUAffinity"] = {{"final", "0-3;7"}}; }) ==
          "config.json: process.execCPUAffinity.final: \"0-3;7\" is not a CPU list like \"0-3,7\"");
    CHECK(config_error([](json& j) { j["hooks"]["createRuntime"] = {{{"path", "hook.sh"}}}; }) ==
          "config.json: hooks.createRuntime[0].path: \"hook.sh\" is not an absolute path");
    CHECK(config_error([](json& j) { j["hooks"]["poststart"] = {{{"path", "/bin/true"}, {"timeout", 0}}}; }) ==
          "config.json: hooks.poststart[0].timeout: 0 is out of range (expected 1 or more)");
    CHECK(config_error([](json& j) { j["annotations"] = {{"", "v"}}; }) ==
          "config.json: annotations: keys must not be empty");
}

TEST_CASE("mount rules", "[spec][errors]") {
    CHECK(config_error([](json& j) { j["mounts"] = {{{"destination", ""}}}; }) ==
          "config.json: mounts[0].destination: must not be empty");
    CHECK(config_error([](json& j) { j["mounts"] = {{{"destination", "relative/is/deprecated/but/allowed"}}}; }) ==
          "(no error)");
    json map = {{{"containerID", 0}, {"hostID", 1000}, {"size", 10}}};
    CHECK(config_error([&](json& j) { j["mounts"] = {{{"destination", "/d"}, {"uidMappings", map}}}; }) ==
          "config.json: mounts[0]: uidMappings given without gidMappings");
    CHECK(config_error([&](json& j) { j["mounts"] = {{{"destination", "/d"}, {"gidMappings", map}}}; }) ==
          "config.json: mounts[0]: gidMappings given without uidMappings");
    CHECK(config_error([](json& j) { j["mounts"] = {{{"destination", "/d"}, {"options", {"rbind", "ridmap"}}}}; }) ==
          "config.json: mounts[0].options[1]: \"ridmap\" needs uidMappings and gidMappings on the mount or a user "
          "namespace");
    CHECK(config_error([](json& j) {
              j["mounts"] = {{{"destination", "/d"}, {"options", {"idmap"}}}};
              j["linux"]["namespaces"].push_back({{"type", "user"}});
          }) == "(no error)");
}

TEST_CASE("device rules", "[spec][errors]") {
    CHECK(config_error([](json& j) { j["linux"]["devices"] = {{{"path", "/dev/x"}, {"type", "z"}}}; }) ==
          "config.json: linux.devices[0].type: unknown device type \"z\" (expected one of: b, c, p, u)");
    CHECK(config_error([](json& j) {
              j["linux"]["devices"] = {{{"path", "dev/x"}, {"type", "c"}, {"major", 1}, {"minor", 3}}};
          }) == "config.json: linux.devices[0].path: \"dev/x\" is not an absolute path");
    CHECK(config_error([](json& j) { j["linux"]["devices"] = {{{"path", "/dev/x"}, {"type", "c"}, {"minor", 3}}}; }) ==
          "config.json: linux.devices[0]: missing required field \"major\" (required for type \"c\")");
    CHECK(config_error([](json& j) { j["linux"]["devices"] = {{{"path", "/dev/x"}, {"type", "u"}, {"major", 3}}}; }) ==
          "config.json: linux.devices[0]: missing required field \"minor\" (required for type \"u\")");
    CHECK(config_error([](json& j) { j["linux"]["devices"] = {{{"path", "/dev/p"}, {"type", "p"}}}; }) == "(no error)");
}

// Engines send fileMode as st_mode (podman: 8612 = S_IFCHR|0644); runc drops
// the file-type bits, so berth takes them when they match the device type.
TEST_CASE("device fileMode with file-type bits", "[spec][errors]") {
    auto dev = [](const char* type, unsigned mode) {
        return [type, mode](json& j) {
            j["linux"]["devices"] = {{{"path", "/dev/x"}, {"type", type}, {"major", 8}, {"minor", 0}, {"fileMode", mode}}};
        };
    };
    CHECK(config_error(dev("c", 8612)) == "(no error)");   // 020644
    CHECK(config_error(dev("u", 8630)) == "(no error)");   // 020666
    CHECK(config_error(dev("b", 25008)) == "(no error)");  // 060660
    CHECK(config_error(dev("p", 4516)) == "(no error)");   // 010644
    CHECK(config_error(dev("b", 4095)) == "(no error)");   // 07777: setuid, setgid, sticky are kept
    CHECK(config_error(dev("c", 25008)) ==
          "config.json: linux.devices[0].fileMode: 25008 has file-type bits of another kind than type \"c\"");
    CHECK(config_error(dev("b", 16877)) ==  // 040755, a directory
          "config.json: linux.devices[0].fileMode: 16877 has file-type bits of another kind than type \"b\"");
    CHECK(config_error(dev("c", 65536 + 0644)) ==
          "config.json: linux.devices[0].fileMode: 65956 is out of range (expected 0 to 4095, with the device's "
          "file-type bits)");
}

TEST_CASE("resources rules", "[spec][errors]") {
    auto res = [](json r) { return [r](json& j) { j["linux"]["resources"] = r; }; };
    CHECK(config_error(res({{"devices", {{{"allow", true}, {"type", "x"}}}}})) ==
          "config.json: linux.resources.devices[0].type: unknown device type \"x\" (expected one of: a, b, c)");
    CHECK(config_error(res({{"devices", {{{"allow", true}, {"access", "rwx"}}}}})) ==
          "config.json: linux.resources.devices[0].access: \"rwx\" is not a combination of r, w and m");
    CHECK(config_error(res({{"memory", {{"swappiness", 101}}}})) ==
          "config.json: linux.resources.memory.swappiness: 101 is out of range (expected 0 to 100)");
    CHECK(config_error(res({{"memory", {{"swappiness", UINT64_MAX}}}})) == "(no error)");
    CHECK(config_error(res({{"cpu", {{"quota", 1000}, {"burst", 2000}}}})) ==
          "config.json: linux.resources.cpu.burst: 2000 is larger than quota 1000");
    CHECK(config_error(res({{"cpu", {{"quota", -1}, {"burst", 2000}}}})) == "(no error)");
    CHECK(config_error(res({{"cpu", {{"cpus", "0-3,a"}}}})) ==
          "config.json: linux.resources.cpu.cpus: \"0-3,a\" is not a CPU list like \"0-3,7\"");
    CHECK(config_error(res({{"cpu", {{"mems", "3-1"}}}})) ==
          "config.json: linux.resources.cpu.mems: \"3-1\" is not a memory node list like \"0-3,7\"");
    CHECK(config_error(res({{"blockIO", {{"weightDevice", {{{"major", 8}, {"minor", 0}}}}}}})) ==
          "config.json: linux.resources.blockIO.weightDevice[0]: needs \"weight\" or \"leafWeight\"");
    CHECK(config_error(res({{"hugepageLimits", {{{"pageSize", "64kB"}, {"limit", 1}}}}})) ==
          "config.json: linux.resources.hugepageLimits[0].pageSize: \"64kB\" is not a page size (expected "
          "<number>KB, <number>MB or <number>GB)");
    CHECK(config_error(res({{"hugepageLimits", {{{"pageSize", "02MB"}, {"limit", 1}}}}})) ==
          "config.json: linux.resources.hugepageLimits[0].pageSize: \"02MB\" is not a page size (expected "
          "<number>KB, <number>MB or <number>GB)");
    CHECK(config_error(res({{"rdma", {{"mlx5_1", json::object()}}}})) ==
          "config.json: linux.resources.rdma[\"mlx5_1\"]: needs \"hcaHandles\" or \"hcaObjects\"");
    CHECK(config_error(res({{"unified", {{"../cgroup.procs", "1"}}}})) ==
          "config.json: linux.resources.unified[\"../cgroup.procs\"]: must be a cgroup file name, not a path");
}

TEST_CASE("seccomp rules", "[spec][errors]") {
    auto sec = [](json s) { return [s](json& j) { j["linux"]["seccomp"] = s; }; };
    json allow_read = {{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}}};
    CHECK(config_error(sec({{"defaultAction", "SCMP_ACT_DENY"}})) ==
          "config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_DENY\" (expected one of: "
          "SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, "
          "SCMP_ACT_LOG, SCMP_ACT_NOTIFY, SCMP_ACT_TRACE, SCMP_ACT_TRAP)");
    CHECK(config_error(sec({{"defaultAction", "SCMP_ACT_KILL"}, {"defaultErrnoRet", 1}})) ==
          "config.json: linux.seccomp.defaultErrnoRet: only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE "
          "(defaultAction is \"SCMP_ACT_KILL\")");
    CHECK(config_error(sec({{"defaultAction", "SCMP_ACT_TRACE"}, {"defaultErrnoRet", 1}})) == "(no error)");
    CHECK(config_error(sec({{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {"SCMP_ARCH_X86_64", "x86"}}})) ==
          "config.json: linux.seccomp.architectures[1]: unknown seccomp architecture \"x86\" (expected one of: "
          "SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, SCMP_ARCH_LOONGARCH64, SCMP_ARCH_M68K, SCMP_ARCH_MIPS, "
          "SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, "
          "SCMP_ARCH_PARISC, SCMP_ARCH_PARISC64, SCMP_ARCH_PPC, SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, "
          "SCMP_ARCH_RISCV64, SCMP_ARCH_S390, SCMP_ARCH_S390X, SCMP_ARCH_SH, SCMP_ARCH_SHEB, SCMP_ARCH_X32, "
          "SCMP_ARCH_X86, SCMP_ARCH_X86_64)");
    CHECK(config_error(sec({{"defaultAction", "SCMP_ACT_ALLOW"}, {"flags", {"SECCOMP_FILTER_FLAG_NEW_LISTENER"}}})) ==
          "config.json: linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\" "
          "(expected one of: SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_TSYNC, "
          "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)");
    CHECK(config_error(sec({{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerMetadata", "m"}})) ==
          "config.json: linux.seccomp.listenerMetadata: must not be set without listenerPath");
    CHECK(config_error(sec({{"defaultAction", "SCMP_ACT_ALLOW"},
                            {"syscalls", {allow_read[0], {{"names", json::array()}, {"action", "SCMP_ACT_LOG"}}}}})) ==
          "config.json: linux.seccomp.syscalls[1].names: must contain at least one entry");
    CHECK(config_error(sec({{"defaultAction", "SCMP_ACT_ALLOW"},
                            {"syscalls", {{{"names", {"read", ""}}, {"action", "SCMP_ACT_LOG"}}}}})) ==
          "config.json: linux.seccomp.syscalls[0].names[1]: must not be empty");
    CHECK(config_error(sec({{"defaultAction", "SCMP_ACT_ALLOW"},
                            {"syscalls", {{{"names", {"read"}}, {"action", "SCMP_ACT_LOG"}, {"errnoRet", 1}}}}})) ==
          "config.json: linux.seccomp.syscalls[0].errnoRet: only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE "
          "(action is \"SCMP_ACT_LOG\")");
    CHECK(config_error(sec({{"defaultAction", "SCMP_ACT_ALLOW"},
                            {"syscalls", {{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"},
                                           {"args", {{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_EQQ"}}}}}}}})) ==
          "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_EQQ\" (expected "
          "one of: SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_LE, SCMP_CMP_LT, SCMP_CMP_MASKED_EQ, "
          "SCMP_CMP_NE)");
    CHECK(config_error(sec({{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", {{{"names", {"read"}}}}}})) ==
          "config.json: linux.seccomp.syscalls[0]: missing required field \"action\"");
}

TEST_CASE("other linux rules", "[spec][errors]") {
    CHECK(config_error([](json& j) { j["linux"]["rootfsPropagation"] = "recursive"; }) ==
          "config.json: linux.rootfsPropagation: unknown rootfs propagation \"recursive\" (expected one of: "
          "private, rprivate, rshared, rslave, runbindable, shared, slave, unbindable)");
    CHECK(config_error([](json& j) { j["linux"]["rootfsPropagation"] = "rslave"; }) == "(no error)");
    CHECK(config_error([](json& j) { j["linux"]["maskedPaths"] = {"/proc/kcore", "proc/keys"}; }) ==
          "config.json: linux.maskedPaths[1]: \"proc/keys\" is not an absolute path");
    CHECK(config_error([](json& j) { j["linux"]["readonlyPaths"] = {""}; }) ==
          "config.json: linux.readonlyPaths[0]: \"\" is not an absolute path");
    CHECK(config_error([](json& j) { j["linux"]["personality"] = {{"domain", "LINUX64"}}; }) ==
          "config.json: linux.personality.domain: unknown personality domain \"LINUX64\" (expected one of: LINUX, "
          "LINUX32)");
    CHECK(config_error([](json& j) { j["linux"]["personality"] = {{"domain", "LINUX"}, {"flags", {"ADDR_NO_RANDOMIZE"}}}; }) ==
          "config.json: linux.personality.flags[0]: unsupported personality flag \"ADDR_NO_RANDOMIZE\" (no flags "
          "are supported)");
    CHECK(config_error([](json& j) { j["linux"]["sysctl"] = {{"", "1"}}; }) ==
          "config.json: linux.sysctl: keys must not be empty");
    CHECK(config_error([](json& j) { j["linux"]["sysctl"] = {{"net/../../etc/x", "1"}}; }) ==
          "config.json: linux.sysctl[\"net/../../etc/x\"]: must name a file under /proc/sys");
    CHECK(config_error([](json& j) { j["linux"]["sysctl"] = {{"net/ipv4/conf/eth0.100/forwarding", "1"}}; }) ==
          "(no error)");
    CHECK(config_error([](json& j) { j["linux"]["intelRdt"] = {{"memBwSchema", "L3:0=1"}}; }) ==
          "config.json: linux.intelRdt.memBwSchema: \"L3:0=1\" must start with \"MB:\" and have no newlines");
    CHECK(config_error([](json& j) { j["linux"]["intelRdt"] = {{"memBwSchema", "MB:0=20\nL3:0=1"}}; }) ==
          "config.json: linux.intelRdt.memBwSchema: \"MB:0=20\\nL3:0=1\" must start with \"MB:\" and have no "
          "newlines");
    CHECK(config_error([](json& j) { j["linux"]["intelRdt"] = {{"schemata", {"L3:0=1", "MB:0=2\nx"}}}; }) ==
          "config.json: linux.intelRdt.schemata[1]: must not contain newlines");
    CHECK(config_error([](json& j) { j["linux"]["intelRdt"] = {{"closID", "../x"}}; }) ==
          "config.json: linux.intelRdt.closID: \"../x\" is not a resctrl group name");
    CHECK(config_error([](json& j) { j["linux"]["intelRdt"] = {{"closID", "/"}}; }) == "(no error)");
    CHECK(config_error([](json& j) { j["linux"]["netDevices"] = {{"eth0", {{"name", "a-very-long-name-0"}}}}; }) ==
          "config.json: linux.netDevices[\"eth0\"].name: \"a-very-long-name-0\" is not a valid network interface "
          "name");
    CHECK(config_error([](json& j) { j["linux"]["netDevices"] = {{"eth/0", json::object()}}; }) ==
          "config.json: linux.netDevices[\"eth/0\"]: \"eth/0\" is not a valid network interface name");
    CHECK(config_error([](json& j) { j["linux"]["memoryPolicy"] = {{"mode", "MPOL_RANDOM"}}; }) ==
          "config.json: linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_RANDOM\" (expected one of: "
          "MPOL_BIND, MPOL_DEFAULT, MPOL_INTERLEAVE, MPOL_LOCAL, MPOL_PREFERRED, MPOL_PREFERRED_MANY, "
          "MPOL_WEIGHTED_INTERLEAVE)");
    CHECK(config_error([](json& j) {
              j["linux"]["memoryPolicy"] = {{"mode", "MPOL_BIND"}, {"nodes", "0"}, {"flags", {"MPOL_F_NONE"}}};
          }) == "config.json: linux.memoryPolicy.flags[0]: unknown memory policy flag \"MPOL_F_NONE\" (expected one "
                "of: MPOL_F_NUMA_BALANCING, MPOL_F_RELATIVE_NODES, MPOL_F_STATIC_NODES)");
    CHECK(config_error([](json& j) { j["linux"]["memoryPolicy"] = {{"mode", "MPOL_BIND"}}; }) ==
          "config.json: linux.memoryPolicy.nodes: must name at least one node for MPOL_BIND");
    CHECK(config_error([](json& j) { j["linux"]["memoryPolicy"] = {{"mode", "MPOL_LOCAL"}, {"nodes", "1"}}; }) ==
          "config.json: linux.memoryPolicy.nodes: must be empty for MPOL_LOCAL");
    CHECK(config_error([](json& j) { j["linux"]["memoryPolicy"] = {{"mode", "MPOL_PREFERRED"}, {"nodes", "1,x"}}; }) ==
          "config.json: linux.memoryPolicy.nodes: \"1,x\" is not a memory node list like \"0-3,7\"");
    CHECK(config_error([](json& j) { j["linux"]["memoryPolicy"] = {{"mode", "MPOL_PREFERRED"}}; }) == "(no error)");
}

TEST_CASE("process.json and resources documents use paths relative to themselves", "[spec][errors]") {
    CHECK(error_of([] { parse_process(R"({"args": ["sh"]})"); }) ==
          "process.json: missing required field \"cwd\"");
    CHECK(error_of([] { parse_process(R"({"cwd": "x", "args": ["sh"]})"); }) ==
          "process.json: cwd: \"x\" is not an absolute path");
    CHECK(error_of([] { parse_process(R"({"cwd": "/", "args": []})"); }) ==
          "process.json: args: must contain at least one entry");
    CHECK(error_of([] { parse_process(R"({"cwd": "/", "args": ["sh"], "user": {"uid": -5, "gid": 0}})", "p.json"); }) ==
          "p.json: user.uid: -5 is out of range (expected 0 to 4294967295)");
    CHECK(error_of([] { parse_resources(R"({"memory": {"limit": "max"}})"); }) ==
          "resources: memory.limit: expected an integer");
    CHECK(error_of([] { parse_resources(R"({"pids": {"limit": 1.0}})"); }) ==
          "resources: pids.limit: expected an integer");
    CHECK(error_of([] { parse_resources(R"({"cpu": {"quota": 10, "burst": 20}})"); }) ==
          "resources: cpu.burst: 20 is larger than quota 10");
    CHECK(error_of([] { parse_resources("[]"); }) == "resources: expected an object");
}

TEST_CASE("validate_config checks configs built in code", "[spec][errors]") {
    Config c;
    c.ociVersion = "1.3.0";
    CHECK(error_of([&] { validate_config(c); }) == "config.json: missing required field \"root\"");
    c.root = Root{"rootfs", false};
    CHECK(error_of([&] { validate_config(c); }) == "(no error)");
    c.linux.emplace();
    c.linux->namespaces = {{NamespaceType::Network, ""}, {NamespaceType::Network, "/run/netns/x"}};
    CHECK(error_of([&] { validate_config(c, "bundle/config.json"); }) ==
          "bundle/config.json: linux.namespaces[1]: duplicate namespace type \"network\" (first at "
          "linux.namespaces[0])");
    c.linux->namespaces.pop_back();
    c.process.emplace();
    c.process->args = {"sh"};
    c.process->cwd = "/";
    c.process->ioPriority = IoPriority{"IOPRIO_CLASS_RT", -1};
    CHECK(error_of([&] { validate_config(c); }) ==
          "config.json: process.ioPriority.priority: -1 is out of range (expected 0 to 7)");
}

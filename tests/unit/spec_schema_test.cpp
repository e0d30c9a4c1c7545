// The runtime-spec's own fixtures (schema/test/config/{good,bad}), and berth's
// generated documents (default config, features, serialized configs) checked
// against the spec's JSON schemas with Debian's python3-jsonschema.
//
// The freebsd-* and zos-* "good" fixtures are not Linux configs, but they only
// add a "freebsd"/"zos" section, which a Linux runtime ignores as an unknown
// property (config.md, Extensibility); what remains is a valid Linux config,
// so they must load too.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "spec/default_config.hpp"
#include "spec/features.hpp"
#include "spec/known_values.hpp"
#include "spec/parse.hpp"
#include "spec/state.hpp"

using namespace berth::spec;
namespace fs = std::filesystem;

namespace {

const fs::path kSchemaDir = fs::path(BERTH_SPEC_DIR) / "schema";

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<fs::path> json_files(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".json") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

// A scratch directory removed when the test ends, whatever happens.
class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/berth-spec-schema-XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

constexpr const char* kValidator = R"(import json, pathlib, sys
import jsonschema
schema_path = pathlib.Path(sys.argv[1]).resolve()
schema = json.loads(schema_path.read_text())
resolver = jsonschema.RefResolver(base_uri=schema_path.parent.as_uri() + "/", referrer=schema)
validator = jsonschema.Draft4Validator(schema, resolver=resolver)
errors = sorted(validator.iter_errors(json.load(open(sys.argv[2]))), key=str)
for e in errors:
    print("/".join(str(p) for p in e.absolute_path) + ": " + e.message)
sys.exit(1 if errors else 0)
)";

struct SchemaResult {
    int status = -1;
    std::string output;
};

// Validates `doc` against schema/<schema> with Debian's python3-jsonschema
// (/usr/bin/python3: the system interpreter that has the package).
SchemaResult validate_with_schema(const std::string& schema, const std::string& doc) {
    TempDir tmp;
    fs::path script = tmp.path() / "validate.py";
    fs::path file = tmp.path() / "doc.json";
    std::ofstream(script) << kValidator;
    std::ofstream(file) << doc;
    std::string cmd = "/usr/bin/python3 " + script.string() + " " + (kSchemaDir / schema).string() + " " +
                      file.string() + " 2>&1";
    SchemaResult r;
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

void require_schema_valid(const std::string& schema, const std::string& doc) {
    SchemaResult r = validate_with_schema(schema, doc);
    INFO(doc);
    INFO("validator said: " << r.output);
    REQUIRE(r.status == 0);
}

std::string error_of(const std::string& text) {
    try {
        parse_config(text);
    } catch (const SpecError& e) {
        return e.what();
    }
    return "(no error)";
}

std::vector<std::string> strs(std::initializer_list<std::string_view> l) { return {l.begin(), l.end()}; }

}  // namespace

TEST_CASE("every good config fixture of the spec loads", "[spec][fixtures]") {
    auto files = json_files(kSchemaDir / "test/config/good");
    REQUIRE(files.size() >= 9);
    for (const auto& f : files) {
        INFO(f.filename().string());
        Config c = load_config_file(f.string());
        CHECK(c.root);
        // A loaded fixture also survives a round trip.
        CHECK(parse_config(config_to_json(c)) == c);
    }
}

TEST_CASE("the spec example fixture is read faithfully", "[spec][fixtures]") {
    Config c = load_config_file((kSchemaDir / "test/config/good/spec-example.json").string());
    CHECK(c.ociVersion == "0.5.0-dev");
    CHECK(c.mounts.size() == 7);
    REQUIRE(c.linux);
    CHECK(c.linux->namespaces.size() == 8);
    CHECK(c.linux->resources->hugepageLimits.at(0).limit == 9223372036854772000ULL);
    CHECK(c.linux->resources->memory->kernel == -1);
    CHECK(c.linux->resources->cpu->burst == 1000000u);
    CHECK(c.hooks->poststart.at(0).timeout == 5);
    CHECK(c.process->user.additionalGids == std::vector<uint32_t>{5, 6});
}

TEST_CASE("every bad config fixture of the spec is rejected with a path-naming error", "[spec][fixtures]") {
    const std::map<std::string, std::string> expected = {
        {"invalid-json.json",
         "config.json: invalid JSON at line 1, column 2: expected a string (an object key), found ']'"},
        {"linux-hugepage.json",
         "config.json: linux.resources.hugepageLimits[0].pageSize: \"64kB\" is not a page size (expected "
         "<number>KB, <number>MB or <number>GB)"},
        {"linux-netdevice.json", "config.json: linux.netDevices[\"eth0\"].name: expected a string"},
        {"linux-rdma.json", "config.json: linux.resources.rdma[\"mlx5_1\"].hcaHandles: expected an integer"},
    };
    auto files = json_files(kSchemaDir / "test/config/bad");
    REQUIRE(files.size() == expected.size());
    for (const auto& f : files) {
        INFO(f.filename().string());
        REQUIRE(expected.count(f.filename().string()));
        CHECK(error_of(read_text(f)) == expected.at(f.filename().string()));
    }
}

TEST_CASE("the state fixtures of the spec", "[spec][fixtures]") {
    State s = parse_state(read_text(kSchemaDir / "test/state/good/spec-example.json"));
    CHECK(s.ociVersion == "0.2.0");
    CHECK(s.id == "oci-container1");
    CHECK(s.status == Status::Running);
    CHECK(s.pid == 4422);
    CHECK(s.bundle == "/containers/redis");
    CHECK(s.annotations == std::map<std::string, std::string>{{"myKey", "myValue"}});
    try {
        parse_state(read_text(kSchemaDir / "test/state/bad/invalid-json.json"));
        FAIL("accepted invalid JSON");
    } catch (const SpecError& e) {
        CHECK(std::string(e.what()).rfind("state.json: invalid JSON at line 1, column 2: ", 0) == 0);
    }
    // berth's state layouts satisfy the state schema.
    require_schema_valid("state-schema.json", state_to_json(s));
    require_schema_valid("state-schema.json", oci_state_to_json(s));
}

TEST_CASE("the schema check itself rejects invalid documents", "[spec][schema]") {
    // Guards the harness: if python3-jsonschema were missing or broken, every
    // check would fail rather than pass silently.
    SchemaResult bad = validate_with_schema("config-schema.json", R"({"root": {"path": 1}})");
    CHECK(bad.status == 1);
    CHECK(bad.output.find("'ociVersion' is a required property") != std::string::npos);
    SchemaResult fixture = validate_with_schema("features-schema.json",
                                                read_text(kSchemaDir / "test/features/bad/missing-ociVersionMax.json"));
    CHECK(fixture.status == 1);
}

TEST_CASE("the default config parses and matches config-schema.json", "[spec][schema][default]") {
    for (bool rootless : {false, true}) {
        for (bool cgroupns : {false, true}) {
            std::string text = default_config_json(rootless, 1000, 1001, cgroupns);
            INFO("rootless=" << rootless << " cgroupns=" << cgroupns);
            Config c = parse_config(text);
            CHECK(c == default_config(rootless, 1000, 1001, cgroupns));
            require_schema_valid("config-schema.json", text);
        }
    }
}

TEST_CASE("the default config has runc's content with ociVersion 1.3.0", "[spec][default]") {
    Config c = parse_config(default_config_json(false));
    CHECK(c.ociVersion == "1.3.0");
    CHECK(c.root->path == "rootfs");
    CHECK(c.root->readonly);
    CHECK(c.hostname == "berth");
    REQUIRE(c.process);
    CHECK(c.process->terminal);
    CHECK(c.process->args == strs({"sh"}));
    CHECK(c.process->cwd == "/");
    CHECK(c.process->noNewPrivileges);
    CHECK(c.process->user.uid == 0);
    const auto caps = strs({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
    CHECK(c.process->capabilities->bounding == caps);
    CHECK(c.process->capabilities->effective == caps);
    CHECK(c.process->capabilities->permitted == caps);
    CHECK_FALSE(c.process->capabilities->inheritable);
    CHECK_FALSE(c.process->capabilities->ambient);
    CHECK(c.process->rlimits == std::vector<Rlimit>{{"RLIMIT_NOFILE", 1024, 1024}});
    std::vector<std::string> dests;
    for (const auto& m : c.mounts) dests.push_back(m.destination);
    CHECK(dests == strs({"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"}));
    CHECK(c.mounts[2].options.back() == "gid=5");
    CHECK(c.mounts[5].type == "sysfs");
    std::vector<NamespaceType> ns;
    for (const auto& n : c.linux->namespaces) ns.push_back(n.type);
    CHECK(ns == std::vector<NamespaceType>{NamespaceType::Pid, NamespaceType::Network, NamespaceType::Ipc,
                                           NamespaceType::Uts, NamespaceType::Mount});
    CHECK(c.linux->maskedPaths.size() == 11);
    CHECK(c.linux->maskedPaths.back() == "/sys/devices/virtual/tpm");
    CHECK(c.linux->readonlyPaths == strs({"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}));
    REQUIRE(c.linux->resources);
    CHECK(c.linux->resources->devices.size() == 1);
    CHECK(c.linux->uidMappings.empty());

    // Indented with tabs, keys in runc's order.
    std::string text = default_config_json(false);
    CHECK(text.rfind("{\n\t\"ociVersion\": \"1.3.0\",\n\t\"process\": {\n\t\t\"terminal\": true,", 0) == 0);

    Config cg = parse_config(default_config_json(false, 0, 0, true));
    CHECK(cg.linux->namespaces.back().type == NamespaceType::Cgroup);
}

TEST_CASE("the rootless default config follows runc's ToRootless", "[spec][default]") {
    Config c = parse_config(default_config_json(true, 1000, 1001));
    std::vector<NamespaceType> ns;
    for (const auto& n : c.linux->namespaces) ns.push_back(n.type);
    CHECK(ns == std::vector<NamespaceType>{NamespaceType::Pid, NamespaceType::Ipc, NamespaceType::Uts,
                                           NamespaceType::Mount, NamespaceType::User});
    CHECK(c.linux->uidMappings == std::vector<IdMapping>{{0, 1000, 1}});
    CHECK(c.linux->gidMappings == std::vector<IdMapping>{{0, 1001, 1}});
    CHECK_FALSE(c.linux->resources);
    const Mount& sys = c.mounts.at(5);
    CHECK(sys.destination == "/sys");
    CHECK(sys.type == "none");
    CHECK(sys.source == "/sys");
    CHECK(sys.options == strs({"rbind", "nosuid", "noexec", "nodev", "ro"}));
    CHECK(c.mounts.at(2).options == strs({"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}));
}

TEST_CASE("serialized configs match config-schema.json", "[spec][schema]") {
    const char* full = R"({"ociVersion": "1.3.0", "root": {"path": "rootfs"},
      "mounts": [{"destination": "/d", "source": "/s", "options": ["bind", "idmap"],
                  "uidMappings": [{"containerID": 0, "hostID": 1, "size": 2}],
                  "gidMappings": [{"containerID": 0, "hostID": 1, "size": 2}]}],
      "process": {"cwd": "/", "args": ["sh"], "consoleSize": {"height": 1, "width": 2},
                  "user": {"uid": 1, "gid": 1, "umask": 18, "additionalGids": [3]},
                  "capabilities": {"ambient": []}, "oomScoreAdj": 5,
                  "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 0},
                  "scheduler": {"policy": "SCHED_FIFO", "priority": 10, "flags": ["SCHED_FLAG_RESET_ON_FORK"]},
                  "rlimits": [{"type": "RLIMIT_NPROC", "hard": 10, "soft": 5}],
                  "execCPUAffinity": {"initial": "0", "final": "0-1"}},
      "hooks": {"createRuntime": [{"path": "/h", "timeout": 3}]},
      "annotations": {"a": "b"},
      "linux": {"namespaces": [{"type": "user"}, {"type": "time"}, {"type": "cgroup"}],
                "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                "timeOffsets": {"boottime": {"secs": 1, "nanosecs": 2}},
                "devices": [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 438}],
                "cgroupsPath": "", "sysctl": {"kernel.msgmax": "8192"},
                "resources": {"devices": [{"allow": false}], "memory": {"limit": -1, "swappiness": 10},
                              "cpu": {"shares": 2, "cpus": "0"}, "pids": {"limit": 10},
                              "blockIO": {"weight": 100, "weightDevice": [{"major": 8, "minor": 0, "leafWeight": 10}],
                                          "throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 1}]},
                              "hugepageLimits": [{"pageSize": "2MB", "limit": 0}],
                              "network": {"classID": 1, "priorities": [{"name": "lo", "priority": 1}]},
                              "rdma": {"mlx": {"hcaObjects": 1}}, "unified": {"memory.max": "max"}},
                "intelRdt": {"closID": "g", "memBwSchema": "MB:0=20", "enableMonitoring": false},
                "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
                            "architectures": ["SCMP_ARCH_X86_64"], "flags": ["SECCOMP_FILTER_FLAG_TSYNC"],
                            "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
                                          "args": [{"index": 0, "value": 1, "valueTwo": 2, "op": "SCMP_CMP_NE"}]}]},
                "rootfsPropagation": "private", "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"],
                "mountLabel": "l", "personality": {"domain": "LINUX"},
                "netDevices": {"eth1": {"name": "net1"}},
                "memoryPolicy": {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_RELATIVE_NODES"]}}})";
    Config c = parse_config(full);
    require_schema_valid("config-schema.json", config_to_json(c));
    require_schema_valid("config-schema.json", config_to_json(c, 2));
}

TEST_CASE("features_to_json writes features.md's structure", "[spec][schema][features]") {
    Features f;
    f.ociVersionMin = "1.0.0";
    f.ociVersionMax = "1.0.2-dev";
    f.hooks = std::vector<std::string>(known::kHooks.begin(), known::kHooks.end());
    nlohmann::json runc = nlohmann::json::parse(read_text(kSchemaDir / "test/features/good/runc.json"));
    f.mountOptions = runc["mountOptions"].get<std::vector<std::string>>();
    LinuxFeatures l;
    l.namespaces = strs({"cgroup", "ipc", "mount", "network", "pid", "user", "uts"});
    l.capabilities = runc["linux"]["capabilities"].get<std::vector<std::string>>();
    l.cgroup = CgroupFeatures{true, true, true, true, std::nullopt};
    SeccompFeatures s;
    s.enabled = true;
    s.actions = strs({"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
                      "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"});
    s.operators = std::vector<std::string>(known::kSeccompOperators.begin(), known::kSeccompOperators.end());
    s.archs = runc["linux"]["seccomp"]["archs"].get<std::vector<std::string>>();
    s.knownFlags = strs({"SECCOMP_FILTER_FLAG_LOG"});
    s.supportedFlags = strs({"SECCOMP_FILTER_FLAG_LOG"});
    l.seccomp = s;
    l.apparmor = EnabledFeature{true};
    l.selinux = EnabledFeature{true};
    l.netDevices = EnabledFeature{true};
    f.linux = l;
    f.annotations = runc["annotations"].get<std::map<std::string, std::string>>();

    std::string out = features_to_json(f);
    // Same document as the spec's runc fixture.
    CHECK(nlohmann::json::parse(out) == runc);
    CHECK(out.rfind("{\n  \"ociVersionMin\": \"1.0.0\",\n  \"ociVersionMax\": \"1.0.2-dev\",\n  \"hooks\": [\n    "
                    "\"prestart\",",
                    0) == 0);
    require_schema_valid("features-schema.json", out);

    // The rest of features-linux.md, and null vs empty.
    f.potentiallyUnsafeConfigAnnotations = strs({"org.systemd.property."});
    f.linux->intelRdt = IntelRdtFeatures{true, true, false};
    f.linux->mountExtensions = MountExtensionsFeatures{EnabledFeature{true}};
    f.linux->memoryPolicy = MemoryPolicyFeatures{
        std::vector<std::string>(known::kMemoryPolicyModes.begin(), known::kMemoryPolicyModes.end()),
        std::vector<std::string>{}};
    f.linux->selinux = EnabledFeature{};
    nlohmann::json more = nlohmann::json::parse(features_to_json(f));
    CHECK(more["potentiallyUnsafeConfigAnnotations"] == nlohmann::json::array({"org.systemd.property."}));
    CHECK(more["linux"]["intelRdt"] == nlohmann::json({{"enabled", true}, {"schemata", true}, {"monitoring", false}}));
    CHECK(more["linux"]["mountExtensions"]["idmap"]["enabled"] == true);
    CHECK(more["linux"]["memoryPolicy"]["flags"] == nlohmann::json::array());
    CHECK(more["linux"]["memoryPolicy"]["modes"].size() == 7);
    CHECK(more["linux"]["selinux"] == nlohmann::json::object());
    require_schema_valid("features-schema.json", features_to_json(f));

    Features minimal;
    minimal.ociVersionMin = "1.0.0";
    minimal.ociVersionMax = "1.3.0";
    CHECK(features_to_json(minimal) == "{\n  \"ociVersionMin\": \"1.0.0\",\n  \"ociVersionMax\": \"1.3.0\"\n}");
    require_schema_valid("features-schema.json", features_to_json(minimal));
}

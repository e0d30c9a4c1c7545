// Device rules: the v1 model (emulator), the minimal v1 writes, runc's
// default list, and the eBPF program for v2, run here in a tiny interpreter
// of the instructions berth emits (no root, no kernel).
#include <linux/bpf.h>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/cgroups/device_filter.hpp"
#include "runtime/cgroups/devices.hpp"

using namespace berth;
using namespace berth::cgroups;

namespace {

spec::DeviceCgroupRule rule(bool allow, std::string type, std::optional<int64_t> major, std::optional<int64_t> minor,
                            std::string access) {
    spec::DeviceCgroupRule r;
    r.allow = allow;
    r.type = std::move(type);
    r.major = major;
    r.minor = minor;
    r.access = std::move(access);
    return r;
}

// Runs a BPF_PROG_TYPE_CGROUP_DEVICE program on one request. Only the
// instructions the builder emits are understood; anything else fails the test.
int run_filter(const std::vector<bpf_insn>& prog, uint32_t type, uint32_t access, uint32_t major, uint32_t minor) {
    uint32_t ctx[3] = {type | (access << 16), major, minor};
    uint64_t reg[11] = {};
    size_t pc = 0;
    int steps = 0;
    while (true) {
        REQUIRE(pc < prog.size());
        REQUIRE(++steps < 100000);
        const bpf_insn& i = prog[pc];
        const uint8_t cls = BPF_CLASS(i.code);
        if (i.code == (BPF_LDX | BPF_W | BPF_MEM)) {
            REQUIRE(i.src_reg == 1);
            REQUIRE((i.off == 0 || i.off == 4 || i.off == 8));
            reg[i.dst_reg] = ctx[i.off / 4];
        } else if (cls == BPF_ALU) {
            uint32_t src = BPF_SRC(i.code) == BPF_K ? static_cast<uint32_t>(i.imm) : static_cast<uint32_t>(reg[i.src_reg]);
            uint32_t dst = static_cast<uint32_t>(reg[i.dst_reg]);
            switch (BPF_OP(i.code)) {
                case BPF_AND: dst &= src; break;
                case BPF_RSH: dst >>= src; break;
                case BPF_MOV: dst = src; break;
                default: FAIL("unexpected ALU op " << int(i.code));
            }
            reg[i.dst_reg] = dst;  // 32-bit ops zero the upper half
        } else if (i.code == (BPF_ALU64 | BPF_MOV | BPF_K)) {
            reg[i.dst_reg] = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
        } else if (i.code == (BPF_JMP32 | BPF_JNE | BPF_K)) {
            if (static_cast<uint32_t>(reg[i.dst_reg]) != static_cast<uint32_t>(i.imm)) pc += i.off;
        } else if (i.code == (BPF_JMP | BPF_JNE | BPF_X)) {
            if (reg[i.dst_reg] != reg[i.src_reg]) pc += i.off;
        } else if (i.code == (BPF_JMP | BPF_EXIT)) {
            return static_cast<int>(reg[0]);
        } else {
            FAIL("unexpected instruction code " << int(i.code));
        }
        ++pc;
    }
}

bool allowed(const std::vector<bpf_insn>& p, char type, uint32_t major, uint32_t minor, char access) {
    uint32_t t = type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
    uint32_t a = access == 'r' ? BPF_DEVCG_ACC_READ : access == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
    int r = run_filter(p, t, a, major, minor);
    REQUIRE((r == 0 || r == 1));
    return r == 1;
}

// The same question asked of the emulated v1 state directly.
bool model_allows(const DeviceState& s, char type, uint32_t major, uint32_t minor, char access) {
    uint8_t bit = access == 'r' ? kAccessRead : access == 'w' ? kAccessWrite : kAccessMknod;
    for (const auto& e : s.exceptions)
        if (e.type == type && (e.major < 0 || e.major == major) && (e.minor < 0 || e.minor == minor) && (e.access & bit))
            return !s.defaultAllow;
    return s.defaultAllow;
}

std::vector<spec::DeviceCgroupRule> docker_default() {
    return {rule(false, "a", {}, {}, "rwm"),  rule(true, "c", 1, 5, "rwm"),  rule(true, "c", 1, 3, "rwm"),
            rule(true, "c", 1, 9, "rwm"),     rule(true, "c", 1, 8, "rwm"),  rule(true, "c", 5, 0, "rwm"),
            rule(true, "c", 5, 1, "rwm"),     rule(true, "c", 10, 229, "rwm"), rule(true, "c", 136, {}, "rw"),
            rule(false, "c", 10, 229, "m")};
}

}  // namespace

TEST_CASE("spec rules convert with defaults and validation", "[cgroup_devices]") {
    auto rs = to_device_rules({rule(true, "", {}, {}, ""), rule(false, "b", 8, {}, "rw")});
    REQUIRE(rs.size() == 2);
    CHECK(rs[0].cgroup_string() == "a *:* rwm");
    CHECK(rs[1].cgroup_string() == "b 8:* rw");
    CHECK_THROWS_WITH(to_device_rules({rule(true, "x", {}, {}, "r")}),
                      Catch::StartsWith("linux.resources.devices[0]: invalid device type"));
    CHECK_THROWS_WITH(to_device_rules({rule(true, "c", 1, 3, "rwx")}),
                      Catch::StartsWith("linux.resources.devices[0]: invalid access"));
    CHECK_THROWS_WITH(to_device_rules({rule(true, "c", -5, 3, "r")}), Catch::Contains("out of range"));
}

TEST_CASE("the emulator follows the v1 devices controller", "[cgroup_devices]") {
    DeviceState s = emulate_devices(to_device_rules(docker_default()));
    CHECK_FALSE(s.defaultAllow);
    std::vector<std::string> lines;
    for (const auto& e : s.exceptions) lines.push_back(e.cgroup_string());
    CHECK(lines == std::vector<std::string>{"c 1:3 rwm", "c 1:5 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm",
                                            "c 5:1 rwm", "c 10:229 rw", "c 136:* rw"});

    // No rules at all: deny everything.
    CHECK(emulate_devices({}) == DeviceState{false, {}});
    // A wildcard resets: allow all, then deny exceptions.
    DeviceState bl = emulate_devices(to_device_rules({rule(true, "c", 1, 3, "r"), rule(true, "a", {}, {}, "rwm"),
                                                      rule(false, "b", 8, 0, "w")}));
    CHECK(bl.defaultAllow);
    REQUIRE(bl.exceptions.size() == 1);
    CHECK(bl.exceptions[0].cgroup_string() == "b 8:0 w");
    CHECK_FALSE(bl.exceptions[0].allow);

    // Hole punching in a wildcard cannot be expressed on v1: refused, like runc.
    CHECK_THROWS_WITH(emulate_devices(to_device_rules(
                          {rule(false, "a", {}, {}, "rwm"), rule(true, "c", {}, {}, "rwm"), rule(false, "c", 1, 3, "w")})),
                      Catch::StartsWith("linux.resources.devices[2]") && Catch::Contains("punch a hole"));
}

TEST_CASE("v1 writes: reset only when needed, then the difference", "[cgroup_devices]") {
    DeviceState target = emulate_devices(to_device_rules(docker_default()));
    // From a new cgroup (allow-all): reset to deny, then every exception.
    auto w = v1_device_writes(parse_devices_list("a *:* rwm\n"), target);
    REQUIRE(w.size() == 9);
    CHECK(w[0] == std::pair<std::string, std::string>{"devices.deny", "a *:* rwm"});
    CHECK(w[1] == std::pair<std::string, std::string>{"devices.allow", "c 1:3 rwm"});
    CHECK(w[8] == std::pair<std::string, std::string>{"devices.allow", "c 136:* rw"});

    // Already there: nothing to write (an update never denies everything for a moment).
    CHECK(v1_device_writes(target, target).empty());
    std::string list;
    for (const auto& e : target.exceptions) list += e.cgroup_string() + "\n";
    CHECK(parse_devices_list(list) == target);
    CHECK(v1_device_writes(parse_devices_list(list), target).empty());

    // An update that drops /dev/full's write and adds /dev/fuse.
    auto next = docker_default();
    next.push_back(rule(false, "c", 1, 3, "w"));
    next.push_back(rule(true, "c", 10, 229, "m"));
    next.push_back(rule(true, "c", 10, 200, "rwm"));
    auto u = v1_device_writes(target, emulate_devices(to_device_rules(next)));
    CHECK(u == std::vector<std::pair<std::string, std::string>>{{"devices.deny", "c 1:3 w"},
                                                                 {"devices.allow", "c 10:200 rwm"},
                                                                 {"devices.allow", "c 10:229 m"}});

    // Privileged: allow all.
    auto p = v1_device_writes(target, emulate_devices(to_device_rules({rule(true, "a", {}, {}, "rwm")})));
    CHECK(p == std::vector<std::pair<std::string, std::string>>{{"devices.allow", "a *:* rwm"}});
}

TEST_CASE("runc's default device rules are appended", "[cgroup_devices]") {
    spec::Linux linux;
    auto rules = container_device_rules(linux);
    REQUIRE(rules.size() == 11);
    CHECK(rules[0] == rule(true, "c", {}, {}, "m"));
    CHECK(rules[2] == rule(true, "c", 1, 3, "rwm"));
    CHECK(rules[10] == rule(true, "c", 10, 200, "rwm"));

    linux.resources = spec::Resources{};
    linux.resources->devices = {rule(false, "a", {}, {}, "rwm")};
    spec::Device null;
    null.path = "/dev/null";
    null.type = "c";
    linux.devices.push_back(null);
    rules = container_device_rules(linux);
    REQUIRE(rules.size() == 11);  // the spec's rule + 10 defaults (no /dev/null default: the spec redefines it)
    CHECK(rules[0] == rule(false, "a", {}, {}, "rwm"));
    for (const auto& r : rules) CHECK_FALSE((r.major == 1 && r.minor == 3));
}

TEST_CASE("eBPF program: evaluation, structure, wildcard cut-off", "[cgroup_devices]") {
    auto state = emulate_devices(to_device_rules(container_device_rules(spec::Linux{})));
    auto p = device_filter_program(state);
    CHECK(p.size() < 4096);
    CHECK(p.back().code == (BPF_JMP | BPF_EXIT));
    CHECK(allowed(p, 'c', 1, 3, 'r'));
    CHECK(allowed(p, 'c', 1, 3, 'w'));
    CHECK(allowed(p, 'c', 136, 7, 'w'));     // /dev/pts/7
    CHECK(allowed(p, 'c', 4, 1, 'm'));       // mknod of anything
    CHECK(allowed(p, 'b', 8, 0, 'm'));
    CHECK_FALSE(allowed(p, 'b', 8, 0, 'r'));  // disks are denied
    CHECK_FALSE(allowed(p, 'c', 4, 1, 'r'));
    CHECK_FALSE(allowed(p, 'c', 1, 4, 'w'));

    // Generic lists: the last matching rule wins.
    std::vector<DeviceRule> list = to_device_rules(
        {rule(true, "c", 1, {}, "rw"), rule(false, "c", 1, 3, "w"), rule(true, "a", 7, {}, "r")});
    auto q = device_filter_program(list, false);
    CHECK(allowed(q, 'c', 1, 3, 'r'));
    CHECK_FALSE(allowed(q, 'c', 1, 3, 'w'));
    CHECK(allowed(q, 'c', 1, 9, 'w'));
    CHECK(allowed(q, 'b', 7, 1, 'r'));   // type 'a' matches block
    CHECK(allowed(q, 'c', 7, 1, 'r'));   // and char
    CHECK_FALSE(allowed(q, 'b', 7, 1, 'w'));
    CHECK_FALSE(allowed(q, 'c', 2, 0, 'r'));
    CHECK(allowed(device_filter_program(list, true), 'c', 2, 0, 'r'));

    // A final rule that matches everything makes the rest unreachable: not emitted.
    std::vector<DeviceRule> all = to_device_rules({rule(false, "c", 1, 3, "r"), rule(true, "a", {}, {}, "rwm")});
    auto a = device_filter_program(all, false);
    CHECK(a.size() == 8);  // 6 loads + one verdict block
    CHECK(allowed(a, 'c', 1, 3, 'r'));

    // Numbers above INT32_MAX compare as u32.
    std::vector<DeviceRule> big = to_device_rules({rule(true, "c", 4294967295LL, 0, "r")});
    auto b = device_filter_program(big, false);
    CHECK(allowed(b, 'c', 4294967295u, 0, 'r'));
    CHECK_FALSE(allowed(b, 'c', 2147483647u, 0, 'r'));
}

TEST_CASE("eBPF program agrees with the v1 model on every probe", "[cgroup_devices]") {
    const std::vector<std::vector<spec::DeviceCgroupRule>> cases = {
        docker_default(),
        container_device_rules(spec::Linux{}),
        {rule(true, "a", {}, {}, "rwm"), rule(false, "c", 1, 3, "rw"), rule(false, "b", {}, {}, "w")},
        {rule(false, "a", {}, {}, "rwm"), rule(true, "b", 8, {}, "r"), rule(true, "b", 8, 0, "rw"),
         rule(false, "b", 8, 0, "w"), rule(true, "c", {}, 3, "m")},
        {},
    };
    for (const auto& c : cases) {
        DeviceState s = emulate_devices(to_device_rules(c));
        auto p = device_filter_program(s);
        for (char type : {'c', 'b'})
            for (uint32_t major : {1u, 5u, 8u, 10u, 136u, 254u})
                for (uint32_t minor : {0u, 1u, 3u, 5u, 200u, 229u})
                    for (char acc : {'r', 'w', 'm'}) {
                        INFO(type << " " << major << ":" << minor << " " << acc);
                        CHECK(allowed(p, type, major, minor, acc) == model_allows(s, type, major, minor, acc));
                    }
    }
}

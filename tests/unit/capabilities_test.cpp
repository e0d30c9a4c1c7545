#include <linux/capability.h>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <string>

#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/kernel/capabilities.hpp"

using namespace berth::kernel;

namespace {

uint64_t mask(std::initializer_list<int> caps) {
    uint64_t m = 0;
    for (int c : caps) m |= uint64_t{1} << c;
    return m;
}

constexpr uint64_t kAll = ~uint64_t{0};

}  // namespace

TEST_CASE("capability names parse exactly as the spec spells them", "[capabilities]") {
    CHECK(parse_capability("CAP_CHOWN") == CAP_CHOWN);
    CHECK(parse_capability("CAP_SYS_ADMIN") == CAP_SYS_ADMIN);
    CHECK(parse_capability("CAP_NET_BIND_SERVICE") == CAP_NET_BIND_SERVICE);
    CHECK(parse_capability("CAP_AUDIT_READ") == CAP_AUDIT_READ);
    CHECK(parse_capability("CAP_CHECKPOINT_RESTORE") == 40);
    CHECK(parse_capability("CAP_SYS_RESOURCE") == CAP_SYS_RESOURCE);
    // runc matches "CAP_" + upper case only.
    CHECK_FALSE(parse_capability("cap_chown"));
    CHECK_FALSE(parse_capability("Cap_Chown"));
    CHECK_FALSE(parse_capability("CHOWN"));
    CHECK_FALSE(parse_capability("CAP_"));
    CHECK_FALSE(parse_capability(""));
    CHECK_FALSE(parse_capability("CAP_FOO"));
    CHECK_FALSE(parse_capability("0"));
    CHECK_FALSE(parse_capability("CAP_0"));
    CHECK_FALSE(parse_capability("CAP_CHOWN "));
}

TEST_CASE("every known capability round-trips through its name", "[capabilities]") {
    const auto names = known_capabilities();
    REQUIRE(names.size() >= 41);  // CAP_CHOWN (0) .. CAP_CHECKPOINT_RESTORE (40)
    CHECK(names.front() == "CAP_CHOWN");
    CHECK(std::find(names.begin(), names.end(), "CAP_BPF") != names.end());
    CHECK(std::find(names.begin(), names.end(), "CAP_PERFMON") != names.end());
    for (const auto& n : names) {
        INFO(n);
        auto cap = parse_capability(n);
        REQUIRE(cap);
        CHECK(capability_name(*cap) == n);
    }
    CHECK(capability_name(63) == "CAP_63");
}

TEST_CASE("capability lists for messages", "[capabilities]") {
    CHECK(capability_list(0).empty());
    CHECK(capability_list(mask({CAP_KILL, CAP_CHOWN})) == "CAP_CHOWN, CAP_KILL");
}

TEST_CASE("absent capabilities mean an empty set everywhere", "[capabilities]") {
    auto r = resolve_capabilities(std::nullopt, kAll);
    CHECK(r.sets.bounding == 0);
    CHECK(r.sets.effective == 0);
    CHECK(r.sets.permitted == 0);
    CHECK(r.sets.inheritable == 0);
    CHECK(r.sets.ambient == 0);
    CHECK(r.warnings.empty());
}

TEST_CASE("resolving a consistent spec keeps every set", "[capabilities]") {
    berth::spec::Capabilities c;
    c.bounding = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    c.permitted = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    c.effective = {"CAP_CHOWN", "CAP_KILL"};
    c.inheritable = {"CAP_NET_BIND_SERVICE"};
    c.ambient = {"CAP_NET_BIND_SERVICE"};
    auto r = resolve_capabilities(c, kAll);
    CHECK(r.warnings.empty());
    CHECK(r.sets.bounding == mask({CAP_CHOWN, CAP_KILL, CAP_NET_BIND_SERVICE}));
    CHECK(r.sets.permitted == mask({CAP_CHOWN, CAP_KILL, CAP_NET_BIND_SERVICE}));
    CHECK(r.sets.effective == mask({CAP_CHOWN, CAP_KILL}));
    CHECK(r.sets.inheritable == mask({CAP_NET_BIND_SERVICE}));
    CHECK(r.sets.ambient == mask({CAP_NET_BIND_SERVICE}));
}

TEST_CASE("unknown and unavailable capabilities are dropped with one warning naming them", "[capabilities]") {
    berth::spec::Capabilities c;
    c.bounding = {"CAP_CHOWN", "CAP_SYS_RESOURCE", "CAP_FOO"};
    c.permitted = {"CAP_CHOWN", "CAP_SYS_RESOURCE"};
    c.effective = {"CAP_CHOWN", "CAP_SYS_RESOURCE", "cap_kill"};
    // As on this host: everything but CAP_SYS_RESOURCE can be granted.
    auto r = resolve_capabilities(c, kAll & ~mask({CAP_SYS_RESOURCE}));
    CHECK(r.sets.bounding == mask({CAP_CHOWN}));
    CHECK(r.sets.permitted == mask({CAP_CHOWN}));
    CHECK(r.sets.effective == mask({CAP_CHOWN}));
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0] == "ignoring unknown or unavailable capabilities: CAP_SYS_RESOURCE, CAP_FOO, cap_kill");
}

TEST_CASE("sets the kernel would refuse are trimmed with warnings", "[capabilities]") {
    berth::spec::Capabilities c;
    c.bounding = {"CAP_CHOWN", "CAP_KILL"};
    c.permitted = {"CAP_CHOWN"};
    c.effective = {"CAP_CHOWN", "CAP_KILL"};       // CAP_KILL not permitted
    c.inheritable = {"CAP_CHOWN", "CAP_SETUID"};   // CAP_SETUID not in bounding
    c.ambient = {"CAP_CHOWN", "CAP_KILL"};         // CAP_KILL neither permitted nor inheritable
    auto r = resolve_capabilities(c, kAll);
    CHECK(r.sets.effective == mask({CAP_CHOWN}));
    CHECK(r.sets.inheritable == mask({CAP_CHOWN}));
    CHECK(r.sets.ambient == mask({CAP_CHOWN}));
    REQUIRE(r.warnings.size() == 3);
    CHECK(r.warnings[0] == "ignoring effective capabilities not in the permitted set: CAP_KILL");
    CHECK(r.warnings[1] == "ignoring inheritable capabilities not in the bounding set: CAP_SETUID");
    CHECK(r.warnings[2] == "ignoring ambient capabilities not in both the permitted and inheritable sets: CAP_KILL");
}

TEST_CASE("the running kernel's capabilities are probed", "[capabilities]") {
    // /proc/sys/kernel/cap_last_cap holds the same number.
    FILE* f = std::fopen("/proc/sys/kernel/cap_last_cap", "r");
    REQUIRE(f);
    int last = -1;
    REQUIRE(std::fscanf(f, "%d", &last) == 1);
    std::fclose(f);
    CHECK(last_capability() == last);
    // Whatever this process may grant is a subset of what the kernel knows.
    CHECK((available_capabilities() & ~((uint64_t{1} << (last + 1)) - 1)) == 0);
}

namespace {

// Runs f in a forked child (the bounding set cannot be given back) and
// returns what it wrote, or "exit <n>" when it died otherwise.
std::string in_child(const std::function<std::string()>& f) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        std::string out;
        try {
            out = f();
        } catch (const std::exception& e) {
            out = std::string("error: ") + e.what();
        }
        (void)!::write(fds[1], out.data(), out.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "exit " + std::to_string(status);
    return out;
}

std::string bounding_list() {
    uint64_t set = 0;
    for (int c = 0; c < 64; ++c)
        if (::prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1) set |= uint64_t{1} << c;
    return capability_list(set);
}

}  // namespace

TEST_CASE("the bounding set is dropped to what is kept", "[capabilities]") {
    if (::prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) != 1 || ::geteuid() != 0) {
        WARN("needs root with CAP_SETPCAP: skipped");
        return;
    }
    CHECK(in_child([] {
              drop_bounding_set(mask({CAP_CHOWN, CAP_KILL, CAP_SETPCAP}));
              std::string out = bounding_list();
              // Dropping what is already gone is no error.
              drop_bounding_set(mask({CAP_CHOWN, CAP_KILL, CAP_SETPCAP}));
              return out + "; " + bounding_list();
          }) == "CAP_CHOWN, CAP_KILL, CAP_SETPCAP; CAP_CHOWN, CAP_KILL, CAP_SETPCAP");

    // Without CAP_SETPCAP every drop fails (EPERM): that is only an error
    // for a capability still in the set, and the message names it.
    CHECK(in_child([] {
              drop_bounding_set(mask({CAP_CHOWN, CAP_KILL}));
              apply_capability_sets(CapabilitySets{});  // effective and permitted emptied
              drop_bounding_set(mask({CAP_CHOWN, CAP_KILL}));
              std::string out = bounding_list();
              try {
                  drop_bounding_set(mask({CAP_CHOWN}));
              } catch (const berth::Error& e) {
                  return out + "; " + e.what() + " (" + std::to_string(e.code()) + ")";
              }
              return out + "; no error";
          }) == "CAP_CHOWN, CAP_KILL; drop CAP_KILL from the bounding set: operation not permitted (" +
                    std::to_string(EPERM) + ")");
}

TEST_CASE("only the capabilities a spec names are looked up", "[capabilities]") {
    berth::spec::Capabilities caps;
    caps.bounding = std::vector<std::string>{"CAP_CHOWN", "CAP_KILL"};
    caps.effective = std::vector<std::string>{"CAP_KILL", "CAP_FOO", "cap_net_raw"};
    caps.ambient = std::vector<std::string>{"CAP_SYS_ADMIN"};
    CHECK(named_capabilities(caps) == mask({CAP_CHOWN, CAP_KILL, CAP_SYS_ADMIN}));
    CHECK(named_capabilities(std::nullopt) == 0);

    const uint64_t all = available_capabilities();
    CHECK(available_capabilities(0) == 0);
    CHECK(available_capabilities(mask({CAP_CHOWN, CAP_KILL})) == (all & mask({CAP_CHOWN, CAP_KILL})));
    CHECK(available_capabilities(kAll) == all);
    // The same resolution as with everything looked up.
    const auto full = resolve_capabilities(caps, all);
    const auto named = resolve_capabilities(caps, available_capabilities(named_capabilities(caps)));
    CHECK(full.sets.bounding == named.sets.bounding);
    CHECK(full.sets.effective == named.sets.effective);
    CHECK(full.sets.ambient == named.sets.ambient);
    CHECK(full.warnings == named.warnings);
}

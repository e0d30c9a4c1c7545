#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/kernel/sysctl.hpp"

using namespace berth::kernel;
using berth::spec::NamespaceType;

namespace {

berth::spec::Config config_with(std::initializer_list<berth::spec::Namespace> namespaces,
                                std::map<std::string, std::string> sysctl) {
    berth::spec::Config c;
    c.linux.emplace();
    c.linux->namespaces = namespaces;
    c.linux->sysctl = std::move(sysctl);
    return c;
}

std::string error_of(const berth::spec::Config& c) {
    try {
        validate_sysctls(c);
    } catch (const berth::Error& e) {
        return e.what();
    }
    return "(no error)";
}

const berth::spec::Namespace kIpc{NamespaceType::Ipc, ""};
const berth::spec::Namespace kNet{NamespaceType::Network, ""};
const berth::spec::Namespace kUts{NamespaceType::Uts, ""};
const berth::spec::Namespace kMnt{NamespaceType::Mount, ""};

}  // namespace

TEST_CASE("keys in slash form are converted like sysctl(8)", "[sysctl]") {
    CHECK(sysctl_dotted("kernel.shm_rmid_forced") == "kernel.shm_rmid_forced");
    CHECK(sysctl_dotted("kernel/shm_rmid_forced") == "kernel.shm_rmid_forced");
    CHECK(sysctl_dotted("net.ipv4.conf.eno2/100.rp_filter") == "net.ipv4.conf.eno2/100.rp_filter");
    CHECK(sysctl_dotted("net/ipv4/conf/eno2.100/rp_filter") == "net.ipv4.conf.eno2/100.rp_filter");
    CHECK(sysctl_dotted("net/ipv4/ip_local_port_range") == "net.ipv4.ip_local_port_range");
    CHECK(sysctl_path("net.ipv4.ip_forward") == "net/ipv4/ip_forward");
    CHECK(sysctl_path("net.ipv4.conf.eno2/100.rp_filter") == "net/ipv4/conf/eno2.100/rp_filter");
    CHECK(sysctl_path("net/ipv4/conf/eno2.100/rp_filter") == "net/ipv4/conf/eno2.100/rp_filter");
    CHECK(sysctl_path("kernel.msgmax") == "kernel/msgmax");
}

TEST_CASE("ipc sysctls need an ipc namespace", "[sysctl]") {
    for (const char* key : {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
                            "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", "fs.mqueue.queues_max",
                            "kernel/shmmax"}) {
        INFO(key);
        CHECK(error_of(config_with({kIpc}, {{key, "1"}})) == "(no error)");
        // Joining an existing ipc namespace by path is fine too.
        CHECK(error_of(config_with({{NamespaceType::Ipc, "/proc/1/ns/ipc"}}, {{key, "1"}})) == "(no error)");
        CHECK(error_of(config_with({kNet, kUts, kMnt}, {{key, "1"}})) ==
              "sysctl \"" + sysctl_dotted(key) + "\" is not allowed in the hosts ipc namespace");
    }
}

TEST_CASE("net sysctls need a network namespace of their own", "[sysctl]") {
    CHECK(error_of(config_with({kNet}, {{"net.ipv4.ip_forward", "1"}})) == "(no error)");
    CHECK(error_of(config_with({kNet}, {{"net/ipv4/conf/eth0.100/rp_filter", "1"}})) == "(no error)");
    CHECK(error_of(config_with({kIpc, kUts}, {{"net.ipv4.ip_forward", "1"}})) ==
          "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace");
    // Joining the namespace we are in is no isolation.
    CHECK(error_of(config_with({{NamespaceType::Network, "/proc/self/ns/net"}}, {{"net.core.somaxconn", "256"}})) ==
          "sysctl \"net.core.somaxconn\" not allowed in host network namespace");
    CHECK(error_of(config_with({{NamespaceType::Network, "/nonexistent/netns"}}, {{"net.core.somaxconn", "256"}})) ==
          "invalid netns path: stat /nonexistent/netns: no such file or directory");
}

TEST_CASE("uts sysctls: domainname allowed, hostname refused", "[sysctl]") {
    CHECK(error_of(config_with({kUts}, {{"kernel.domainname", "example.org"}})) == "(no error)");
    CHECK(error_of(config_with({kUts}, {{"kernel.hostname", "x"}})) ==
          "sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" field");
    CHECK(error_of(config_with({kIpc}, {{"kernel.domainname", "example.org"}})) ==
          "sysctl \"kernel.domainname\" is not in a separate kernel namespace");
}

TEST_CASE("sysctls no namespace isolates are refused", "[sysctl]") {
    auto all = {kIpc, kNet, kUts, kMnt};
    CHECK(error_of(config_with(all, {{"vm.swappiness", "10"}})) ==
          "sysctl \"vm.swappiness\" is not in a separate kernel namespace");
    CHECK(error_of(config_with(all, {{"kernel.pid_max", "10"}})) ==
          "sysctl \"kernel.pid_max\" is not in a separate kernel namespace");
    CHECK(error_of(config_with(all, {{"fs.file-max", "10"}})) ==
          "sysctl \"fs.file-max\" is not in a separate kernel namespace");
}

TEST_CASE("keys that could escape /proc/sys are refused", "[sysctl]") {
    auto all = {kIpc, kNet, kUts};
    for (const char* key : {"", "net..ipv4", "net.ipv4.", ".net", "net/../../etc/passwd", "net/./x"}) {
        INFO(key);
        CHECK(error_of(config_with(all, {{key, "1"}})) == std::string("invalid sysctl key \"") + key + "\"");
    }
}

TEST_CASE("no sysctls, no linux section: nothing to refuse", "[sysctl]") {
    CHECK(error_of(berth::spec::Config{}) == "(no error)");
    CHECK(error_of(config_with({}, {})) == "(no error)");
}

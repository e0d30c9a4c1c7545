// prepare_idmapped_sources: which mounts the runtime id-maps before the clone,
// and the errors it reports before touching the kernel. No root needed: the
// cases here never reach open_tree or a user namespace.
#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "runtime/kernel/idmap_userns.hpp"

using namespace berth::kernel;
using berth::spec::NamespaceType;

namespace {

berth::spec::Mount mount(const std::string& dest, const std::string& type, std::vector<std::string> options) {
    berth::spec::Mount m;
    m.destination = dest;
    m.type = type;
    m.source = "/nonexistent-berth-idmap-source";
    m.options = std::move(options);
    return m;
}

berth::spec::Config config_with(std::vector<berth::spec::Namespace> namespaces, std::vector<berth::spec::Mount> mounts) {
    berth::spec::Config c;
    c.linux.emplace();
    c.linux->namespaces = std::move(namespaces);
    c.mounts = std::move(mounts);
    return c;
}

std::string error_of(const berth::spec::Config& c) {
    try {
        prepare_idmapped_sources(c, "/bundle");
    } catch (const berth::Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("format_id_map writes one line per mapping", "[idmap]") {
    CHECK(format_id_map({{0, 100000, 65536}, {65536, 1000, 1}}) == "0 100000 65536\n65536 1000 1\n");
    CHECK(format_id_map({}) == "");
}

TEST_CASE("without a user namespace the container process maps its own mounts", "[idmap]") {
    // The source does not exist: preparing it would throw, so nothing was prepared.
    auto c = config_with({{NamespaceType::Mount, ""}}, {mount("/m", "bind", {"bind", "idmap"})});
    IdmappedSources s = prepare_idmapped_sources(c, "/bundle");
    CHECK(s.empty());
    CHECK(s.tree_for(c.mounts[0]) == -1);
    berth::spec::Config noLinux;
    noLinux.mounts = c.mounts;
    CHECK(prepare_idmapped_sources(noLinux, "/bundle").empty());
}

TEST_CASE("with a user namespace, mounts without idmap and non-bind mounts are left to the container", "[idmap]") {
    auto c = config_with({{NamespaceType::User, ""}, {NamespaceType::Mount, ""}},
                         {mount("/plain", "bind", {"rbind"}), mount("/t", "tmpfs", {"size=1m"})});
    c.linux->uidMappings = {{0, 100000, 65536}};
    c.linux->gidMappings = {{0, 100000, 65536}};
    CHECK(prepare_idmapped_sources(c, "/bundle").size() == 0);
}

TEST_CASE("uidMappings without gidMappings are an error before anything is made", "[idmap]") {
    auto m = mount("/m", "bind", {"bind"});
    m.source = "rel/src";
    m.uidMappings = {{0, 1000, 1}};
    auto c = config_with({{NamespaceType::User, ""}}, {m});
    CHECK(error_of(c) == "mount /bundle/rel/src on /m: uidMappings and gidMappings must be given together");
}

TEST_CASE("idmap in a new user namespace without its mappings is an error", "[idmap]") {
    auto c = config_with({{NamespaceType::User, ""}}, {mount("m", "bind", {"bind", "idmap"})});
    CHECK(error_of(c) == "mount /nonexistent-berth-idmap-source on /m: idmap needs uidMappings and gidMappings, "
                         "or a user namespace");
}

TEST_CASE("a joined user namespace that cannot be opened is reported with the mount", "[idmap]") {
    auto c = config_with({{NamespaceType::User, "/nonexistent-berth-userns"}}, {mount("/m", "bind", {"bind", "idmap"})});
    CHECK_THAT(error_of(c), Catch::StartsWith("mount /nonexistent-berth-idmap-source on /m: open user namespace "
                                              "/nonexistent-berth-userns"));
}

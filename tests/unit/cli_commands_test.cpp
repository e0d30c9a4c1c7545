// The CLI's own commands and the program entry: version, help, spec,
// features, unsupported commands, and how errors reach stderr and --log.
// Nothing here touches containers or /run/berth.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/cli/cli.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/kernel/mount_options.hpp"
#include "runtime/kernel/seccomp.hpp"

using namespace berth::cli;
namespace fs = std::filesystem;

namespace {

class CaptureFd {
public:
    explicit CaptureFd(int target) : target_(target) {
        char tmpl[] = "/tmp/berth-cli-capture-XXXXXX";
        file_ = ::mkostemp(tmpl, O_CLOEXEC);
        REQUIRE(file_ >= 0);
        ::unlink(tmpl);
        std::fflush(nullptr);
        saved_ = ::fcntl(target_, F_DUPFD_CLOEXEC, 0);
        ::dup2(file_, target_);
    }
    std::string finish() {
        if (saved_ < 0) return text_;
        std::fflush(nullptr);
        ::dup2(saved_, target_);
        ::close(saved_);
        saved_ = -1;
        ::lseek(file_, 0, SEEK_SET);
        char buf[4096];
        ssize_t n;
        while ((n = ::read(file_, buf, sizeof buf)) > 0) text_.append(buf, static_cast<size_t>(n));
        ::close(file_);
        return text_;
    }
    ~CaptureFd() { finish(); }

private:
    int target_;
    int file_ = -1;
    int saved_ = -1;
    std::string text_;
};

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/berth-cli-cmd-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

struct Outcome {
    int status;
    std::string out;
    std::string err;
};

// Runs berth's main() in this process with stdout and stderr captured.
Outcome run_main(std::vector<std::string> args) {
    args.insert(args.begin(), "berth");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    CaptureFd out(STDOUT_FILENO);
    CaptureFd err(STDERR_FILENO);
    int status = berth::cli::main(static_cast<int>(args.size()), argv.data());
    Outcome o{status, out.finish(), err.finish()};
    setup_stderr_logging();  // drop any --log file
    return o;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("version output: runc's four lines", "[cli][version]") {
    std::string v = version_text();
    std::regex expected("berth version 0\\.1\\.0\ncommit: [^\n]+\nspec: 1\\.3\\.0\nlibseccomp: \\d+\\.\\d+\\.\\d+\n");
    CHECK(std::regex_match(v, expected));
    CHECK(v.find("libseccomp: " + berth::kernel::libseccomp_version() + "\n") != std::string::npos);
    for (auto flag : {"--version", "-v", "-version"}) {
        auto r = run_main({flag});
        CHECK(r.status == 0);
        CHECK(r.out == v);
        CHECK(r.err.empty());
    }
}

TEST_CASE("help for berth and for every command", "[cli][help]") {
    std::string app = help_text("");
    for (auto section : {"NAME:", "USAGE:", "VERSION:", "COMMANDS:", "GLOBAL OPTIONS:"})
        CHECK(app.find(section) != std::string::npos);
    for (auto flag : {"--debug", "--log value", "--log-format value", "--root value", "--criu value",
                      "--systemd-cgroup", "--rootless value", "--help, -h", "--version, -v"})
        CHECK(app.find(flag) != std::string::npos);
    for (const auto& c : command_table()) {
        CHECK(app.find("   " + c.name) != std::string::npos);
        std::string h = help_text(c.name);
        CHECK(h.rfind("NAME:\n   berth " + c.name + " - " + c.summary + "\n", 0) == 0);
        for (const auto& f : c.flags) {
            bool listed = h.find("--" + f.names.front()) != std::string::npos;
            CHECK(listed == !f.hidden);
        }
        for (const auto& a : c.aliases) CHECK(help_text(a) == h);
    }
    CHECK(help_text("ls").find("--quiet, -q") != std::string::npos);
    CHECK(help_text("create").find("--bundle value, -b value") != std::string::npos);
    CHECK(help_text("exec").find("--env value, -e value") != std::string::npos);
    CHECK(help_text("run").find("no-subreaper") == std::string::npos);
    CHECK_THROWS_AS(help_text("bogus"), UsageError);

    auto r = run_main({"create", "--help"});
    CHECK(r.status == 0);
    CHECK(r.out == help_text("create"));
    r = run_main({});
    CHECK(r.status == 0);
    CHECK(r.out == app);
    r = run_main({"help", "kill"});
    CHECK(r.status == 0);
    CHECK(r.out == help_text("kill"));
}

TEST_CASE("checkpoint: help exits 0 and running it fails", "[cli][checkpoint]") {
    auto r = run_main({"checkpoint", "--help"});
    CHECK(r.status == 0);
    CHECK(r.out.find("berth checkpoint") != std::string::npos);
    r = run_main({"checkpoint", "--image-path", "/tmp/x", "c1"});
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(std::regex_match(r.err, std::regex("time=\"[^\"]+\" level=error msg=\"checkpoint is not supported\"\n")));
    r = run_main({"restore", "c1"});
    CHECK(r.status == 1);
    CHECK(r.err.find("restore is not supported") != std::string::npos);
}

TEST_CASE("usage errors exit 1 and are logged to stderr and to the log file", "[cli][errors]") {
    auto r = run_main({"create"});
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(std::regex_match(
        r.err, std::regex("time=\"[^\"]+\" level=error msg=\"berth: \\\\\"create\\\\\" requires exactly 1 argument\\(s\\)\"\n")));

    r = run_main({"--foo", "list"});
    CHECK(r.status == 1);
    CHECK(r.err.find("msg=\"flag provided but not defined: -foo\"") != std::string::npos);

    TempDir dir;
    fs::path log = dir.path / "log.json";
    r = run_main({"--root", dir.path.string(), "--log", log.string(), "--log-format", "json", "kill", "c1", "FOO"});
    CHECK(r.status == 1);
    CHECK(r.err == "unknown signal \"FOO\"\n");
    auto j = nlohmann::json::parse(slurp(log));
    CHECK(j.at("level") == "error");
    CHECK(j.at("msg") == "unknown signal \"FOO\"");

    r = run_main({"--log-format", "yaml", "list"});
    CHECK(r.status == 1);
    CHECK(r.err.find("invalid log-format: yaml") != std::string::npos);

    r = run_main({"--log", (dir.path / "missing" / "log.json").string(), "list"});
    CHECK(r.status == 1);
    CHECK(r.err.find("open log file") != std::string::npos);
}

TEST_CASE("the root directory is made absolute and is never /", "[cli][global]") {
    std::string cwd = fs::current_path().string();
    CHECK(resolve_root("/run/x/../y/") == "/run/y");
    CHECK(resolve_root("state") == (fs::path(cwd) / "state").lexically_normal().string());
    CHECK_THROWS_WITH(resolve_root("/"), "option --root argument should not be set to /");
    CHECK_THROWS_WITH(resolve_root("/a/.."), "option --root argument should not be set to /");
    auto r = run_main({"--root", "/", "list"});
    CHECK(r.status == 1);
    CHECK(r.err.find("option --root argument should not be set to /") != std::string::npos);
}

TEST_CASE("update with Intel RDT schemas fails before touching a container", "[cli][update]") {
    auto r = run_main({"--root", "/nonexistent-berth-root", "update", "--l3-cache-schema", "L3:0=f", "c1"});
    CHECK(r.status == 1);
    CHECK(r.err.find("Intel RDT/CAT: l3 cache schema is not enabled") != std::string::npos);
}

TEST_CASE("spec writes config.json once", "[cli][spec]") {
    setup_stderr_logging();
    TempDir dir;
    CHECK(run_command(parse_command_line(std::vector<std::string>{"spec", "-b", dir.path.string()})) == 0);
    fs::path config = dir.path / "config.json";
    REQUIRE(fs::exists(config));
    std::string first = slurp(config);
    auto j = nlohmann::json::parse(first);
    CHECK(j.at("ociVersion") == "1.3.0");
    CHECK(j.at("process").at("args") == nlohmann::json::array({"sh"}));
    CHECK(j.at("root").at("path") == "rootfs");

    // A second run refuses, with runc's message, and leaves the file alone.
    CaptureFd err(STDERR_FILENO);
    int status = run_command(parse_command_line(std::vector<std::string>{"spec", "--bundle=" + dir.path.string()}));
    std::string text = err.finish();
    CHECK(status == 1);
    CHECK(text.find("msg=\"File config.json exists. Remove it first\"") != std::string::npos);
    CHECK(slurp(config) == first);
    CHECK_THROWS_WITH(spec_command(SpecOptions{dir.path.string(), false}), "File config.json exists. Remove it first");

    CHECK_THROWS_WITH(spec_command(SpecOptions{"/nonexistent-berth-bundle", false}),
                      "chdir /nonexistent-berth-bundle: no such file or directory");
}

TEST_CASE("spec --rootless maps the caller", "[cli][spec]") {
    TempDir dir;
    REQUIRE(spec_command(SpecOptions{dir.path.string(), true}) == 0);
    auto j = nlohmann::json::parse(slurp(dir.path / "config.json"));
    auto linux = j.at("linux");
    REQUIRE(linux.at("uidMappings").size() == 1);
    CHECK(linux.at("uidMappings")[0].at("hostID") == ::geteuid());
    CHECK(linux.at("gidMappings")[0].at("hostID") == ::getegid());
    bool userns = false;
    for (const auto& ns : linux.at("namespaces")) userns = userns || ns.at("type") == "user";
    CHECK(userns);
}

TEST_CASE("features describes this berth", "[cli][features]") {
    auto r = run_main({"features"});
    CHECK(r.status == 0);
    REQUIRE(!r.out.empty());
    CHECK(r.out.back() == '\n');
    auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("ociVersionMin") == "1.0.0");
    CHECK(j.at("ociVersionMax") == "1.3.0");
    CHECK(j.at("hooks") == nlohmann::json::array({"prestart", "createRuntime", "createContainer", "startContainer",
                                                  "poststart", "poststop"}));
    auto linux = j.at("linux");
    CHECK(linux.at("namespaces") ==
          nlohmann::json::array({"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}));
    auto caps = linux.at("capabilities").get<std::vector<std::string>>();
    CHECK(std::find(caps.begin(), caps.end(), "CAP_SYS_ADMIN") != caps.end());
    CHECK(std::find(caps.begin(), caps.end(), "CAP_CHOWN") != caps.end());
    CHECK(linux.at("cgroup").at("v1") == true);
    CHECK(linux.at("cgroup").at("v2") == true);
    CHECK(linux.at("seccomp").at("enabled") == true);
    auto actions = linux.at("seccomp").at("actions").get<std::vector<std::string>>();
    CHECK(std::find(actions.begin(), actions.end(), "SCMP_ACT_NOTIFY") != actions.end());
    CHECK(linux.at("apparmor").contains("enabled"));
    CHECK(linux.at("selinux").contains("enabled"));
    CHECK(j.at("annotations").at("io.github.seccomp.libseccomp.version") == berth::kernel::libseccomp_version());
    // Every advertised mount option is one the mount code understands itself
    // (not passed to mount(2) as filesystem data).
    for (const auto& opt : j.at("mountOptions")) {
        auto parsed = berth::kernel::parse_mount_options({opt.get<std::string>()});
        INFO(opt);
        CHECK(parsed.data.empty());
    }
}

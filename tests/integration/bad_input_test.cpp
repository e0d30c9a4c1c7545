// The bad-input corpus (tests/corpus/bad-input/*.json, format in
// tests/corpus/README.md): broken bundles and command lines. Each case must
// fail with exit status 1, write exactly one error line (warnings aside)
// whose message is the one the case expects, print nothing on stdout, and
// leave nothing behind: no state dir under --root, no cgroup, no mount of the
// bundle or rootfs, no process. Needs root.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "integration/support/harness.hpp"
#include "integration/support/lifecycle_support.hpp"

using namespace berth::test;
using nlohmann::json;

namespace {

struct Case {
    std::string name;  // file name without .json
    json spec;
};

std::string corpus_dir() { return std::string(BERTH_SOURCE_DIR) + "/tests/corpus/bad-input"; }

std::vector<Case> load_corpus() {
    std::vector<Case> out;
    for (const auto& e : std::filesystem::directory_iterator(corpus_dir())) {
        if (e.path().extension() != ".json") continue;
        std::ifstream in(e.path());
        std::stringstream text;
        text << in.rdbuf();
        out.push_back({e.path().stem().string(), json::parse(text.str())});
    }
    std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
    return out;
}

using Substitutions = std::vector<std::pair<std::string, std::string>>;

std::string substitute(std::string s, const Substitutions& subs) {
    for (const auto& [from, to] : subs)
        for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
            s.replace(at, from.size(), to);
    return s;
}

json substitute_all(const json& j, const Substitutions& subs) {
    if (j.is_string()) return substitute(j.get<std::string>(), subs);
    if (j.is_array()) {
        json out = json::array();
        for (const auto& e : j) out.push_back(substitute_all(e, subs));
        return out;
    }
    if (j.is_object()) {
        json out = json::object();
        for (const auto& [k, v] : j.items()) out[substitute(k, subs)] = substitute_all(v, subs);
        return out;
    }
    return j;
}

std::vector<std::string> strings_of(const json& j) { return j.get<std::vector<std::string>>(); }

// A JSON text with every string "@RAW:<text>@" replaced by <text> unquoted,
// for numbers nlohmann::json cannot hold (1e400).
std::string with_raw_values(std::string text) {
    static const std::regex raw("\"@RAW:([^@\"]*)@\"");
    return std::regex_replace(text, raw, "$1");
}

std::string regex_escape(const std::string& s) {
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    return std::regex_replace(s, special, "\\$&");
}

// Go's strconv.Unquote for the msg="..." of a logrus text line.
std::string go_unquote(const std::string& q) {
    if (q.size() < 2 || q.front() != '"' || q.back() != '"') return q;
    std::string out;
    auto utf8 = [&](unsigned long cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    };
    for (std::size_t i = 1; i + 1 < q.size(); ++i) {
        if (q[i] != '\\') {
            out += q[i];
            continue;
        }
        char e = q[++i];
        switch (e) {
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x':
            out += static_cast<char>(std::stoul(q.substr(i + 1, 2), nullptr, 16));
            i += 2;
            break;
        case 'u':
            utf8(std::stoul(q.substr(i + 1, 4), nullptr, 16));
            i += 4;
            break;
        case 'U':
            utf8(std::stoul(q.substr(i + 1, 8), nullptr, 16));
            i += 8;
            break;
        default: out += e; break;  // \\ and \"
        }
    }
    return out;
}

// The messages of berth's stderr log lines (logrus text: time=... level=L msg=M).
struct LogLines {
    std::vector<std::string> errors, warnings, other;
};

LogLines parse_log(const std::string& err) {
    LogLines out;
    for (const auto& line : lines_of(err)) {
        auto lv = line.find(" level=");
        auto mp = line.find(" msg=");
        if (line.rfind("time=", 0) != 0 || lv == std::string::npos || mp == std::string::npos) {
            out.other.push_back(line);
            continue;
        }
        std::string level = line.substr(lv + 7, line.find(' ', lv + 7) - (lv + 7));
        std::string msg = go_unquote(line.substr(mp + 5));
        if (level == "error") out.errors.push_back(msg);
        else if (level == "warning") out.warnings.push_back(msg);
        else out.other.push_back(line);
    }
    return out;
}

// Entries of the state root other than berth's own dot-dirs (its caches).
std::vector<std::string> state_entries(const TestRoot& root) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(root.path())) {
        std::string n = e.path().filename().string();
        if (n.empty() || n[0] != '.') out.push_back(n);
    }
    return out;
}

void run_case(const TestRoot& root, const Case& c) {
    const json& s = c.spec;
    INFO("case " << c.name);
    TestBundle b;
    std::string id = s.value("id", unique_id("bad"));
    if (s.contains("idLength")) {
        id = unique_id("long") + "-";
        id.resize(s["idLength"].get<std::size_t>(), 'a');
    }
    const Substitutions subs = {
        {"@BUNDLE@", b.dir}, {"@ROOT@", root.path()}, {"@CGROUP@", b.cgroups_path()}, {"@ID@", id}};

    for (const auto& d : s.value("dirs", json::array()))
        std::filesystem::create_directories(b.dir + "/" + d.get<std::string>());
    const json files = s.value("files", json::object()), symlinks = s.value("symlinks", json::object());
    for (const auto& [path, text] : files.items())
        std::ofstream(b.dir + "/" + path) << substitute(text.get<std::string>(), subs);
    for (const auto& [path, target] : symlinks.items())
        CHECK(::symlink(target.get<std::string>().c_str(), (b.dir + "/" + path).c_str()) == 0);
    for (const auto& f : s.value("fifos", json::array()))
        CHECK(::mkfifo((b.dir + "/" + f.get<std::string>()).c_str(), 0600) == 0);

    // b.config stays the default (the leftover checks read its rootfs and
    // cgroupsPath); the broken config is written beside it.
    std::string configText;
    bool writeConfig = !s.value("noConfig", false);
    if (s.contains("configText")) {
        configText = s["configText"].get<std::string>();
        if (s.value("configBytes", false)) {  // each character U+0000..U+00FF is one byte
            std::string bytes;
            for (std::size_t i = 0; i < configText.size(); ++i) {
                auto u = static_cast<unsigned char>(configText[i]);
                if (u == 0xC2 || u == 0xC3) {
                    bytes += static_cast<char>(((u & 0x03) << 6) | (static_cast<unsigned char>(configText[++i]) & 0x3F));
                } else {
                    bytes += configText[i];
                }
            }
            configText = bytes;
        }
    } else {
        json config = b.config;
        if (s.contains("patch")) config = config.patch(substitute_all(s["patch"], subs));
        configText = with_raw_values(config.dump());
    }
    if (writeConfig) std::ofstream(b.dir + "/config.json", std::ios::binary) << configText;

    for (const auto& cmd : s.value("before", json::array())) {
        auto r = root.run(strings_of(substitute_all(cmd, subs)));
        INFO("before: " << cmd.dump() << ": " << r.err);
        CHECK(r.status == 0);
        if (r.status != 0) {
            for (const auto& e : state_entries(root)) root.run({"delete", "--force", "--", e});
            return;
        }
    }

    json argsJson = s.contains("args") ? s["args"] : json{"create", "--bundle", "@BUNDLE@", "@ID@"};
    auto r = root.run(strings_of(substitute_all(argsJson, subs)), {}, 20);

    for (const auto& cmd : s.value("after", json::array())) {
        auto a = root.run(strings_of(substitute_all(cmd, subs)));
        INFO("after: " << cmd.dump() << ": " << a.err);
        CHECK(a.status == 0);
    }

    INFO("stderr: " << r.err);
    CHECK_FALSE(r.timedOut);
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    LogLines log = parse_log(r.err);
    CHECK(log.other.empty());
    CHECK(log.errors.size() == 1);
    const std::string msg = log.errors.empty() ? std::string() : log.errors.back();
    if (s.contains("errorRegex")) {
        Substitutions escaped;
        for (const auto& [from, to] : subs) escaped.emplace_back(from, regex_escape(to));
        std::string pattern = substitute(s["errorRegex"].get<std::string>(), escaped);
        INFO("message: " << msg << "\npattern: " << pattern);
        CHECK(std::regex_search(msg, std::regex(pattern)));
    } else {
        CHECK(msg == substitute(s["error"].get<std::string>(), subs));
    }

    // "." and ".." name the root and its parent, not a container.
    bool plainId = !id.empty() && id != "." && id != "..";
    auto left = leftovers(root, b, plainId ? id : "");
    std::string text;
    for (const auto& l : left) text += "\n  " + l;
    INFO("left behind:" << text);
    CHECK(left.empty());
    auto entries = state_entries(root);
    CHECK(entries.empty());
    // Never leave one case's container to the next.
    for (const auto& e : entries) root.run({"delete", "--force", "--", e});
}

// Split in two ctest tests (each has a 5-minute limit on a loaded machine).
bool is_command_line_case(const Case& c) { return c.spec.contains("args") || c.spec.contains("before"); }

}  // namespace

TEST_CASE("bad input: the corpus has at least 100 well-formed cases", "[bad-input]") {
    auto corpus = load_corpus();
    CHECK(corpus.size() >= 100);
    for (const auto& c : corpus) {
        INFO(c.name);
        CHECK((c.spec.contains("error") != c.spec.contains("errorRegex")));
        if (c.spec.contains("bug")) CHECK(c.spec["bug"].is_string());
    }
}

TEST_CASE("bad input: broken bundles fail with their one-line error and leave nothing behind", "[bad-input]") {
    TestRoot root;
    int run = 0;
    for (const auto& c : load_corpus()) {
        if (is_command_line_case(c)) continue;
        run_case(root, c);
        ++run;
    }
    CHECK(run >= 100);
}

TEST_CASE("bad input: broken command lines fail with their one-line error and leave nothing behind",
          "[bad-input]") {
    TestRoot root;
    int run = 0;
    for (const auto& c : load_corpus()) {
        if (!is_command_line_case(c)) continue;
        run_case(root, c);
        ++run;
    }
    CHECK(run >= 40);
}

// A state file broken under a live container (a disk error, a hand edit, a
// crash of some other tool): `state` must say which file is broken, and
// `delete --force`, which engines run to clean up whatever happened, must
// still remove the container, its cgroup and its processes.
TEST_CASE("bad input: a corrupt state.json does not stop delete --force", "[bad-input]") {
    TestRoot root;
    for (std::string how : {"truncated", "empty", "not json", "pid a string"}) {
        DYNAMIC_SECTION("state.json " << how) {
            TestBundle b;
            b.set_args({"sleep", "100"});
            b.write();
            std::string id = unique_id("corrupt");
            auto r = root.run({"create", "--bundle", b.dir, id});
            INFO(r.err);
            REQUIRE(r.status == 0);
            const std::string stateFile = root.path() + "/" + id + "/state.json";
            std::string good;
            {
                std::ifstream in(stateFile);
                std::stringstream text;
                text << in.rdbuf();
                good = text.str();
            }
            REQUIRE(!good.empty());
            pid_t init = json::parse(good)["pid"].get<pid_t>();
            json withStringPid = json::parse(good);
            withStringPid["pid"] = "x";
            std::string bad = how == "truncated"  ? good.substr(0, good.size() / 2)
                              : how == "empty"    ? std::string()
                              : how == "not json" ? std::string("\x01garbage\xff")
                                                  : withStringPid.dump();
            std::ofstream(stateFile, std::ios::trunc | std::ios::binary) << bad;

            auto st = root.run({"state", id});
            INFO("state: " << st.err);
            CHECK(st.status == 1);
            LogLines log = parse_log(st.err);
            CHECK(log.errors.size() == 1);
            if (!log.errors.empty()) CHECK(log.errors[0].find(stateFile) != std::string::npos);

            auto del = root.run({"delete", "--force", id});
            INFO("delete --force: " << del.err);
            CHECK(del.status == 0);
            CHECK(wait_for([&] { return !process_alive(init); }, 3000));
            auto left = leftovers(root, b, id);
            std::string text;
            for (const auto& l : left) text += "\n  " + l;
            INFO("left behind:" << text);
            CHECK(left.empty());

            // Whatever berth did, leave nothing to the next test.
            struct stat sb;
            if (::stat((root.path() + "/" + id).c_str(), &sb) == 0) {
                std::ofstream(stateFile, std::ios::trunc | std::ios::binary) << good;
                root.run({"delete", "--force", id});
            }
        }
    }
}

// runc lets `pause` freeze a created container; its state is then "paused"
// (libcontainer checks the freezer before exec.fifo) and `resume` thaws it.
TEST_CASE("bad input: resume of a paused created container is not refused", "[bad-input]") {
    TestRoot root;
    TestBundle b;
    b.set_args({"sleep", "100"});
    b.write();
    std::string id = unique_id("pcreated");
    auto r = root.run({"create", "--bundle", b.dir, id});
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto pause = root.run({"pause", id});
    INFO("pause: " << pause.err);
    CHECK(pause.status == 0);
    CHECK(status_of(root, id) == "paused");
    auto resume = root.run({"resume", id});
    INFO("resume: " << resume.err);
    CHECK(resume.status == 0);
    CHECK(status_of(root, id) == "created");
    auto del = root.run({"delete", "--force", id});
    INFO("delete --force: " << del.err);
    CHECK(del.status == 0);
    auto left = leftovers(root, b, id);
    std::string text;
    for (const auto& l : left) text += "\n  " + l;
    INFO("left behind:" << text);
    CHECK(left.empty());
}

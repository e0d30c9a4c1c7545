// Many berth processes on one state root at once: 50 creates of distinct ids,
// 10 racing creates of one id (exactly one wins, the state store stays
// readable), and delete racing kill and exec on one container (no crash, no
// leftovers, a consistent end state). Needs root.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "integration/support/harness.hpp"
#include "integration/support/lifecycle_support.hpp"

using namespace berth::test;
using nlohmann::json;

namespace {

// Runs every job on its own thread, all released at once.
void run_together(const std::vector<std::function<void()>>& jobs) {
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (const auto& job : jobs)
        threads.emplace_back([&go, &job] {
            while (!go.load()) std::this_thread::yield();
            job();
        });
    go = true;
    for (auto& t : threads) t.join();
}

std::vector<std::unique_ptr<TestBundle>> sleeping_bundles(int n) {
    std::vector<std::unique_ptr<TestBundle>> out;
    for (int i = 0; i < n; ++i) {
        out.push_back(std::make_unique<TestBundle>());
        out.back()->set_args({"sleep", "100"});
        out.back()->write();
    }
    return out;
}

std::string describe(const std::vector<std::string>& left) {
    std::string text;
    for (const auto& l : left) text += "\n  " + l;
    return text;
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

// A command that lost a race must still fail cleanly: status 0 or 1, in time,
// with one error line at most, and never an abort or a crash.
void check_clean_exit(const std::string& what, const CommandResult& r) {
    INFO(what << ": status " << r.status << ", stderr: " << r.err);
    CHECK_FALSE(r.timedOut);
    CHECK((r.status == 0 || r.status == 1));
    int errors = 0;
    for (const auto& l : lines_of(r.err))
        if (l.find("level=error") != std::string::npos) ++errors;
    CHECK(errors <= (r.status == 0 ? 0 : 1));
    if (r.status == 1) CHECK(errors == 1);
}

}  // namespace

TEST_CASE("concurrency: 50 parallel creates of distinct ids all succeed and then start and delete in parallel",
          "[concurrency]") {
    TestRoot root;
    constexpr int N = 50;
    auto bundles = sleeping_bundles(N);
    std::vector<std::string> ids;
    for (int i = 0; i < N; ++i) ids.push_back(unique_id("many"));
    std::vector<CommandResult> results(N);
    auto all = [&](const std::function<std::vector<std::string>(int)>& args) {
        std::vector<std::function<void()>> jobs;
        for (int i = 0; i < N; ++i) jobs.push_back([&, i] { results[i] = root.run(args(i), {}, 180); });
        run_together(jobs);
    };

    all([&](int i) { return std::vector<std::string>{"create", "--bundle", bundles[i]->dir, ids[i]}; });
    for (int i = 0; i < N; ++i) {
        INFO(ids[i] << ": " << results[i].err);
        CHECK(results[i].status == 0);
    }
    auto listed = lines_of(root.run({"list", "-q"}).out);
    CHECK(std::set<std::string>(listed.begin(), listed.end()) == std::set<std::string>(ids.begin(), ids.end()));
    for (int i = 0; i < N; ++i) {
        json st = state_json(root, ids[i]);
        CHECK(st["id"] == ids[i]);
        CHECK(st["status"] == "created");
        CHECK(st["bundle"] == bundles[i]->dir);
    }

    all([&](int i) { return std::vector<std::string>{"start", ids[i]}; });
    for (int i = 0; i < N; ++i) {
        INFO(ids[i] << ": " << results[i].err);
        CHECK(results[i].status == 0);
        CHECK(status_of(root, ids[i]) == "running");
    }

    all([&](int i) { return std::vector<std::string>{"delete", "--force", ids[i]}; });
    for (int i = 0; i < N; ++i) {
        INFO(ids[i] << ": " << results[i].err);
        CHECK(results[i].status == 0);
        auto left = leftovers(root, *bundles[i], ids[i]);
        INFO("left behind:" << describe(left));
        CHECK(left.empty());
    }
    CHECK(state_entries(root).empty());
    CHECK(lines_of(root.run({"list", "-q"}).out).empty());
}

TEST_CASE("concurrency: of 10 racing creates of one id exactly one wins and the store stays sound",
          "[concurrency]") {
    TestRoot root;
    constexpr int N = 10;
    for (int round = 0; round < 3; ++round) {
        DYNAMIC_SECTION("round " << round) {
            auto bundles = sleeping_bundles(N);
            std::string id = unique_id("race");
            std::vector<CommandResult> results(N);
            std::vector<std::function<void()>> jobs;
            // Half create, half run --detach: both take the same id.
            for (int i = 0; i < N; ++i)
                jobs.push_back([&, i] {
                    std::vector<std::string> args = {i % 2 ? "create" : "run", "--bundle", bundles[i]->dir, id};
                    if (i % 2 == 0) args.insert(args.begin() + 1, "--detach");
                    results[i] = root.run(args, {}, 120);
                });
            run_together(jobs);

            int winner = -1, winners = 0;
            for (int i = 0; i < N; ++i) {
                check_clean_exit("racer " + std::to_string(i), results[i]);
                if (results[i].status == 0) {
                    ++winners;
                    winner = i;
                } else {
                    INFO("racer " << i << ": " << results[i].err);
                    CHECK(results[i].err.find("container with id exists: " + id) != std::string::npos);
                    // A loser made nothing of its own.
                    CHECK_FALSE(cgroup_exists_anywhere(bundles[i]->cgroups_path()));
                }
            }
            REQUIRE(winners == 1);

            // The store holds exactly the winner, readable by every command.
            json st = state_json(root, id);
            CHECK(st["bundle"] == bundles[winner]->dir);
            CHECK(st["status"] == (winner % 2 ? "created" : "running"));
            pid_t pid = st["pid"].get<pid_t>();
            CHECK(process_alive(pid));
            CHECK(lines_of(root.run({"list", "-q"}).out) == std::vector<std::string>{id});
            CHECK(state_entries(root) == std::vector<std::string>{id});
            // No loser's process survived: any process still carrying the id
            // (a created init is a clone of `berth create ... id`) is the winner's.
            for (pid_t p : processes_with_argument(id)) CHECK(p == pid);
            auto ps = root.run({"ps", id});
            INFO(ps.err);
            CHECK(ps.status == 0);

            auto del = root.run({"delete", "--force", id});
            INFO(del.err);
            CHECK(del.status == 0);
            for (int i = 0; i < N; ++i) {
                auto left = leftovers(root, *bundles[i], id);
                INFO("racer " << i << " left behind:" << describe(left));
                CHECK(left.empty());
            }
            CHECK(state_entries(root).empty());
        }
    }
}

TEST_CASE("concurrency: delete racing kill and exec on one container", "[concurrency]") {
    TestRoot root;
    // Offsets (microseconds) of delete --force after the others start, so the
    // race lands at different points of kill and exec.
    for (int delayUs : {0, 2000, 10000, 30000, 80000}) {
        DYNAMIC_SECTION("delete after " << delayUs << "us") {
            TestBundle b;
            b.set_args({"sleep", "100"});
            b.write();
            std::string id = unique_id("drace");
            std::string marker = "berth-drace-" + unique_id("m");
            auto r = root.run({"run", "--detach", "--bundle", b.dir, id});
            INFO(r.err);
            REQUIRE(r.status == 0);
            pid_t init = state_json(root, id)["pid"].get<pid_t>();

            CommandResult del, killTerm, killAll, exec1, exec2, state, del2;
            run_together({
                [&] {
                    std::this_thread::sleep_for(std::chrono::microseconds(delayUs));
                    del = root.run({"delete", "--force", id}, {}, 60);
                },
                [&] { killTerm = root.run({"kill", id, "TERM"}, {}, 60); },
                [&] { killAll = root.run({"kill", "--all", id, "KILL"}, {}, 60); },
                [&] { exec1 = root.run({"exec", id, "sh", "-c", "sleep 30", marker}, {}, 60); },
                [&] { exec2 = root.run({"exec", "--detach", id, "sh", "-c", "sleep 30", marker}, {}, 60); },
                [&] { state = root.run({"state", id}, {}, 60); },
                [&] {
                    std::this_thread::sleep_for(std::chrono::microseconds(delayUs / 2));
                    del2 = root.run({"delete", id}, {}, 60);
                },
            });
            check_clean_exit("delete --force", del);
            check_clean_exit("kill TERM", killTerm);
            check_clean_exit("kill --all KILL", killAll);
            check_clean_exit("exec --detach", exec2);
            check_clean_exit("state", state);
            check_clean_exit("delete", del2);
            // A foreground exec ends with its process: 0/1 from berth, or the
            // 128+signal of a process killed with the container.
            INFO("exec: " << exec1.status << " " << exec1.err);
            CHECK_FALSE(exec1.timedOut);
            CHECK((exec1.status == 0 || exec1.status == 1 || exec1.status == 128 + SIGKILL ||
                   exec1.status == 128 + SIGTERM || exec1.status == 255));
            // One of the deletes removed it; state answered or said it was gone.
            CHECK((del.status == 0 || del2.status == 0));
            if (state.status != 0) CHECK(state.err.find("container does not exist") != std::string::npos);

            // The end state is consistent: gone for every command, and nothing left.
            auto st = root.run({"state", id});
            CHECK(st.status == 1);
            CHECK(st.err.find("container does not exist") != std::string::npos);
            CHECK(lines_of(root.run({"list", "-q"}).out).empty());
            CHECK(wait_for([&] { return !process_alive(init); }));
            CHECK(wait_for([&] { return processes_with_argument(marker).empty(); }));
            auto left = leftovers(root, b, id);
            INFO("left behind:" << describe(left));
            CHECK(left.empty());
            CHECK(state_entries(root).empty());
        }
    }
}

// pause, resume, ps, update, events: the commands that act on a container's
// cgroup (runtime/cgroups/ does the kernel work).
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/stdout.hpp"
#include "runtime/cgroups/manager.hpp"
#include "runtime/container/cgroup_link.hpp"
#include "runtime/container/container_status.hpp"
#include "runtime/container/input_file.hpp"
#include "runtime/container/lifecycle.hpp"
#include "runtime/container/operations.hpp"
#include "spec/parse.hpp"

namespace berth::container {

namespace {

struct Opened {
    ContainerDir dir;
    ContainerRecord rec;
    spec::Status status;
    std::unique_ptr<cgroups::Manager> cgroup;
};

Opened open_running(const GlobalOptions& g, const std::string& id, bool lock = true) {
    ContainerDir dir = ContainerDir::open(g.root, id, lock);
    if (!dir.has_record()) throw Error("container " + id + " is not running");
    ContainerRecord rec = dir.read_record();
    spec::Status st = container_status(dir, &rec);
    auto cg = open_cgroup(rec);
    if (!cg) throw Error("container " + id + " has no cgroup");
    return Opened{std::move(dir), std::move(rec), st, std::move(cg)};
}

nlohmann::ordered_json entry_json(const cgroups::MemoryEntry& m) {
    return {{"limit", m.limit}, {"usage", m.usage}, {"max", m.max}, {"failcnt", m.failcnt}};
}

nlohmann::ordered_json blkio_json(const std::vector<cgroups::BlkioEntry>& v) {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& e : v) arr.push_back({{"major", e.major}, {"minor", e.minor}, {"op", e.op}, {"value", e.value}});
    return arr;
}

// runc's types/events.go shapes.
nlohmann::ordered_json stats_json(const cgroups::Stats& s) {
    nlohmann::ordered_json j;
    j["cpu"] = {{"usage",
                 {{"total", s.cpu.usage.total},
                  {"percpu", s.cpu.usage.percpu},
                  {"percpu_kernel", s.cpu.usage.percpuKernel},
                  {"percpu_user", s.cpu.usage.percpuUser},
                  {"kernel", s.cpu.usage.kernel},
                  {"user", s.cpu.usage.user}}},
                {"throttling",
                 {{"periods", s.cpu.throttling.periods},
                  {"throttled_periods", s.cpu.throttling.throttledPeriods},
                  {"throttled_time", s.cpu.throttling.throttledTime}}}};
    j["memory"] = {{"cache", s.memory.cache},
                   {"usage", entry_json(s.memory.usage)},
                   {"swap", entry_json(s.memory.swap)},
                   {"kernel", entry_json(s.memory.kernel)},
                   {"kernel_tcp", entry_json(s.memory.kernelTCP)},
                   {"raw", s.memory.raw}};
    j["pids"] = {{"current", s.pids.current}, {"limit", s.pids.limit}};
    j["blkio"] = {{"ioServiceBytesRecursive", blkio_json(s.blkio.ioServiceBytesRecursive)},
                  {"ioServicedRecursive", blkio_json(s.blkio.ioServicedRecursive)},
                  {"ioQueueRecursive", blkio_json(s.blkio.ioQueuedRecursive)},
                  {"ioServiceTimeRecursive", blkio_json(s.blkio.ioServiceTimeRecursive)},
                  {"ioWaitTimeRecursive", blkio_json(s.blkio.ioWaitTimeRecursive)},
                  {"ioMergedRecursive", blkio_json(s.blkio.ioMergedRecursive)},
                  {"ioTimeRecursive", blkio_json(s.blkio.ioTimeRecursive)},
                  {"sectorsRecursive", blkio_json(s.blkio.sectorsRecursive)}};
    nlohmann::ordered_json h = nlohmann::ordered_json::object();
    for (const auto& [size, e] : s.hugetlb) h[size] = {{"usage", e.usage}, {"max", e.max}, {"failcnt", e.failcnt}};
    j["hugetlb"] = h;
    return j;
}

}  // namespace

int pause(const GlobalOptions& g, const std::string& id) {
    Opened c = open_running(g, id);
    if (c.status != spec::Status::Running && c.status != spec::Status::Created)
        throw Error("container not running or created: " + std::string(status_name(c.status)));
    c.cgroup->freeze();
    return 0;
}

int resume(const GlobalOptions& g, const std::string& id) {
    Opened c = open_running(g, id);
    if (c.status != spec::Status::Paused) throw Error("container not paused");
    c.cgroup->thaw();
    return 0;
}

int ps(const GlobalOptions& g, const PsOptions& o) {
    Opened c = open_running(g, o.id, /*lock=*/false);
    std::vector<pid_t> pids = c.cgroup->pids();
    if (o.format == "json") {
        print_stdout(nlohmann::json(pids).dump() + '\n');
        return 0;
    }
    if (o.format != "table") throw Error("invalid format option");
    // runc: run ps(1) with the given arguments (default -ef) and keep the
    // header and the lines of our processes.
    std::string cmd = "ps";
    for (const auto& a : (o.psArgs.empty() ? std::vector<std::string>{"-ef"} : o.psArgs)) {
        std::string q = "'";
        for (char ch : a) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
        cmd += " " + q + "'";
    }
    FILE* f = ::popen(cmd.c_str(), "re");
    if (!f) throw_errno("ps");
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, f)) out.append(buf, n);
    if (::pclose(f) != 0) throw Error("ps: " + cmd + " failed");
    std::istringstream lines(out);
    std::string header;
    std::getline(lines, header);
    std::istringstream hs(header);
    std::vector<std::string> cols;
    for (std::string w; hs >> w;) cols.push_back(w);
    auto it = std::find(cols.begin(), cols.end(), "PID");
    if (it == cols.end()) throw Error("ps: couldn't find PID field in ps output");
    size_t pidCol = static_cast<size_t>(it - cols.begin());
    std::set<pid_t> mine(pids.begin(), pids.end());
    print_stdout(header + '\n');
    for (std::string line; std::getline(lines, line);) {
        std::istringstream ls(line);
        std::string field;
        for (size_t i = 0; i <= pidCol && ls >> field; ++i) {}
        try {
            if (mine.count(static_cast<pid_t>(std::stol(field)))) print_stdout(line + '\n');
        } catch (const std::exception&) {
        }
    }
    return 0;
}

int update(const GlobalOptions& g, const UpdateOptions& o) {
    Opened c = open_running(g, o.id);
    if (c.status == spec::Status::Stopped) throw Error("container not running");
    spec::Resources r;
    if (!o.resourcesFile.empty()) r = spec::parse_resources(read_input_file(o.resourcesFile), o.resourcesFile == "-" ? "resources" : o.resourcesFile);
    auto& mem = r.memory;
    if (o.memory || o.memorySwap || o.memoryReservation || o.kernelMemory) {
        if (!mem) mem.emplace();
        if (o.memory) mem->limit = *o.memory;
        if (o.memorySwap) mem->swap = *o.memorySwap;
        if (o.memoryReservation) mem->reservation = *o.memoryReservation;
        if (o.kernelMemory) mem->kernel = *o.kernelMemory;
    }
    if (o.cpuShares || o.cpuQuota || o.cpuPeriod || o.cpuRtRuntime || o.cpuRtPeriod || !o.cpusetCpus.empty() ||
        !o.cpusetMems.empty()) {
        if (!r.cpu) r.cpu.emplace();
        if (o.cpuShares) r.cpu->shares = *o.cpuShares;
        if (o.cpuQuota) r.cpu->quota = *o.cpuQuota;
        if (o.cpuPeriod) r.cpu->period = *o.cpuPeriod;
        if (o.cpuRtRuntime) r.cpu->realtimeRuntime = *o.cpuRtRuntime;
        if (o.cpuRtPeriod) r.cpu->realtimePeriod = *o.cpuRtPeriod;
        if (!o.cpusetCpus.empty()) r.cpu->cpus = o.cpusetCpus;
        if (!o.cpusetMems.empty()) r.cpu->mems = o.cpusetMems;
    }
    if (o.pidsLimit) r.pids = spec::Pids{*o.pidsLimit};
    if (o.blkioWeight) {
        if (!r.blockIO) r.blockIO.emplace();
        r.blockIO->weight = *o.blkioWeight;
    }
    c.cgroup->apply(r, /*isUpdate=*/true);
    return 0;
}

int events(const GlobalOptions& g, const EventsOptions& o) {
    Opened c = open_running(g, o.id, /*lock=*/false);
    if (c.status == spec::Status::Stopped) throw Error("container " + o.id + " is not running");
    auto emit = [&](const char* type, const nlohmann::ordered_json* data) {
        nlohmann::ordered_json j;
        j["type"] = type;
        j["id"] = o.id;
        if (data) j["data"] = *data;
        print_stdout(j.dump() + '\n');
    };
    if (o.stats) {
        auto data = stats_json(c.cgroup->stats());
        emit("stats", &data);
        return 0;
    }
    // Stream stats every interval and an "oom" event whenever the OOM-kill
    // counter grows, until the container stops.
    uint64_t oomKills = c.cgroup->stats().memory.events.oomKill;
    auto interval = std::chrono::seconds(std::max(1, o.intervalSeconds));
    auto next = std::chrono::steady_clock::now() + interval;
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        // The status first, the OOM counter after it: an OOM kill that ended
        // the container within this poll is still reported.
        const bool stopped = container_status(c.dir, &c.rec) == spec::Status::Stopped;
        cgroups::Stats s;
        try {
            s = c.cgroup->stats();
        } catch (const Error&) {
            if (stopped) return 0;  // deleted meanwhile
            throw;
        }
        if (s.memory.events.oomKill > oomKills) {
            oomKills = s.memory.events.oomKill;
            emit("oom", nullptr);
        }
        if (stopped) return 0;
        if (std::chrono::steady_clock::now() >= next) {
            auto data = stats_json(s);
            emit("stats", &data);
            next += interval;
        }
    }
}

}  // namespace berth::container

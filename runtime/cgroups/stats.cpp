#include "runtime/cgroups/stats.hpp"

#include <charconv>
#include <sstream>

namespace berth::cgroups {

namespace {

bool to_u64(const std::string& s, uint64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

std::optional<PsiStats> parse_psi(const std::string& text) {
    // some avg10=0.00 avg60=0.00 avg300=0.00 total=0
    // full avg10=0.00 avg60=0.00 avg300=0.00 total=0
    PsiStats out;
    bool any = false;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string kind;
        ls >> kind;
        PsiData* d = kind == "some" ? &out.some : kind == "full" ? &out.full : nullptr;
        if (!d) continue;
        any = true;
        for (std::string kv; ls >> kv;) {
            auto eq = kv.find('=');
            if (eq == std::string::npos) continue;
            std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
            try {
                if (k == "avg10") d->avg10 = std::stod(v);
                else if (k == "avg60") d->avg60 = std::stod(v);
                else if (k == "avg300") d->avg300 = std::stod(v);
                else if (k == "total") to_u64(v, d->total);
            } catch (const std::exception&) {
            }
        }
    }
    if (!any) return std::nullopt;
    return out;
}

std::vector<BlkioEntry> parse_blkio_v1(const std::string& text) {
    std::vector<BlkioEntry> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::vector<std::string> f;
        for (std::string w; ls >> w;) f.push_back(w);
        if (f.size() < 2 || f[0] == "Total") continue;
        auto colon = f[0].find(':');
        if (colon == std::string::npos) continue;
        BlkioEntry e;
        if (!to_u64(f[0].substr(0, colon), e.major) || !to_u64(f[0].substr(colon + 1), e.minor)) continue;
        if (f.size() >= 3) {
            e.op = f[1];
            if (!to_u64(f[2], e.value)) continue;
        } else if (!to_u64(f[1], e.value)) {
            continue;
        }
        out.push_back(e);
    }
    return out;
}

void parse_io_stat(const std::string& text, BlkioStats& out) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string dev;
        if (!(ls >> dev)) continue;
        auto colon = dev.find(':');
        uint64_t major = 0, minor = 0;
        if (colon == std::string::npos || !to_u64(dev.substr(0, colon), major) ||
            !to_u64(dev.substr(colon + 1), minor))
            continue;
        for (std::string kv; ls >> kv;) {
            auto eq = kv.find('=');
            if (eq == std::string::npos) continue;
            std::string k = kv.substr(0, eq);
            uint64_t v = 0;
            if (!to_u64(kv.substr(eq + 1), v)) continue;
            if (k == "rbytes") out.ioServiceBytesRecursive.push_back({major, minor, "Read", v});
            else if (k == "wbytes") out.ioServiceBytesRecursive.push_back({major, minor, "Write", v});
            else if (k == "rios") out.ioServicedRecursive.push_back({major, minor, "Read", v});
            else if (k == "wios") out.ioServicedRecursive.push_back({major, minor, "Write", v});
        }
    }
}

}  // namespace berth::cgroups

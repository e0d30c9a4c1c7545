// Internal to spec/: writing JSON byte-for-byte as Go's encoding/json does, for
// output that engines and scripts compare with runc's (`runc state`, hook
// state). Go escapes <, > and & (HTML-safe), U+2028 and U+2029, writes control
// characters other than \n \r \t as \u00XX, and replaces invalid UTF-8 with
// U+FFFD.
#pragma once

#include <string>
#include <string_view>

namespace berth::spec::detail {

void go_quote(std::string& out, std::string_view s);

}  // namespace berth::spec::detail

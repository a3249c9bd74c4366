// Internal: the IMF-fixdate for the Date header ("Sun, 06 Nov 1994 08:49:37 GMT"),
// formatted at most once per second per thread.
#pragma once

#include <string_view>

namespace upgate::http::detail {

// Valid until the next call on the same thread.
std::string_view http_date_now() noexcept;

}  // namespace upgate::http::detail

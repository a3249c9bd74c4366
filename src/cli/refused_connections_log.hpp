// The log line a listener leaves when its connection caps refuse a connection
// (http::Server::on_connection_refused()), shared by `upgate store` and `upgate serve`.
//
// Promises: at most one warning a second per listener, so a flood of refused connections
// does not become a flood of log lines; the line names the listener, the cap and the
// peer's address. Quick and non-blocking apart from the logger's own write (it runs on the
// accepting I/O thread).
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace upgate::cli {

std::function<void(bool per_client, std::string_view peer)> refused_connections_log(
    std::shared_ptr<spdlog::logger> logger, std::string listener);

}  // namespace upgate::cli

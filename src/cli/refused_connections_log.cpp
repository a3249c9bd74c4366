// One warning a second at most while a listener's caps refuse connections.
#include "refused_connections_log.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>

#include "upgate/api/json_log.hpp"

namespace upgate::cli {

std::function<void(bool per_client, std::string_view peer)> refused_connections_log(
    std::shared_ptr<spdlog::logger> logger, std::string listener) {
  return [logger = std::move(logger), listener = std::move(listener),
          last = std::make_shared<std::atomic<std::int64_t>>(-1)](bool per_client,
                                                                  std::string_view peer) {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
    std::int64_t seen = last->load(std::memory_order_relaxed);
    if (now <= seen || !last->compare_exchange_strong(seen, now)) return;
    api::log_json(
        *logger, spdlog::level::warn,
        api::json_log_line("warn", "connection refused",
                           {{"listener", listener},
                            {"cap", per_client ? "max_connections_per_client" : "max_connections"},
                            {"peer", peer}}));
  };
}

}  // namespace upgate::cli

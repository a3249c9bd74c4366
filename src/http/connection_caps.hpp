// Internal: the connections a server holds, in all and per client address, and the slot
// each accepted connection takes (ServerConfig::max_connections and
// max_connections_per_client).
//
// take() runs on the accepting thread for every connection; the slot it returns goes with
// the connection and gives its place back when destroyed, on whichever thread. The total
// is one atomic; the per-address counts (only kept when that cap is set) are a hash map
// behind a mutex, touched once at accept and once at close, never per request. Refusals
// are counted by reason for the owner's metrics.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace upgate::http::detail {

enum class CapRefusal : std::uint8_t { none, listener_full, client_full };

class ConnectionCaps {
 public:
  using AddressBytes = std::array<unsigned char, 16>;

  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    ~Slot();
    explicit operator bool() const noexcept { return caps_ != nullptr; }

   private:
    friend class ConnectionCaps;
    Slot(ConnectionCaps* caps, AddressBytes address, bool per_address) noexcept
        : caps_(caps), address_(address), per_address_(per_address) {}
    ConnectionCaps* caps_ = nullptr;
    AddressBytes address_{};
    bool per_address_ = false;
  };

  // 0: no cap.
  ConnectionCaps(std::size_t max_total, std::size_t max_per_address) noexcept
      : max_total_(max_total), max_per_address_(max_per_address) {}

  // A slot, or an empty one and the reason in `refusal`.
  Slot take(const boost::asio::ip::address& address, CapRefusal& refusal);

  std::size_t open() const noexcept { return total_.load(std::memory_order_relaxed); }
  std::uint64_t refused(CapRefusal reason) const noexcept;

 private:
  struct Hash {
    std::size_t operator()(const AddressBytes& a) const noexcept;
  };
  void release(const AddressBytes& address, bool per_address) noexcept;

  const std::size_t max_total_;
  const std::size_t max_per_address_;
  std::atomic<std::size_t> total_{0};
  std::atomic<std::uint64_t> refused_listener_{0};
  std::atomic<std::uint64_t> refused_client_{0};
  std::mutex mutex_;
  std::unordered_map<AddressBytes, std::uint32_t, Hash> per_address_;
};

}  // namespace upgate::http::detail

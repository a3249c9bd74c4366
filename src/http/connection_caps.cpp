#include "connection_caps.hpp"

#include <string_view>

namespace upgate::http::detail {
namespace {

ConnectionCaps::AddressBytes bytes_of(const boost::asio::ip::address& address) {
  if (address.is_v4()) {
    return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4()).to_bytes();
  }
  return address.to_v6().to_bytes();
}

}  // namespace

std::size_t ConnectionCaps::Hash::operator()(const AddressBytes& a) const noexcept {
  return std::hash<std::string_view>()(
      std::string_view(reinterpret_cast<const char*>(a.data()), a.size()));
}

ConnectionCaps::Slot::Slot(Slot&& other) noexcept
    : caps_(other.caps_), address_(other.address_), per_address_(other.per_address_) {
  other.caps_ = nullptr;
}

ConnectionCaps::Slot& ConnectionCaps::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (caps_ != nullptr) caps_->release(address_, per_address_);
    caps_ = other.caps_;
    address_ = other.address_;
    per_address_ = other.per_address_;
    other.caps_ = nullptr;
  }
  return *this;
}

ConnectionCaps::Slot::~Slot() {
  if (caps_ != nullptr) caps_->release(address_, per_address_);
}

ConnectionCaps::Slot ConnectionCaps::take(const boost::asio::ip::address& address,
                                          CapRefusal& refusal) {
  refusal = CapRefusal::none;
  const std::size_t before = total_.fetch_add(1, std::memory_order_relaxed);
  if (max_total_ != 0 && before >= max_total_) {
    total_.fetch_sub(1, std::memory_order_relaxed);
    refused_listener_.fetch_add(1, std::memory_order_relaxed);
    refusal = CapRefusal::listener_full;
    return {};
  }
  const AddressBytes key = bytes_of(address);
  if (max_per_address_ != 0) {
    std::lock_guard lock(mutex_);
    std::uint32_t& count = per_address_[key];
    if (count >= max_per_address_) {
      total_.fetch_sub(1, std::memory_order_relaxed);
      refused_client_.fetch_add(1, std::memory_order_relaxed);
      refusal = CapRefusal::client_full;
      return {};
    }
    ++count;
  }
  return Slot(this, key, max_per_address_ != 0);
}

void ConnectionCaps::release(const AddressBytes& address, bool per_address) noexcept {
  if (per_address) {
    std::lock_guard lock(mutex_);
    auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
  }
  total_.fetch_sub(1, std::memory_order_relaxed);
}

std::uint64_t ConnectionCaps::refused(CapRefusal reason) const noexcept {
  switch (reason) {
    case CapRefusal::listener_full:
      return refused_listener_.load(std::memory_order_relaxed);
    case CapRefusal::client_full:
      return refused_client_.load(std::memory_order_relaxed);
    case CapRefusal::none:
      break;
  }
  return 0;
}

}  // namespace upgate::http::detail

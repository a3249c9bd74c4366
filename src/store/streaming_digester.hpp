// Computes an upload's MD5 (always: it is the ETag) and any requested
// additional checksums in one pass over the bytes as they stream past.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "checksum.hpp"

namespace upgate::store {

struct Digests {
  std::array<std::uint8_t, 16> md5{};
  Checksums checksums;  // exactly the requested algorithms, base64

  std::string md5_hex() const;     // the ETag, without quotes
  std::string md5_base64() const;  // the Content-MD5 form
};

class StreamingDigester {
 public:
  explicit StreamingDigester(ChecksumSet checksums = {});
  ~StreamingDigester();
  StreamingDigester(StreamingDigester&&) noexcept;
  StreamingDigester& operator=(StreamingDigester&&) noexcept;

  void update(std::span<const std::byte> data);
  // Ends the stream; update() must not be called afterwards.
  Digests finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace upgate::store

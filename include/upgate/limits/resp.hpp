// RESP2, the Redis protocol: commands encoded and replies decoded, with Debian's hiredis
// (0.14) doing what it is good at and a guard in front of it for what it does not check.
//
// encode_command() is hiredis' redisFormatCommandArgv: an array of bulk strings, binary
// safe (arguments may hold NUL, CR and LF).
//
// RespDecoder takes the bytes a connection reads and yields whole replies. hiredis'
// reader builds the values (through its object-function table, straight into RespValue);
// but 0.14 trusts the lengths it reads (a "$" length near 2^63 overflows its arithmetic, a
// "*" count is allocated before its elements arrive, a reply grows without bound), so a
// framer first walks each reply's headers and checks them against RespLimits: the type
// byte is one of + - : $ *, numbers are plain decimals that fit, bulk strings end in CRLF,
// arrays nest at most max_depth deep with at most max_elements each, and the whole reply
// fits in max_reply_bytes. Only a complete, checked reply is handed to hiredis, so what
// it allocates is bounded by bytes that actually arrived. RESP3 types are refused: upgate
// never sends HELLO 3.
#pragma once

#include <upgate/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;

namespace upgate::limits {

struct RespValue {
  enum class Type : std::uint8_t { simple_string, error, integer, bulk_string, nil, array };
  Type type = Type::nil;
  std::string text;  // simple_string, error, bulk_string
  long long integer = 0;
  std::vector<RespValue> elements;

  bool is_error() const noexcept { return type == Type::error; }
  friend bool operator==(const RespValue&, const RespValue&) = default;
};

// The wire form of one command. Throws std::bad_alloc only.
std::string encode_command(std::span<const std::string_view> arguments);

struct RespLimits {
  std::size_t max_reply_bytes = 64 * 1024;
  std::size_t max_elements = 1024;
  std::size_t max_depth = 4;
  std::size_t max_line_bytes = 4096;  // a +status or -error line
};

class RespDecoder {
 public:
  explicit RespDecoder(RespLimits limits = {});
  ~RespDecoder();
  RespDecoder(const RespDecoder&) = delete;
  RespDecoder& operator=(const RespDecoder&) = delete;

  void feed(std::string_view bytes);
  // The next whole reply, nullopt while it is incomplete, or why the stream is unusable
  // (after which the decoder stays failed: the connection must be dropped).
  Expected<std::optional<RespValue>, std::string> next();
  // Bytes received and not yet returned as a reply.
  std::size_t buffered() const noexcept { return buffer_.size(); }

 private:
  // Where the framer stands in the reply at the front of the buffer.
  enum class Scan : std::uint8_t { incomplete, complete, invalid };
  Scan scan();

  RespLimits limits_;
  std::string buffer_;
  std::size_t scan_pos_ = 0;              // the next header to check
  std::vector<std::size_t> open_arrays_;  // elements still expected, innermost last
  std::string error_;
  redisReader* reader_ = nullptr;
};

}  // namespace upgate::limits

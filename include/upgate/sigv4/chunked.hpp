// aws-chunked bodies (`Content-Encoding: aws-chunked`), as the AWS SDKs and CLI
// stream uploads whose hash they cannot know up front.
//
// Signed mode (x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD): each
// chunk `<hex size>;chunk-signature=<sig>\r\n<data>\r\n` carries a signature
// chained from the previous one, starting at the request's seed signature:
//
//   "AWS4-HMAC-SHA256-PAYLOAD" \n X-Amz-Date \n scope \n previous signature \n
//   hex(SHA256("")) \n hex(SHA256(chunk data))
//
// The last chunk has size 0. With a trailer (…-PAYLOAD-TRAILER), trailing
// headers follow the last chunk and carry a trailer signature:
//
//   "AWS4-HMAC-SHA256-TRAILER" \n X-Amz-Date \n scope \n previous signature \n
//   hex(SHA256(trailer lines))
//
// Unsigned mode (STREAMING-UNSIGNED-PAYLOAD-TRAILER): chunks `<hex size>\r\n
// <data>\r\n` without signatures, then trailers such as x-amz-checksum-crc32.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "upgate/expected.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/signing_key.hpp"

namespace upgate::sigv4 {

// The signature chain, for a client that signs chunks or a server that checks
// them. Feed the chunk's SHA-256; each call advances the chain.
class ChunkSignatureChain {
 public:
  ChunkSignatureChain(std::shared_ptr<const SigningKey> key, std::string amz_date,
                      std::string scope, std::string seed_signature);

  std::string next(const Sha256Digest& chunk_sha256);
  // Constant-time; advances only when the claimed signature is right.
  bool verify_next(const Sha256Digest& chunk_sha256, std::string_view claimed_signature);

  // The trailer signature over the trailer lines exactly as sent
  // ("x-amz-checksum-crc32:AAAAAA==\n"), chained from the last chunk's.
  std::string trailer_signature(std::string_view trailer_lines) const;

  const std::string& previous_signature() const { return previous_; }

 private:
  std::shared_ptr<const SigningKey> key_;
  std::string prefix_;  // "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n" scope "\n"
  std::string amz_date_;
  std::string scope_;
  std::string previous_;
};

// A push parser of aws-chunked framing. It never buffers chunk data: `next`
// hands out views into the caller's input, so memory stays bounded whatever
// the chunk size. Framing lines are bounded (a chunk header over 4 KiB, a
// trailer section over 16 KiB or a chunk over `max_chunk_size` is an error).
class AwsChunkedDecoder {
 public:
  enum class Mode { kSigned, kSignedWithTrailer, kUnsignedWithTrailer };

  struct NeedMore {};  // `input` is used up; call again with more bytes
  struct Data {
    std::string_view bytes;
  };                 // part of the current chunk's data
  struct ChunkEnd {  // the current chunk is complete
    std::uint64_t size;
    std::string_view signature;  // signed modes; empty otherwise
  };
  struct Trailer {
    std::string_view name;  // lower-case
    std::string_view value;
  };
  struct TrailerEnd {
    // The trailers as their signature covers them: "name:value\n" per line,
    // names lower-cased, values trimmed, sorted by name, without
    // x-amz-trailer-signature.
    std::string_view lines;
    std::string_view signature;  // x-amz-trailer-signature, signed trailer mode
  };
  struct End {};  // the body is complete; trailing input is an error
  struct Error {
    std::string reason;
  };
  using Event = std::variant<NeedMore, Data, ChunkEnd, Trailer, TrailerEnd, End, Error>;

  explicit AwsChunkedDecoder(Mode mode, std::uint64_t max_chunk_size = 64ull << 20);

  // Consumes from the front of `input` and returns the next event. Views in
  // the event stay valid until the caller's buffer changes or `next` is called
  // again, whichever comes first.
  Event next(std::string_view& input);

  std::uint64_t decoded_bytes() const { return decoded_; }

 private:
  struct State;
  Mode mode_;
  std::uint64_t max_chunk_size_;
  std::uint64_t decoded_ = 0;
  std::shared_ptr<State> state_;
};

}  // namespace upgate::sigv4

// The body of a signed request, checked as it streams: what x-amz-content-sha256
// promised is what the store accepts, and nothing else.
//
// Modes (from the verified request, describe_payload()):
//  - plain with a hex SHA-256: the bytes pass through; finish() compares the
//    hash (XAmzContentSHA256Mismatch);
//  - plain UNSIGNED-PAYLOAD (presigned URLs, header auth that opts out): the
//    bytes pass through unchecked;
//  - STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: aws-chunked framing, every
//    chunk's signature checked against the chain seeded by the request's
//    signature (SignatureDoesNotMatch), the trailer signature too;
//  - STREAMING-UNSIGNED-PAYLOAD-TRAILER: aws-chunked framing without
//    signatures, then trailers such as x-amz-checksum-crc32.
// In the chunked modes the decoded length must equal
// x-amz-decoded-content-length and every trailer declared in x-amz-trailer must
// arrive (and no other); the caller compares checksum trailers with the
// digests it computed. Memory stays bounded: decoded bytes are handed to the
// sink as views into the caller's buffer, never accumulated.
// Not thread-safe; one decoder per request, used from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"
#include "upgate/sigv4/chunked.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/verify.hpp"

namespace upgate::store {

struct PayloadSpec {
  enum class Mode { kPlain, kSignedChunks, kSignedChunksWithTrailer, kUnsignedChunksWithTrailer };
  Mode mode = Mode::kPlain;
  std::optional<std::string> expected_sha256_hex;  // plain mode with a hex hash (lower-case)
  // Signed chunk modes: the chain's inputs.
  std::shared_ptr<const sigv4::SigningKey> signing_key;
  std::string amz_date;
  std::string scope;
  std::string seed_signature;
  // Chunked modes: x-amz-decoded-content-length and x-amz-trailer (lower-case names).
  std::optional<std::uint64_t> decoded_length;
  std::vector<std::string> declared_trailers;

  bool chunked() const { return mode != Mode::kPlain; }
};

struct PayloadHeaders {
  std::optional<std::string_view> decoded_content_length;  // x-amz-decoded-content-length
  std::optional<std::string_view> trailer;                 // x-amz-trailer
};

// What the body must be, from a verified request (nullptr: anonymous, which
// S3 treats as UNSIGNED-PAYLOAD). Errors: MissingContentLength when a
// streaming mode lacks x-amz-decoded-content-length, InvalidArgument for a
// malformed one, InvalidRequest for a trailer that is not x-amz-checksum-*.
Expected<PayloadSpec, s3::S3Error> describe_payload(const sigv4::VerifiedAuth* auth,
                                                    const PayloadHeaders& headers);

class PayloadDecoder {
 public:
  // Receives decoded body bytes in order; an error stops decoding.
  using Sink = std::function<Expected<void, s3::S3Error>(std::string_view bytes)>;

  explicit PayloadDecoder(PayloadSpec spec);

  // Feeds the next raw body bytes (as they came off the wire).
  Expected<void, s3::S3Error> consume(std::string_view raw, const Sink& sink);
  // The raw body is complete: checks what can only be checked at the end.
  Expected<void, s3::S3Error> finish();

  std::uint64_t decoded_bytes() const { return decoded_; }
  // Trailers received (lower-case name, value), x-amz-trailer-signature excluded.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }
  const PayloadSpec& spec() const { return spec_; }

 private:
  Expected<void, s3::S3Error> consume_chunked(std::string_view raw, const Sink& sink);

  PayloadSpec spec_;
  std::uint64_t decoded_ = 0;
  std::optional<sigv4::Sha256> body_sha_;   // plain mode with a hash
  std::optional<sigv4::Sha256> chunk_sha_;  // signed chunk modes, the current chunk
  std::optional<sigv4::AwsChunkedDecoder> chunked_;
  std::optional<sigv4::ChunkSignatureChain> chain_;
  std::vector<std::pair<std::string, std::string>> trailers_;
  bool ended_ = false;
  bool failed_ = false;
};

}  // namespace upgate::store

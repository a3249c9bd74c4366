// Signing a request: header signing (the Authorization header) and generic
// query signing (a presigned request for any service), by the steps of
// signature_v4.hpp.
//
// These take any RequestView and any service, which is what the official test
// suites exercise. For S3 objects, presign.hpp builds URLs from bucket and key.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/credentials.hpp"
#include "upgate/sigv4/request.hpp"
#include "upgate/sigv4/signature_v4.hpp"
#include "upgate/sigv4/signing_key.hpp"
#include "upgate/sigv4/uri_encoding.hpp"

namespace upgate::sigv4 {

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingPayloadTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedPayloadTrailer =
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
inline constexpr std::chrono::seconds kMaxPresignExpiry{604800};  // 7 days

struct SigningParams {
  const Credentials* credentials = nullptr;
  std::string_view region;
  std::string_view service = "s3";
  Timestamp time;
  CanonicalUriOptions uri;           // S3's rules by default
  SigningKeyCache* cache = nullptr;  // nullptr: SigningKeyCache::global()
};

// What a signer computed, kept for tests, debugging and S3-style error reports.
struct SignatureTrace {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // 64 lowercase hex
};

struct HeaderSignOptions {
  // Adds and signs `x-amz-content-sha256: <payload_hash>` (S3 requires it).
  bool add_content_sha256_header = true;
  // false: the session token header is added after signing, outside the
  // signature (an old STS style some services accept).
  bool sign_session_token = true;
};

struct SignedHeaders {
  // Headers to add to the request, in this order: X-Amz-Date,
  // [X-Amz-Security-Token], [x-amz-content-sha256], Authorization.
  std::vector<Header> headers_to_add;
  SignatureTrace trace;
};

struct SignError {
  std::string message;  // says what input was wrong; never holds a secret
};

// A refusal as an Expected's error: `return fail("the region is empty");`.
inline Unexpected<SignError> fail(std::string message) {
  return Unexpected(SignError{std::move(message)});
}

// What every signer checks first: an access key id and a secret, and an access
// key id, region and service that a credential scope can carry.
std::optional<SignError> check_credentials(const Credentials& credentials, std::string_view region,
                                           std::string_view service = "s3");

// Signs every header of `request` plus the ones it adds.
Expected<SignedHeaders, SignError> sign_headers(const RequestView& request,
                                                std::string_view payload_hash,
                                                const SigningParams& params,
                                                HeaderSignOptions options = {});

struct SignedQuery {
  // `X-Amz-Algorithm=...&X-Amz-Credential=...&X-Amz-Date=...&X-Amz-Expires=...
  // &X-Amz-SignedHeaders=...[&X-Amz-Security-Token=...]&X-Amz-Signature=...`,
  // encoded, in that order, to append to the request's own query.
  std::string query;
  SignatureTrace trace;
};

// Query (presigned) signing of any request: signs every header of `request`
// (at least `host`), with `payload_hash` as the last canonical line.
Expected<SignedQuery, SignError> sign_query(const RequestView& request,
                                            std::string_view payload_hash,
                                            const SigningParams& params,
                                            std::chrono::seconds expires);

}  // namespace upgate::sigv4

// SnsVerifier: is this SNS message really from Amazon SNS? Verification as AWS documents
// it ("Verifying the signatures of Amazon SNS messages"), each refusal with its own reason.
//
// verify(message, now) checks, in this order, and stops at the first failure:
//   1. SignatureVersion is "1" (SHA1withRSA) or "2" (SHA256withRSA); with
//      require_signature_version_2 only "2".                    kUnsupportedSignatureVersion
//   2. TopicArn is one of allowed_topic_arns (when any are set). kTopicNotAllowed
//   3. Signature is base64.                                      kMalformedSignature
//   4. SigningCertURL is https, with no user info, port 443 or none, and its host matches
//      one of cert_host_patterns (`*` stands for exactly one DNS label of letters, digits
//      and '-'; the default patterns are sns.*.amazonaws.com and sns.*.amazonaws.com.cn).
//                                                   kCertUrlNotHttps, kCertHostNotAllowed
//   5. The certificate, through the caller's fetch function (never fetched for a URL that
//      failed step 4), at most max_certificate_bytes of PEM: the first certificate is the
//      signer's, any after it are untrusted intermediates.
//                                                   kCertFetchFailed, kCertUnreadable
//   6. Its chain to a trusted root, valid at `now` (every certificate in the chain):
//      trust from trusted_ca_file / trusted_ca_pem, or the system's store when both are
//      empty; intermediates_pem adds untrusted intermediates (SNS's PEM holds only the leaf
//      and Debian's store only roots, so production sets the issuing intermediate here).
//                                      kCertExpired, kCertNotYetValid, kCertUntrusted
//   7. The certificate is issued to certificate_name (SAN DNS name or CN;
//      "sns.amazonaws.com" by default, as SNS's certificates are).   kCertWrongName
//   8. The signature over sns_string_to_sign(message) with the certificate's RSA key and
//      the version's digest.                                          kBadSignature
//
// Certificates are cached by URL after a successful fetch and parse (bounded by
// cache_entries; the oldest half is dropped when full); steps 6-8 run on every call, so
// a cached certificate that expires is refused from then on. Failed fetches are not
// cached. verify() is safe to call from many threads; the fetch function is called
// without any lock held and may block (the caller runs verify() off its I/O threads).
//
// SubscribeURL: a confirmation's URL is trustworthy only after verify() succeeded;
// host_allowed() lets the caller check it against the same patterns before visiting it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/events/sns_message.hpp"
#include "upgate/expected.hpp"

namespace upgate::events {

enum class SnsRefusalCode : std::uint8_t {
  kUnsupportedSignatureVersion,
  kTopicNotAllowed,
  kMalformedSignature,
  kCertUrlNotHttps,
  kCertHostNotAllowed,
  kCertFetchFailed,
  kCertUnreadable,
  kCertExpired,
  kCertNotYetValid,
  kCertUntrusted,
  kCertWrongName,
  kBadSignature,
};
std::string_view to_string(SnsRefusalCode code);  // "cert_expired", ...

struct SnsRefusal {
  SnsRefusalCode code = SnsRefusalCode::kBadSignature;
  std::string message;  // one line for the log; names the URL's host, never the body
};

struct SnsVerifierOptions {
  std::vector<std::string> cert_host_patterns = {"sns.*.amazonaws.com", "sns.*.amazonaws.com.cn"};
  std::string trusted_ca_file;    // PEM bundle of trusted roots
  std::string trusted_ca_pem;     // the same, inline
  std::string intermediates_pem;  // untrusted intermediates to build chains with
  std::string certificate_name = "sns.amazonaws.com";  // empty: no name check
  std::vector<std::string> allowed_topic_arns;         // empty: any topic
  bool require_signature_version_2 = false;
  std::size_t max_certificate_bytes = 64 * 1024;
  std::size_t cache_entries = 32;
};

// Fetches the PEM at an https URL (the caller's HTTP client, with its own timeouts and
// TLS verification). An error is a one-line reason.
using CertificateFetcher = std::function<Expected<std::string, std::string>(const std::string&)>;

class SnsVerifier {
 public:
  // Refuses unreadable trust material or a host pattern that is not a host name with `*`
  // labels.
  static Expected<SnsVerifier, std::string> create(SnsVerifierOptions options,
                                                   CertificateFetcher fetch);

  Expected<void, SnsRefusal> verify(const SnsMessage& message,
                                    std::chrono::system_clock::time_point now) const;

  // `url` is https on port 443 at a host matching cert_host_patterns.
  bool host_allowed(std::string_view url) const;

 private:
  struct State;
  explicit SnsVerifier(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace upgate::events

// Fuzz target: SigV4 as the store checks a request (src/store_http/request_auth.cpp): which
// mechanism it uses, the Authorization header or the presigned query parsed (algorithm,
// Credential and its scope, SignedHeaders, Signature, X-Amz-Date, X-Amz-Expires, the
// security token, the payload hash), then verified: the canonical request rebuilt from the
// hostile target and headers and the signature compared.
//
// Input: a request as text (fuzz_input.hpp), e.g. the SigV4 suites' signed requests. The
// clock and the region are taken from the request's own date and scope when they parse, so
// the fuzzer gets past the expiry and skew checks into canonicalization and comparison; the
// two test suites' access keys are known.
#include <chrono>
#include <optional>

#include "fuzz_input.hpp"
#include "upgate/sigv4/verify.hpp"

namespace {

using namespace upgate;

std::optional<sigv4::Credentials> lookup(std::string_view id) {
  sigv4::Credentials c;
  if (id == "AKIDEXAMPLE") {  // aws4_testsuite, aws-signing-test-suite
    c.secret_access_key = sigv4::SecretKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  } else if (id == "AKIAIOSFODNN7EXAMPLE") {  // tests/data/sigv4/s3
    c.secret_access_key = sigv4::SecretKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  } else {
    return std::nullopt;
  }
  c.access_key_id = std::string(id);
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16 * 1024) return 0;  // the store's header bound
  const fuzz::RequestText text = fuzz::read_request_text(fuzz::as_text(data, size));
  const sigv4::RequestView view{text.method, text.target, text.headers};
  (void)sigv4::detect_auth(view);
  const auto parsed = sigv4::parse_auth(view);

  sigv4::VerifyPolicy policy;
  policy.now = parsed ? parsed->request_time
                      : sigv4::Timestamp(
                            std::chrono::sys_days(std::chrono::year(2013) / std::chrono::May / 24));
  policy.region = parsed ? std::string_view(parsed->scope.region) : "us-east-1";
  static sigv4::SigningKeyCache cache;
  const auto verified = sigv4::verify(view, policy, lookup, &cache);
  if (verified && !parsed) __builtin_trap();  // verify accepts only what parses
  return 0;
}

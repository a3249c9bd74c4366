// libFuzzer entry for the parsing and authentication paths every store request
// crosses before any byte is stored: the request target and query, the
// operation's classification, SigV4 parsing and verification, aws-chunked
// decoding with chunk signatures, and the POST form parser.
//
// The first input byte picks the path; the rest is hostile input. Built with
// clang (-DUPGATE_FUZZ=ON) it is a coverage-guided fuzzer; under g++ the
// unit suite replays seeds and mutations through the same function
// (store_request_fuzzer_test.cpp). Any crash, hang or sanitizer report is a bug;
// results themselves are not checked beyond internal consistency.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store_http/multipart_form.hpp"
#include "store_http/payload_decoder.hpp"
#include "store_http/s3_operation.hpp"
#include "upgate/s3/naming.hpp"
#include "upgate/sigv4/canonical_request.hpp"
#include "upgate/sigv4/verify.hpp"

namespace {

using namespace upgate;

std::vector<std::string_view> split_lines(std::string_view text, std::size_t max) {
  std::vector<std::string_view> out;
  while (!text.empty() && out.size() < max) {
    const std::size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// "METHOD TARGET\nName: value\n..." -> a request the verifier reads.
void fuzz_request(std::string_view text) {
  const auto lines = split_lines(text, 64);
  if (lines.empty()) return;
  const std::string_view first = lines[0];
  const std::size_t space = first.find(' ');
  const std::string_view method = first.substr(0, space);
  const std::string_view target = space == std::string_view::npos ? "/" : first.substr(space + 1);
  std::vector<sigv4::HeaderView> headers;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t colon = lines[i].find(':');
    if (colon == std::string_view::npos) continue;
    headers.push_back({lines[i].substr(0, colon), lines[i].substr(colon + 1)});
  }
  const sigv4::RequestView view{method, target, headers};
  (void)sigv4::detect_auth(view);
  sigv4::VerifyPolicy policy;
  policy.now = std::chrono::sys_seconds(std::chrono::seconds(1369353600));  // 2013-05-24
  policy.region = "us-east-1";
  auto lookup = [](std::string_view id) -> std::optional<sigv4::Credentials> {
    if (id != "AKIDEXAMPLE") return std::nullopt;
    sigv4::Credentials c;
    c.access_key_id = "AKIDEXAMPLE";
    c.secret_access_key = sigv4::SecretKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    return c;
  };
  (void)sigv4::verify(view, policy, lookup);

  auto parsed = s3::parse_request_target(target, "s3.example.test", "s3.example.test");
  if (!parsed) return;
  auto query = sigv4::parse_query(parsed->raw_query);
  if (!query) return;
  store::RequestShape shape;
  shape.method = method;
  shape.has_bucket = !parsed->bucket.empty();
  shape.has_key = !parsed->key.empty();
  shape.query = *query;
  (void)store::classify(shape);
}

// aws-chunked in every mode, fed in pieces whose sizes come from the input.
void fuzz_payload(std::string_view data) {
  if (data.size() < 2) return;
  const auto mode = static_cast<unsigned char>(data[0]) % 4;
  const std::size_t step = 1 + static_cast<unsigned char>(data[1]) % 64;
  data.remove_prefix(2);
  store::PayloadSpec spec;
  spec.mode = static_cast<store::PayloadSpec::Mode>(mode);
  spec.decoded_length = 64;
  if (spec.mode == store::PayloadSpec::Mode::kPlain) {
    spec.expected_sha256_hex = std::string(sigv4::kEmptySha256);
  } else if (spec.mode != store::PayloadSpec::Mode::kUnsignedChunksWithTrailer) {
    static const auto key = std::make_shared<const sigv4::SigningKey>(
        sigv4::SecretKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "20130524", "us-east-1",
        "s3");
    spec.signing_key = key;
    spec.amz_date = "20130524T000000Z";
    spec.scope = "20130524/us-east-1/s3/aws4_request";
    spec.seed_signature = std::string(64, 'a');
  }
  if (mode >= 2) spec.declared_trailers = {"x-amz-checksum-crc32"};
  store::PayloadDecoder decoder(spec);
  std::uint64_t seen = 0;
  const store::PayloadDecoder::Sink sink =
      [&seen](std::string_view bytes) -> Expected<void, s3::S3Error> {
    seen += bytes.size();
    return {};
  };
  for (std::size_t i = 0; i < data.size(); i += step) {
    if (!decoder.consume(data.substr(i, step), sink)) return;
  }
  (void)decoder.finish();
  if (seen != decoder.decoded_bytes()) __builtin_trap();
}

// multipart/form-data through a buffer that grows as the store's does.
void fuzz_form(std::string_view data) {
  if (data.empty()) return;
  const std::size_t step = 1 + static_cast<unsigned char>(data[0]) % 97;
  data.remove_prefix(1);
  store::MultipartFormParser parser("b0undary", store::MultipartFormParser::Limits{});
  std::string buffer;
  std::size_t fed = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    std::string_view view(buffer);
    auto event = parser.next(view);
    const std::size_t consumed = buffer.size() - view.size();
    if (consumed > buffer.size()) __builtin_trap();
    if (std::holds_alternative<store::MultipartFormParser::NeedMore>(event)) {
      if (fed == data.size()) return;
      buffer.erase(0, consumed);
      const std::size_t n = std::min(step, data.size() - fed);
      buffer.append(data.substr(fed, n));
      fed += n;
      continue;
    }
    if (std::holds_alternative<store::MultipartFormParser::Done>(event) ||
        std::holds_alternative<store::MultipartFormParser::Error>(event)) {
      return;
    }
    buffer.erase(0, consumed);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0 || size > 64 * 1024) return 0;
  std::string_view data(reinterpret_cast<const char*>(bytes), size);
  const unsigned char which = static_cast<unsigned char>(data[0]) % 3;
  data.remove_prefix(1);
  switch (which) {
    case 0:
      fuzz_request(data);
      break;
    case 1:
      fuzz_payload(data);
      break;
    default:
      (void)store::form_data_boundary(data.substr(0, 200));
      fuzz_form(data);
      break;
  }
  return 0;
}

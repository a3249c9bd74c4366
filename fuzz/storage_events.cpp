// Fuzz target: POST /v1/events/s3 as the API's events route hands it to
// events::StorageEventsIngest::handle: the shared secret, an SNS message (parsed, its
// signing certificate fetched and checked against the test CA, the signature verified, a
// SubscriptionConfirmation's URL judged), the S3 event records (Ceph RGW, `upgate store
// --notify-url`, AWS through SNS), and the events they become.
//
// Input: byte 0 picks the path: 0 a body alone (records, or SNS recognised by its Type);
// 1 the x-amz-sns-message-type header value up to '\n', then the body. Certificates,
// clock: the fixtures of tests/data/events/sns (storage_events_ingest_test.cpp).
#include <chrono>

#include "fuzz_input.hpp"
#include "upgate/events/storage_events_ingest.hpp"

namespace {

using namespace upgate;
using namespace std::chrono_literals;

constexpr std::string_view kSecret = "events-route-secret-0123456789";
const std::string kCertBase = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-";
const auto kNow = std::chrono::sys_days{std::chrono::June / 1 / 2030} + 0s;

events::StorageEventsIngest make_ingest() {
  const std::string dir = "tests/data/events/sns/";
  events::SnsVerifierOptions sns;
  sns.trusted_ca_pem = fuzz::read_source_file(dir + "root.pem");
  sns.intermediates_pem = fuzz::read_source_file(dir + "intermediate.pem");
  static const std::string leaf = fuzz::read_source_file(dir + "leaf.pem");
  static const std::string forged = fuzz::read_source_file(dir + "forged.pem");
  auto verifier = events::SnsVerifier::create(
      sns, [](const std::string& url) -> Expected<std::string, std::string> {
        if (url == kCertBase + "upgate-test.pem") return leaf;
        if (url == kCertBase + "upgate-forged.pem") return forged;
        return Unexpected(std::string("HTTP 404"));
      });
  if (!verifier) throw std::runtime_error(verifier.error());
  events::StorageEventsIngestOptions options;
  options.secrets = {std::string(kSecret)};
  options.sns = std::move(*verifier);
  options.confirm = [](const std::string&) -> Expected<void, std::string> { return {}; };
  auto ingest = events::StorageEventsIngest::create(std::move(options));
  if (!ingest) throw std::runtime_error(ingest.error());
  return std::move(*ingest);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const events::StorageEventsIngest ingest = make_ingest();
  std::string_view input = fuzz::as_text(data, size);
  if (input.size() > 1024 * 1024) return 0;  // the route's body bound
  events::IngestRequest request;
  request.secret_header = kSecret;
  if (fuzz::take_choice(input, 2) == 1) {
    const std::size_t nl = input.find('\n');
    if (nl == std::string_view::npos) return 0;
    request.sns_message_type = input.substr(0, nl);
    input.remove_prefix(nl + 1);
  }
  request.body = input;
  (void)ingest.handle(request, kNow);
  return 0;
}

// Completing an upload: HEAD, first bytes, verdict, event, quarantine.
#include "upgate/api/upload_verifier.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>

#include "upgate/api/multipart_service.hpp"
#include "upgate/s3client/object_calls.hpp"

namespace upgate::api {
namespace {

constexpr std::size_t kRememberedRefusals = 4096;

ApiReply unavailable(std::string message, std::string detail) {
  ApiReply reply = UploadService::error_reply(
      ErrorStyle::v1, make_error(ErrorCode::verification_unavailable, std::move(message)));
  reply.internal_detail = std::move(detail);
  return reply;
}

}  // namespace

// Refusals whose object was deleted: the only ones the store cannot tell again.
struct UploadVerifier::Remembered {
  std::mutex mutex;
  std::map<std::string, ApiReply> replies;  // by bucket and key
  std::deque<std::string> order;

  static std::string id(std::string_view bucket, std::string_view key) {
    std::string out(bucket);
    out += '\n';
    out += key;
    return out;
  }
  void remember(std::string id, const ApiReply& reply) {
    const std::lock_guard lock(mutex);
    if (replies.insert_or_assign(id, reply).second) order.push_back(std::move(id));
    while (order.size() > kRememberedRefusals) {
      replies.erase(order.front());
      order.pop_front();
    }
  }
  std::optional<ApiReply> recall(const std::string& id) {
    const std::lock_guard lock(mutex);
    const auto it = replies.find(id);
    if (it == replies.end()) return std::nullopt;
    return it->second;
  }
};

s3client::S3Client store_client(const UploadService& uploads) {
  s3client::ClientOptions options;
  options.endpoint = uploads.target().endpoint;
  options.region = uploads.target().region;
  options.credentials = uploads.current_credentials();
  options.connect_timeout = std::chrono::seconds(5);
  options.total_timeout = std::chrono::seconds(120);  // completing thousands of parts is slow
  options.max_response_body = 4 * 1024 * 1024;        // a ListParts page of 1,000 parts
  options.ca_file = uploads.target().ca_file;
  options.connect_to = uploads.target().connect_to;
  return s3client::S3Client(std::move(options));
}

UploadVerifier::UploadVerifier(EventSink events,
                               std::shared_ptr<const events::ContentTypeDetector> detector)
    : events_(std::move(events)),
      detector_(std::move(detector)),
      remembered_(std::make_unique<Remembered>()) {}

UploadVerifier::~UploadVerifier() = default;

std::shared_ptr<const UploadVerifier> UploadVerifier::load(EventSink events,
                                                           std::string& libmagic_error) {
  auto detector = events::ContentTypeDetector::load();
  if (!detector) libmagic_error = detector.error();
  return std::make_shared<const UploadVerifier>(
      std::move(events),
      detector ? std::make_shared<const events::ContentTypeDetector>(std::move(*detector))
               : nullptr);
}

ApiReply UploadVerifier::verify(const UploadService& uploads, const UploadClaims& claims,
                                const UploadProfile& profile, events::EventSource source) const {
  const s3client::S3Client client = store_client(uploads);
  const std::string& bucket = uploads.target().bucket;
  const CompletionService decisions(uploads);

  // The facts about the object at `key` (the upload's, or its quarantined copy).
  auto gather = [&](const std::string& key) -> Expected<std::optional<StoredFacts>, ApiReply> {
    auto head = s3client::head_object(client, bucket, key);
    if (!head) {
      if (s3client::is_not_found(head.error())) return std::optional<StoredFacts>();
      return Unexpected(MultipartService::storage_failure(head.error()));
    }
    StoredFacts facts;
    facts.head = std::move(*head);
    if (!CompletionService::reads_content(profile)) return std::optional(std::move(facts));
    if (!detector_) {
      return Unexpected(unavailable("content verification is unavailable (libmagic)",
                                    "libmagic's database could not be loaded"));
    }
    std::string first_bytes;
    if (facts.head.size > 0) {
      const auto want =
          static_cast<std::size_t>(std::min<std::uint64_t>(facts.head.size, events::kMagicBytes));
      auto bytes = s3client::get_object_prefix(client, bucket, key, want);
      if (!bytes) {
        if (s3client::is_not_found(bytes.error())) return std::optional<StoredFacts>();
        return Unexpected(MultipartService::storage_failure(bytes.error()));
      }
      first_bytes = std::move(*bytes);
    }
    auto detected = detector_->detect(first_bytes);
    if (!detected) {
      return Unexpected(
          unavailable("content verification failed; try again", "libmagic: " + detected.error()));
    }
    facts.detected_type = std::move(*detected);
    return std::optional(std::move(facts));
  };

  // The event first: an answer is given only for what the app will hear of.
  auto record = [&](const CompletionDecision& decision) -> Expected<std::string, ApiReply> {
    if (!events_) return std::string();
    events::Event event = decision.event;
    event.source = source;
    auto appended = events_(event);
    if (!appended) {
      return Unexpected(unavailable("the upload's event could not be recorded; try again",
                                    "event outbox: " + appended.error().message));
    }
    return std::move(appended->event_id);
  };

  const auto now = std::chrono::system_clock::now();
  auto facts = gather(claims.key);
  if (!facts) return std::move(facts).error();
  const std::string remembered_id = Remembered::id(bucket, claims.key);

  if (!*facts) {
    // Nothing at the key: refused earlier (quarantined, or deleted by this process), or
    // never uploaded.
    if (profile.on_mismatch == OnMismatch::quarantine) {
      auto quarantined = gather(CompletionService::quarantine_key(profile, claims.key));
      if (!quarantined) return std::move(quarantined).error();
      if (*quarantined) {
        CompletionDecision decision = decisions.decide(claims, profile, **quarantined, now);
        std::string event_id;
        if (decision.verdict.accepted) {
          // The profile's rules changed since; the object stays where an earlier answer put it.
          decision.verdict.accepted = false;
          decision.verdict.reason = "quarantined";
          decision.verdict.detail = "an earlier completion quarantined this object";
          decision.action = MismatchAction::quarantine;
        } else {
          auto id = record(decision);
          if (!id) return std::move(id).error();
          event_id = std::move(*id);
        }
        return decisions.answer(decision, event_id);
      }
    }
    if (auto reply = remembered_->recall(remembered_id)) return std::move(*reply);
    return decisions.not_stored(claims);
  }

  const CompletionDecision decision = decisions.decide(claims, profile, **facts, now);
  auto event_id = record(decision);
  if (!event_id) return std::move(event_id).error();
  ApiReply reply = decisions.answer(decision, *event_id);
  reply.profile = &profile;
  if (decision.verdict.accepted) return reply;

  if (decision.action == MismatchAction::quarantine) {
    auto copied = s3client::copy_object(client, bucket, claims.key, decision.quarantine_key,
                                        (*facts)->head.etag);
    // Not found: a concurrent completion moved it first.
    if (!copied && !s3client::is_not_found(copied.error())) {
      return MultipartService::storage_failure(copied.error());
    }
    if (!copied) return reply;
  }
  auto deleted = s3client::delete_object(client, bucket, claims.key);
  if (!deleted && !s3client::is_not_found(deleted.error())) {
    return MultipartService::storage_failure(deleted.error());
  }
  if (decision.action == MismatchAction::remove) remembered_->remember(remembered_id, reply);
  return reply;
}

}  // namespace upgate::api

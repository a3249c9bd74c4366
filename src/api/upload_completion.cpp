// The decisions of POST /v1/uploads/complete: verdict, action, event, answer.
#include "upgate/api/upload_completion.hpp"

#include <algorithm>

#include "json_writer.hpp"
#include "upgate/api/media_type.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

// upgate declares checksums as base64 SHA-256 (the `sha256` field of /v1/uploads).
constexpr std::string_view kDeclaredAlgorithm = "sha256";

events::DeclaredUpload declared_of(const UploadClaims& claims) {
  events::DeclaredUpload declared;
  declared.size = claims.size;
  declared.content_type = claims.content_type;
  if (!claims.checksum.empty()) {
    declared.checksum = events::DeclaredChecksum{std::string(kDeclaredAlgorithm), claims.checksum};
  }
  return declared;
}

// The stored checksum to compare: the declared algorithm's when the store reports it,
// else any other (which the verdict then does not compare).
events::StoredObject stored_of(const s3client::ObjectHead& head) {
  events::StoredObject stored;
  stored.size = head.size;
  stored.content_type = head.content_type;
  const auto same = std::find_if(head.checksums.begin(), head.checksums.end(),
                                 [](const auto& c) { return c.first == kDeclaredAlgorithm; });
  const auto chosen = same != head.checksums.end() ? same : head.checksums.begin();
  if (chosen != head.checksums.end()) {
    stored.checksum = events::DeclaredChecksum{chosen->first, chosen->second};
  }
  return stored;
}

}  // namespace

std::string CompletionService::quarantine_key(const UploadProfile& profile, std::string_view key) {
  std::string out = profile.quarantine;
  out += '/';
  out += key;
  return out;
}

CompletionDecision CompletionService::decide(const UploadClaims& claims,
                                             const UploadProfile& profile, const StoredFacts& facts,
                                             std::chrono::system_clock::time_point now) const {
  CompletionDecision out;
  const events::TypeAllowed allowed = [&profile](std::string_view essence) {
    const auto type = parse_media_type(essence);
    return type && profile.allows_type(*type);
  };
  out.verdict = events::judge_completion(declared_of(claims), stored_of(facts.head),
                                         facts.detected_type, profile.verify_content, allowed);
  if (!out.verdict.accepted) {
    out.action = profile.on_mismatch == OnMismatch::quarantine ? MismatchAction::quarantine
                                                               : MismatchAction::remove;
    if (out.action == MismatchAction::quarantine) {
      out.quarantine_key = quarantine_key(profile, claims.key);
    }
  }

  events::Event& e = out.event;
  e.type = out.verdict.accepted ? events::EventType::kUploadCompleted
                                : events::EventType::kUploadRejected;
  e.bucket = uploads_.target().bucket;
  e.key = claims.key;
  e.version_id = facts.head.version_id;
  e.etag = events::normalize_etag(facts.head.etag);
  e.size = facts.head.size;
  e.declared_type = claims.content_type;
  if (reads_content(profile)) e.detected_type = facts.detected_type;
  if (!claims.checksum.empty()) {
    e.checksum = events::Checksum{std::string(kDeclaredAlgorithm), claims.checksum,
                                  out.verdict.checksum_verified};
  }
  e.profile = profile.name;
  e.principal_id = claims.principal;
  e.metadata = facts.head.metadata;
  e.source = events::EventSource::kCompletion;
  e.reason = out.verdict.reason;
  e.time = now;
  return out;
}

ApiReply CompletionService::answer(const CompletionDecision& decision,
                                   const std::string& event_id) const {
  const events::Event& e = decision.event;
  ApiReply reply;
  reply.key = e.key;
  json_out::ObjectWriter o(reply.body);
  if (decision.verdict.accepted) {
    reply.kind = ReplyKind::upload_state;
    o.boolean("ok", true);
    o.string("key", e.key);
    o.string("bucket", e.bucket);
    o.number("size", e.size.value_or(0));
    o.string("etag", e.etag);
    if (e.version_id) o.string("versionId", *e.version_id);
    o.string("contentType", e.declared_type);
    if (!e.detected_type.empty()) o.string("detectedType", e.detected_type);
    o.boolean("checksumVerified", decision.verdict.checksum_verified);
  } else {
    reply.kind = ReplyKind::error;
    reply.error = ErrorCode::content_mismatch;
    reply.status = http_status(ErrorCode::content_mismatch);
    o.boolean("ok", false);
    json_out::ObjectWriter error(o.nested("error"));
    error.string("code", to_string(ErrorCode::content_mismatch));
    error.string("message", decision.verdict.detail);
    error.string("reason", decision.verdict.reason);
    error.close();
    o.string("key", e.key);
    o.string("declaredType", e.declared_type);
    if (!e.detected_type.empty()) o.string("detectedType", e.detected_type);
    o.string("action", decision.action == MismatchAction::quarantine ? "quarantined" : "deleted");
  }
  if (!event_id.empty()) o.string("eventId", event_id);
  o.close();
  return reply;
}

ApiReply CompletionService::not_stored(const UploadClaims& claims) const {
  ApiReply reply = UploadService::error_reply(
      ErrorStyle::v1, make_error(ErrorCode::object_not_found,
                                 "the store holds no object at this upload's key: upload it "
                                 "first (PUT to the URL), then complete"));
  reply.key = claims.key;
  return reply;
}

}  // namespace upgate::api

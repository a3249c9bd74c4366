// upgate::api::CompletionService: the decisions of POST /v1/uploads/complete, from the
// facts the route gathered (the upload token's claims, a HEAD of the object, libmagic's
// type of its first bytes) to the verdict, the event and the answer. No I/O here: the
// route (completion_routes.hpp) and UploadVerifier (upload_verifier.hpp) make the calls.
//
//   verdict   events::judge_completion (completion_verdict.hpp): size, Content-Type, the
//             checksum when one was declared, then the bytes under the profile's
//             verify_content; strict mode asks the profile's allowed_types.
//   action    accepted: none; refused: move under the profile's `quarantine` prefix
//             (`<quarantine>/<key>`) or delete, as its on_mismatch says.
//   event     upload.completed or upload.rejected (event.hpp) with the principal the
//             token was issued to, the stored object's size, ETag, version, metadata, the
//             declared and detected types and the checksum; its dedup key (bucket, key,
//             version or ETag) makes a second completion of the same object the same event.
//   answer    200 {"ok":true,"key","bucket","size","etag","versionId"?,"contentType",
//             "detectedType"?,"checksumVerified","eventId"?}
//             422 {"ok":false,"error":{"code":"content_mismatch","message","reason"},
//             "key","declaredType","detectedType"?,"action":"quarantined"|"deleted",
//             "eventId"?} with `reason` the verdict's code (size_mismatch, type_mismatch,
//             checksum_mismatch, content_mismatch).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/api/caller.hpp"
#include "upgate/api/upload_profile.hpp"
#include "upgate/api/upload_service.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/events/completion_verdict.hpp"
#include "upgate/events/event.hpp"
#include "upgate/s3client/object_calls.hpp"

namespace upgate::api {

inline constexpr std::string_view kCompletePath = "/v1/uploads/complete";

// What the store holds at the key, and what libmagic saw in its first bytes (empty when
// the profile's verify_content is off).
struct StoredFacts {
  s3client::ObjectHead head;
  std::string detected_type;
};

enum class MismatchAction : std::uint8_t { none, quarantine, remove };

struct CompletionDecision {
  events::CompletionVerdict verdict;
  events::Event event;
  MismatchAction action = MismatchAction::none;
  std::string quarantine_key;  // with MismatchAction::quarantine
};

class CompletionService {
 public:
  explicit CompletionService(const UploadService& uploads) : uploads_(uploads) {}

  CompletionDecision decide(const UploadClaims& claims, const UploadProfile& profile,
                            const StoredFacts& facts,
                            std::chrono::system_clock::time_point now) const;
  // The answer for a decision; `event_id` when the event was recorded.
  ApiReply answer(const CompletionDecision& decision, const std::string& event_id) const;
  // 404 object_not_found: nothing at the key (the PUT has not happened or not finished).
  ApiReply not_stored(const UploadClaims& claims) const;

  // `<quarantine>/<key>`.
  static std::string quarantine_key(const UploadProfile& profile, std::string_view key);
  // Whether the profile looks at the bytes (a ranged GET and libmagic).
  static bool reads_content(const UploadProfile& profile) {
    return profile.verify_content != events::VerifyContent::kOff;
  }

 private:
  const UploadService& uploads_;
};

}  // namespace upgate::api

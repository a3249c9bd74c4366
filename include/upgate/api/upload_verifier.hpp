// upgate::api::UploadVerifier: the blocking half of completing an upload, shared by
// POST /v1/uploads/complete and POST /v1/multipart/complete:
//
//   1. HeadObject (x-amz-checksum-mode: ENABLED): size, Content-Type, ETag, version,
//      checksums, metadata. Nothing there: the object may have been refused by an earlier
//      completion (below), else 404 object_not_found.
//   2. When the profile's verify_content is not "off": a ranged GetObject of at most
//      events::kMagicBytes (64 KiB) and libmagic's type for them (ContentTypeDetector).
//   3. The decision (upload_completion.hpp).
//   4. The event is recorded (EventSink) before anything is moved or answered, so the app
//      hears of every answer given; a sink that fails is 503 verification_unavailable and
//      nothing is moved (a retry does it all again).
//   5. A refused object is moved to `<quarantine>/<key>` (CopyObject, only while the
//      object still has the ETag that was judged, then DeleteObject) or deleted.
//
// Idempotent: completing again gives the same answer and no second event. An accepted
// object is judged again with the same result and the same event id (the outbox
// deduplicates by bucket, key and ETag or version). A quarantined object is found under
// the quarantine prefix and judged there again. A deleted one is remembered by this
// process (the last 4096 refusals); after a restart its completion answers 404
// object_not_found.
//
// Every S3 call is a blocking libcurl call with a timeout: call verify() on the blocking
// pool (Exchange::run_blocking), never on an I/O thread. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "upgate/api/event_sink.hpp"
#include "upgate/api/upload_completion.hpp"
#include "upgate/api/upload_profile.hpp"
#include "upgate/api/upload_service.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/events/content_type_detector.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::api {

// A client for upgate's own calls to the target store, with the credentials URLs are
// signed with now.
s3client::S3Client store_client(const UploadService& uploads);

class UploadVerifier {
 public:
  // `detector` null: libmagic could not be loaded; profiles that read content then answer
  // 503 verification_unavailable. `events` empty: nothing is recorded.
  UploadVerifier(EventSink events, std::shared_ptr<const events::ContentTypeDetector> detector);
  // With libmagic's database loaded; when it cannot be, `libmagic_error` says why and the
  // verifier has no detector (as above).
  static std::shared_ptr<const UploadVerifier> load(EventSink events, std::string& libmagic_error);
  ~UploadVerifier();
  UploadVerifier(const UploadVerifier&) = delete;
  UploadVerifier& operator=(const UploadVerifier&) = delete;

  // The answer for the upload `claims` bind, under `profile` (the one the token names).
  // `source` is what the recorded event says found the upload: the completion call, or a
  // storage report (reported_upload_verifier.hpp).
  ApiReply verify(const UploadService& uploads, const UploadClaims& claims,
                  const UploadProfile& profile,
                  events::EventSource source = events::EventSource::kCompletion) const;

  struct Remembered;

 private:
  EventSink events_;
  std::shared_ptr<const events::ContentTypeDetector> detector_;
  std::unique_ptr<Remembered> remembered_;
};

}  // namespace upgate::api

// StorageEventsIngest: what `POST /v1/events/s3` decides about a request, apart from HTTP.
// Storage reports objects here: Ceph RGW's HTTP push endpoint and `upgate store
// --notify-url` POST S3 event records; AWS S3 reaches it through an SNS HTTPS subscription.
//
// handle(request, now), in this order:
//   1. Authentication: the shared secret from the X-Upgate-Events-Secret header or from the
//      last path segment (/v1/events/s3/<secret>, for senders that cannot set headers, such
//      as SNS and RGW). Compared in constant time (SHA-256 of both, CRYPTO_memcmp) against
//      each configured secret (several during a rotation). Missing or wrong: 401
//      `unauthorized`; the answer never says which.
//   2. SNS (the x-amz-sns-message-type header, or a body whose Type is an SNS type): parsed
//      (sns_message.hpp) and verified (sns_verifier.hpp: SignatureVersion, topic, certificate
//      URL host pattern, chain, name, signature). A refusal is 403 `sns_refused` with the
//      refusal's code. A SubscriptionConfirmation whose SubscribeURL is on an allowed host is
//      confirmed by calling `confirm` (a GET of the URL) once: 200 `confirmed`, else 502
//      `confirm_failed`. UnsubscribeConfirmation: 200, nothing done. A Notification's Message
//      is read as S3 event records.
//      Without an SNS verifier configured, SNS messages are refused (403 `sns_disabled`).
//   3. S3 event records (s3_event_records.hpp): a malformed batch is 400 `bad_records`;
//      AWS's s3:TestEvent is 200 with no events.
//   4. The events: to_event() of each record (an object.deleted without sequencer or
//      version gets a random marker), for the caller to publish, then answer 200.
// handle() may block (a certificate fetch, the confirmation): call it off the I/O threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/events/event.hpp"
#include "upgate/events/s3_event_records.hpp"
#include "upgate/events/sns_verifier.hpp"
#include "upgate/expected.hpp"

namespace upgate::events {

struct IngestRequest {
  std::optional<std::string_view> secret_header;     // X-Upgate-Events-Secret
  std::optional<std::string_view> path_secret;       // the segment after /v1/events/s3/
  std::optional<std::string_view> sns_message_type;  // x-amz-sns-message-type
  std::string_view body;
};

struct IngestAnswer {
  int status = 200;
  std::string code;     // "ok", "confirmed", "unauthorized", "sns_refused", ...
  std::string message;  // one line, no secret, no body
  std::vector<Event> events;
};

// GETs a SubscribeURL; an error is a one-line reason.
using SubscriptionConfirmer = std::function<Expected<void, std::string>(const std::string& url)>;

struct StorageEventsIngestOptions {
  std::vector<std::string> secrets;  // at least one, each at least 16 bytes
  std::optional<SnsVerifier> sns;    // absent: SNS messages are refused
  SubscriptionConfirmer confirm;     // required with `sns`
  S3EventParseOptions records;
};

class StorageEventsIngest {
 public:
  static Expected<StorageEventsIngest, std::string> create(StorageEventsIngestOptions options);

  IngestAnswer handle(const IngestRequest& request,
                      std::chrono::system_clock::time_point now) const;

  // Step 1 alone, on the secrets only (request.body is not looked at), for a caller that
  // checks the secret before it reads the body: nullopt when authenticated, else the 401
  // answer handle() gives. Cheap (two SHA-256 and a compare per secret): fine on an I/O thread.
  std::optional<IngestAnswer> refuse_unauthenticated(const IngestRequest& request) const;

 private:
  struct State;
  explicit StorageEventsIngest(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

}  // namespace upgate::events

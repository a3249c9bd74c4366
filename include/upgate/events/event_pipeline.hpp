// EventPipeline: the one way an event reaches the app inside `upgate serve`. The embedded
// store's changes, POST /v1/events/s3 and the completion call all publish() here; the
// pipeline routes each event to the endpoints that want it (WebhookEndpoint::wants), writes
// it to the durable outbox, and its deliverer sends it.
//
// Promises:
// - publish() returns after the event and its deliveries are committed and fsynced (or it
//   was a duplicate of an event already recorded, see Outbox::append): acknowledge whoever
//   reported the event only after it returns. It blocks on disk: call it from a worker
//   thread (the store's handlers run there; API routes use run_blocking), or use
//   publish_async() from an I/O thread.
// - An event is recorded even when no endpoint wants it, for deduplication.
// - stop(grace) stops the deliverer (see Deliverer::stop) and closes the outbox; what is
//   queued and undelivered stays in the file for the next start.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "upgate/events/deliverer.hpp"
#include "upgate/events/event.hpp"
#include "upgate/events/outbox.hpp"
#include "upgate/events/webhook_endpoint.hpp"
#include "upgate/expected.hpp"

namespace upgate::events {

struct EventPipelineOptions {
  std::filesystem::path outbox;
  std::vector<WebhookEndpoint> endpoints;
  RetryPolicy retry;
  DelivererOptions deliverer;
};

class EventPipeline {
 public:
  // Opens the outbox as its owner (another process holding it is kInUse) and starts the
  // deliverer. Call s3client::http_client_global_init() once before.
  static Expected<std::unique_ptr<EventPipeline>, OutboxError> start(EventPipelineOptions options);
  ~EventPipeline();
  EventPipeline(const EventPipeline&) = delete;
  EventPipeline& operator=(const EventPipeline&) = delete;

  Expected<AppendResult, OutboxError> publish(const Event& event);
  void publish_async(const Event& event,
                     std::function<void(Expected<AppendResult, OutboxError>)> done);

  // The endpoints that want `event` (WebhookEndpoint::wants), by name: the deliveries
  // publish() records, for a caller that appends to outbox() itself (Outbox::append_all).
  std::vector<std::string> subscribers(const Event& event) const;
  Outbox& outbox() { return *outbox_; }
  const std::vector<WebhookEndpoint>& endpoints() const { return endpoints_; }
  // The deliverer's per-endpoint figures (Deliverer::figures): lock-free, no disk; after
  // stop(), the last ones.
  std::vector<EndpointFigures> figures() const { return deliverer_->figures(); }
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(0));

 private:
  EventPipeline() = default;
  std::vector<WebhookEndpoint> endpoints_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Deliverer> deliverer_;
};

}  // namespace upgate::events

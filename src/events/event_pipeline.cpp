#include "upgate/events/event_pipeline.hpp"

namespace upgate::events {

Expected<std::unique_ptr<EventPipeline>, OutboxError> EventPipeline::start(
    EventPipelineOptions options) {
  auto outbox = Outbox::open_owner(options.outbox, options.retry);
  if (!outbox) return Unexpected(std::move(outbox).error());
  std::unique_ptr<EventPipeline> pipeline(new EventPipeline());
  pipeline->endpoints_ = std::move(options.endpoints);
  pipeline->outbox_ = std::move(*outbox);
  pipeline->deliverer_ = std::make_unique<Deliverer>(*pipeline->outbox_, pipeline->endpoints_,
                                                     std::move(options.deliverer));
  return pipeline;
}

EventPipeline::~EventPipeline() {
  stop();
}

Expected<AppendResult, OutboxError> EventPipeline::publish(const Event& event) {
  const auto names = subscribers(event);
  return outbox_->append(event, names);
}

void EventPipeline::publish_async(const Event& event,
                                  std::function<void(Expected<AppendResult, OutboxError>)> done) {
  outbox_->append_async(event, subscribers(event), std::move(done));
}

std::vector<std::string> EventPipeline::subscribers(const Event& event) const {
  return events::subscribers(endpoints_, event);
}

void EventPipeline::stop(std::chrono::milliseconds grace) {
  // Stopped, not destroyed: figures() stays valid; the destructor frees it before the outbox.
  if (deliverer_) deliverer_->stop(grace);
}

}  // namespace upgate::events

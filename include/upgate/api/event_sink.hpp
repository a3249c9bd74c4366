// upgate::api::EventSink: where the API records what it learned about an upload
// (upload.completed, upload.rejected), so the app hears of it.
//
// Contract: the call returns after the event is durable (committed to the outbox, or
// recognised as a duplicate of one already there, see Outbox::append), with the event's
// id; an error means nothing was recorded and the caller must not acknowledge. It may
// block on disk: the API calls it from its blocking pool, never from an I/O thread.
// `upgate serve` connects it to its event pipeline (events::EventPipeline::publish);
// tests connect it to an events::Outbox of their own. An empty sink records nothing.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "upgate/events/event.hpp"
#include "upgate/events/outbox.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

using EventSink =
    std::function<Expected<events::AppendResult, events::OutboxError>(const events::Event&)>;

// The same for several events at once, recorded together (one outbox transaction): all of
// them, or none (the error). Results in the events' order.
using EventBatchSink =
    std::function<Expected<std::vector<events::AppendResult>, events::OutboxError>(
        std::span<const events::Event>)>;

}  // namespace upgate::api

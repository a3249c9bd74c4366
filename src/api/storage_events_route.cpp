#include "upgate/api/storage_events_route.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <optional>

#include "upgate/http/exchange.hpp"
#include "upgate/http/response.hpp"

namespace upgate::api {
namespace {

using boost::asio::awaitable;

http::Response reply(int status, const boost::json::object& body) {
  http::Response response = http::Response::json(status, boost::json::serialize(body));
  response.add_header("Cache-Control", "no-store");
  return response;
}

http::Response failure(int status, std::string_view code, std::string_view message) {
  return reply(status, {{"ok", false}, {"code", code}, {"message", message}});
}

// 503 for events that could not be recorded; the sender retries (what was recorded is
// deduplicated then). A full verification backlog says so, with a Retry-After.
http::Response unavailable(const events::OutboxError& error) {
  if (error.code == events::OutboxErrc::kFull) {
    http::Response response = failure(503, "reports_backlog_full", error.message);
    response.add_header("Retry-After", "5");
    return response;
  }
  return failure(503, "outbox_unavailable", "the events could not be recorded");
}

// Built outside the coroutine: g++ 12 miscompiles braced JSON initializers inside one.
http::Response accepted(std::string_view code, std::size_t events, std::size_t duplicates) {
  return reply(200, {{"ok", true}, {"code", code}, {"events", events}, {"duplicates", duplicates}});
}

}  // namespace

http::Handler storage_events_handler(std::shared_ptr<const StorageEventsRoute> route) {
  return [route](http::Exchange& ex) -> awaitable<void> {
    const http::Request& request = ex.request();
    events::IngestRequest in;
    in.secret_header = request.header("x-upgate-events-secret");
    const std::string_view path = request.path();
    if (path.size() > kStorageEventsPath.size() + 1) {
      in.path_secret = path.substr(kStorageEventsPath.size() + 1);
    }
    // The secret first: a sender without it gets its 401 before a byte of its body is read
    // (a 100-continue is never sent to it; the connection closes after the answer).
    if (auto refused = route->ingest.refuse_unauthenticated(in)) {
      co_await ex.respond(failure(refused->status, refused->code, refused->message));
      co_return;
    }
    auto body = co_await ex.read_body(kMaxStorageEventsBody);
    if (!body) {
      if (body.error() == http::BodyError::too_large) {
        co_await ex.respond(failure(413, "body_too_large", "the body is larger than 1 MiB"));
      }
      co_return;
    }
    in.sns_message_type = request.header("x-amz-sns-message-type");
    in.body = *body;
    events::IngestAnswer answer;
    std::size_t duplicates = 0;
    std::optional<events::OutboxError> outbox_error;
    co_await ex.run_blocking([&] {
      answer = route->ingest.handle(in, std::chrono::system_clock::now());
      if (answer.events.empty()) return;
      auto published = route->report(answer.events);
      if (!published) {
        outbox_error = std::move(published).error();
        return;
      }
      for (const auto& result : *published) duplicates += result.duplicate ? 1 : 0;
    });
    if (outbox_error) {
      co_await ex.respond(unavailable(*outbox_error));
      co_return;
    }
    if (answer.status != 200) {
      co_await ex.respond(failure(answer.status, answer.code, answer.message));
      co_return;
    }
    co_await ex.respond(accepted(answer.code, answer.events.size(), duplicates));
  };
}

}  // namespace upgate::api

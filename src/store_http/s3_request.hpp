// Internal: one S3 request as the handlers see it — the parsed target, query
// and authentication, the response headers every answer carries (request id,
// CORS), and the helpers that send S3's answers and run blocking work.
//
// Refusals are values: every step of a request (S3Service's pipeline, then the
// operation's handler) returns an Outcome, and a refusal goes back up to
// S3Service::handle, the one place that sends it as S3's error document. A handler
// sends only its success answer (send(), send_xml(), or a streamed body).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "access_keys.hpp"
#include "cors_cache.hpp"
#include "s3_operation.hpp"
#include "s3_service.hpp"
#include "store/object_store.hpp"
#include "upgate/http/exchange.hpp"
#include "upgate/s3/cors.hpp"
#include "upgate/s3/errors.hpp"
#include "upgate/s3/naming.hpp"
#include "upgate/s3/xml_responses.hpp"
#include "upgate/sigv4/canonical_request.hpp"
#include "upgate/sigv4/verify.hpp"

namespace upgate::store {

// The answer went out, or the refusal to send instead.
using Outcome = Expected<void, s3::S3Error>;

struct S3Service::State {
  State(ObjectStore& s, AccessKeys k, S3ServiceOptions o)
      : store(s), keys(std::move(k)), options(std::move(o)) {}
  ObjectStore& store;
  AccessKeys keys;
  S3ServiceOptions options;
  sigv4::SigningKeyCache signing_keys;
  CorsCache cors;

  std::chrono::system_clock::time_point now() const {
    return options.clock ? options.clock() : std::chrono::system_clock::now();
  }
  // The store's one owner, as listings and ACLs name it.
  s3::Owner owner() const { return s3::Owner{options.owner_id, options.owner_display_name}; }
};

class S3Request {
 public:
  S3Request(S3Service::State& service, http::Exchange& exchange);

  S3Service::State& service;
  http::Exchange& exchange;
  std::vector<sigv4::HeaderView> headers;  // every request header, for SigV4
  s3::RequestTarget target;                // bucket and key, decoded
  std::vector<sigv4::QueryParam> query;    // decoded
  std::optional<S3Operation> operation;
  std::optional<sigv4::VerifiedAuth> auth;  // nullopt: anonymous (or POST policy)
  const AccessKey* access_key = nullptr;
  s3::HeaderList cors_headers;  // added to every response

  // What the access log reports.
  std::string error_code;
  std::string reason;
  std::uint64_t bytes_out = 0;

  const http::Request& request() const { return exchange.request(); }
  std::optional<std::string_view> header(std::string_view name) const {
    return exchange.request().header(name);
  }
  std::optional<std::string> header_string(std::string_view name) const {
    const auto value = header(name);
    return value ? std::optional<std::string>(*value) : std::nullopt;
  }
  std::optional<std::string_view> query_param(std::string_view name) const {
    return query_value(query, name);
  }
  bool anonymous() const { return !auth.has_value(); }
  sigv4::RequestView request_view() const;
  // "/bucket/key", as S3 writes <Resource>.
  std::string resource() const;

  // Whether the request's key may do `action` on bucket[/key]: the root key may do
  // everything, a restricted key what its actions and resources allow, an anonymous
  // request nothing (public-read objects are checked by the handler).
  bool allowed(std::string_view action, std::string_view bucket, std::string_view key) const;

  // A response with the headers every answer carries.
  http::Response response(int status) const;
  // The handler's answer; always a success Outcome (a client that went away is the
  // connection's business, not a refusal).
  boost::asio::awaitable<Outcome> send(const http::Response& response);
  boost::asio::awaitable<Outcome> send_xml(int status, std::string xml);
  // S3's error document for a refusal, unless an answer already went out. Called by
  // S3Service::handle only.
  boost::asio::awaitable<void> send_error(s3::S3Error error);

  // Runs `fn` on the blocking pool (the engine, file I/O).
  boost::asio::awaitable<void> blocking(std::function<void()> fn) {
    co_await exchange.run_blocking(std::move(fn));
  }
};

// Runs an engine call on the blocking pool and hands back its result.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> on_pool(S3Request& r, F fn) {
  std::optional<std::invoke_result_t<F&>> out;
  co_await r.blocking([&] { out.emplace(fn()); });
  co_return std::move(*out);
}

// A response with the headers every S3 answer carries: x-amz-request-id, x-amz-id-2,
// Server.
http::Response s3_response(int status, std::string_view request_id);

}  // namespace upgate::store

// Bucket CORS: the configuration calls, the preflight, and the cached lookup
// every cross-origin request makes.
#include "checksummed_body.hpp"
#include "engine_refusal.hpp"
#include "s3_handlers.hpp"
#include "s3_request.hpp"
#include "upgate/s3/cors.hpp"
#include "upgate/s3/xml_requests.hpp"
#include "upgate/s3/xml_responses.hpp"

namespace upgate::store {

namespace asio = boost::asio;
using s3::ErrorCode;

asio::awaitable<CorsCache::Config> load_cors(S3Request& r, bool* bucket_exists) {
  const std::string& bucket = r.target.bucket;
  if (bucket_exists == nullptr) {
    if (auto cached = r.service.cors.find(bucket)) co_return *cached;
  }
  const CorsCache::Version read_at = r.service.cors.version();
  std::optional<Expected<BucketRecord, StoreError>> record;
  co_await r.blocking([&] { record.emplace(r.service.store.head_bucket(bucket)); });
  if (bucket_exists != nullptr) *bucket_exists = record->has_value();
  CorsCache::Config config;
  if (*record && (*record)->cors) {
    auto parsed = s3::parse_cors_configuration_xml(*(*record)->cors);
    // What the store saved it validated; a row that no longer parses acts as none.
    if (parsed) config = std::make_shared<const s3::CorsConfiguration>(std::move(*parsed));
  }
  if (*record) r.service.cors.put(bucket, config, read_at);
  co_return config;
}

asio::awaitable<Outcome> handle_put_bucket_cors(S3Request& r) {
  auto body = co_await receive_checksummed_small_body(r, s3::kMaxCorsDocumentBytes);
  if (!body) co_return Unexpected(std::move(body).error());
  auto config = s3::parse_cors_configuration_xml(*body);
  if (!config) co_return Unexpected(std::move(config).error());
  const std::string canonical = s3::cors_to_xml(*config);
  auto put = co_await on_pool(
      r, [&] { return r.service.store.put_bucket_cors(r.target.bucket, canonical); });
  r.service.cors.forget(r.target.bucket);
  if (!put) co_return Unexpected(to_s3_error(put.error(), r.target.bucket));
  co_return co_await r.send(r.response(200));
}

asio::awaitable<Outcome> handle_get_bucket_cors(S3Request& r) {
  auto text = co_await on_pool(r, [&] { return r.service.store.get_bucket_cors(r.target.bucket); });
  if (!text) co_return Unexpected(to_s3_error(text.error(), r.target.bucket));
  co_return co_await r.send_xml(200, *text);
}

asio::awaitable<Outcome> handle_delete_bucket_cors(S3Request& r) {
  auto deleted =
      co_await on_pool(r, [&] { return r.service.store.delete_bucket_cors(r.target.bucket); });
  r.service.cors.forget(r.target.bucket);
  if (!deleted && deleted.error().code != StoreErrc::kNoSuchCORSConfiguration) {
    co_return Unexpected(to_s3_error(deleted.error(), r.target.bucket));
  }
  co_return co_await r.send(r.response(204));
}

asio::awaitable<Outcome> handle_preflight(S3Request& r) {
  bool exists = false;
  CorsCache::Config config;
  if (auto cached = r.service.cors.find(r.target.bucket)) {
    exists = true;  // only existing buckets are cached
    config = *cached;
  } else {
    config = co_await load_cors(r, &exists);
  }
  s3::CorsRequest request;
  request.method = "OPTIONS";
  request.origin = r.header("origin");
  request.request_method = r.header("access-control-request-method");
  request.request_headers = r.header("access-control-request-headers");
  request.targets_object = !r.target.key.empty();
  auto decision = s3::evaluate_preflight(config.get(), exists, request);
  if (!decision) co_return Unexpected(std::move(decision).error());
  r.cors_headers = std::move(decision->headers);
  co_return co_await r.send(r.response(200));
}

}  // namespace upgate::store

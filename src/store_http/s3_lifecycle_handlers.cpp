// Bucket lifecycle: PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration,
// DeleteBucketLifecycle. The rules are applied by the engine's LifecycleSweeper, not here.
#include "checksummed_body.hpp"
#include "engine_refusal.hpp"
#include "s3_handlers.hpp"
#include "s3_request.hpp"
#include "upgate/s3/lifecycle.hpp"
#include "upgate/s3/xml_requests.hpp"

namespace upgate::store {

namespace asio = boost::asio;

asio::awaitable<Outcome> handle_put_bucket_lifecycle(S3Request& r) {
  // S3 requires Content-MD5 or an x-amz-checksum-* on this call, as on PutBucketCors.
  auto body = co_await receive_checksummed_small_body(r, s3::kMaxLifecycleDocumentBytes);
  if (!body) co_return Unexpected(std::move(body).error());
  auto config = s3::parse_lifecycle_configuration_xml(*body);
  if (!config) co_return Unexpected(std::move(config).error());
  auto put = co_await on_pool(
      r, [&] { return r.service.store.put_bucket_lifecycle(r.target.bucket, std::move(*config)); });
  if (!put) co_return Unexpected(to_s3_error(put.error(), r.target.bucket));
  co_return co_await r.send(r.response(200));
}

asio::awaitable<Outcome> handle_get_bucket_lifecycle(S3Request& r) {
  auto config =
      co_await on_pool(r, [&] { return r.service.store.get_bucket_lifecycle(r.target.bucket); });
  if (!config) co_return Unexpected(to_s3_error(config.error(), r.target.bucket));
  co_return co_await r.send_xml(200, s3::lifecycle_to_xml(*config));
}

asio::awaitable<Outcome> handle_delete_bucket_lifecycle(S3Request& r) {
  auto deleted =
      co_await on_pool(r, [&] { return r.service.store.delete_bucket_lifecycle(r.target.bucket); });
  if (!deleted) co_return Unexpected(to_s3_error(deleted.error(), r.target.bucket));
  co_return co_await r.send(r.response(204));
}

}  // namespace upgate::store

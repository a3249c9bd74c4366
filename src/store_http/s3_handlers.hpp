// Internal: one handler per S3 operation, as S3Service dispatches them
// (s3_bucket_handlers.cpp, s3_object_handlers.cpp, s3_multipart_handlers.cpp,
// s3_cors_handlers.cpp, s3_lifecycle_handlers.cpp, s3_post_object_handler.cpp). Each runs after the
// request is classified, authenticated and authorized, and either sends its answer or returns the
// refusal for S3Service to send (s3_request.hpp).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "cors_cache.hpp"
#include "s3_request.hpp"

namespace upgate::store {

using HandlerFn = boost::asio::awaitable<Outcome> (*)(S3Request&);

boost::asio::awaitable<Outcome> handle_list_buckets(S3Request& r);
boost::asio::awaitable<Outcome> handle_create_bucket(S3Request& r);
boost::asio::awaitable<Outcome> handle_delete_bucket(S3Request& r);
boost::asio::awaitable<Outcome> handle_head_bucket(S3Request& r);
boost::asio::awaitable<Outcome> handle_get_bucket_location(S3Request& r);
boost::asio::awaitable<Outcome> handle_get_bucket_versioning(S3Request& r);
boost::asio::awaitable<Outcome> handle_get_bucket_acl(S3Request& r);
boost::asio::awaitable<Outcome> handle_put_bucket_acl(S3Request& r);
boost::asio::awaitable<Outcome> handle_list_objects(S3Request& r);
boost::asio::awaitable<Outcome> handle_list_objects_v2(S3Request& r);

boost::asio::awaitable<Outcome> handle_put_object(S3Request& r);
boost::asio::awaitable<Outcome> handle_copy_object(S3Request& r);
boost::asio::awaitable<Outcome> handle_get_object(S3Request& r);  // GET and HEAD
boost::asio::awaitable<Outcome> handle_delete_object(S3Request& r);
boost::asio::awaitable<Outcome> handle_delete_objects(S3Request& r);
boost::asio::awaitable<Outcome> handle_get_object_acl(S3Request& r);

boost::asio::awaitable<Outcome> handle_create_multipart_upload(S3Request& r);
boost::asio::awaitable<Outcome> handle_upload_part(S3Request& r);
boost::asio::awaitable<Outcome> handle_upload_part_copy(S3Request& r);
boost::asio::awaitable<Outcome> handle_complete_multipart_upload(S3Request& r);
boost::asio::awaitable<Outcome> handle_abort_multipart_upload(S3Request& r);
boost::asio::awaitable<Outcome> handle_list_parts(S3Request& r);
boost::asio::awaitable<Outcome> handle_list_multipart_uploads(S3Request& r);

boost::asio::awaitable<Outcome> handle_put_bucket_cors(S3Request& r);
boost::asio::awaitable<Outcome> handle_get_bucket_cors(S3Request& r);
boost::asio::awaitable<Outcome> handle_delete_bucket_cors(S3Request& r);
boost::asio::awaitable<Outcome> handle_preflight(S3Request& r);
// The bucket's CORS configuration (cached); null when it has none or does not exist.
boost::asio::awaitable<CorsCache::Config> load_cors(S3Request& r, bool* bucket_exists = nullptr);

boost::asio::awaitable<Outcome> handle_put_bucket_lifecycle(S3Request& r);
boost::asio::awaitable<Outcome> handle_get_bucket_lifecycle(S3Request& r);
boost::asio::awaitable<Outcome> handle_delete_bucket_lifecycle(S3Request& r);

boost::asio::awaitable<Outcome> handle_post_object(S3Request& r);

// The request's bucket, read on the blocking pool; NoSuchBucket when it does not exist.
boost::asio::awaitable<Expected<BucketRecord, s3::S3Error>> existing_bucket(S3Request& r);

}  // namespace upgate::store

// The request pipeline: target -> operation -> CORS -> authentication ->
// authorization -> handler; every refusal on the way comes back here as a value and
// is sent once, as S3's error document.
#include "s3_service.hpp"

#include <boost/asio/this_coro.hpp>

#include <chrono>

#include "engine_refusal.hpp"
#include "request_auth.hpp"
#include "s3_handlers.hpp"
#include "s3_request.hpp"
#include "upgate/s3/xml_requests.hpp"

namespace upgate::store {

namespace asio = boost::asio;
using s3::ErrorCode;

namespace {

HandlerFn handler_for(S3Operation op) {
  switch (op) {
    case S3Operation::kListBuckets:
      return handle_list_buckets;
    case S3Operation::kCreateBucket:
      return handle_create_bucket;
    case S3Operation::kDeleteBucket:
      return handle_delete_bucket;
    case S3Operation::kHeadBucket:
      return handle_head_bucket;
    case S3Operation::kGetBucketLocation:
      return handle_get_bucket_location;
    case S3Operation::kGetBucketVersioning:
      return handle_get_bucket_versioning;
    case S3Operation::kGetBucketAcl:
      return handle_get_bucket_acl;
    case S3Operation::kPutBucketAcl:
      return handle_put_bucket_acl;
    case S3Operation::kListObjects:
      return handle_list_objects;
    case S3Operation::kListObjectsV2:
      return handle_list_objects_v2;
    case S3Operation::kListMultipartUploads:
      return handle_list_multipart_uploads;
    case S3Operation::kPutBucketCors:
      return handle_put_bucket_cors;
    case S3Operation::kGetBucketCors:
      return handle_get_bucket_cors;
    case S3Operation::kDeleteBucketCors:
      return handle_delete_bucket_cors;
    case S3Operation::kPutBucketLifecycle:
      return handle_put_bucket_lifecycle;
    case S3Operation::kGetBucketLifecycle:
      return handle_get_bucket_lifecycle;
    case S3Operation::kDeleteBucketLifecycle:
      return handle_delete_bucket_lifecycle;
    case S3Operation::kDeleteObjects:
      return handle_delete_objects;
    case S3Operation::kPostObject:
      return handle_post_object;
    case S3Operation::kPutObject:
      return handle_put_object;
    case S3Operation::kCopyObject:
      return handle_copy_object;
    case S3Operation::kGetObject:
      return handle_get_object;
    case S3Operation::kHeadObject:
      return handle_get_object;
    case S3Operation::kDeleteObject:
      return handle_delete_object;
    case S3Operation::kGetObjectAcl:
      return handle_get_object_acl;
    case S3Operation::kCreateMultipartUpload:
      return handle_create_multipart_upload;
    case S3Operation::kUploadPart:
      return handle_upload_part;
    case S3Operation::kUploadPartCopy:
      return handle_upload_part_copy;
    case S3Operation::kCompleteMultipartUpload:
      return handle_complete_multipart_upload;
    case S3Operation::kAbortMultipartUpload:
      return handle_abort_multipart_upload;
    case S3Operation::kListParts:
      return handle_list_parts;
    case S3Operation::kPreflight:
      return handle_preflight;
  }
  return nullptr;
}

// target -> operation -> CORS -> authentication -> handler; the first refusal ends it.
asio::awaitable<Outcome> run(S3Request& r) {
  const http::Request& request = r.request();
  RequestHead head;
  head.method = request.method_name();
  head.target = request.target();
  head.host = request.header("host").value_or("");
  head.content_type = request.header("content-type");
  head.has_copy_source = request.header("x-amz-copy-source").has_value();
  auto op = classify_request(head, r.service.options.domain, r.target, r.query);
  if (!op) co_return Unexpected(std::move(op).error());
  r.operation = *op;
  r.exchange.set_route_name(operation_name(*op));

  if (*op == S3Operation::kPreflight) co_return co_await handle_preflight(r);

  // CORS headers go on every answer to a cross-origin request, errors included:
  // a browser client can read why it was refused (e.g. "Request has expired").
  if (!r.target.bucket.empty()) {
    if (const auto origin = request.header("origin")) {
      auto config = co_await load_cors(r);
      s3::CorsRequest cors;
      cors.method = request.method_name();
      cors.origin = origin;
      cors.targets_object = !r.target.key.empty();
      auto decision = s3::evaluate_actual_request(config.get(), cors);
      if (decision.allowed) r.cors_headers = std::move(decision.headers);
    }
  }

  // POST Object is authenticated by its policy, inside the form.
  if (*op == S3Operation::kPostObject) co_return co_await handle_post_object(r);
  if (auto ok = authenticate(r); !ok) co_return Unexpected(std::move(ok).error());
  co_return co_await handler_for (*op)(r);
}

}  // namespace

S3Service::S3Service(ObjectStore& store, AccessKeys keys, S3ServiceOptions options)
    : state_(std::make_unique<State>(store, std::move(keys), std::move(options))) {}

S3Service::~S3Service() = default;

const S3ServiceOptions& S3Service::options() const {
  return state_->options;
}
const AccessKeys& S3Service::keys() const {
  return state_->keys;
}

asio::awaitable<void> S3Service::handle(http::Exchange& exchange) {
  const auto started = std::chrono::steady_clock::now();
  S3Request r(*state_, exchange);
  Outcome outcome;
  std::exception_ptr failure;
  try {
    outcome = co_await run(r);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    std::string why = "handler threw";
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
    }
    outcome = Unexpected(s3::make_error(ErrorCode::InternalError).because(why));
  }
  // The one place a refusal is sent (unless the answer was already under way).
  if (!outcome) co_await r.send_error(std::move(outcome).error());
  if (state_->options.access_log) {
    AccessLogEntry entry;
    entry.request_id = exchange.request_id();
    const std::string remote = exchange.remote_endpoint();
    entry.remote = remote;
    entry.method = exchange.request().method_name();
    entry.operation = r.operation ? operation_name(*r.operation) : std::string_view();
    entry.bucket = r.target.bucket;
    entry.key = r.target.key;
    entry.access_key_id = r.auth ? std::string_view(r.auth->auth.access_key_id) : "";
    entry.status = exchange.response_status();
    entry.error_code = r.error_code;
    entry.reason = r.reason;
    entry.bytes_in = exchange.body_bytes_read();
    entry.bytes_out = r.bytes_out;
    entry.duration = std::chrono::steady_clock::now() - started;
    state_->options.access_log(entry);
  }
}

http::Handler S3Service::handler() {
  return [this](http::Exchange& exchange) { return handle(exchange); };
}

Expected<void, std::string> S3Service::ensure_bucket(std::string_view name,
                                                     const s3::CorsConfiguration* cors) {
  ObjectStore& store = state_->store;
  auto existing = store.head_bucket(name);
  if (!existing) {
    if (existing.error().code != StoreErrc::kNoSuchBucket) {
      return Unexpected("bucket " + std::string(name) + ": " + existing.error().message);
    }
    CreateBucketRequest request;
    request.name = std::string(name);
    request.region = state_->options.region;
    auto created = store.create_bucket(request);
    if (!created && created.error().code != StoreErrc::kBucketAlreadyOwnedByYou) {
      return Unexpected("cannot create bucket " + std::string(name) + ": " +
                        created.error().message);
    }
  }
  if (cors != nullptr) {
    if (auto valid = s3::validate_cors_configuration(*cors); !valid) {
      return Unexpected("CORS configuration for " + std::string(name) + ": " +
                        std::string(valid.error().effective_message()) + " (" +
                        valid.error().reason + ")");
    }
    auto put = store.put_bucket_cors(name, s3::cors_to_xml(*cors));
    if (!put)
      return Unexpected("cannot set CORS on " + std::string(name) + ": " + put.error().message);
    state_->cors.forget(std::string(name));
  }
  return {};
}

http::ServerConfig store_server_config(std::string address, std::uint16_t port, unsigned threads) {
  http::ServerConfig config;
  config.address = std::move(address);
  config.port = port;
  config.threads = threads;
  config.max_header_bytes = 16 * 1024;
  config.body_limit = 1024 * 1024;  // raised per request by the upload handlers
  config.blocking_threads = 16;     // uploads wait on fsync; reads on the page cache
  config.body_idle_timeout = std::chrono::seconds(60);
  config.write_idle_timeout = std::chrono::seconds(60);
  config.error_renderer = [limit = config.max_header_bytes](const http::RefusalContext& refusal) {
    return render_server_refusal(refusal, limit);
  };
  return config;
}

}  // namespace upgate::store

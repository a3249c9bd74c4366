// The request pipeline: target -> operation -> CORS -> authentication ->
// authorization -> handler, with S3's answers at every refusal.
#include "s3_service.hpp"

#include <boost/asio/this_coro.hpp>

#include <chrono>

#include "engine_refusal.hpp"
#include "s3_handlers.hpp"
#include "s3_request.hpp"
#include "upgate/s3/dates.hpp"
#include "upgate/s3/xml_requests.hpp"
#include "upgate/text.hpp"

namespace upgate::store {

namespace asio = boost::asio;
using s3::ErrorCode;

namespace {

std::string iso_time(std::chrono::system_clock::time_point t) {
  return s3::format_iso8601_ms(t);
}

// SigV4's refusal in S3's words, with the detail elements S3 adds.
s3::S3Error auth_to_s3_error(const sigv4::AuthError& e, const S3Request& r,
                             std::chrono::system_clock::time_point now) {
  const auto code = s3::error_code_from_name(sigv4::s3_code(e.code));
  switch (e.code) {
    case sigv4::AuthErrorCode::kSignatureDoesNotMatch:
      return s3::signature_does_not_match(e.access_key_id, e.string_to_sign, e.signature_provided,
                                          e.canonical_request)
          .because("signature mismatch");
    case sigv4::AuthErrorCode::kRequestTimeTooSkewed: {
      auto parsed = sigv4::parse_auth(r.request_view());
      return s3::request_time_too_skewed(parsed ? parsed->amz_date : std::string(), iso_time(now),
                                         r.service.options.max_skew.count() * 1000)
          .because("request time too skewed");
    }
    case sigv4::AuthErrorCode::kAccessDenied:
      if (e.message == "Request has expired") {
        auto parsed = sigv4::parse_auth(r.request_view());
        if (parsed) {
          return s3::request_expired(std::to_string(parsed->expires.count()),
                                     iso_time(parsed->request_time + parsed->expires),
                                     iso_time(now))
              .because("presigned URL expired");
        }
      }
      [[fallthrough]];
    default: {
      s3::S3Error out = s3::make_error(code.value_or(ErrorCode::AccessDenied), e.message);
      out.reason = e.message;
      return out;
    }
  }
}

}  // namespace

// ---- Dispatch ----------------------------------------------------------------------

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

bool anonymous_may_try(S3Operation op) {
  // Public-read objects: the handler checks the object's ACL.
  return op == S3Operation::kGetObject || op == S3Operation::kHeadObject;
}

asio::awaitable<void> run(S3Request& r) {
  const http::Request& request = r.request();
  const std::string_view host = request.header("host").value_or("");
  auto target = s3::parse_request_target(request.target(), host, r.service.options.domain);
  if (!target) {
    co_await r.send_error(std::move(target).error());
    co_return;
  }
  r.target = std::move(*target);
  auto query = sigv4::parse_query(r.target.raw_query);
  if (!query) {
    co_await r.send_error(
        s3::make_error(ErrorCode::InvalidURI).because("malformed percent escape in the query"));
    co_return;
  }
  r.query = std::move(*query);

  const auto content_type = request.header("content-type");
  const bool form_post = content_type && text::istarts_with(*content_type, "multipart/form-data");
  RequestShape shape;
  shape.method = request.method_name();
  shape.has_bucket = !r.target.bucket.empty();
  shape.has_key = !r.target.key.empty();
  shape.query = r.query;
  shape.has_copy_source = request.header("x-amz-copy-source").has_value();
  shape.is_form_post = form_post;
  auto op = classify(shape);
  if (!op) {
    co_await r.send_error(std::move(op).error());
    co_return;
  }
  r.operation = *op;
  r.exchange.set_route_name(operation_name(*op));

  if (*op == S3Operation::kPreflight) {
    co_await handle_preflight(r);
    co_return;
  }

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

  if (*op == S3Operation::kPostObject) {
    co_await handle_post_object(r);  // authenticated by its policy
    co_return;
  }

  const auto view = r.request_view();
  if (has_query(r.query, "AWSAccessKeyId") && has_query(r.query, "Signature")) {
    // Signature Version 2 query auth (old SDKs' default for presigned URLs).
    co_return co_await r.send_error(
        s3::make_error(ErrorCode::InvalidRequest,
                       "The authorization mechanism you have provided is not supported. Please "
                       "use AWS4-HMAC-SHA256.")
            .because("SigV2 query authentication"));
  }
  if (sigv4::detect_auth(view) == sigv4::AuthLocation::kNone) {
    if (!anonymous_may_try(*op)) {
      co_await r.send_error(s3::make_error(ErrorCode::AccessDenied).because("anonymous request"));
      co_return;
    }
  } else {
    sigv4::VerifyPolicy policy;
    const auto now = r.service.now();
    policy.now = std::chrono::time_point_cast<std::chrono::seconds>(now);
    policy.region = r.service.options.region;
    policy.max_skew = r.service.options.max_skew;
    const AccessKeys& keys = r.service.keys;
    auto verified = sigv4::verify(
        view, policy,
        [&keys](std::string_view id) -> std::optional<sigv4::Credentials> {
          const AccessKey* key = keys.find(id);
          if (key == nullptr) return std::nullopt;
          return key->credentials;
        },
        &r.service.signing_keys);
    if (!verified) {
      co_await r.send_error(auth_to_s3_error(verified.error(), r, now));
      co_return;
    }
    r.access_key = keys.find(verified->auth.access_key_id);
    r.auth = std::move(*verified);
    // DeleteObjects is authorized key by key, in its handler, as IAM does.
    if (!r.access_key->root && *op != S3Operation::kDeleteObjects) {
      const std::string_view key =
          targets_object(*op) ? std::string_view(r.target.key) : std::string_view();
      if (!r.allowed(iam_action(*op), r.target.bucket, key)) {
        co_await r.send_error(
            s3::make_error(ErrorCode::AccessDenied)
                .because(std::string("key not allowed ") + std::string(iam_action(*op))));
        co_return;
      }
    }
  }

  co_await handler_for (*op)(r);
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
  std::exception_ptr failure;
  try {
    co_await run(r);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure && !exchange.responded()) {
    std::string why = "handler threw";
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
    }
    co_await r.send_error(s3::make_error(ErrorCode::InternalError).because(why));
  }
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

// Object operations: PutObject, GetObject/HeadObject, DeleteObject(s), CopyObject.
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <memory>
#include <string>

#include "body_receiver.hpp"
#include "checksummed_body.hpp"
#include "copy_source.hpp"
#include "engine_refusal.hpp"
#include "object_headers.hpp"
#include "s3_handlers.hpp"
#include "s3_request.hpp"
#include "upgate/s3/conditions.hpp"
#include "upgate/s3/dates.hpp"
#include "upgate/s3/naming.hpp"
#include "upgate/s3/query_params.hpp"
#include "upgate/s3/range.hpp"
#include "upgate/s3/xml_requests.hpp"
#include "upgate/s3/xml_responses.hpp"
#include "write_intent.hpp"

namespace upgate::store {

namespace asio = boost::asio;
using s3::ErrorCode;

namespace {

constexpr std::size_t kMaxDeleteBodyBytes = 2 * 1024 * 1024;

s3::Seconds now_seconds(const S3Request& r) {
  return std::chrono::floor<std::chrono::seconds>(r.service.now());
}

s3::ObjectValidators validators_of(const ObjectRecord& o) {
  return s3::ObjectValidators{o.etag, to_time_point(o.last_modified)};
}

// If-Match / If-None-Match against the object under the key now (blocking), to refuse
// before a body is read; what passes here is decided again in the commit's transaction.
Expected<void, s3::S3Error> check_current_object(ObjectStore& store, std::string_view bucket,
                                                 std::string_view key,
                                                 const s3::WriteConditions& conditions) {
  auto existing = store.head_object(bucket, key);
  s3::ObjectValidators v;
  if (existing) v = validators_of(*existing);
  return s3::check_write_conditions(conditions, existing ? &v : nullptr);
}

bool is_public_read(std::string_view acl) {
  return acl == "public-read" || acl == "public-read-write";
}

// response-* query parameters: the header each overrides.
constexpr std::pair<std::string_view, std::string_view> kResponseOverrides[] = {
    {"response-content-type", "Content-Type"},
    {"response-content-language", "Content-Language"},
    {"response-expires", "Expires"},
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
};

Expected<void, s3::S3Error> check_version_id(const S3Request& r) {
  const auto version = r.query_param("versionId");
  if (version && *version != "null") {
    return Unexpected(s3::invalid_argument("Invalid version id specified", "versionId", *version));
  }
  return {};
}

// Streams [first, first+length) of the object, reading the next piece on the
// blocking pool while the current one is written to the socket.
asio::awaitable<void> stream_object(S3Request& r, const ObjectReader& reader, std::uint64_t first,
                                    std::uint64_t length) {
  using namespace asio::experimental::awaitable_operators;
  const std::size_t piece = r.service.options.download_buffer_bytes;
  std::unique_ptr<std::byte[]> buffers[2] = {std::unique_ptr<std::byte[]>(new std::byte[piece]),
                                             std::unique_ptr<std::byte[]>(new std::byte[piece])};
  std::size_t filled[2] = {0, 0};
  bool read_failed = false;
  auto read_into = [&](int slot, std::uint64_t offset, std::uint64_t want) {
    return [&, slot, offset, want] {
      std::size_t done = 0;
      while (done < want) {
        auto n = reader.read_at(offset + done,
                                std::span<std::byte>(buffers[slot].get() + done, want - done));
        if (!n || *n == 0) {
          read_failed = true;
          break;
        }
        done += *n;
      }
      filled[slot] = done;
    };
  };
  std::uint64_t offset = first;
  const std::uint64_t end = first + length;
  int slot = 0;
  std::uint64_t want = std::min<std::uint64_t>(piece, end - offset);
  if (want > 0) co_await r.exchange.run_blocking(read_into(slot, offset, want));
  while (offset < end && !read_failed) {
    const std::string_view bytes(reinterpret_cast<const char*>(buffers[slot].get()), filled[slot]);
    const std::uint64_t next_offset = offset + filled[slot];
    const std::uint64_t next_want = std::min<std::uint64_t>(piece, end - next_offset);
    Expected<void, http::WriteError> written;
    if (next_want > 0) {
      auto [w] = std::tuple{
          co_await (r.exchange.write_body_chunk(bytes) &&
                    r.exchange.run_blocking(read_into(1 - slot, next_offset, next_want)))};
      written = std::move(w);
    } else {
      written = co_await r.exchange.write_body_chunk(bytes);
    }
    if (!written) co_return;  // the client went away
    r.bytes_out += bytes.size();
    offset = next_offset;
    slot = 1 - slot;
  }
  if (read_failed) {
    // Bytes already went out with a Content-Length; only closing tells the client.
    r.error_code = "InternalError";
    r.reason = "object read failed while streaming";
    r.exchange.close_after_response();
  }
  co_await r.exchange.finish();
}

}  // namespace

asio::awaitable<Outcome> handle_put_object(S3Request& r) {
  auto intent = write_intent(r);
  if (!intent) co_return Unexpected(std::move(intent).error());
  PutObjectRequest request;
  request.bucket = r.target.bucket;
  request.key = r.target.key;
  request.headers = std::move(intent->metadata.headers);
  request.user_metadata = std::move(intent->metadata.user_metadata);
  request.acl = intent->acl;
  request.if_none_match_star = intent->conditions.require_absent;
  request.if_match = intent->conditions.if_match;

  // Refuse before the body when the answer is already known: no bucket, or a
  // precondition that fails now (both conditions are decided again at commit).
  auto known = co_await on_pool(r, [&]() -> Expected<void, s3::S3Error> {
    if (auto bucket = r.service.store.head_bucket(request.bucket); !bucket) {
      return Unexpected(to_s3_error(bucket.error(), request.bucket));
    }
    if (intent->conditions.empty()) return {};
    return check_current_object(r.service.store, request.bucket, request.key, intent->conditions);
  });
  if (!known) co_return Unexpected(std::move(known).error());

  auto body = co_await receive_body(r, ReceiveOptions{});
  if (!body) co_return Unexpected(std::move(body).error());
  auto put = co_await on_pool(
      r, [&] { return r.service.store.put_object(request, std::move(body->blob)); });
  if (!put) co_return Unexpected(to_s3_error(put.error(), request.bucket, request.key));
  http::Response out = r.response(200);
  out.set_header("ETag", s3::quote_etag(put->etag));
  add_checksum_headers(out, put->checksums);
  co_return co_await r.send(out);
}

asio::awaitable<Outcome> handle_get_object(S3Request& r) {
  const bool head = r.request().method() == http::Method::head;
  if (auto ok = check_version_id(r); !ok) co_return Unexpected(std::move(ok).error());
  bool overrides = false;
  for (const auto& [param, header] : kResponseOverrides)
    overrides = overrides || r.query_param(param);
  if (overrides && r.anonymous()) {
    co_return Unexpected(s3::make_error(
        ErrorCode::InvalidRequest,
        "Request specific response headers cannot be used for anonymous GET requests."));
  }
  std::optional<int> part_number;
  if (r.query_param("partNumber") && r.header("range")) {
    co_return Unexpected(
        s3::make_error(ErrorCode::InvalidRequest,
                       "Cannot specify both Range header and partNumber query parameter"));
  }
  if (auto p = r.query_param("partNumber")) {
    auto n = s3::parse_part_number(*p);
    if (!n) co_return Unexpected(std::move(n).error());
    part_number = *n;
  }

  auto opened = co_await on_pool(r, [&]() -> Expected<OpenedObject, StoreError> {
    if (!head) return r.service.store.get_object(r.target.bucket, r.target.key);
    auto record = r.service.store.head_object(r.target.bucket, r.target.key);
    if (!record) return Unexpected(record.error());
    return OpenedObject{std::move(*record), ObjectReader()};
  });
  if (!opened) {
    if (r.anonymous()) {
      // Anonymous callers learn nothing about what exists.
      co_return Unexpected(
          s3::make_error(ErrorCode::AccessDenied).because("anonymous read of a missing object"));
    }
    co_return Unexpected(to_s3_error(opened.error(), r.target.bucket, r.target.key));
  }
  const ObjectRecord& record = opened->record;
  if (r.anonymous() && !is_public_read(record.acl)) {
    co_return Unexpected(
        s3::make_error(ErrorCode::AccessDenied).because("anonymous read of a private object"));
  }

  s3::ConditionalHeaders conditions;
  conditions.if_match = r.header_string("if-match");
  conditions.if_none_match = r.header_string("if-none-match");
  conditions.if_modified_since = r.header_string("if-modified-since");
  conditions.if_unmodified_since = r.header_string("if-unmodified-since");
  if (auto ok = s3::evaluate_read_conditions(conditions, validators_of(record), now_seconds(r));
      !ok) {
    if (ok.error().code != ErrorCode::NotModified) co_return Unexpected(std::move(ok).error());
    // Not a refusal: S3 answers 304 with the validators and no body.
    http::Response out = r.response(304);
    out.set_header("ETag", s3::quote_etag(record.etag));
    out.set_header("Last-Modified", http_date(record.last_modified));
    r.error_code = "NotModified";
    co_return co_await r.send(out);
  }

  // What to send: the whole object, one part of it, or a Range.
  std::uint64_t first = 0;
  std::uint64_t length = record.size;
  bool partial = false;
  if (part_number) {
    const int parts = std::max(record.parts_count, 1);
    if (*part_number > parts) co_return Unexpected(s3::invalid_part_number(*part_number, parts));
    if (record.parts_count > 0 &&
        record.segments.size() == static_cast<std::size_t>(record.parts_count)) {
      for (int i = 0; i < *part_number - 1; ++i) first += record.segments[i].size;
      length = record.segments[*part_number - 1].size;
      partial = true;
    }
  } else if (const auto range_header = r.header("range")) {
    auto range = s3::evaluate_range(*range_header, record.size);
    if (!range) co_return Unexpected(std::move(range).error());
    if (*range) {
      first = (*range)->first;
      length = (*range)->length();
      partial = true;
    }
  }

  http::Response out = r.response(partial ? 206 : 200);
  const bool checksums_wanted =
      !partial && r.header("x-amz-checksum-mode").value_or("") == "ENABLED";
  add_object_headers(out, record, checksums_wanted);
  if (partial) {
    out.set_header("Content-Range",
                   s3::ByteRange{first, first + length - 1}.content_range(record.size));
    if (length == 0) out.set_header("Content-Range", "bytes */" + std::to_string(record.size));
  }
  if (part_number && record.parts_count > 0) {
    out.set_header("x-amz-mp-parts-count", std::to_string(record.parts_count));
  }
  if (!r.anonymous()) {
    for (const auto& [param, header] : kResponseOverrides) {
      if (auto v = r.query_param(param)) out.set_header(header, *v);
    }
  }
  // From here the answer is under way: a failure can only close the connection.
  if (!co_await r.exchange.write_header(out, http::BodyFraming::content_length(length))) {
    co_return Outcome{};
  }
  if (head || length == 0) {
    co_await r.exchange.finish();
  } else {
    co_await stream_object(r, opened->reader, first, length);
  }
  co_return Outcome{};
}

asio::awaitable<Outcome> handle_delete_object(S3Request& r) {
  if (auto ok = check_version_id(r); !ok) co_return Unexpected(std::move(ok).error());
  auto deleted = co_await on_pool(
      r, [&] { return r.service.store.delete_object(r.target.bucket, r.target.key); });
  if (!deleted) co_return Unexpected(to_s3_error(deleted.error(), r.target.bucket, r.target.key));
  co_return co_await r.send(r.response(204));
}

asio::awaitable<Outcome> handle_delete_objects(S3Request& r) {
  auto body = co_await receive_checksummed_small_body(r, kMaxDeleteBodyBytes);
  if (!body) co_return Unexpected(std::move(body).error());
  auto parsed = s3::parse_delete_objects(*body, kMaxDeleteBodyBytes);
  if (!parsed) co_return Unexpected(std::move(parsed).error());

  s3::DeleteResult result;
  result.quiet = parsed->quiet;
  std::vector<std::string> keys;
  for (const auto& object : parsed->objects) {
    auto refuse = [&](std::string code, std::string message) {
      result.errors.push_back(
          s3::DeleteErrorEntry{object.key, object.version_id, std::move(code), std::move(message)});
    };
    if (!object.version_id.empty() && object.version_id != "null") {
      refuse("NoSuchVersion", "The specified version does not exist.");
      continue;
    }
    if (auto ok = s3::validate_object_key(object.key); !ok) {
      refuse(std::string(ok.error().code_name()), std::string(ok.error().effective_message()));
      continue;
    }
    // Authorized key by key, as IAM does (S3Service lets DeleteObjects through).
    if (!r.allowed("s3:DeleteObject", r.target.bucket, object.key)) {
      refuse("AccessDenied", "Access Denied");
      continue;
    }
    keys.push_back(object.key);
  }
  // Conditional deletes (an ETag per object) are checked just before, in one pass.
  auto deleted = co_await on_pool(r, [&]() -> Expected<DeleteObjectsResult, StoreError> {
    std::vector<std::string> unconditional;
    for (const auto& key : keys) {
      const s3::ObjectToDelete* spec = nullptr;
      for (const auto& o : parsed->objects) {
        if (o.key == key) spec = &o;
      }
      if (spec != nullptr && spec->etag) {
        auto current = r.service.store.head_object(r.target.bucket, key);
        if (current && s3::etag_list_matches(*spec->etag, current->etag, false)) {
          unconditional.push_back(key);
        } else if (current) {
          result.errors.push_back(s3::DeleteErrorEntry{
              key, "", "PreconditionFailed",
              "At least one of the pre-conditions you specified did not hold"});
        } else {
          result.errors.push_back(
              s3::DeleteErrorEntry{key, "", "NoSuchKey", "The specified key does not exist."});
        }
      } else {
        unconditional.push_back(key);
      }
    }
    if (unconditional.empty()) return DeleteObjectsResult{};
    return r.service.store.delete_objects(r.target.bucket, unconditional);
  });
  if (!deleted) co_return Unexpected(to_s3_error(deleted.error(), r.target.bucket));
  for (const auto& key : deleted->deleted) result.deleted.push_back(s3::DeletedEntry{key, ""});
  for (const auto& f : deleted->failed) {
    const s3::S3Error e = to_s3_error(f.error, r.target.bucket, f.key);
    result.errors.push_back(s3::DeleteErrorEntry{f.key, "", std::string(e.code_name()),
                                                 std::string(e.effective_message())});
  }
  co_return co_await r.send_xml(200, s3::render_delete_result(result));
}

asio::awaitable<Outcome> handle_copy_object(S3Request& r) {
  auto source = parse_copy_source(*r.header("x-amz-copy-source"));
  if (!source) co_return Unexpected(std::move(source).error());
  if (!r.allowed("s3:GetObject", source->bucket, source->key)) {
    co_return Unexpected(
        s3::make_error(ErrorCode::AccessDenied).because("key may not read the copy source"));
  }
  auto intent = write_intent(r);
  if (!intent) co_return Unexpected(std::move(intent).error());
  const std::string directive(r.header("x-amz-metadata-directive").value_or("COPY"));
  if (directive != "COPY" && directive != "REPLACE") {
    co_return Unexpected(
        s3::invalid_argument("Unknown metadata directive.", "x-amz-metadata-directive", directive));
  }
  const bool replace = directive == "REPLACE";
  if (!replace && source->bucket == r.target.bucket && source->key == r.target.key &&
      !r.header("x-amz-storage-class")) {
    co_return Unexpected(s3::make_error(
        ErrorCode::InvalidRequest,
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or encryption "
        "attributes."));
  }

  CopyObjectRequest request;
  request.source_bucket = source->bucket;
  request.source_key = source->key;
  request.bucket = r.target.bucket;
  request.key = r.target.key;
  request.replace_metadata = replace;
  if (replace) {
    auto metadata = object_metadata(r);
    if (!metadata) co_return Unexpected(std::move(metadata).error());
    request.headers = std::move(metadata->headers);
    request.user_metadata = std::move(metadata->user_metadata);
  }
  request.acl = intent->acl;
  request.if_none_match_star = intent->conditions.require_absent;
  request.if_match = intent->conditions.if_match;

  const s3::ConditionalHeaders source_conditions = copy_source_conditions(r);
  auto copied = co_await on_pool(r, [&]() -> Expected<PutObjectResult, s3::S3Error> {
    auto source_record = r.service.store.head_object(request.source_bucket, request.source_key);
    if (!source_record) {
      return Unexpected(
          to_s3_error(source_record.error(), request.source_bucket, request.source_key));
    }
    if (source_record->size > kMaxSinglePutSize) {
      return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                       "The specified copy source is larger than the maximum "
                                       "allowable size for a copy source: 5368709120"));
    }
    if (auto ok = s3::evaluate_copy_source_conditions(
            source_conditions, validators_of(*source_record), now_seconds(r));
        !ok) {
      return Unexpected(std::move(ok).error());
    }
    if (intent->conditions.if_match) {
      if (auto ok = check_current_object(r.service.store, request.bucket, request.key,
                                         intent->conditions);
          !ok) {
        return Unexpected(std::move(ok).error());
      }
    }
    // The engine re-checks the source's ETag inside its transaction.
    request.source_if_match = source_record->etag;
    auto copy = r.service.store.copy_object(request);
    if (!copy) return Unexpected(to_s3_error(copy.error(), request.bucket, request.key));
    return std::move(*copy);
  });
  if (!copied) co_return Unexpected(std::move(copied).error());
  s3::CopyResult body;
  body.etag = copied->etag;
  body.last_modified = to_time_point(copied->last_modified);
  co_return co_await r.send_xml(200, s3::render_copy_object_result(body));
}

}  // namespace upgate::store

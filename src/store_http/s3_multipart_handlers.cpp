// Multipart uploads: create, parts (uploaded or copied), complete, abort, list.
#include <memory>
#include <string>

#include "body_receiver.hpp"
#include "copy_source.hpp"
#include "engine_refusal.hpp"
#include "object_headers.hpp"
#include "request_integrity.hpp"
#include "s3_handlers.hpp"
#include "s3_request.hpp"
#include "upgate/s3/conditions.hpp"
#include "upgate/s3/dates.hpp"
#include "upgate/s3/lifecycle.hpp"
#include "upgate/s3/naming.hpp"
#include "upgate/s3/query_params.hpp"
#include "upgate/s3/range.hpp"
#include "upgate/s3/xml_requests.hpp"
#include "upgate/s3/xml_responses.hpp"
#include "upgate/text.hpp"
#include "write_intent.hpp"

namespace upgate::store {

namespace asio = boost::asio;
using s3::ErrorCode;

namespace {

// 10,000 parts of ~200 bytes each, with room for checksums.
constexpr std::size_t kMaxCompleteBodyBytes = 4 * 1024 * 1024;

std::string upload_id(const S3Request& r) {
  return std::string(r.query_param("uploadId").value_or(""));
}

// The engine's refusal, NoSuchUpload naming the request's upload id.
s3::S3Error multipart_error(const StoreError& e, const S3Request& r) {
  if (e.code == StoreErrc::kNoSuchUpload) {
    return s3::no_such_upload(upload_id(r)).because(e.message);
  }
  return to_s3_error(e, r.target.bucket, r.target.key);
}

// The upload must exist for this bucket and key before any body is read.
asio::awaitable<Expected<UploadRecord, s3::S3Error>> find_upload(S3Request& r) {
  const std::string id = upload_id(r);
  auto upload = co_await on_pool(
      r, [&] { return r.service.store.find_multipart_upload(r.target.bucket, r.target.key, id); });
  if (!upload) co_return Unexpected(multipart_error(upload.error(), r));
  co_return std::move(*upload);
}

std::string object_location(const S3Request& r) {
  const std::string host(r.header("host").value_or("localhost"));
  return "http://" + host + "/" + r.target.bucket + "/" + s3::url_encode_key(r.target.key);
}

// x-amz-copy-source-range: S3 wants an explicit bytes=first-last within the object.
Expected<std::pair<std::uint64_t, std::uint64_t>, s3::S3Error> copy_range(
    const std::optional<std::string>& header, std::uint64_t size) {
  if (!header) return std::pair<std::uint64_t, std::uint64_t>{0, size};
  auto range = s3::evaluate_range(*header, size);
  if (!range || !*range || !header->starts_with("bytes=") ||
      header->find("-", 6) == header->size() - 1) {
    return Unexpected(s3::make_error(ErrorCode::InvalidArgument,
                                     "The x-amz-copy-source-range value must be of the form "
                                     "bytes=first-last where first and last are the zero-based "
                                     "offsets of the first and last bytes to copy")
                          .with("ArgumentName", "x-amz-copy-source-range")
                          .with("ArgumentValue", *header));
  }
  return std::pair<std::uint64_t, std::uint64_t>{(*range)->first, (*range)->length()};
}

// S3's x-amz-abort-date and x-amz-abort-rule-id when a lifecycle rule of the bucket will
// abort the upload. Blocking (reads the configuration): call on the pool. A configuration
// that cannot be read leaves the headers out rather than fail a call that has succeeded.
std::optional<s3::LifecycleAbort> abort_rule_of(S3Request& r, const UploadRecord& upload) {
  auto rule =
      r.service.store.upload_abort_rule(upload, s3::LifecycleDay{r.service.options.lifecycle_day});
  if (!rule) return std::nullopt;
  return std::move(*rule);
}

void add_abort_headers(http::Response& out, const std::optional<s3::LifecycleAbort>& rule) {
  if (!rule) return;
  out.set_header("x-amz-abort-date",
                 s3::format_http_date(std::chrono::floor<std::chrono::seconds>(rule->due)));
  out.set_header("x-amz-abort-rule-id", rule->rule_id);
}

}  // namespace

asio::awaitable<Outcome> handle_create_multipart_upload(S3Request& r) {
  auto intent = write_intent(r);
  if (!intent) co_return Unexpected(std::move(intent).error());
  CreateMultipartUploadRequest request;
  request.bucket = r.target.bucket;
  request.key = r.target.key;
  request.headers = std::move(intent->metadata.headers);
  request.user_metadata = std::move(intent->metadata.user_metadata);
  request.acl = intent->acl;
  request.checksum_algorithm = intent->checksum_algorithm;
  std::optional<s3::LifecycleAbort> abort_rule;
  auto created = co_await on_pool(r, [&] {
    auto upload = r.service.store.create_multipart_upload(request);
    if (upload) abort_rule = abort_rule_of(r, *upload);
    return upload;
  });
  if (!created) co_return Unexpected(to_s3_error(created.error(), r.target.bucket, r.target.key));
  http::Response out = r.response(200);
  add_abort_headers(out, abort_rule);
  if (request.checksum_algorithm) {
    out.set_header("x-amz-checksum-algorithm",
                   checksum_algorithm_name(*request.checksum_algorithm));
  }
  out.set_body(s3::render_initiate_multipart_upload(s3::InitiateMultipartUploadResult{
                   r.target.bucket, r.target.key, created->upload_id}),
               "application/xml");
  co_return co_await r.send(out);
}

asio::awaitable<Outcome> handle_upload_part(S3Request& r) {
  auto part_number = s3::parse_part_number(r.query_param("partNumber").value_or(""));
  if (!part_number) co_return Unexpected(std::move(part_number).error());
  auto upload = co_await find_upload(r);
  if (!upload) co_return Unexpected(std::move(upload).error());
  // The part's checksum must be the one the upload declared: refused before the body.
  if (auto ok = check_sdk_checksum_algorithm(integrity_headers(r.headers)); !ok) {
    co_return Unexpected(std::move(ok).error());
  }
  auto sent = checksum_request(r);
  if (!sent) co_return Unexpected(std::move(sent).error());
  if (auto ok = check_part_checksum_algorithm(upload->checksum_algorithm, sent->algorithm); !ok) {
    co_return Unexpected(std::move(ok).error());
  }

  ReceiveOptions options;
  options.max_size = kMaxPartSize;
  options.required_algorithm = upload->checksum_algorithm;
  auto body = co_await receive_body(r, options);
  if (!body) co_return Unexpected(std::move(body).error());
  auto part = co_await on_pool(r, [&] {
    return r.service.store.upload_part(r.target.bucket, r.target.key, upload->upload_id,
                                       *part_number, std::move(body->blob));
  });
  if (!part) co_return Unexpected(multipart_error(part.error(), r));
  http::Response out = r.response(200);
  out.set_header("ETag", s3::quote_etag(part->etag));
  add_checksum_headers(out, part->checksums);
  co_return co_await r.send(out);
}

asio::awaitable<Outcome> handle_upload_part_copy(S3Request& r) {
  auto part_number = s3::parse_part_number(r.query_param("partNumber").value_or(""));
  if (!part_number) co_return Unexpected(std::move(part_number).error());
  const std::string_view source_header = *r.header("x-amz-copy-source");
  if (source_header.find('?') != std::string_view::npos) {
    co_return Unexpected(s3::make_error(ErrorCode::NotImplemented).because("copy source versions"));
  }
  auto source = parse_copy_source(source_header);
  if (!source) co_return Unexpected(std::move(source).error());
  if (!r.allowed("s3:GetObject", source->bucket, source->key)) {
    co_return Unexpected(s3::make_error(ErrorCode::AccessDenied));
  }
  auto upload = co_await find_upload(r);
  if (!upload) co_return Unexpected(std::move(upload).error());

  const s3::ConditionalHeaders conditions = copy_source_conditions(r);
  const std::optional<std::string> range_header = r.header_string("x-amz-copy-source-range");
  const auto now = std::chrono::floor<std::chrono::seconds>(r.service.now());
  ChecksumSet set;
  if (upload->checksum_algorithm) set = set.with(*upload->checksum_algorithm);
  auto copied = co_await on_pool(r, [&]() -> Expected<UploadPartResult, s3::S3Error> {
    auto opened = r.service.store.get_object(source->bucket, source->key);
    if (!opened) return Unexpected(to_s3_error(opened.error(), source->bucket, source->key));
    const ObjectRecord& record = opened->record;
    if (auto ok = s3::evaluate_copy_source_conditions(
            conditions, s3::ObjectValidators{record.etag, to_time_point(record.last_modified)},
            now);
        !ok) {
      return Unexpected(std::move(ok).error());
    }
    auto range = copy_range(range_header, record.size);
    if (!range) return Unexpected(std::move(range).error());
    const auto [first, length] = *range;
    if (length > kMaxPartSize) return Unexpected(s3::entity_too_large(length, kMaxPartSize));
    auto writer = r.service.store.begin_blob(set, kMaxPartSize);
    if (!writer) return Unexpected(to_s3_error(writer.error()));
    const std::size_t piece = r.service.options.io_buffer_bytes;
    std::unique_ptr<std::byte[]> buffer(new std::byte[piece]);
    for (std::uint64_t done = 0; done < length;) {
      const std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(piece, length - done));
      auto n = opened->reader.read_at(first + done, std::span<std::byte>(buffer.get(), want));
      if (!n || *n == 0) {
        return Unexpected(
            s3::make_error(ErrorCode::InternalError).because("copy source read failed"));
      }
      if (auto ok = writer->append(std::span<const std::byte>(buffer.get(), *n)); !ok) {
        return Unexpected(to_s3_error(ok.error()));
      }
      done += *n;
    }
    writer->finish();
    auto blob = writer->commit();
    if (!blob) return Unexpected(to_s3_error(blob.error()));
    auto part = r.service.store.upload_part(r.target.bucket, r.target.key, upload->upload_id,
                                            *part_number, std::move(*blob));
    if (!part) return Unexpected(multipart_error(part.error(), r));
    return std::move(*part);
  });
  if (!copied) co_return Unexpected(std::move(copied).error());
  s3::CopyResult body;
  body.etag = copied->etag;
  body.last_modified = std::chrono::system_clock::now();
  body.checksums = xml_checksums(copied->checksums);
  co_return co_await r.send_xml(200, s3::render_copy_part_result(body));
}

asio::awaitable<Outcome> handle_complete_multipart_upload(S3Request& r) {
  auto conditions =
      s3::parse_write_conditions(r.header_string("if-match"), r.header_string("if-none-match"));
  if (!conditions) co_return Unexpected(std::move(conditions).error());
  if (conditions->if_match) {
    co_return Unexpected(
        s3::make_error(ErrorCode::NotImplemented).because("If-Match on CompleteMultipartUpload"));
  }
  // An upload that is gone may be one completed before with these parts (a retry after
  // a lost answer): the engine decides that once the part list is read.
  auto upload = co_await find_upload(r);
  if (!upload && upload.error().code != ErrorCode::NoSuchUpload) {
    co_return Unexpected(std::move(upload).error());
  }
  auto body = co_await receive_small_body(r, kMaxCompleteBodyBytes);
  if (!body) co_return Unexpected(std::move(body).error());
  auto parsed = s3::parse_complete_multipart_upload(*body, kMaxCompleteBodyBytes);
  if (!parsed) co_return Unexpected(std::move(parsed).error());
  std::vector<CompletedPart> parts;
  parts.reserve(parsed->parts.size());
  for (const auto& p : parsed->parts) parts.push_back(CompletedPart{p.part_number, p.etag});
  auto completed = co_await on_pool(r, [&] {
    return r.service.store.complete_multipart_upload(r.target.bucket, r.target.key, upload_id(r),
                                                     parts, conditions->require_absent);
  });
  if (!completed) co_return Unexpected(multipart_error(completed.error(), r));
  s3::CompleteMultipartUploadResult result;
  result.location = object_location(r);
  result.bucket = r.target.bucket;
  result.key = r.target.key;
  result.etag = completed->etag;
  result.checksums = xml_checksums(completed->checksums);
  co_return co_await r.send_xml(200, s3::render_complete_multipart_upload(result));
}

asio::awaitable<Outcome> handle_abort_multipart_upload(S3Request& r) {
  const std::string id = upload_id(r);
  auto aborted = co_await on_pool(
      r, [&] { return r.service.store.abort_multipart_upload(r.target.bucket, r.target.key, id); });
  if (!aborted) co_return Unexpected(multipart_error(aborted.error(), r));
  co_return co_await r.send(r.response(204));
}

asio::awaitable<Outcome> handle_list_parts(S3Request& r) {
  auto max_parts = s3::parse_listing_limit("max-parts", r.query_param("max-parts"));
  if (!max_parts) co_return Unexpected(std::move(max_parts).error());
  auto marker = s3::parse_part_number_marker(r.query_param("part-number-marker"));
  if (!marker) co_return Unexpected(std::move(marker).error());
  const std::string id = upload_id(r);
  std::optional<s3::LifecycleAbort> abort_rule;
  auto listed = co_await on_pool(r, [&] {
    auto parts = r.service.store.list_parts(r.target.bucket, r.target.key, id, *marker, *max_parts);
    if (parts) abort_rule = abort_rule_of(r, parts->upload);
    return parts;
  });
  if (!listed) co_return Unexpected(multipart_error(listed.error(), r));
  s3::ListPartsResult result;
  result.bucket = r.target.bucket;
  result.key = r.target.key;
  result.upload_id = id;
  result.initiator = r.service.owner();
  result.owner = r.service.owner();
  result.part_number_marker = *marker;
  if (listed->is_truncated) result.next_part_number_marker = listed->next_part_number_marker;
  result.max_parts = *max_parts;
  result.is_truncated = listed->is_truncated;
  for (const auto& p : listed->parts) {
    result.parts.push_back(s3::PartEntry{p.part_number, to_time_point(p.last_modified), p.etag,
                                         p.size, xml_checksums(p.checksums)});
  }
  http::Response out = r.response(200);
  add_abort_headers(out, abort_rule);
  out.set_body(s3::render_list_parts(result), "application/xml");
  co_return co_await r.send(out);
}

asio::awaitable<Outcome> handle_list_multipart_uploads(S3Request& r) {
  auto max_uploads = s3::parse_listing_limit("max-uploads", r.query_param("max-uploads"));
  if (!max_uploads) co_return Unexpected(std::move(max_uploads).error());
  auto encoding = s3::parse_encoding_type(r.query_param("encoding-type"));
  if (!encoding) co_return Unexpected(std::move(encoding).error());
  ListUploadsRequest request;
  request.bucket = r.target.bucket;
  request.prefix = std::string(r.query_param("prefix").value_or(""));
  request.delimiter = std::string(r.query_param("delimiter").value_or(""));
  request.key_marker = std::string(r.query_param("key-marker").value_or(""));
  request.upload_id_marker = std::string(r.query_param("upload-id-marker").value_or(""));
  request.max_uploads = *max_uploads;
  for (const std::string* value : {&request.prefix, &request.delimiter, &request.key_marker}) {
    if (!text::is_valid_utf8(*value)) {
      co_return Unexpected(
          s3::make_error(ErrorCode::InvalidArgument).because("listing parameter is not UTF-8"));
    }
  }
  auto listed =
      co_await on_pool(r, [&] { return r.service.store.list_multipart_uploads(request); });
  if (!listed) co_return Unexpected(to_s3_error(listed.error(), r.target.bucket));
  const s3::Owner owner = r.service.owner();
  s3::ListMultipartUploadsResult result;
  result.bucket = r.target.bucket;
  result.key_marker = request.key_marker;
  result.upload_id_marker = request.upload_id_marker;
  if (listed->is_truncated) {
    result.next_key_marker = listed->next_key_marker;
    result.next_upload_id_marker = listed->next_upload_id_marker;
  }
  result.delimiter = request.delimiter;
  result.prefix = request.prefix;
  result.max_uploads = *max_uploads;
  result.is_truncated = listed->is_truncated;
  result.encoding = *encoding;
  for (const auto& u : listed->uploads) {
    result.uploads.push_back(
        s3::UploadEntry{u.key, u.upload_id, owner, owner, "STANDARD", to_time_point(u.initiated)});
  }
  result.common_prefixes = std::move(listed->common_prefixes);
  co_return co_await r.send_xml(200, s3::render_list_multipart_uploads(result));
}

}  // namespace upgate::store

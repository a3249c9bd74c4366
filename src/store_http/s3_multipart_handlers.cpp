// Multipart uploads: create, parts (uploaded or copied), complete, abort, list.
#include <memory>
#include <string>

#include "body_receiver.hpp"
#include "engine_refusal.hpp"
#include "object_headers.hpp"
#include "request_integrity.hpp"
#include "s3_handlers.hpp"
#include "s3_request.hpp"
#include "upgate/s3/conditions.hpp"
#include "upgate/s3/naming.hpp"
#include "upgate/s3/query_params.hpp"
#include "upgate/s3/range.hpp"
#include "upgate/s3/xml_requests.hpp"
#include "upgate/s3/xml_responses.hpp"
#include "upgate/text.hpp"

namespace upgate::store {

namespace asio = boost::asio;
using s3::ErrorCode;

namespace {

// 10,000 parts of ~200 bytes each, with room for checksums.
constexpr std::size_t kMaxCompleteBodyBytes = 4 * 1024 * 1024;

s3::Owner owner(const S3Request& r) {
  return s3::Owner{r.service.options.owner_id, r.service.options.owner_display_name};
}

std::string upload_id(const S3Request& r) {
  return std::string(r.query_param("uploadId").value_or(""));
}

std::optional<std::string> header_string(const S3Request& r, std::string_view name) {
  const auto v = r.header(name);
  if (!v) return std::nullopt;
  return std::string(*v);
}

// The upload must exist for this bucket and key before any body is read.
asio::awaitable<Expected<UploadRecord, s3::S3Error>> find_upload(S3Request& r) {
  const std::string id = upload_id(r);
  auto upload = co_await on_pool(
      r, [&] { return r.service.store.find_multipart_upload(r.target.bucket, r.target.key, id); });
  if (!upload) {
    if (upload.error().code == StoreErrc::kNoSuchUpload) {
      co_return Unexpected(s3::no_such_upload(id).because(upload.error().message));
    }
    co_return Unexpected(to_s3_error(upload.error(), r.target.bucket, r.target.key));
  }
  co_return std::move(*upload);
}

s3::S3Error multipart_error(const StoreError& e, const S3Request& r) {
  if (e.code == StoreErrc::kNoSuchUpload)
    return s3::no_such_upload(upload_id(r)).because(e.message);
  return to_s3_error(e, r.target.bucket, r.target.key);
}

std::string object_location(const S3Request& r) {
  const std::string host(r.header("host").value_or("localhost"));
  return "http://" + host + "/" + r.target.bucket + "/" + s3::url_encode_key(r.target.key);
}

}  // namespace

asio::awaitable<void> handle_create_multipart_upload(S3Request& r) {
  auto acl = canned_acl(r, false);
  if (!acl) co_return co_await r.send_error(std::move(acl).error());
  if (auto ok = check_storage_class(r); !ok) co_return co_await r.send_error(std::move(ok).error());
  CreateMultipartUploadRequest request;
  request.bucket = r.target.bucket;
  request.key = r.target.key;
  request.headers = object_headers_from(r);
  request.user_metadata = user_metadata_from(r);
  request.acl = *acl;
  if (const auto algorithm = r.header("x-amz-checksum-algorithm")) {
    request.checksum_algorithm = parse_checksum_algorithm(*algorithm);
    if (!request.checksum_algorithm) {
      co_return co_await r.send_error(
          s3::make_error(ErrorCode::InvalidRequest,
                         "Checksum algorithm provided is unsupported. Please try again "
                         "with any of the valid types: [CRC32, CRC32C, SHA1, SHA256]"));
    }
  }
  if (const std::size_t size = user_metadata_size(request.user_metadata);
      size > kMaxUserMetadataBytes) {
    co_return co_await r.send_error(
        s3::make_error(ErrorCode::MetadataTooLarge)
            .with("Size", std::to_string(size))
            .with("MaxSizeAllowed", std::to_string(kMaxUserMetadataBytes)));
  }
  auto created =
      co_await on_pool(r, [&] { return r.service.store.create_multipart_upload(request); });
  if (!created) {
    co_return co_await r.send_error(to_s3_error(created.error(), r.target.bucket, r.target.key));
  }
  http::Response out = r.response(200);
  if (request.checksum_algorithm) {
    out.set_header("x-amz-checksum-algorithm",
                   checksum_algorithm_name(*request.checksum_algorithm));
  }
  out.set_body(s3::render_initiate_multipart_upload(s3::InitiateMultipartUploadResult{
                   r.target.bucket, r.target.key, created->upload_id}),
               "application/xml");
  co_await r.send(out);
}

asio::awaitable<void> handle_upload_part(S3Request& r) {
  auto part_number = s3::parse_part_number(r.query_param("partNumber").value_or(""));
  if (!part_number) co_return co_await r.send_error(std::move(part_number).error());
  auto upload = co_await find_upload(r);
  if (!upload) co_return co_await r.send_error(std::move(upload).error());
  // The part's checksum must be the one the upload declared: refused before the body.
  if (auto ok = check_sdk_checksum_algorithm(integrity_headers(r.headers)); !ok) {
    co_return co_await r.send_error(std::move(ok).error());
  }
  auto sent = checksum_request(r);
  if (!sent) co_return co_await r.send_error(std::move(sent).error());
  if (auto ok = check_part_checksum_algorithm(upload->checksum_algorithm, sent->algorithm); !ok) {
    co_return co_await r.send_error(std::move(ok).error());
  }

  ReceiveOptions options;
  options.max_size = kMaxPartSize;
  options.required_algorithm = upload->checksum_algorithm;
  auto body = co_await receive_body(r, options);
  if (!body) co_return co_await r.send_error(std::move(body).error());
  auto part = co_await on_pool(r, [&] {
    return r.service.store.upload_part(r.target.bucket, r.target.key, upload->upload_id,
                                       *part_number, std::move(body->blob));
  });
  if (!part) co_return co_await r.send_error(multipart_error(part.error(), r));
  http::Response out = r.response(200);
  out.set_header("ETag", s3::quote_etag(part->etag));
  add_checksum_headers(out, part->checksums);
  co_await r.send(out);
}

asio::awaitable<void> handle_upload_part_copy(S3Request& r) {
  auto part_number = s3::parse_part_number(r.query_param("partNumber").value_or(""));
  if (!part_number) co_return co_await r.send_error(std::move(part_number).error());
  std::string_view source_header = *r.header("x-amz-copy-source");
  if (source_header.find('?') != std::string_view::npos) {
    co_return co_await r.send_error(
        s3::make_error(ErrorCode::NotImplemented).because("copy source versions"));
  }
  if (source_header.starts_with('/')) source_header.remove_prefix(1);
  auto decoded = s3::percent_decode(source_header);
  const std::size_t slash = decoded ? decoded->find('/') : std::string::npos;
  if (!decoded || slash == std::string::npos || slash == 0 || slash + 1 == decoded->size()) {
    co_return co_await r.send_error(
        s3::invalid_argument("Copy Source must mention the source bucket and key: "
                             "sourcebucket/sourcekey",
                             "x-amz-copy-source", ""));
  }
  const std::string source_bucket = decoded->substr(0, slash);
  const std::string source_key = decoded->substr(slash + 1);
  if (!r.access_key->root && !r.allowed("s3:GetObject", source_bucket, source_key)) {
    co_return co_await r.send_error(s3::make_error(ErrorCode::AccessDenied));
  }
  auto upload = co_await find_upload(r);
  if (!upload) co_return co_await r.send_error(std::move(upload).error());

  s3::ConditionalHeaders conditions;
  conditions.if_match = header_string(r, "x-amz-copy-source-if-match");
  conditions.if_none_match = header_string(r, "x-amz-copy-source-if-none-match");
  conditions.if_modified_since = header_string(r, "x-amz-copy-source-if-modified-since");
  conditions.if_unmodified_since = header_string(r, "x-amz-copy-source-if-unmodified-since");
  const std::optional<std::string> range_header = header_string(r, "x-amz-copy-source-range");
  const auto now = std::chrono::floor<std::chrono::seconds>(r.service.now());

  std::optional<s3::S3Error> refused;
  std::optional<UploadPartResult> result;
  ChecksumSet set;
  if (upload->checksum_algorithm) set = set.with(*upload->checksum_algorithm);
  co_await r.blocking([&] {
    auto source = r.service.store.get_object(source_bucket, source_key);
    if (!source) {
      refused = to_s3_error(source.error(), source_bucket, source_key);
      return;
    }
    const ObjectRecord& record = source->record;
    if (auto ok = s3::evaluate_copy_source_conditions(
            conditions, s3::ObjectValidators{record.etag, to_time_point(record.last_modified)},
            now);
        !ok) {
      refused = std::move(ok).error();
      return;
    }
    std::uint64_t first = 0;
    std::uint64_t length = record.size;
    if (range_header) {
      // S3 wants an explicit bytes=first-last within the object here.
      auto range = s3::evaluate_range(*range_header, record.size);
      if (!range || !*range || !range_header->starts_with("bytes=") ||
          range_header->find("-", 6) == range_header->size() - 1) {
        refused = s3::make_error(ErrorCode::InvalidArgument,
                                 "The x-amz-copy-source-range value must be of the form "
                                 "bytes=first-last where first and last are the zero-based offsets "
                                 "of the first and last bytes to copy")
                      .with("ArgumentName", "x-amz-copy-source-range")
                      .with("ArgumentValue", *range_header);
        return;
      }
      first = (*range)->first;
      length = (*range)->length();
    }
    if (length > kMaxPartSize) {
      refused = s3::entity_too_large(length, kMaxPartSize);
      return;
    }
    auto writer = r.service.store.begin_blob(set, kMaxPartSize);
    if (!writer) {
      refused = to_s3_error(writer.error());
      return;
    }
    const std::size_t piece = r.service.options.io_buffer_bytes;
    std::unique_ptr<std::byte[]> buffer(new std::byte[piece]);
    std::uint64_t done = 0;
    while (done < length) {
      const std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(piece, length - done));
      auto n = source->reader.read_at(first + done, std::span<std::byte>(buffer.get(), want));
      if (!n || *n == 0) {
        refused = s3::make_error(ErrorCode::InternalError).because("copy source read failed");
        return;
      }
      if (auto ok = writer->append(std::span<const std::byte>(buffer.get(), *n)); !ok) {
        refused = to_s3_error(ok.error());
        return;
      }
      done += *n;
    }
    writer->finish();
    auto blob = writer->commit();
    if (!blob) {
      refused = to_s3_error(blob.error());
      return;
    }
    auto part = r.service.store.upload_part(r.target.bucket, r.target.key, upload->upload_id,
                                            *part_number, std::move(*blob));
    if (!part) {
      refused = multipart_error(part.error(), r);
      return;
    }
    result = std::move(*part);
  });
  if (refused) co_return co_await r.send_error(std::move(*refused));
  s3::CopyResult body;
  body.etag = result->etag;
  body.last_modified = std::chrono::system_clock::now();
  body.checksums = xml_checksums(result->checksums);
  co_await r.send_xml(200, s3::render_copy_part_result(body));
}

asio::awaitable<void> handle_complete_multipart_upload(S3Request& r) {
  auto conditions =
      s3::parse_write_conditions(header_string(r, "if-match"), header_string(r, "if-none-match"));
  if (!conditions) co_return co_await r.send_error(std::move(conditions).error());
  if (conditions->if_match) {
    co_return co_await r.send_error(
        s3::make_error(ErrorCode::NotImplemented).because("If-Match on CompleteMultipartUpload"));
  }
  auto upload = co_await find_upload(r);
  if (!upload) co_return co_await r.send_error(std::move(upload).error());
  auto body = co_await receive_small_body(r, kMaxCompleteBodyBytes);
  if (!body) co_return co_await r.send_error(std::move(body).error());
  auto parsed = s3::parse_complete_multipart_upload(*body, kMaxCompleteBodyBytes);
  if (!parsed) co_return co_await r.send_error(std::move(parsed).error());
  std::vector<CompletedPart> parts;
  parts.reserve(parsed->parts.size());
  for (const auto& p : parsed->parts) parts.push_back(CompletedPart{p.part_number, p.etag});
  auto completed = co_await on_pool(r, [&] {
    return r.service.store.complete_multipart_upload(
        r.target.bucket, r.target.key, upload->upload_id, parts, conditions->require_absent);
  });
  if (!completed) co_return co_await r.send_error(multipart_error(completed.error(), r));
  s3::CompleteMultipartUploadResult result;
  result.location = object_location(r);
  result.bucket = r.target.bucket;
  result.key = r.target.key;
  result.etag = completed->etag;
  result.checksums = xml_checksums(completed->checksums);
  co_await r.send_xml(200, s3::render_complete_multipart_upload(result));
}

asio::awaitable<void> handle_abort_multipart_upload(S3Request& r) {
  const std::string id = upload_id(r);
  auto aborted = co_await on_pool(
      r, [&] { return r.service.store.abort_multipart_upload(r.target.bucket, r.target.key, id); });
  if (!aborted) co_return co_await r.send_error(multipart_error(aborted.error(), r));
  co_await r.send(r.response(204));
}

asio::awaitable<void> handle_list_parts(S3Request& r) {
  auto max_parts = s3::parse_listing_limit("max-parts", r.query_param("max-parts"));
  if (!max_parts) co_return co_await r.send_error(std::move(max_parts).error());
  auto marker = s3::parse_part_number_marker(r.query_param("part-number-marker"));
  if (!marker) co_return co_await r.send_error(std::move(marker).error());
  const std::string id = upload_id(r);
  auto listed = co_await on_pool(r, [&] {
    return r.service.store.list_parts(r.target.bucket, r.target.key, id, *marker, *max_parts);
  });
  if (!listed) co_return co_await r.send_error(multipart_error(listed.error(), r));
  s3::ListPartsResult result;
  result.bucket = r.target.bucket;
  result.key = r.target.key;
  result.upload_id = id;
  result.initiator = owner(r);
  result.owner = owner(r);
  result.part_number_marker = *marker;
  if (listed->is_truncated) result.next_part_number_marker = listed->next_part_number_marker;
  result.max_parts = *max_parts;
  result.is_truncated = listed->is_truncated;
  for (const auto& p : listed->parts) {
    result.parts.push_back(s3::PartEntry{p.part_number, to_time_point(p.last_modified), p.etag,
                                         p.size, xml_checksums(p.checksums)});
  }
  co_await r.send_xml(200, s3::render_list_parts(result));
}

asio::awaitable<void> handle_list_multipart_uploads(S3Request& r) {
  auto max_uploads = s3::parse_listing_limit("max-uploads", r.query_param("max-uploads"));
  if (!max_uploads) co_return co_await r.send_error(std::move(max_uploads).error());
  auto encoding = s3::parse_encoding_type(r.query_param("encoding-type"));
  if (!encoding) co_return co_await r.send_error(std::move(encoding).error());
  ListUploadsRequest request;
  request.bucket = r.target.bucket;
  request.prefix = std::string(r.query_param("prefix").value_or(""));
  request.delimiter = std::string(r.query_param("delimiter").value_or(""));
  request.key_marker = std::string(r.query_param("key-marker").value_or(""));
  request.upload_id_marker = std::string(r.query_param("upload-id-marker").value_or(""));
  request.max_uploads = *max_uploads;
  for (const std::string* value : {&request.prefix, &request.delimiter, &request.key_marker}) {
    if (!text::is_valid_utf8(*value)) {
      co_return co_await r.send_error(
          s3::make_error(ErrorCode::InvalidArgument).because("listing parameter is not UTF-8"));
    }
  }
  auto listed =
      co_await on_pool(r, [&] { return r.service.store.list_multipart_uploads(request); });
  if (!listed) co_return co_await r.send_error(to_s3_error(listed.error(), r.target.bucket));
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
    result.uploads.push_back(s3::UploadEntry{u.key, u.upload_id, owner(r), owner(r), "STANDARD",
                                             to_time_point(u.initiated)});
  }
  result.common_prefixes = std::move(listed->common_prefixes);
  co_await r.send_xml(200, s3::render_list_multipart_uploads(result));
}

}  // namespace upgate::store

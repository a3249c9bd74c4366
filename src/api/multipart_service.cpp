// The /v1/multipart answers: plan, token, part URLs, the completion check.
#include "upgate/api/multipart_service.hpp"

#include <boost/json/monotonic_resource.hpp>

#include <algorithm>

#include "json_writer.hpp"
#include "upgate/api/upload_plan.hpp"
#include "upgate/sigv4/presign.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

ApiReply refuse(ApiError error, const UploadProfile* profile = nullptr) {
  ApiReply reply = UploadService::error_reply(ErrorStyle::v1, std::move(error));
  reply.profile = profile;
  return reply;
}

}  // namespace

ApiReply upload_token_refusal(TokenRefusal why) {
  if (why == TokenRefusal::kMissing) {
    return refuse(make_error(ErrorCode::missing_field, "uploadToken is required", "uploadToken"));
  }
  std::string_view message;
  switch (why) {
    case TokenRefusal::kExpired:
      message = "the upload token has expired; start the upload again";
      break;
    case TokenRefusal::kPrincipalMismatch:
      message = "the upload token was issued to someone else";
      break;
    case TokenRefusal::kKeyMismatch:
    case TokenRefusal::kUploadMismatch:
      message = "the upload token is for another upload";
      break;
    default:
      message = "the upload token is not one this server issued";
  }
  ApiError error = make_error(ErrorCode::upload_token_refused, std::string(message), "uploadToken");
  error.reason = std::string(to_string(why));
  return refuse(std::move(error));
}

namespace {

void write_token_fields(json_out::ObjectWriter& o, const UploadClaims& claims,
                        const PartLayout& layout) {
  o.string("key", claims.key);
  o.string("uploadId", claims.upload_id);
  o.number("size", claims.size);
  o.number("partSize", layout.part_size);
  o.number("partCount", layout.part_count);
}

// The layout is a pure function of the declared size, so it is never stored: every call
// recomputes it from the token's size. No declared size: no layout (part_count 0).
PartLayout layout_of(const UploadClaims& claims) {
  if (claims.size == 0) return PartLayout{};
  auto layout = choose_part_layout(claims.size);
  return layout ? *layout : PartLayout{};
}

}  // namespace

MultipartService::MultipartService(const UploadService& uploads, const UploadTokenSigner& tokens,
                                   std::chrono::seconds token_lifetime)
    : uploads_(uploads), tokens_(tokens), token_lifetime_(token_lifetime) {}

Expected<MultipartPlan, ApiReply> MultipartService::plan_create(const UploadRequest& request,
                                                                const ResolvedProfile& resolved,
                                                                const Caller& caller) const {
  const auto now = uploads_.now();
  auto plan = plan_upload(request, UploadRoute::v1, resolved, caller, now, random_id());
  if (!plan) return Unexpected(refuse(std::move(plan).error(), resolved.profile));
  MultipartPlan out;
  out.profile = plan->profile;
  if (request.size != 0) {  // 0: no declared size, the client cuts the parts
    auto layout = choose_part_layout(request.size);
    if (!layout) return Unexpected(refuse(std::move(layout).error(), plan->profile));
    out.layout = *layout;
  }
  for (const auto& header : plan->headers) {
    // The object's own headers; Content-Length, If-None-Match and the whole-object
    // checksum belong to a single PUT, not to the create call.
    if (text::iequals(header.name, "Content-Type") ||
        text::istarts_with(header.name, "x-amz-meta-")) {
      out.create_headers.emplace_back(header.name, header.value);
    }
  }
  out.claims.key = std::move(plan->key);
  out.claims.principal = std::string(caller.id());
  out.claims.profile = request.profile;
  out.claims.size = request.size;
  out.claims.content_type = request.content_type;
  out.claims.checksum = request.sha256_base64;
  out.claims.expires_at = now + token_lifetime_;
  return out;
}

Expected<MultipartService::Issued, ApiReply> MultipartService::issue(const MultipartPlan& plan,
                                                                     std::string upload_id) const {
  Issued out;
  out.claims = plan.claims;
  out.claims.upload_id = std::move(upload_id);
  auto token = tokens_.sign(out.claims);
  if (!token) {
    ApiReply reply = refuse(make_error(ErrorCode::internal_error, ""), plan.profile);
    reply.internal_detail = "upload token: " + token.error();
    return Unexpected(std::move(reply));
  }
  out.token = std::move(*token);
  return out;
}

ApiReply MultipartService::created(const MultipartPlan& plan, std::string upload_id) const {
  auto issued = issue(plan, std::move(upload_id));
  if (!issued) return std::move(issued).error();
  const UploadClaims& claims = issued->claims;
  const std::string& token = issued->token;
  ApiReply reply;
  reply.kind = ReplyKind::upload_url;
  reply.profile = plan.profile;
  reply.key = claims.key;
  reply.expires_at = claims.expires_at;
  json_out::ObjectWriter o(reply.body);
  o.boolean("ok", true);
  write_token_fields(o, claims, plan.layout);
  o.string("uploadToken", token);
  o.string("expiresAt", sigv4::format_iso8601(claims.expires_at));
  o.string("profile", plan.profile->name);
  o.string("bucket", uploads_.target().bucket);
  o.close();
  return reply;
}

Expected<MultipartCallRequest, ApiReply> MultipartService::read_call(
    std::optional<std::string_view> content_type, std::string_view body,
    bool with_part_numbers) const {
  if (!content_type || !is_json_media_type(*content_type)) {
    return Unexpected(refuse(
        make_error(ErrorCode::unsupported_media_type, "Content-Type must be application/json")));
  }
  alignas(16) unsigned char scratch[4096];
  boost::json::monotonic_resource arena(scratch, sizeof scratch);
  auto object = parse_json_object(body, &arena);
  if (!object) return Unexpected(refuse(std::move(object).error()));
  MultipartCallRequest out;
  const auto* token = object->if_contains("uploadToken");
  if (token == nullptr || token->is_null())
    return Unexpected(upload_token_refusal(TokenRefusal::kMissing));
  if (!token->is_string()) {
    return Unexpected(
        refuse(make_error(ErrorCode::wrong_type, "uploadToken must be a string", "uploadToken")));
  }
  out.token = std::string(token->get_string());
  if (!with_part_numbers) return out;

  const auto* numbers = object->if_contains("partNumbers");
  if (numbers == nullptr || numbers->is_null()) {
    return Unexpected(
        refuse(make_error(ErrorCode::missing_field, "partNumbers is required", "partNumbers")));
  }
  if (!numbers->is_array()) {
    return Unexpected(refuse(make_error(
        ErrorCode::wrong_type, "partNumbers must be an array of integers", "partNumbers")));
  }
  const auto& array = numbers->get_array();
  if (array.empty() || array.size() > kMaxPartsPerSignCall) {
    return Unexpected(refuse(
        make_error(ErrorCode::invalid_part_number,
                   "partNumbers must list 1 to " + std::to_string(kMaxPartsPerSignCall) + " parts",
                   "partNumbers")));
  }
  for (const auto& value : array) {
    std::uint64_t n = 0;
    if (value.is_uint64()) {
      n = value.get_uint64();
    } else if (value.is_int64() && value.get_int64() > 0) {
      n = static_cast<std::uint64_t>(value.get_int64());
    } else {
      return Unexpected(refuse(make_error(ErrorCode::invalid_part_number,
                                          "partNumbers must be positive integers", "partNumbers")));
    }
    if (n < 1 || n > kMaxPartCount) {
      return Unexpected(refuse(make_error(ErrorCode::invalid_part_number,
                                          "a part number must be 1 to 10000", "partNumbers")));
    }
    out.part_numbers.push_back(static_cast<std::uint32_t>(n));
  }
  return out;
}

Expected<UploadClaims, ApiReply> MultipartService::check_token(
    std::string_view token, const Caller& caller, std::optional<std::string_view> key) const {
  auto claims = tokens_.verify_for(token, uploads_.now(), TokenBinding{caller.id(), key, {}});
  if (!claims) return Unexpected(upload_token_refusal(claims.error()));
  if (claims->upload_id.empty()) {
    // A single upload's token (/v1/uploads) names no multipart upload.
    return Unexpected(upload_token_refusal(TokenRefusal::kUploadMismatch));
  }
  return std::move(*claims);
}

Expected<std::vector<sigv4::PresignedUrl>, ApiReply> MultipartService::sign_part_urls(
    const UploadClaims& claims, const ResolvedProfile& resolved,
    const std::vector<std::uint32_t>& part_numbers) const {
  const PartLayout layout = layout_of(claims);
  const bool sized = layout.part_count != 0;
  for (std::uint32_t n : part_numbers) {
    if (sized && n > layout.part_count) {
      return Unexpected(
          refuse(make_error(ErrorCode::invalid_part_number,
                            "this upload has " + std::to_string(layout.part_count) +
                                " parts; part " + std::to_string(n) + " does not exist",
                            "partNumbers"),
                 resolved.profile));
    }
  }
  const auto now = uploads_.now();
  std::vector<sigv4::PresignedUrl> urls;
  urls.reserve(part_numbers.size());
  std::string number;
  std::string length;
  for (std::uint32_t part_number : part_numbers) {
    if (part_number < 1 || part_number > kMaxPartCount) {
      return Unexpected(refuse(make_error(ErrorCode::invalid_part_number,
                                          "a part number must be 1 to 10000", "partNumbers"),
                               resolved.profile));
    }
    number = std::to_string(part_number);
    length = std::to_string(layout.part_length(part_number));
    const sigv4::HeaderView headers[] = {{"Content-Length", length}};
    const sigv4::QueryParamView query[] = {{"partNumber", number}, {"uploadId", claims.upload_id}};
    sigv4::PresignRequest request;
    request.method = "PUT";
    request.key = claims.key;
    request.time = now;
    if (sized) request.headers = headers;
    request.query = query;
    auto url = uploads_.presign(request, resolved.profile->url_lifetime, resolved.profile);
    if (!url) {
      url.error().key = claims.key;
      return Unexpected(std::move(url).error());
    }
    urls.push_back(std::move(*url));
  }
  return urls;
}

ApiReply MultipartService::sign_parts(const UploadClaims& claims, const ResolvedProfile& resolved,
                                      const std::vector<std::uint32_t>& part_numbers) const {
  auto urls = sign_part_urls(claims, resolved, part_numbers);
  if (!urls) return std::move(urls).error();
  const PartLayout layout = layout_of(claims);
  ApiReply reply;
  reply.kind = ReplyKind::upload_url;
  reply.profile = resolved.profile;
  reply.key = claims.key;
  std::string parts_json = "[";
  for (std::size_t i = 0; i < urls->size(); ++i) {
    const sigv4::PresignedUrl& url = (*urls)[i];
    if (i > 0) parts_json += ',';
    json_out::ObjectWriter part(parts_json);
    part.number("partNumber", part_numbers[i]);
    part.string("url", url.url);
    part.string("method", "PUT");
    std::string& h = part.nested("headers");
    json_out::ObjectWriter hw(h);
    for (const auto& header : url.headers) hw.string(header.name, header.value);
    hw.close();
    part.string("expiresAt", sigv4::format_iso8601(url.expires_at));
    part.close();
    reply.expires_at = url.expires_at;
  }
  parts_json += ']';
  json_out::ObjectWriter o(reply.body);
  o.boolean("ok", true);
  write_token_fields(o, claims, layout);
  o.raw("parts", parts_json);
  o.close();
  return reply;
}

ApiReply MultipartService::listed(const UploadClaims& claims,
                                  const std::vector<s3client::UploadedPart>& parts) const {
  const PartLayout layout = layout_of(claims);
  ApiReply reply = UploadService::state_reply(claims.key);
  std::string parts_json = "[";
  std::uint64_t stored = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) parts_json += ',';
    json_out::ObjectWriter part(parts_json);
    part.number("partNumber", static_cast<std::uint64_t>(parts[i].part_number));
    part.string("etag", parts[i].etag);
    part.number("size", parts[i].size);
    part.close();
    stored += parts[i].size;
  }
  parts_json += ']';
  json_out::ObjectWriter o(reply.body);
  o.boolean("ok", true);
  write_token_fields(o, claims, layout);
  o.number("storedBytes", stored);
  o.raw("parts", parts_json);
  o.close();
  return reply;
}

Expected<std::vector<s3::CompletedPart>, ApiReply> MultipartService::parts_to_complete(
    const UploadClaims& claims, const std::vector<s3client::UploadedPart>& parts) const {
  const PartLayout layout = layout_of(claims);
  std::vector<s3::CompletedPart> out;
  std::uint64_t stored = 0;
  for (const auto& part : parts) stored += part.size;
  auto mismatch = [&](std::string why) {
    ApiError error =
        make_error(ErrorCode::parts_incomplete,
                   why + "; the declared size is " + std::to_string(claims.size) + " bytes in " +
                       std::to_string(layout.part_count) + " parts, the store holds " +
                       std::to_string(stored) + " bytes in " + std::to_string(parts.size()));
    return Unexpected(refuse(std::move(error)));
  };
  if (parts.size() != layout.part_count) return mismatch("parts are missing or extra");
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto expected_number = static_cast<int>(i + 1);
    if (parts[i].part_number != expected_number) {
      return mismatch("part " + std::to_string(expected_number) + " is missing");
    }
    const auto expected_length = layout.part_length(static_cast<std::uint32_t>(expected_number));
    if (parts[i].size != expected_length) {
      return mismatch("part " + std::to_string(expected_number) + " is " +
                      std::to_string(parts[i].size) + " bytes, not " +
                      std::to_string(expected_length));
    }
    s3::CompletedPart completed;
    completed.part_number = expected_number;
    completed.etag = parts[i].etag;
    out.push_back(std::move(completed));
  }
  if (stored != claims.size) return mismatch("the parts do not add up");
  return out;
}

Expected<std::vector<s3::CompletedPart>, ApiReply> MultipartService::named_parts_to_complete(
    const UploadClaims& claims, const std::vector<s3client::UploadedPart>& stored,
    const std::vector<s3::CompletedPart>& named, std::uint64_t max_size) const {
  auto mismatch = [&](std::string why) {
    ApiReply reply = refuse(make_error(ErrorCode::parts_incomplete, std::move(why), "parts"));
    reply.key = claims.key;
    return Unexpected(std::move(reply));
  };
  if (named.empty()) return mismatch("parts must name at least one part");
  if (named.size() > kMaxPartCount) return mismatch("an upload has at most 10000 parts");
  // ETags compare without their quotes: clients send them either way.
  auto bare = [](std::string_view etag) {
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
      etag = etag.substr(1, etag.size() - 2);
    }
    return etag;
  };
  std::vector<s3::CompletedPart> out;
  out.reserve(named.size());
  std::uint64_t total = 0;
  int previous = 0;
  for (const auto& part : named) {
    if (part.part_number <= previous) {
      return mismatch("parts must be in ascending order of PartNumber, each once");
    }
    previous = part.part_number;
    const auto held = std::find_if(stored.begin(), stored.end(), [&](const auto& p) {
      return p.part_number == part.part_number;
    });
    if (held == stored.end() || bare(held->etag) != bare(part.etag)) {
      return mismatch("part " + std::to_string(part.part_number) +
                      " is not in the store with that ETag");
    }
    total += held->size;
    s3::CompletedPart completed;
    completed.part_number = part.part_number;
    completed.etag = held->etag;
    out.push_back(std::move(completed));
  }
  if (total > max_size) {
    ApiReply reply =
        refuse(make_error(ErrorCode::file_too_large,
                          "the parts add up to " + std::to_string(total) +
                              " bytes, over this upload's limit of " + std::to_string(max_size)));
    reply.key = claims.key;
    return Unexpected(std::move(reply));
  }
  return out;
}

ApiReply MultipartService::completed(const UploadClaims& claims,
                                     const s3client::CompletedUpload& done) const {
  ApiReply reply = UploadService::state_reply(claims.key);
  json_out::ObjectWriter o(reply.body);
  o.boolean("ok", true);
  o.string("key", claims.key);
  o.string("bucket", uploads_.target().bucket);
  o.number("size", claims.size);
  o.string("etag", done.etag);
  o.string("location", done.location);
  o.close();
  return reply;
}

ApiReply MultipartService::aborted(const UploadClaims& claims) const {
  ApiReply reply = UploadService::state_reply(claims.key);
  json_out::ObjectWriter o(reply.body);
  o.boolean("ok", true);
  o.string("key", claims.key);
  o.string("uploadId", claims.upload_id);
  o.boolean("aborted", true);
  o.close();
  return reply;
}

ApiReply MultipartService::storage_failure(const s3client::ClientError& error) {
  if (error.kind == s3client::ErrorKind::kS3 && error.code == "NoSuchUpload") {
    return refuse(make_error(ErrorCode::no_such_upload,
                             "the multipart upload is no longer in the store (completed, "
                             "aborted or expired)"));
  }
  ApiReply reply =
      refuse(make_error(ErrorCode::storage_error, "the object store did not accept the request"));
  reply.internal_detail = error.describe();
  return reply;
}

}  // namespace upgate::api

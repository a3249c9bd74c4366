// The upload API's answers: validate, plan, presign, render JSON.
#include "upgate/api/upload_service.hpp"

#include <boost/json/monotonic_resource.hpp>

#include "json_writer.hpp"
#include "upgate/api/content_disposition.hpp"
#include "upgate/api/download_rule.hpp"
#include "upgate/sigv4/presign.hpp"
#include "upgate/sigv4/uri_encoding.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

constexpr std::string_view kSeedMissing = "Missing required fields";
constexpr std::string_view kSignFailed = "Failed to generate presigned URL";

std::chrono::sys_seconds system_now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

void write_headers(std::string& out, const std::vector<sigv4::Header>& headers) {
  json_out::ObjectWriter h(out);
  for (const auto& header : headers) h.string(header.name, header.value);
  h.close();
}

// The value of the one `name=` parameter of a raw query; nullopt when absent, an error
// message when repeated or badly encoded.
struct QueryValue {
  std::optional<std::string> value;
  std::string_view problem;
};
QueryValue query_param(std::string_view query, std::string_view name) {
  QueryValue out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      if (out.value) return {std::nullopt, "key is given more than once"};
      auto decoded =
          sigv4::percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
      if (!decoded) return {std::nullopt, "key is not valid percent-encoding"};
      out.value = std::move(*decoded);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

// A refusal that names the profile it was made for (metrics and the audit line read it).
ApiReply for_profile(ApiReply reply, const UploadProfile* profile) {
  reply.profile = profile;
  return reply;
}

}  // namespace

bool is_json_media_type(std::string_view content_type) {
  constexpr std::string_view kJson = "application/json";
  if (!text::istarts_with(content_type, kJson)) return false;
  const std::string_view rest = content_type.substr(kJson.size());
  return rest.empty() || rest.front() == ';' || text::is_ows(rest.front());
}

UploadService::UploadService(const ProfileSet& profiles, const config::S3Target& target,
                             Clock clock, const config::RefreshingCredentials* credentials)
    : profiles_(profiles),
      target_(target),
      clock_(clock ? std::move(clock) : Clock(system_now)),
      credentials_(credentials) {}

UploadService::Signer UploadService::signer() const {
  Signer out;
  if (credentials_ != nullptr) {
    out.held = credentials_->current();
    out.credentials = &out.held->credentials;
    out.expiration = out.held->expiration;
  } else {
    out.credentials = &target_.credentials;
    out.expiration = target_.credentials_expiration;
  }
  return out;
}

Expected<std::chrono::seconds, ApiReply> UploadService::url_lifetime(
    ErrorStyle style, const Signer& signer, std::chrono::seconds requested,
    std::chrono::sys_seconds now) const {
  const auto minimum = credentials_ != nullptr ? credentials_->timing().min_url_lifetime
                                               : config::kMinUsefulUrlLifetime;
  const auto lifetime = config::cap_url_lifetime(requested, signer.expiration, now, minimum);
  if (lifetime) return *lifetime;
  ApiReply reply = error_reply(
      style, make_error(ErrorCode::credentials_unavailable,
                        "the server's AWS credentials expire too soon to sign a usable URL; "
                        "try again shortly"));
  // No internal_detail: the refresher already logs why no fresh credentials came, once per
  // attempt, where a line per refused request would flood the log.
  return Unexpected(std::move(reply));
}

ApiReply UploadService::state_reply(std::string key) {
  ApiReply reply;
  reply.kind = ReplyKind::upload_state;
  reply.key = std::move(key);
  return reply;
}

ApiReply UploadService::error_reply(ErrorStyle style, ApiError error) {
  ApiReply reply;
  reply.status = http_status(error.code);
  reply.kind = ReplyKind::error;
  reply.error = error.code;
  if (error.code == ErrorCode::internal_error) error.message = std::string(kSignFailed);
  std::string& out = reply.body;
  out.reserve(160);
  json_out::ObjectWriter o(out);
  if (style == ErrorStyle::companion) {
    o.string("error", to_string(error.code));
    o.string("message", error.message);
    if (!error.field.empty()) o.string("field", error.field);
    if (!error.reason.empty()) o.string("reason", error.reason);
    o.close();
    return reply;
  }
  o.boolean("ok", false);
  if (style == ErrorStyle::seed) {
    o.string("error", error.code == ErrorCode::missing_field ? kSeedMissing
                                                             : std::string_view(error.message));
    o.string("code", to_string(error.code));
    if (!error.field.empty()) o.string("field", error.field);
    if (!error.reason.empty()) o.string("reason", error.reason);
  } else {
    std::string& nested = o.nested("error");
    json_out::ObjectWriter e(nested);
    e.string("code", to_string(error.code));
    e.string("message", error.message);
    if (!error.field.empty()) e.string("field", error.field);
    if (!error.reason.empty()) e.string("reason", error.reason);
    e.close();
  }
  o.close();
  return reply;
}

Expected<sigv4::PresignedUrl, ApiReply> UploadService::sign(sigv4::PresignRequest request,
                                                            const Signer& signer, ErrorStyle style,
                                                            const UploadProfile* profile) const {
  request.bucket = target_.bucket;
  auto url = sigv4::presign(request, target_.endpoint, *signer.credentials, target_.region,
                            &signing_keys_);
  if (url) return std::move(*url);
  ApiReply reply = error_reply(style, make_error(ErrorCode::internal_error, ""));
  reply.profile = profile;
  reply.internal_detail = url.error().message;
  return Unexpected(std::move(reply));
}

Expected<sigv4::PresignedPost, ApiReply> UploadService::presign_post(
    sigv4::PresignPostRequest request, std::chrono::seconds requested,
    const UploadProfile* profile) const {
  const Signer sign_with = signer();
  auto lifetime = url_lifetime(ErrorStyle::v1, sign_with, requested, request.time);
  if (!lifetime) return Unexpected(for_profile(std::move(lifetime).error(), profile));
  request.expires = *lifetime;
  request.bucket = target_.bucket;
  auto form = sigv4::presign_post(request, target_.endpoint, *sign_with.credentials, target_.region,
                                  &signing_keys_);
  if (form) return std::move(*form);
  ApiReply reply = error_reply(ErrorStyle::v1, make_error(ErrorCode::internal_error, ""));
  reply.internal_detail = form.error().message;
  return Unexpected(for_profile(std::move(reply), profile));
}

Expected<sigv4::PresignedUrl, ApiReply> UploadService::presign(sigv4::PresignRequest request,
                                                               std::chrono::seconds requested,
                                                               const UploadProfile* profile) const {
  const Signer sign_with = signer();
  auto lifetime = url_lifetime(ErrorStyle::v1, sign_with, requested, request.time);
  if (!lifetime) return Unexpected(for_profile(std::move(lifetime).error(), profile));
  request.expires = *lifetime;
  return sign(request, sign_with, ErrorStyle::v1, profile);
}

sigv4::Credentials UploadService::current_credentials() const {
  return *signer().credentials;
}

Expected<UploadRequest, ApiReply> UploadService::read_upload(
    UploadRoute route, std::optional<std::string_view> content_type, std::string_view body) const {
  const ErrorStyle style = route == UploadRoute::seed ? ErrorStyle::seed : ErrorStyle::v1;
  if (!content_type || !is_json_media_type(*content_type)) {
    return Unexpected(error_reply(style, make_error(ErrorCode::unsupported_media_type,
                                                    "Content-Type must be application/json")));
  }
  // Parsing allocates from this buffer first: a typical body needs no heap at all.
  alignas(16) unsigned char scratch[4096];
  boost::json::monotonic_resource arena(scratch, sizeof scratch);
  auto object = parse_json_object(body, &arena);
  if (!object) return Unexpected(error_reply(style, std::move(object).error()));
  auto request = route == UploadRoute::seed ? read_seed_request(*object) : read_v1_request(*object);
  if (!request) return Unexpected(error_reply(style, std::move(request).error()));
  return std::move(*request);
}

Expected<ResolvedProfile, ApiReply> UploadService::resolve(const UploadIntent& intent) const {
  const ErrorStyle style = intent.route == ApiRoute::seed ? ErrorStyle::seed : ErrorStyle::v1;
  auto resolved = intent.route == ApiRoute::downloads
                      ? profiles_.for_key(intent.key)
                      : profiles_.resolve(intent.profile, intent.profile_field);
  if (!resolved) return Unexpected(error_reply(style, std::move(resolved).error()));
  return std::move(*resolved);
}

ApiReply UploadService::presign_upload(UploadRoute route, const UploadRequest& request,
                                       const ResolvedProfile& resolved, const Caller& caller,
                                       const UploadTokenSigner* tokens) const {
  const ErrorStyle style = route == UploadRoute::seed ? ErrorStyle::seed : ErrorStyle::v1;
  const auto now = clock_();
  auto plan = plan_upload(request, route, resolved, caller, now, random_id());
  if (!plan) {
    ApiReply reply = error_reply(style, std::move(plan).error());
    reply.profile = resolved.profile;
    return reply;
  }
  if (!profiles_.keeps_to_own_folder(*plan->profile, plan->key)) {
    // A literal after {folder}, or a principal's segment, put the key in another
    // profile's folder: that profile's rules (and owners) must not be bypassed.
    ApiReply reply = error_reply(
        style, make_error(ErrorCode::folder_reserved,
                          "the key this upload would get lies in another upload profile's "
                          "folder",
                          ""));
    reply.profile = resolved.profile;
    return reply;
  }
  const Signer sign_with = signer();
  auto lifetime = url_lifetime(style, sign_with, plan->lifetime, now);
  if (!lifetime) {
    lifetime.error().profile = plan->profile;
    return std::move(lifetime).error();
  }

  std::vector<sigv4::HeaderView> headers;
  headers.reserve(plan->headers.size());
  for (const auto& h : plan->headers) headers.push_back({h.name, h.value});
  sigv4::PresignRequest presign_request;
  presign_request.method = "PUT";
  presign_request.key = plan->key;
  presign_request.expires = *lifetime;
  presign_request.time = now;
  presign_request.headers = headers;
  auto url = sign(presign_request, sign_with, style, plan->profile);
  if (!url) {
    url.error().key = plan->key;
    return std::move(url).error();
  }
  std::string upload_token;
  if (tokens != nullptr) {
    UploadClaims claims;
    claims.key = plan->key;
    claims.principal = std::string(caller.id());
    claims.profile = request.profile;
    claims.size = request.size;
    claims.content_type = request.content_type;
    claims.checksum = request.sha256_base64;
    claims.expires_at = now + kDefaultUploadTokenLifetime;
    auto token = tokens->sign(claims);
    if (!token) {
      ApiReply reply = error_reply(style, make_error(ErrorCode::internal_error, ""));
      reply.profile = plan->profile;
      reply.internal_detail = "upload token: " + token.error();
      return reply;
    }
    upload_token = std::move(*token);
  }

  ApiReply reply;
  reply.kind = ReplyKind::upload_url;
  reply.profile = plan->profile;
  reply.expires_at = url->expires_at;
  std::string& out = reply.body;
  out.reserve(url->url.size() + plan->key.size() + 256);
  json_out::ObjectWriter o(out);
  o.boolean("ok", true);
  o.string("uploadUrl", url->url);
  o.string("key", plan->key);
  o.string("method", "PUT");
  write_headers(o.nested("headers"), url->headers);
  o.string("expiresAt", sigv4::format_iso8601(url->expires_at));
  if (route == UploadRoute::v1) {
    o.number("expiresIn", static_cast<std::uint64_t>(lifetime->count()));
    o.string("profile", plan->profile->name);
    o.string("bucket", target_.bucket);
  }
  if (!upload_token.empty()) o.string("uploadToken", upload_token);
  o.close();
  reply.key = std::move(plan->key);
  return reply;
}

Expected<std::string, ApiReply> UploadService::read_download(std::string_view query) const {
  constexpr ErrorStyle style = ErrorStyle::v1;
  auto key = query_param(query, "key");
  if (!key.problem.empty()) {
    return Unexpected(
        error_reply(style, make_error(ErrorCode::invalid_key, std::string(key.problem), "key")));
  }
  if (!key.value || key.value->empty()) {
    return Unexpected(
        error_reply(style, make_error(ErrorCode::missing_field, "key is required", "key")));
  }
  if (!well_formed_key(*key.value)) {
    return Unexpected(
        error_reply(style, make_error(ErrorCode::invalid_key,
                                      "key must be 1-1024 bytes of UTF-8 without control "
                                      "characters or empty, '.' or '..' segments",
                                      "key")));
  }
  return std::move(*key.value);
}

ApiReply UploadService::presign_download(std::string key, const ResolvedProfile& resolved,
                                         const Caller& caller) const {
  constexpr ErrorStyle style = ErrorStyle::v1;
  const UploadProfile& profile = *resolved.profile;
  if (auto allowed = authorize_download(resolved, caller, key); !allowed) {
    ApiReply reply = error_reply(style, std::move(allowed).error());
    reply.profile = &profile;
    return reply;
  }

  const std::string disposition = content_disposition(profile.disposition, file_name_from_key(key));
  const sigv4::QueryParamView params[] = {{"response-content-disposition", disposition}};
  const auto now = clock_();
  const Signer sign_with = signer();
  auto lifetime = url_lifetime(style, sign_with, profile.url_lifetime, now);
  if (!lifetime) {
    lifetime.error().profile = &profile;
    return std::move(lifetime).error();
  }
  sigv4::PresignRequest presign_request;
  presign_request.method = "GET";
  presign_request.key = key;
  presign_request.expires = *lifetime;
  presign_request.time = now;
  presign_request.query = params;
  auto url = sign(presign_request, sign_with, style, &profile);
  if (!url) return std::move(url).error();
  ApiReply reply;
  reply.kind = ReplyKind::download_url;
  reply.profile = &profile;
  reply.expires_at = url->expires_at;
  json_out::ObjectWriter o(reply.body);
  o.boolean("ok", true);
  o.string("downloadUrl", url->url);
  o.string("key", key);
  o.string("method", "GET");
  o.string("expiresAt", sigv4::format_iso8601(url->expires_at));
  o.number("expiresIn", static_cast<std::uint64_t>(lifetime->count()));
  o.close();
  reply.key = std::move(key);
  return reply;
}

}  // namespace upgate::api

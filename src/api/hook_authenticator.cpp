// The forward-auth hook: ask the app, read its answer, remember it briefly.
#include "upgate/api/hook_authenticator.hpp"

#include <boost/json/value.hpp>

#include <cstring>

#include "json_writer.hpp"
#include "upgate/api/upload_profile.hpp"
#include "upgate/auth/principal.hpp"
#include "upgate/auth/strict_json.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxAppMessageBytes = 256;
constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

AuthOutcome unavailable(std::string_view reason, std::string detail) {
  AuthOutcome out;
  out.kind = AuthOutcome::Kind::refused;
  out.mode = auth::AuthMode::kHook;
  out.failure.code = ErrorCode::auth_unavailable;
  out.failure.message = "the authentication service is unavailable; try again shortly";
  out.failure.reason = reason;
  out.failure.internal_detail = std::move(detail);
  return out;
}

// The app's message for the client: UTF-8 without control characters, at most 256 bytes.
std::string app_message(std::string_view body, std::string_view fallback) {
  auto parsed = auth::parse_strict_json(body, auth::JsonLimits{kMaxAnswerBytes, 8});
  if (!parsed || !parsed->is_object()) return std::string(fallback);
  const json::value* message = parsed->as_object().if_contains("message");
  if (message == nullptr || !message->is_string()) return std::string(fallback);
  const std::string_view text(message->as_string());
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = text::utf8_sequence_length(text, i);
    if (n == 0) break;  // the parser checked UTF-8; stop rather than guess
    const auto first = static_cast<unsigned char>(text[i]);
    if (n > 1 || (first >= 0x20 && first != 0x7f)) {
      if (out.size() + n > kMaxAppMessageBytes) break;
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out.empty() ? std::string(fallback) : out;
}

// Appends `field` with its length first, so that no two different lists of fields hash
// alike ("ab","c" and "a","bc").
void append_field(std::string& out, std::string_view field) {
  const auto size = static_cast<std::uint32_t>(field.size());
  char prefix[4];
  std::memcpy(prefix, &size, sizeof prefix);
  out.append(prefix, sizeof prefix);
  out.append(field);
}

}  // namespace

std::size_t HookAuthenticator::DigestHash::operator()(const Digest& d) const noexcept {
  std::size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

HookAuthenticator::HookAuthenticator(HookSettings settings,
                                     std::shared_ptr<const http::TlsClientContext> tls,
                                     auth::Clock clock, std::size_t cache_capacity)
    : settings_(std::move(settings)),
      tls_(std::move(tls)),
      clock_(auth::or_system_clock(std::move(clock))),
      capacity_(cache_capacity == 0 ? 1 : cache_capacity) {}

std::string HookAuthenticator::intent_body(const UploadIntent& intent, std::string_view profile) {
  std::string out;
  out.reserve(192 + intent.file_name.size() + intent.key.size());
  json_out::ObjectWriter o(out);
  o.string("route", to_string(intent.route));
  o.string("profile", profile);
  if (intent.route == ApiRoute::downloads) {
    o.string("key", intent.key);
  } else {
    if (!intent.profile.empty() && intent.profile != profile) o.string("folder", intent.profile);
    o.string("fileName", intent.file_name);
    o.string("contentType", intent.content_type);
    if (intent.size) o.number("size", *intent.size);
  }
  o.close();
  return out;
}

AuthOutcome HookAuthenticator::read_answer(const http::ClientResponse& answer) {
  if (answer.status == 401 || answer.status == 403) {
    AuthOutcome out;
    out.kind = AuthOutcome::Kind::refused;
    out.mode = auth::AuthMode::kHook;
    if (answer.status == 401) {
      out.failure.code = ErrorCode::invalid_credentials;
      out.failure.reason = kHookRefused;
      out.failure.message = app_message(answer.body, "the application did not accept this session");
      out.failure.www_authenticate = "Bearer realm=\"upgate\"";
    } else {
      out.failure.code = ErrorCode::access_denied;
      out.failure.reason = kHookForbidden;
      out.failure.message = app_message(answer.body, "the application refused this request");
    }
    return out;
  }
  if (answer.status != 200) {
    return unavailable(kHookUnavailable, "the auth hook answered " + std::to_string(answer.status));
  }
  auto parsed = auth::parse_strict_json(answer.body, auth::JsonLimits{kMaxAnswerBytes, 16});
  if (!parsed) {
    return unavailable(kHookUnavailable, "the auth hook's answer is not JSON: " + parsed.error());
  }
  if (!parsed->is_object()) {
    return unavailable(kHookUnavailable, "the auth hook's answer is not a JSON object");
  }
  json::object& body = parsed->as_object();
  const json::value* principal = body.if_contains("principal");
  if (principal == nullptr || !principal->is_string() ||
      !auth::usable_principal_id(principal->as_string())) {
    return unavailable(kHookUnavailable,
                       "the auth hook's answer has no usable \"principal\" (a non-empty string of "
                       "at most 1024 bytes without control characters)");
  }
  auto made = std::make_shared<auth::Principal>();
  made->id = std::string(principal->as_string());
  made->mode = auth::AuthMode::kHook;
  if (const json::value* claims = body.if_contains("claims")) {
    if (!claims->is_object()) {
      return unavailable(kHookUnavailable, "the auth hook's \"claims\" is not an object");
    }
    made->claims = claims->as_object();
  }
  AuthOutcome out;
  out.kind = AuthOutcome::Kind::accepted;
  out.mode = auth::AuthMode::kHook;
  if (const json::value* max_size = body.if_contains("max_size")) {
    const auto* n = max_size->if_int64();
    const auto* u = max_size->if_uint64();
    const std::uint64_t value =
        n != nullptr ? (*n > 0 ? static_cast<std::uint64_t>(*n) : 0) : (u != nullptr ? *u : 0);
    if (value == 0 || value > kMaxObjectSize) {
      return unavailable(kHookUnavailable,
                         "the auth hook's \"max_size\" is not a whole number of bytes from 1 to "
                         "5 TiB");
    }
    out.caller.limits.max_size = value;
  }
  if (const json::value* types = body.if_contains("allowed_types")) {
    if (!types->is_array()) {
      return unavailable(kHookUnavailable, "the auth hook's \"allowed_types\" is not an array");
    }
    std::vector<MediaTypePattern> patterns;
    for (const json::value& item : types->as_array()) {
      std::optional<MediaTypePattern> pattern;
      if (item.is_string()) pattern = MediaTypePattern::parse(item.as_string());
      if (!pattern) {
        return unavailable(kHookUnavailable,
                           "the auth hook's \"allowed_types\" holds something that is not a media "
                           "type pattern (type/subtype, type/* or */*)");
      }
      patterns.push_back(std::move(*pattern));
    }
    out.caller.limits.allowed_types = std::move(patterns);
  }
  out.caller.mode = auth::AuthMode::kHook;
  out.caller.principal = std::move(made);
  return out;
}

std::optional<AuthOutcome> HookAuthenticator::find(const Digest& digest,
                                                   std::chrono::sys_seconds now) const {
  std::lock_guard lock(mutex_);
  const auto it = cache_.find(digest);
  if (it == cache_.end() || it->second.expires <= now) return std::nullopt;
  return it->second.outcome;
}

void HookAuthenticator::remember(const Digest& digest, const AuthOutcome& outcome,
                                 std::chrono::sys_seconds now) const {
  std::lock_guard lock(mutex_);
  if (cache_.size() >= capacity_) {
    // Drop what has expired; when nothing has, the oldest entries.
    std::erase_if(cache_, [now](const auto& entry) { return entry.second.expires <= now; });
    while (cache_.size() >= capacity_ && !order_.empty()) {
      cache_.erase(order_.front());
      order_.pop_front();
    }
    std::erase_if(order_, [this](const Digest& d) { return !cache_.contains(d); });
  }
  const auto [it, inserted] =
      cache_.insert_or_assign(digest, Entry{outcome, now + settings_.cache_ttl});
  (void)it;
  if (inserted) order_.push_back(digest);
}

std::size_t HookAuthenticator::cached() const {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

boost::asio::awaitable<AuthOutcome> HookAuthenticator::authenticate(
    const RequestCredentials& credentials, const UploadIntent& intent,
    std::string_view profile) const {
  std::string body = intent_body(intent, profile);
  const auto now = clock_();
  const bool caching = settings_.cache_ttl.count() > 0;
  Digest digest{};
  if (caching) {
    std::string material;
    material.reserve(body.size() + 256);
    append_field(material, credentials.cookie.value_or(""));
    append_field(material, credentials.authorization.value_or(""));
    append_field(material, credentials.cookie ? "c" : "-");
    append_field(material, credentials.authorization ? "a" : "-");
    append_field(material, body);
    digest = sigv4::sha256(material);
    if (auto cached = find(digest, now)) co_return std::move(*cached);
  }

  http::ClientRequest request;
  request.method = "POST";
  request.url = settings_.url;
  request.connect_timeout = settings_.timeout;
  request.timeout = settings_.timeout;
  request.max_response_body = kMaxAnswerBytes;
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("Accept", "application/json");
  if (credentials.cookie) request.headers.emplace_back("Cookie", *credentials.cookie);
  if (credentials.authorization) {
    request.headers.emplace_back("Authorization", std::string(*credentials.authorization));
  }
  request.body = std::move(body);
  auto answer = co_await http::fetch(std::move(request), tls_);
  if (!answer) {
    const bool timed_out = answer.error().failure == http::ClientFailure::timeout;
    co_return unavailable(timed_out ? kHookTimeout : kHookUnavailable,
                          "the auth hook cannot be reached: " + answer.error().message);
  }
  AuthOutcome outcome = read_answer(*answer);
  const bool judged = outcome.kind == AuthOutcome::Kind::accepted ||
                      outcome.failure.code != ErrorCode::auth_unavailable;
  if (caching && judged) remember(digest, outcome, now);
  co_return outcome;
}

}  // namespace upgate::api

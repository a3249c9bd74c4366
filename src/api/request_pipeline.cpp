// The request pipeline: one snapshot, one admission, one answer per API call.
#include "upgate/api/request_pipeline.hpp"

#include <algorithm>
#include <deque>

#include "upgate/api/audit_log.hpp"
#include "upgate/api/client_address.hpp"
#include "upgate/api/json_log.hpp"
#include "upgate/api/media_type.hpp"
#include "upgate/api/upload_limits.hpp"
#include "upgate/http/response.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

using boost::asio::awaitable;

// What a handler tells the access log about its request. The observer runs on the same
// I/O thread after the request, so a per-thread table keyed by request id suffices; it
// is bounded in case an observer call never comes.
thread_local std::deque<AccessNote> t_notes;
constexpr std::size_t kMaxPendingNotes = 4096;

void leave_note(AccessNote note) {
  if (t_notes.size() >= kMaxPendingNotes) t_notes.pop_front();
  t_notes.push_back(std::move(note));
}

AuthDecision decision_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::access_denied:
      return AuthDecision::forbidden;
    case ErrorCode::auth_unavailable:
      return AuthDecision::unavailable;
    default:
      return AuthDecision::refused;
  }
}

ApiReply refusal_reply(ErrorStyle style, AuthFailure failure) {
  ApiError error = make_error(failure.code, std::move(failure.message));
  error.reason = std::string(failure.reason);
  ApiReply reply = UploadService::error_reply(style, std::move(error));
  reply.www_authenticate = std::move(failure.www_authenticate);
  reply.internal_detail = std::move(failure.internal_detail);
  return reply;
}

}  // namespace

std::optional<AccessNote> take_access_note(std::string_view request_id) {
  for (auto it = t_notes.begin(); it != t_notes.end(); ++it) {
    if (it->request_id == request_id) {
      AccessNote out = std::move(*it);
      t_notes.erase(it);
      return out;
    }
  }
  return std::nullopt;
}

RequestPipeline::RequestPipeline(std::shared_ptr<const ApiRuntime> runtime, ApiMetrics& metrics,
                                 Logs logs)
    : runtime_(std::move(runtime)), metrics_(metrics), logs_(std::move(logs)) {
  if (logs_.logger && logs_.audit) {
    // Audit lines share the log's sinks but not its level: raising the level to quiet
    // the logs must not silence the record of who got which URL.
    audit_logger_ = logs_.logger->clone("audit");
    audit_logger_->set_level(spdlog::level::info);
  }
}

std::shared_ptr<const ApiRuntime> RequestPipeline::runtime() const noexcept {
  return runtime_.load(std::memory_order_acquire);
}

void RequestPipeline::replace_runtime(std::shared_ptr<const ApiRuntime> runtime) noexcept {
  runtime_.store(std::move(runtime), std::memory_order_release);
}

ApiCall RequestPipeline::begin(const http::Exchange& /*exchange*/, ApiRoute route) const {
  ApiCall call;
  call.runtime = runtime();
  call.intent.route = route;
  call.style = route == ApiRoute::seed ? ErrorStyle::seed : ErrorStyle::v1;
  return call;
}

awaitable<Expected<void, ApiReply>> RequestPipeline::admit(http::Exchange& exchange,
                                                           ApiCall& call) const {
  const ApiRuntime& runtime = *call.runtime;
  const AuthChain& chain = runtime.auth();
  auto resolved = runtime.service().resolve(call.intent);
  if (resolved) call.profile = *resolved;

  // Who may use the profile; a request whose profile does not resolve is judged as
  // "required", so that only a caller who may use some profile learns why.
  ProfileAuth rule = ProfileAuth::none;
  if (!chain.open()) {
    rule =
        resolved ? resolved->profile->auth.value_or(ProfileAuth::required) : ProfileAuth::required;
  }

  if (call.session) {
    call.caller = *call.session;
    call.judged_by = call.session->mode;
    metrics_.record_auth(call.session->mode, call.session->authenticated()
                                                 ? AuthDecision::accepted
                                                 : AuthDecision::anonymous);
  } else if (rule == ProfileAuth::none) {
    call.caller = Caller{};
    metrics_.record_auth(auth::AuthMode::kNone, AuthDecision::anonymous);
  } else {
    const RequestCredentials credentials = RequestCredentials::from(exchange.request());
    const std::string_view profile_name = resolved ? std::string_view(resolved->profile->name)
                                                   : std::string_view(call.intent.profile);
    AuthOutcome outcome = co_await chain.authenticate(
        credentials, call.intent, profile_name,
        [&exchange](std::function<void()> work) { return exchange.run_blocking(std::move(work)); });
    call.judged_by = outcome.mode;
    switch (outcome.kind) {
      case AuthOutcome::Kind::accepted:
        metrics_.record_auth(outcome.mode, AuthDecision::accepted);
        call.caller = std::move(outcome.caller);
        break;
      case AuthOutcome::Kind::no_credentials:
        if (rule == ProfileAuth::required) {
          AuthFailure failure = authentication_required();
          metrics_.record_auth(auth::AuthMode::kNone, AuthDecision::refused, failure.reason);
          call.auth_reason = failure.reason;
          co_return Unexpected(refusal_reply(call.style, std::move(failure)));
        }
        metrics_.record_auth(auth::AuthMode::kNone, AuthDecision::anonymous);
        call.caller = Caller{};
        break;
      case AuthOutcome::Kind::refused:
        metrics_.record_auth(outcome.mode, decision_of(outcome.failure.code),
                             outcome.failure.reason);
        call.auth_reason = outcome.failure.reason;
        co_return Unexpected(refusal_reply(call.style, std::move(outcome.failure)));
    }
  }
  if (!resolved) co_return Unexpected(std::move(resolved).error());
  // Rate limits and quotas are decided here: the caller and the profile are known, and
  // nothing has been planned or signed yet.
  if (limiter_ != nullptr) {
    const UploadAdmissionRequest wanted = limits_request(exchange, call);
    std::optional<ApiReply> refused;
    if (limiter_->shared()) {
      refused = co_await decide(call, wanted);
    } else {
      refused = decide_now(call, wanted);
    }
    if (refused) co_return Unexpected(std::move(*refused));
  }
  co_return Expected<void, ApiReply>{};
}

LimitSubject RequestPipeline::limit_subject(const http::Exchange& exchange,
                                            const ApiCall& call) const {
  const TrustedProxies& trusted = call.runtime->config().trusted_proxies;
  std::vector<std::string_view> forwarded;
  if (!trusted.empty()) {  // X-Forwarded-For means nothing unless a proxy is trusted
    exchange.request().for_each_header([&forwarded](std::string_view name, std::string_view value) {
      if (text::iequals(name, "X-Forwarded-For")) forwarded.push_back(value);
    });
  }
  LimitSubject subject;
  subject.principal = call.caller->id();
  subject.client = client_address(peer_address(exchange.remote_endpoint()), forwarded, trusted);
  return subject;
}

awaitable<std::optional<ApiReply>> RequestPipeline::decide(
    ApiCall& call, const UploadAdmissionRequest& wanted) const {
  const auto admission = make_admission(call.runtime->config().limits, wanted);
  if (!admission) co_return std::nullopt;
  co_return settle(call, co_await limiter_->admit(*admission, wanted.profile->name));
}

std::optional<ApiReply> RequestPipeline::decide_now(ApiCall& call,
                                                    const UploadAdmissionRequest& wanted) const {
  const auto admission = make_admission(call.runtime->config().limits, wanted);
  if (!admission) return std::nullopt;
  return settle(call, *limiter_->admit_now(*admission, wanted.profile->name));
}

std::optional<ApiReply> RequestPipeline::settle(ApiCall& call,
                                                const limits::Decision& decision) const {
  limits::RateLimitFields fields = limits::ratelimit_fields(decision);
  if (!fields.policy.empty()) {
    if (call.rate_limit) {
      // A second admission of the same request (a multipart upload's slot and quota, after
      // its rates): one list of every policy checked.
      call.rate_limit->policy += ", " + fields.policy;
      call.rate_limit->ratelimit += ", " + fields.ratelimit;
      if (fields.retry_after) call.rate_limit->retry_after = std::move(fields.retry_after);
    } else {
      call.rate_limit = std::move(fields);
    }
  }
  if (decision.allowed) return std::nullopt;
  return UploadService::error_reply(
      call.style, make_error(refusal_code(decision), limits::refusal_message(decision)));
}

UploadAdmissionRequest RequestPipeline::limits_request(const http::Exchange& exchange,
                                                       const ApiCall& call) const {
  UploadAdmissionRequest wanted;
  wanted.profile = call.profile.profile;
  wanted.subject = limit_subject(exchange, call);
  // Multipart calls (create, sign, list, complete, abort) count against the rates here; a
  // created upload takes its slot and bytes in admit_upload().
  wanted.upload = call.intent.route == ApiRoute::seed || call.intent.route == ApiRoute::uploads ||
                  call.form_upload;
  // A declared size is what gets signed; a form signs up to its content-length-range.
  wanted.bytes = call.form_upload ? call.caller->limits.max_size_under(wanted.profile->max_size)
                                  : call.intent.size.value_or(0);
  wanted.upload_id = exchange.request_id();
  return wanted;
}

awaitable<std::optional<ApiReply>> RequestPipeline::admit_upload(http::Exchange& exchange,
                                                                 ApiCall& call,
                                                                 std::string_view upload_id,
                                                                 std::uint64_t bytes,
                                                                 std::chrono::seconds ttl) const {
  if (limiter_ == nullptr) co_return std::nullopt;
  UploadAdmissionRequest wanted;
  wanted.profile = call.profile.profile;
  wanted.subject = limit_subject(exchange, call);
  wanted.bytes = bytes;
  wanted.upload_id = upload_id;
  wanted.rates = false;
  wanted.ttl = std::max(ttl, std::chrono::seconds(1));
  co_return co_await decide(call, wanted);
}

awaitable<void> RequestPipeline::release_upload(const http::Exchange& exchange, const ApiCall& call,
                                                const UploadClaims& claims) const {
  const UploadProfile* profile = call.profile.profile;
  if (limiter_ == nullptr || profile == nullptr || !profile->limits.max_open_uploads ||
      claims.upload_id.empty()) {
    co_return;
  }
  // The key the slot was taken under: the token's principal (an anonymous upload's: this
  // request's client address) and profile.
  LimitSubject subject = limit_subject(exchange, call);
  subject.principal = claims.principal;
  co_await limiter_->release_upload(profile_limit_key(*profile, subject), claims.upload_id);
}

void RequestPipeline::log_detail(const http::Exchange& exchange, const ApiReply& reply) const {
  if (!logs_.logger || reply.internal_detail.empty()) return;
  if (reply.error == ErrorCode::auth_unavailable) {
    // An authenticator that is down fails every request; one line a second says so.
    if (!unavailable_log_.allow()) return;
    log_json(
        *logs_.logger, spdlog::level::warn,
        json_log_line("warn", "authentication unavailable",
                      {{"request_id", exchange.request_id()}, {"detail", reply.internal_detail}}));
    return;
  }
  log_json(
      *logs_.logger, spdlog::level::err,
      json_log_line("error", "presign failed",
                    {{"request_id", exchange.request_id()}, {"detail", reply.internal_detail}}));
}

void RequestPipeline::audit(const http::Exchange& exchange, const ApiCall& call,
                            const ApiReply& reply) const {
  if (!audit_logger_) return;
  const std::string client = exchange.remote_endpoint();
  AuditRecord record;
  record.request_id = exchange.request_id();
  record.issued = !reply.error.has_value();
  record.status = reply.status;
  if (reply.error)
    record.reason = call.auth_reason.empty() ? to_string(*reply.error) : call.auth_reason;
  record.auth = call.judged_by;
  std::string api_key_id;
  if (call.caller && call.caller->authenticated()) {
    record.principal = call.caller->id();
    if (const auto* id = call.caller->principal->claims.if_contains("api_key_id");
        id != nullptr && id->is_string()) {
      api_key_id = std::string(id->as_string());
      record.api_key_id = api_key_id;
    }
  }
  record.route = call.intent.route;
  if (reply.profile != nullptr) {
    record.profile = reply.profile->name;
  } else if (call.profile.profile != nullptr) {
    record.profile = call.profile.profile->name;
  }
  record.key = !reply.key.empty() ? std::string_view(reply.key) : std::string_view(call.intent.key);
  record.size = call.intent.size;
  record.content_type = text::utf8_prefix(call.intent.content_type, kMaxMediaTypeBytes);
  record.client = client;
  record.expires = reply.expires_at;
  log_json(*audit_logger_, spdlog::level::info, format_audit_line(record));
}

awaitable<std::optional<std::string>> RequestPipeline::read_json_body(http::Exchange& exchange,
                                                                      const ApiCall& call,
                                                                      std::size_t limit) const {
  const auto content_type = exchange.request().header("Content-Type");
  if (!content_type || !is_json_media_type(*content_type)) {
    co_await answer(exchange, call,
                    UploadService::error_reply(
                        call.style, make_error(ErrorCode::unsupported_media_type,
                                               "Content-Type must be application/json")));
    co_return std::nullopt;
  }
  if (limit > exchange.body_limit()) exchange.set_body_limit(limit);
  auto body = co_await exchange.read_body(limit);
  if (!body) {
    if (body.error() == http::BodyError::too_large) {
      co_await answer(exchange, call,
                      UploadService::error_reply(
                          call.style, make_error(ErrorCode::body_too_large,
                                                 "request body is larger than " +
                                                     std::to_string(limit / 1024) + " KiB")));
    }
    // Timeouts, resets, malformed chunking: the server answers or closes.
    co_return std::nullopt;
  }
  co_return std::string(*body);
}

awaitable<void> RequestPipeline::answer(http::Exchange& exchange, const ApiCall& call,
                                        ApiReply reply) const {
  if (reply.error) {
    metrics_.record_rejection(*reply.error);
  } else if (reply.kind == ReplyKind::upload_url) {
    metrics_.record_upload_url(reply.profile->name);
  } else if (reply.kind == ReplyKind::download_url) {
    metrics_.record_download_url(reply.profile->name);
  }
  log_detail(exchange, reply);
  audit(exchange, call, reply);
  if (logs_.logger && logs_.access_log && logs_.logger->should_log(spdlog::level::info)) {
    AccessNote note;
    note.request_id = std::string(exchange.request_id());
    if (reply.profile != nullptr) note.profile = reply.profile->name;
    note.key = std::move(reply.key);
    if (reply.error) note.error = to_string(*reply.error);
    note.remote = exchange.remote_endpoint();
    leave_note(std::move(note));
  }
  http::Response response = http::Response::json(reply.status, std::move(reply.body));
  response.add_header("Cache-Control", "no-store");
  response.add_header("X-Content-Type-Options", "nosniff");
  response.add_header("X-Request-Id", exchange.request_id());
  if (!reply.www_authenticate.empty()) {
    response.add_header("WWW-Authenticate", reply.www_authenticate);
  }
  if (call.rate_limit) {
    response.add_header("RateLimit-Policy", call.rate_limit->policy);
    response.add_header("RateLimit", call.rate_limit->ratelimit);
    if (reply.error && call.rate_limit->retry_after) {
      response.add_header("Retry-After", *call.rate_limit->retry_after);
    }
  }
  call.runtime->cors().apply(exchange.request().header("Origin"), response);
  co_await exchange.respond(response);
}

}  // namespace upgate::api

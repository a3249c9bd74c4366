// The Uppy companion routes and upload sessions: read, admit, call S3 on the blocking
// pool, answer in Companion's shapes.
#include "upgate/api/uppy_routes.hpp"

#include <boost/json/parse.hpp>

#include <optional>

#include "json_writer.hpp"
#include "upgate/api/multipart_service.hpp"
#include "upgate/api/session_token.hpp"
#include "upgate/api/upload_verifier.hpp"
#include "upgate/api/uppy_service.hpp"
#include "upgate/s3client/multipart_upload.hpp"
#include "upgate/s3client/object_calls.hpp"
#include "upgate/sigv4/presign.hpp"
#include "upgate/sigv4/uri_encoding.hpp"

namespace upgate::api {
namespace {

using boost::asio::awaitable;
using http::Exchange;
using http::Method;

constexpr std::string_view kMultipart = "multipart";
// A complete call names every part: 10,000 of them fit in well under 1 MiB.
constexpr std::size_t kMaxCompleteBodyBytes = 1024 * 1024;

ApiReply companion_error(ErrorCode code, std::string message, std::string field = {}) {
  return UploadService::error_reply(ErrorStyle::companion,
                                    make_error(code, std::move(message), std::move(field)));
}

// What the path asks for, below /s3/.
enum class Step : std::uint8_t { params, create, sign, batch, list, complete, abort };

struct Target {
  Step step = Step::params;
  std::string upload_id;  // the upload token Uppy was given as uploadId
  std::uint32_t part_number = 0;
};

// `rest` is the path after "/s3/" (raw, as sent).
Expected<Target, ApiReply> parse_target(Method method, std::string_view rest) {
  const auto not_found = [] {
    return Unexpected(companion_error(ErrorCode::not_found, "no such route"));
  };
  const auto wrong_method = [] {
    return Unexpected(
        companion_error(ErrorCode::method_not_allowed, "this method is not served here"));
  };
  Target target;
  if (rest == "params") {
    if (method != Method::get) return wrong_method();
    target.step = Step::params;
    return target;
  }
  if (rest == kMultipart) {
    if (method != Method::post) return wrong_method();
    target.step = Step::create;
    return target;
  }
  if (!rest.starts_with(kMultipart) || rest.substr(kMultipart.size(), 1) != "/") return not_found();
  rest.remove_prefix(kMultipart.size() + 1);
  const auto slash = rest.find('/');
  auto upload_id = sigv4::percent_decode(rest.substr(0, slash));
  if (!upload_id || upload_id->empty()) return not_found();
  target.upload_id = std::move(*upload_id);
  if (slash == std::string_view::npos) {
    if (method == Method::get) {
      target.step = Step::list;
    } else if (method == Method::delete_) {
      target.step = Step::abort;
    } else {
      return wrong_method();
    }
    return target;
  }
  const std::string_view last = rest.substr(slash + 1);
  if (last.find('/') != std::string_view::npos) return not_found();
  if (last == "complete") {
    if (method != Method::post) return wrong_method();
    target.step = Step::complete;
    return target;
  }
  if (method != Method::get) return wrong_method();
  if (last == "batch") {
    target.step = Step::batch;
    return target;
  }
  auto number = UppyService::read_part_number(last);
  if (!number) return Unexpected(std::move(number).error());
  target.step = Step::sign;
  target.part_number = *number;
  return target;
}

class UppyRoutes {
 public:
  UppyRoutes(const RequestPipeline& pipeline, std::shared_ptr<const UploadTokenSigner> tokens,
             std::shared_ptr<const UploadVerifier> verifier)
      : pipeline_(pipeline), tokens_(std::move(tokens)), verifier_(std::move(verifier)) {}

  // /s3/... (`via_session` false) or /v1/sessions/{token}/s3/... (true).
  awaitable<void> serve(Exchange& ex, bool via_session) const {
    ApiCall call = pipeline_.begin(ex, ApiRoute::uppy);
    call.style = ErrorStyle::companion;
    const UploadService& service = call.runtime->service();
    std::string_view rest = ex.request().path();
    std::optional<UploadSession> session;
    if (via_session) {
      rest.remove_prefix(kSessionsPath.size() + 1);
      const auto slash = rest.find('/');
      const std::string_view token = rest.substr(0, slash);
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
      if (!rest.starts_with(kUppyPrefix)) {
        co_await answer(ex, call, companion_error(ErrorCode::not_found, "no such route"));
        co_return;
      }
      auto opened = SessionTokens(*tokens_).open(token, service.now());
      if (!opened) {
        ApiError error =
            make_error(ErrorCode::invalid_credentials,
                       opened.error() == TokenRefusal::kExpired
                           ? "the upload session has expired; ask the application for a new one"
                           : "the upload session is not one this server issued");
        error.reason = "session_" + std::string(to_string(opened.error()));
        co_await answer(ex, call,
                        UploadService::error_reply(ErrorStyle::companion, std::move(error)));
        co_return;
      }
      session = std::move(*opened);
      call.session = session->caller;
    }
    rest.remove_prefix(kUppyPrefix.size());
    auto target = parse_target(ex.request().method(), rest);
    if (!target) {
      co_await answer(ex, call, std::move(target).error());
      co_return;
    }
    const std::string default_profile =
        session ? session->profile
                : call.runtime->config().uppy.default_profile(service.profiles());
    switch (target->step) {
      case Step::params:
      case Step::create:
        co_await start(ex, call, target->step, default_profile, session);
        break;
      default:
        co_await with_upload(ex, call, *target, session);
    }
  }

  // POST /v1/sessions: {"profile"?} → an upload session for the admitted caller.
  awaitable<void> mint_session(Exchange& ex) const {
    ApiCall call = pipeline_.begin(ex, ApiRoute::sessions);
    const UploadService& service = call.runtime->service();
    const ApiConfig& config = call.runtime->config();
    std::string profile = config.uppy.default_profile(service.profiles());
    auto body = co_await pipeline_.read_json_body(ex, call);
    if (!body) co_return;
    auto object = parse_json_object(*body);
    if (!object) {
      co_await pipeline_.answer(
          ex, call, UploadService::error_reply(ErrorStyle::v1, std::move(object).error()));
      co_return;
    }
    if (const auto* named = object->if_contains("profile"); named && !named->is_null()) {
      if (!named->is_string()) {
        co_await pipeline_.answer(
            ex, call,
            UploadService::error_reply(
                ErrorStyle::v1,
                make_error(ErrorCode::wrong_type, "profile must be a string", "profile")));
        co_return;
      }
      profile = std::string(named->get_string());
    }
    if (profile.empty()) {
      co_await pipeline_.answer(
          ex, call,
          UploadService::error_reply(ErrorStyle::v1,
                                     make_error(ErrorCode::missing_field,
                                                "profile is required: this server names no default "
                                                "profile for Uppy ([uppy] profile)",
                                                "profile")));
      co_return;
    }
    call.intent.profile = profile;
    call.intent.profile_field = "profile";
    if (auto admitted = co_await pipeline_.admit(ex, call); !admitted) {
      co_await pipeline_.answer(ex, call, std::move(admitted).error());
      co_return;
    }
    const auto expires_at =
        service.now() + std::min(config.uppy.session_lifetime, kMaxSessionLifetime);
    auto token = SessionTokens(*tokens_).mint(*call.caller, profile, expires_at);
    if (!token) {
      co_await pipeline_.answer(
          ex, call,
          UploadService::error_reply(ErrorStyle::v1,
                                     make_error(ErrorCode::access_denied, token.error())));
      co_return;
    }
    ApiReply reply;
    reply.kind = ReplyKind::upload_state;
    reply.profile = call.profile.profile;
    reply.expires_at = expires_at;
    json_out::ObjectWriter o(reply.body);
    o.boolean("ok", true);
    o.string("token", *token);
    o.string("companionEndpoint", std::string(kSessionsPath) + "/" + *token);
    o.string("profile", profile);
    o.string("expiresAt", sigv4::format_iso8601(expires_at));
    o.close();
    co_await pipeline_.answer(ex, call, std::move(reply));
  }

 private:
  awaitable<void> answer(Exchange& ex, const ApiCall& call, ApiReply reply) const {
    co_await pipeline_.answer(ex, call, UppyService::companion_style(std::move(reply)));
  }

  // The pipeline's admission, after the session's own rule: a session admits only the
  // profile it was minted for. False once the refusal is answered.
  awaitable<bool> admit(Exchange& ex, ApiCall& call, const std::optional<UploadSession>& session,
                        std::string_view profile) const {
    if (session && session->profile != profile) {
      co_await answer(
          ex, call,
          companion_error(ErrorCode::access_denied, "this upload session is for another profile",
                          "metadata[profile]"));
      co_return false;
    }
    if (auto admitted = co_await pipeline_.admit(ex, call); !admitted) {
      co_await answer(ex, call, std::move(admitted).error());
      co_return false;
    }
    co_return true;
  }

  // GET /s3/params and POST /s3/multipart: a new upload.
  awaitable<void> start(Exchange& ex, ApiCall& call, Step step, const std::string& default_profile,
                        const std::optional<UploadSession>& session) const {
    const UploadService& service = call.runtime->service();
    const MultipartService multipart(service, *tokens_);
    const UppyService uppy(service, multipart, UppySettings{default_profile});
    Expected<UploadRequest, ApiReply> request = Unexpected(ApiReply{});
    if (step == Step::params) {
      request = uppy.read_params(ex.request().query());
    } else {
      auto body = co_await pipeline_.read_json_body(ex, call);
      if (!body) co_return;
      request = uppy.read_create(ex.request().header("Content-Type"), *body);
    }
    if (!request) {
      co_await answer(ex, call, std::move(request).error());
      co_return;
    }
    call.intent.profile = request->profile;
    call.intent.profile_field = "metadata[profile]";
    call.intent.file_name = request->file_name;
    call.intent.content_type = request->content_type;
    call.form_upload = step == Step::params;
    if (!co_await admit(ex, call, session, request->profile)) co_return;
    if (step == Step::params) {
      co_await answer(ex, call, uppy.sign_form(*request, call.profile, *call.caller));
      co_return;
    }
    auto plan = multipart.plan_create(*request, call.profile, *call.caller);
    if (!plan) {
      co_await answer(ex, call, std::move(plan).error());
      co_return;
    }
    auto upload_id = co_await open_stored_upload(ex, pipeline_, call, *plan);
    ApiReply reply =
        upload_id ? uppy.created(*plan, std::move(*upload_id)) : std::move(upload_id).error();
    reply.profile = plan->profile;
    co_await answer(ex, call, std::move(reply));
  }

  // The calls about an upload Uppy names by its uploadId (our upload token) and key.
  awaitable<void> with_upload(Exchange& ex, ApiCall& call, const Target& target,
                              const std::optional<UploadSession>& session) const {
    const UploadService& service = call.runtime->service();
    const MultipartService multipart(service, *tokens_);
    const UppyService uppy(service, multipart, UppySettings{});
    auto key = UppyService::read_key(ex.request().query());
    if (!key) {
      co_await answer(ex, call, std::move(key).error());
      co_return;
    }
    std::vector<std::uint32_t> numbers;
    if (target.step == Step::batch) {
      auto read = UppyService::read_part_numbers(ex.request().query());
      if (!read) {
        co_await answer(ex, call, std::move(read).error());
        co_return;
      }
      numbers = std::move(*read);
    } else if (target.step == Step::sign) {
      numbers.push_back(target.part_number);
    }
    std::vector<s3::CompletedPart> named;
    if (target.step == Step::complete) {
      auto body = co_await pipeline_.read_json_body(ex, call, kMaxCompleteBodyBytes);
      if (!body) co_return;
      auto read = UppyService::read_complete(ex.request().header("Content-Type"), *body);
      if (!read) {
        co_await answer(ex, call, std::move(read).error());
        co_return;
      }
      named = std::move(*read);
    }
    // As on /v1/multipart: the token's own checks first, so the caller is judged against
    // the profile the upload was issued under; then who the caller is; then whether the
    // token is theirs and for this key.
    auto intact = tokens_->verify(target.upload_id, service.now());
    if (!intact) {
      co_await answer(ex, call, multipart.check_token(target.upload_id, Caller{}).error());
      co_return;
    }
    call.intent.profile = intact->profile;
    call.intent.profile_field = "uploadId";
    call.intent.content_type = intact->content_type;
    call.intent.key = intact->key;
    if (!co_await admit(ex, call, session, intact->profile)) co_return;
    auto claims = multipart.check_token(target.upload_id, *call.caller, *key);
    if (!claims) {
      co_await answer(ex, call, std::move(claims).error());
      co_return;
    }
    const UploadProfile* profile = call.profile.profile;
    ApiReply reply;
    bool ended = false;  // the stored upload is gone: completed, or aborted
    switch (target.step) {
      case Step::sign:
      case Step::batch: {
        auto urls = multipart.sign_part_urls(*claims, call.profile, numbers);
        if (!urls) {
          reply = std::move(urls).error();
        } else if (target.step == Step::sign) {
          reply = UppyService::part_url(urls->front(), *claims, profile);
        } else {
          reply = UppyService::part_urls(numbers, *urls, *claims, profile);
        }
        break;
      }
      case Step::list: {
        auto parts = co_await list_stored_parts(ex, service, *claims);
        reply = parts ? UppyService::parts(*claims, *parts)
                      : MultipartService::storage_failure(parts.error());
        break;
      }
      case Step::complete: {
        const std::uint64_t max_size = UppyService::max_size(*profile, *call.caller);
        co_await ex.run_blocking([&] {
          reply = complete(service, multipart, uppy, *claims, named, max_size, ended);
          if (reply.status == 200 && verifier_) reply = verify(service, *claims, *profile, reply);
        });
        break;
      }
      case Step::abort: {
        auto aborted = co_await abort_stored_upload(ex, service, *claims);
        reply = aborted ? UppyService::aborted(*claims)
                        : MultipartService::storage_failure(aborted.error());
        ended = !reply.error || reply.error == ErrorCode::no_such_upload;
        break;
      }
      default:
        break;
    }
    if (ended) co_await pipeline_.release_upload(ex, call, *claims);
    if (reply.profile == nullptr) reply.profile = profile;
    co_await answer(ex, call, std::move(reply));
  }

  // Blocking: ListParts, the checks, CompleteMultipartUpload. An upload whose parts pass
  // the size limit is aborted at once: Uppy never aborts a failed upload itself. `ended`
  // is set when the stored upload is gone (completed, aborted, or unknown to S3).
  static ApiReply complete(const UploadService& service, const MultipartService& multipart,
                           const UppyService& uppy, const UploadClaims& claims,
                           const std::vector<s3::CompletedPart>& named, std::uint64_t max_size,
                           bool& ended) {
    const s3client::S3Client client = store_client(service);
    const std::string& bucket = service.target().bucket;
    auto stored = s3client::list_parts(client, bucket, claims.key, claims.upload_id);
    if (!stored) {
      ApiReply reply = MultipartService::storage_failure(stored.error());
      ended = reply.error == ErrorCode::no_such_upload;
      return reply;
    }
    auto to_complete = claims.size != 0
                           ? multipart.parts_to_complete(claims, *stored)
                           : multipart.named_parts_to_complete(claims, *stored, named, max_size);
    if (!to_complete) {
      if (to_complete.error().error == ErrorCode::file_too_large) {
        ended = s3client::abort_multipart_upload(client, bucket, claims.key, claims.upload_id)
                    .has_value();
      }
      return std::move(to_complete).error();
    }
    auto done = s3client::complete_multipart_upload(client, bucket, claims.key, claims.upload_id,
                                                    *to_complete);
    ended = done.has_value();
    return done ? uppy.completed(claims, *done) : MultipartService::storage_failure(done.error());
  }

  // Blocking: the completion's verification (upload_verifier.hpp) of the object Uppy just
  // completed. Uppy declares no size, so the stored size stands for it; the type, the bytes
  // (libmagic, under the profile's verify_content) and the event are as for
  // POST /v1/multipart/complete. `completed` is the answer when the object passes; a
  // refusal is answered in Companion's shape with the verdict's reason (422
  // content_mismatch), after the object was quarantined or deleted.
  ApiReply verify(const UploadService& service, const UploadClaims& claims,
                  const UploadProfile& profile, ApiReply completed) const {
    UploadClaims declared = claims;
    if (declared.size == 0) {
      auto head = s3client::head_object(store_client(service), service.target().bucket, claims.key);
      if (!head) return MultipartService::storage_failure(head.error());
      declared.size = head->size;
    }
    ApiReply verified = verifier_->verify(service, declared, profile);
    if (verified.status == 200) return completed;
    ApiError error = make_error(verified.error.value_or(ErrorCode::internal_error),
                                "the uploaded object was refused");
    boost::system::error_code ignored;
    const auto body = boost::json::parse(verified.body, ignored);
    if (const auto* object = body.if_object()) {
      if (const auto* e = object->if_contains("error"); e && e->is_object()) {
        if (const auto* m = e->as_object().if_contains("message"); m && m->is_string()) {
          error.message = std::string(m->as_string());
        }
        if (const auto* r = e->as_object().if_contains("reason"); r && r->is_string()) {
          error.reason = std::string(r->as_string());
        }
      }
    }
    ApiReply reply = UploadService::error_reply(ErrorStyle::companion, std::move(error));
    reply.status = verified.status;
    reply.internal_detail = std::move(verified.internal_detail);
    return reply;
  }

  const RequestPipeline& pipeline_;
  std::shared_ptr<const UploadTokenSigner> tokens_;
  std::shared_ptr<const UploadVerifier> verifier_;  // null: completions are not verified
};

}  // namespace

std::string_view loggable_path(std::string_view path, std::string& storage) {
  const std::string prefix = std::string(kSessionsPath) + "/";
  if (!path.starts_with(prefix)) return path;
  const auto end = path.find('/', prefix.size());
  storage = prefix + "{token}";
  if (end != std::string_view::npos) storage += path.substr(end);
  return storage;
}

void add_uppy_routes(http::Router& router, const RequestPipeline& pipeline,
                     std::shared_ptr<const UploadTokenSigner> tokens, PreflightHandler preflight,
                     std::shared_ptr<const UploadVerifier> verifier) {
  auto routes =
      std::make_shared<const UppyRoutes>(pipeline, std::move(tokens), std::move(verifier));
  const std::string sessions(kSessionsPath);
  router.exact(
      Method::post, sessions, [routes](Exchange& ex) { return routes->mint_session(ex); },
      "uppy_sessions");
  router.exact(
      Method::options, sessions, [preflight](Exchange& ex) { return preflight(ex, "POST"); },
      "preflight");
  for (const auto& [prefix, via_session] :
       {std::pair{std::string(kUppyPrefix), false}, std::pair{sessions + "/", true}}) {
    for (Method method : {Method::get, Method::post, Method::delete_}) {
      router.prefix(
          method, prefix,
          [routes, via = via_session](Exchange& ex) { return routes->serve(ex, via); },
          via_session ? "uppy_session" : "uppy_s3");
    }
    // The preflight allows the one method the browser asks about when the path serves it.
    router.prefix(
        Method::options, prefix,
        [preflight](Exchange& ex) {
          const auto asked = ex.request().header("Access-Control-Request-Method");
          std::string_view method = "GET";
          if (asked && (*asked == "POST" || *asked == "DELETE")) method = *asked;
          return preflight(ex, method);
        },
        "preflight");
  }
}

}  // namespace upgate::api

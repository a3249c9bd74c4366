// The /v1/multipart routes: read, admit, call S3 on the blocking pool, answer.
#include "upgate/api/multipart_routes.hpp"

#include <optional>

#include "upgate/api/multipart_service.hpp"
#include "upgate/api/upload_verifier.hpp"
#include "upgate/s3client/multipart_upload.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::api {
namespace {

using boost::asio::awaitable;
using http::Exchange;

enum class Step : std::uint8_t { sign, list, complete, abort };

class MultipartRoutes {
 public:
  MultipartRoutes(const RequestPipeline& pipeline, std::shared_ptr<const UploadTokenSigner> tokens,
                  std::shared_ptr<const UploadVerifier> verifier)
      : pipeline_(pipeline), tokens_(std::move(tokens)), verifier_(std::move(verifier)) {}

  awaitable<void> create(Exchange& ex) const {
    ApiCall call = pipeline_.begin(ex, ApiRoute::multipart);
    auto body = co_await pipeline_.read_json_body(ex, call);
    if (!body) co_return;
    const UploadService& service = call.runtime->service();
    auto request = service.read_upload(UploadRoute::v1, ex.request().header("Content-Type"), *body);
    if (!request) {
      co_await pipeline_.answer(ex, call, std::move(request).error());
      co_return;
    }
    call.intent = upload_intent(call.intent.route, *request, "profile");
    if (auto admitted = co_await pipeline_.admit(ex, call); !admitted) {
      co_await pipeline_.answer(ex, call, std::move(admitted).error());
      co_return;
    }
    const MultipartService multipart(service, *tokens_);
    auto plan = multipart.plan_create(*request, call.profile, *call.caller);
    if (!plan) {
      co_await pipeline_.answer(ex, call, std::move(plan).error());
      co_return;
    }
    auto upload_id = co_await open_stored_upload(ex, pipeline_, call, *plan);
    ApiReply reply =
        upload_id ? multipart.created(*plan, std::move(*upload_id)) : std::move(upload_id).error();
    reply.profile = plan->profile;
    co_await pipeline_.answer(ex, call, std::move(reply));
  }

  awaitable<void> with_token(Exchange& ex, Step step) const {
    ApiCall call = pipeline_.begin(ex, ApiRoute::multipart);
    auto body = co_await pipeline_.read_json_body(ex, call);
    if (!body) co_return;
    const UploadService& service = call.runtime->service();
    const MultipartService multipart(service, *tokens_);
    auto request =
        multipart.read_call(ex.request().header("Content-Type"), *body, step == Step::sign);
    if (!request) {
      co_await pipeline_.answer(ex, call, std::move(request).error());
      co_return;
    }
    auto claims = co_await admit_token_holder(ex, pipeline_, call, *tokens_, request->token);
    if (!claims) co_return;
    if (claims->upload_id.empty()) {
      // A single upload's token (/v1/uploads) names no multipart upload.
      co_await pipeline_.answer(ex, call, upload_token_refusal(TokenRefusal::kUploadMismatch));
      co_return;
    }
    ApiReply reply;
    bool ended = false;  // the stored upload is gone: completed, or aborted
    switch (step) {
      case Step::sign:
        reply = multipart.sign_parts(*claims, call.profile, request->part_numbers);
        break;
      case Step::list:
        reply = co_await list(ex, service, multipart, *claims);
        break;
      case Step::complete:
        reply = co_await complete(ex, service, multipart, *claims, *call.profile.profile, ended);
        break;
      case Step::abort:
        reply = co_await abort(ex, service, multipart, *claims);
        ended = !reply.error || reply.error == ErrorCode::no_such_upload;
        break;
    }
    if (ended) co_await pipeline_.release_upload(ex, call, *claims);
    if (reply.profile == nullptr) reply.profile = call.profile.profile;
    co_await pipeline_.answer(ex, call, std::move(reply));
  }

 private:
  awaitable<ApiReply> list(Exchange& ex, const UploadService& service,
                           const MultipartService& multipart, const UploadClaims& claims) const {
    auto parts = co_await list_stored_parts(ex, service, claims);
    if (!parts) co_return MultipartService::storage_failure(parts.error());
    co_return multipart.listed(claims, *parts);
  }

  // `ended` is set when the stored upload is gone (completed now or before).
  awaitable<ApiReply> complete(Exchange& ex, const UploadService& service,
                               const MultipartService& multipart, const UploadClaims& claims,
                               const UploadProfile& profile, bool& ended) const {
    std::optional<ApiReply> reply;
    co_await ex.run_blocking([&] {
      const s3client::S3Client client = store_client(service);
      const std::string& bucket = service.target().bucket;
      auto parts = s3client::list_parts(client, bucket, claims.key, claims.upload_id);
      if (!parts) {
        reply = MultipartService::storage_failure(parts.error());
        ended = reply->error == ErrorCode::no_such_upload;
        // Completed before (its answer lost, or a second call): the object answers again.
        if (verifier_ && reply->error == ErrorCode::no_such_upload) {
          ApiReply again = verifier_->verify(service, claims, profile);
          if (again.error != ErrorCode::object_not_found) reply = std::move(again);
        }
        return;
      }
      auto to_complete = multipart.parts_to_complete(claims, *parts);
      if (!to_complete) {
        reply = std::move(to_complete).error();
        return;
      }
      auto done = s3client::complete_multipart_upload(client, bucket, claims.key, claims.upload_id,
                                                      *to_complete);
      ended = done.has_value();
      if (!done) {
        reply = MultipartService::storage_failure(done.error());
      } else if (verifier_) {
        // The same verification as a single upload's completion (upload_verifier.hpp).
        reply = verifier_->verify(service, claims, profile);
      } else {
        reply = multipart.completed(claims, *done);
      }
    });
    co_return std::move(*reply);
  }

  awaitable<ApiReply> abort(Exchange& ex, const UploadService& service,
                            const MultipartService& multipart, const UploadClaims& claims) const {
    auto aborted = co_await abort_stored_upload(ex, service, claims);
    if (!aborted) co_return MultipartService::storage_failure(aborted.error());
    co_return multipart.aborted(claims);
  }

  const RequestPipeline& pipeline_;
  std::shared_ptr<const UploadTokenSigner> tokens_;
  std::shared_ptr<const UploadVerifier> verifier_;  // null: completion is not verified
};

}  // namespace

namespace {

// S3's uploadId for a plan. Routes go through open_stored_upload(), which adds the limits.
awaitable<Expected<std::string, s3client::ClientError>> create_stored_upload(
    Exchange& ex, const UploadService& service, const MultipartPlan& plan) {
  std::optional<Expected<std::string, s3client::ClientError>> upload_id;
  co_await ex.run_blocking([&] {
    upload_id.emplace(s3client::create_multipart_upload(
        store_client(service), service.target().bucket, plan.claims.key, plan.create_headers));
  });
  co_return std::move(*upload_id);
}

}  // namespace

awaitable<Expected<std::string, ApiReply>> open_stored_upload(Exchange& ex,
                                                              const RequestPipeline& pipeline,
                                                              ApiCall& call,
                                                              const MultipartPlan& plan) {
  const UploadService& service = call.runtime->service();
  auto upload_id = co_await create_stored_upload(ex, service, plan);
  if (!upload_id) co_return Unexpected(MultipartService::storage_failure(upload_id.error()));
  // A declared size is what the quota counts; with none (Uppy), the most the upload may
  // complete with, as for Uppy's form.
  const std::uint64_t bytes = plan.claims.size != 0
                                  ? plan.claims.size
                                  : call.caller->limits.max_size_under(plan.profile->max_size);
  const auto ttl =
      std::chrono::duration_cast<std::chrono::seconds>(plan.claims.expires_at - service.now());
  auto refused = co_await pipeline.admit_upload(ex, call, *upload_id, bytes, ttl);
  if (!refused) co_return std::move(*upload_id);
  // Nothing is left half-written: the upload is aborted before the refusal is answered.
  // Should the abort fail, the store's lifecycle rule (or the operator) reaps it.
  UploadClaims created = plan.claims;
  created.upload_id = std::move(*upload_id);
  (void)co_await abort_stored_upload(ex, service, created);
  refused->profile = plan.profile;
  co_return Unexpected(std::move(*refused));
}

awaitable<Expected<std::vector<s3client::UploadedPart>, s3client::ClientError>> list_stored_parts(
    Exchange& ex, const UploadService& service, const UploadClaims& claims) {
  std::optional<Expected<std::vector<s3client::UploadedPart>, s3client::ClientError>> parts;
  co_await ex.run_blocking([&] {
    parts.emplace(s3client::list_parts(store_client(service), service.target().bucket, claims.key,
                                       claims.upload_id));
  });
  co_return std::move(*parts);
}

awaitable<Expected<void, s3client::ClientError>> abort_stored_upload(Exchange& ex,
                                                                     const UploadService& service,
                                                                     const UploadClaims& claims) {
  std::optional<Expected<void, s3client::ClientError>> aborted;
  co_await ex.run_blocking([&] {
    aborted.emplace(s3client::abort_multipart_upload(store_client(service), service.target().bucket,
                                                     claims.key, claims.upload_id));
  });
  co_return std::move(*aborted);
}

awaitable<std::optional<UploadClaims>> admit_token_holder(Exchange& ex,
                                                          const RequestPipeline& pipeline,
                                                          ApiCall& call,
                                                          const UploadTokenSigner& tokens,
                                                          std::string_view token) {
  // The token's own checks first (intact, unexpired), so the profile the caller is judged
  // against is the one upgate issued the upload under; then who the caller is, then
  // whether the token is theirs.
  const auto now = call.runtime->service().now();
  auto intact = tokens.verify(token, now);
  if (!intact) {
    co_await pipeline.answer(ex, call, upload_token_refusal(intact.error()));
    co_return std::nullopt;
  }
  call.intent.profile = intact->profile;
  call.intent.profile_field = "uploadToken";
  call.intent.content_type = intact->content_type;
  call.intent.size = intact->size;
  call.intent.key = intact->key;
  if (auto admitted = co_await pipeline.admit(ex, call); !admitted) {
    co_await pipeline.answer(ex, call, std::move(admitted).error());
    co_return std::nullopt;
  }
  auto claims = tokens.verify_for(token, now, TokenBinding{call.caller->id(), {}, {}});
  if (!claims) {
    co_await pipeline.answer(ex, call, upload_token_refusal(claims.error()));
    co_return std::nullopt;
  }
  co_return std::move(*claims);
}

void add_multipart_routes(http::Router& router, const RequestPipeline& pipeline,
                          std::shared_ptr<const UploadTokenSigner> tokens,
                          PreflightHandler preflight,
                          std::shared_ptr<const UploadVerifier> verifier) {
  auto routes =
      std::make_shared<const MultipartRoutes>(pipeline, std::move(tokens), std::move(verifier));
  const std::string base(kMultipartPath);
  router.exact(
      http::Method::post, base, [routes](Exchange& ex) { return routes->create(ex); },
      "multipart_create");
  for (auto [suffix, step] :
       {std::pair{"/sign", Step::sign}, std::pair{"/list", Step::list},
        std::pair{"/complete", Step::complete}, std::pair{"/abort", Step::abort}}) {
    router.exact(
        http::Method::post, base + suffix,
        [routes, step = step](Exchange& ex) { return routes->with_token(ex, step); },
        std::string("multipart_") + (suffix + 1));
  }
  for (const char* suffix : {"", "/sign", "/list", "/complete", "/abort"}) {
    router.exact(
        http::Method::options, base + suffix,
        [preflight](Exchange& ex) { return preflight(ex, "POST"); }, "preflight");
  }
}

}  // namespace upgate::api

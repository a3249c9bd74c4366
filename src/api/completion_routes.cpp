// POST /v1/uploads/complete: read, check the token, admit, verify on the blocking pool.
#include "upgate/api/completion_routes.hpp"

#include <optional>
#include <string>

#include "upgate/api/multipart_service.hpp"

namespace upgate::api {
namespace {

using boost::asio::awaitable;
using http::Exchange;

class CompletionRoute {
 public:
  CompletionRoute(const RequestPipeline& pipeline, std::shared_ptr<const UploadTokenSigner> tokens,
                  std::shared_ptr<const UploadVerifier> verifier)
      : pipeline_(pipeline), tokens_(std::move(tokens)), verifier_(std::move(verifier)) {}

  awaitable<void> complete(Exchange& ex) const {
    ApiCall call = pipeline_.begin(ex, ApiRoute::completion);
    auto body = co_await pipeline_.read_json_body(ex, call);
    if (!body) co_return;
    const UploadService& service = call.runtime->service();
    const MultipartService reader(service, *tokens_);
    auto request = reader.read_call(ex.request().header("Content-Type"), *body, false);
    if (!request) {
      co_await pipeline_.answer(ex, call, std::move(request).error());
      co_return;
    }
    auto claims = co_await admit_token_holder(ex, pipeline_, call, *tokens_, request->token);
    if (!claims) co_return;
    std::optional<ApiReply> reply;
    co_await ex.run_blocking(
        [&] { reply = verifier_->verify(service, *claims, *call.profile.profile); });
    if (reply->profile == nullptr) reply->profile = call.profile.profile;
    if (reply->key.empty()) reply->key = claims->key;
    co_await pipeline_.answer(ex, call, std::move(*reply));
  }

 private:
  const RequestPipeline& pipeline_;
  std::shared_ptr<const UploadTokenSigner> tokens_;
  std::shared_ptr<const UploadVerifier> verifier_;
};

}  // namespace

void add_completion_routes(http::Router& router, const RequestPipeline& pipeline,
                           std::shared_ptr<const UploadTokenSigner> tokens,
                           std::shared_ptr<const UploadVerifier> verifier,
                           PreflightHandler preflight) {
  auto route =
      std::make_shared<const CompletionRoute>(pipeline, std::move(tokens), std::move(verifier));
  router.exact(
      http::Method::post, std::string(kCompletePath),
      [route](Exchange& ex) { return route->complete(ex); }, "completion");
  router.exact(
      http::Method::options, std::string(kCompletePath),
      [preflight](Exchange& ex) { return preflight(ex, "POST"); }, "preflight");
}

}  // namespace upgate::api

// Building a runtime snapshot: authenticators first (they may fail), then the rest.
#include "upgate/api/api_runtime.hpp"

namespace upgate::api {

ApiRuntime::ApiRuntime(std::unique_ptr<const ApiConfig> config,
                       std::shared_ptr<const AuthChain> auth,
                       std::shared_ptr<const config::RefreshingCredentials> credentials)
    : config_(std::move(config)),
      credentials_(std::move(credentials)),
      auth_(std::move(auth)),
      service_(config_->profiles, config_->s3, {}, credentials_.get()),
      cors_(config_->cors, !auth_->open()) {}

Expected<std::shared_ptr<const ApiRuntime>, config::ConfigError> ApiRuntime::create(
    ApiConfig config, ApiRuntimeOptions options) {
  auto auth = AuthChain::create(config.auth, std::move(options.auth));
  if (!auth) return Unexpected(std::move(auth).error());
  return create(std::move(config), std::move(*auth), std::move(options.credentials));
}

std::shared_ptr<const ApiRuntime> ApiRuntime::create(
    ApiConfig config, std::shared_ptr<const AuthChain> auth,
    std::shared_ptr<const config::RefreshingCredentials> credentials) {
  return std::make_shared<const ApiRuntime>(std::make_unique<const ApiConfig>(std::move(config)),
                                            std::move(auth), std::move(credentials));
}

}  // namespace upgate::api

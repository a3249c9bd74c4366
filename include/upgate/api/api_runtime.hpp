// upgate::api::ApiRuntime: everything a request of the upload API reads, as one immutable
// snapshot: the configuration, the profiles, the signer (UploadService), the CORS policy
// and the authenticators (AuthChain, with its key caches and the JWKS refresher thread).
//
// The request pipeline holds the current snapshot behind an atomic shared_ptr; each
// request takes it once, at its start, and uses only it until its answer is written. A
// new snapshot (a configuration reload, issue 15) is therefore a swap
// (RequestPipeline::replace_runtime): requests in flight finish under the snapshot they
// started with, later ones see the new one, and the old snapshot goes when its last
// request does. (Whoever swaps should keep a reference to the old snapshot and release
// it off the I/O threads: its destructor joins the JWKS refresher, which may be in the
// middle of a fetch.)
#pragma once

#include <memory>

#include "upgate/api/api_config.hpp"
#include "upgate/api/auth_chain.hpp"
#include "upgate/api/cors_policy.hpp"
#include "upgate/api/upload_service.hpp"
#include "upgate/config/config_error.hpp"
#include "upgate/config/refreshing_credentials.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

struct ApiRuntimeOptions {
  // What URLs are signed with; null: config.s3.credentials, fixed.
  std::shared_ptr<const config::RefreshingCredentials> credentials;
  AuthChainOptions auth;
};

class ApiRuntime {
 public:
  // Builds the authenticators from config.auth (auth_chain.hpp: a bad keys file or JWKS
  // file, a missing secret variable are ConfigErrors naming the key).
  static Expected<std::shared_ptr<const ApiRuntime>, config::ConfigError> create(
      ApiConfig config, ApiRuntimeOptions options = {});
  // With authenticators made by the caller (tests).
  static std::shared_ptr<const ApiRuntime> create(
      ApiConfig config, std::shared_ptr<const AuthChain> auth,
      std::shared_ptr<const config::RefreshingCredentials> credentials = nullptr);

  const ApiConfig& config() const noexcept { return *config_; }
  const UploadService& service() const noexcept { return service_; }
  const CorsPolicy& cors() const noexcept { return cors_; }
  const AuthChain& auth() const noexcept { return *auth_; }
  const config::RefreshingCredentials* credentials() const noexcept { return credentials_.get(); }

  ApiRuntime(std::unique_ptr<const ApiConfig> config, std::shared_ptr<const AuthChain> auth,
             std::shared_ptr<const config::RefreshingCredentials> credentials);

 private:
  std::unique_ptr<const ApiConfig> config_;  // first: the members below refer into it
  std::shared_ptr<const config::RefreshingCredentials> credentials_;
  std::shared_ptr<const AuthChain> auth_;
  UploadService service_;
  CorsPolicy cors_;
};

}  // namespace upgate::api

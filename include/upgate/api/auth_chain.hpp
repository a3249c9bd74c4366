// upgate::api::AuthChain: the configured authentication modes, tried in order, turning a
// request's credentials into a Caller or a refusal. Built once from AuthConfig (reading
// the keys file, the JWKS file, the shared secret, and fetching jwks_url once), then
// shared by every request of one runtime snapshot (api_runtime.hpp).
//
// Which mode judges a request: each mode in `modes` order looks for a credential of its
// own kind, and the first that finds one decides; a later mode is not asked again (a
// refused token is refused, not retried as something else).
//   jwt      `Authorization: Bearer <token>` (not an upk_ key when API keys are on; with a
//            hook configured, only a token of three dot-separated parts), else the
//            configured cookie;
//   api_key  `X-Api-Key`, or `Authorization: Bearer upk_…`;
//   hook     any request with a Cookie or an Authorization header (the app knows what its
//            sessions look like), so it is best placed last.
// A request none of them takes has no credentials: the profile's `auth` rule decides
// (401 authentication_required, or anonymous). A malformed Authorization value that no
// mode took is refused as malformed; a malformed X-Api-Key, or a JWT cookie sent twice (a
// cookie planted by a sibling domain), is refused by its mode.
//
// Never blocks the I/O thread: the JWT mode verifies there (tens of microseconds, or a
// cache hit) and only a token with a kid the key set lacks is re-judged through
// `run_blocking`, which may fetch the JWKS once; the hook is asked with the asynchronous
// client (http/client.hpp). Refusals never carry a token, a cookie, a claim or a secret.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/api/auth_config.hpp"
#include "upgate/api/auth_outcome.hpp"
#include "upgate/api/upload_intent.hpp"
#include "upgate/auth/clock.hpp"
#include "upgate/auth/jwks_cache.hpp"
#include "upgate/config/config_error.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/expected.hpp"
#include "upgate/http/request.hpp"

namespace upgate::api {

// Where a request carries credentials, as header values (views into the request, which
// outlives the authentication; Cookie fields are joined as RFC 6265 §5.4 says).
struct RequestCredentials {
  std::optional<std::string_view> authorization;
  bool authorization_repeated = false;  // two Authorization fields: refused as malformed
  std::optional<std::string> cookie;
  std::optional<std::string_view> api_key;  // X-Api-Key

  static RequestCredentials from(const http::Request& request);
};

// Runs blocking work off the I/O thread and resumes on it (Exchange::run_blocking).
using BlockingRunner = std::function<boost::asio::awaitable<void>(std::function<void()>)>;

struct AuthChainOptions {
  config::Environment env = config::Environment::process();  // for jwt.secret_env
  // Fetches jwks_url; null: with s3client's libcurl transport (jwks_fetcher.hpp).
  std::function<auth::JwksFetcher(const JwtSettings&)> make_jwks_fetcher;
  auth::JwksCache::EventSink jwks_events;  // JWKS refreshed / failed, for the log
  auth::Clock clock;
  bool start_jwks_refresher = true;  // refresh by max-age on the cache's own thread
};

class AuthChain {
 public:
  // Errors name the dotted key at fault ("auth.api_keys.keys_file: ..."). With a jwks_url,
  // blocks for the first fetch (bounded by the fetcher's timeout); when it fails, the
  // chain is still made, tokens that need those keys get 503 until a fetch succeeds.
  static Expected<std::shared_ptr<AuthChain>, config::ConfigError> create(
      const AuthConfig& config, AuthChainOptions options = {});
  ~AuthChain();
  AuthChain(const AuthChain&) = delete;
  AuthChain& operator=(const AuthChain&) = delete;

  bool open() const noexcept { return modes_.empty(); }
  const std::vector<auth::AuthMode>& modes() const noexcept { return modes_; }
  // Whether any JWT key set stands ready (true without a JWT mode).
  bool jwt_keys_ready() const noexcept;

  // `profile`: the name of the profile the request resolved to (API keys are issued per
  // profile; the hook is told), or the name as requested when it did not resolve.
  boost::asio::awaitable<AuthOutcome> authenticate(const RequestCredentials& credentials,
                                                   const UploadIntent& intent,
                                                   std::string_view profile,
                                                   const BlockingRunner& run_blocking) const;

  struct Modes;

 private:
  AuthChain(std::vector<auth::AuthMode> modes, std::unique_ptr<Modes> impl) noexcept;
  std::vector<auth::AuthMode> modes_;
  std::unique_ptr<Modes> impl_;
};

}  // namespace upgate::api

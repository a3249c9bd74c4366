// The authentication modes in order: which one takes a request, and its verdict.
#include "upgate/api/auth_chain.hpp"

#include <algorithm>

#include "upgate/api/hook_authenticator.hpp"
#include "upgate/api/jwks_fetcher.hpp"
#include "upgate/auth/api_keys.hpp"
#include "upgate/auth/credentials.hpp"
#include "upgate/auth/jwt_authenticator.hpp"
#include "upgate/auth/key_set.hpp"
#include "upgate/text.hpp"

namespace upgate::api {
namespace {

using config::ConfigError;

constexpr std::string_view kRealm = "upgate";

using config::fail;

AuthOutcome refused(auth::AuthMode mode, const auth::AuthRefusal& refusal) {
  AuthOutcome out;
  out.kind = AuthOutcome::Kind::refused;
  out.mode = mode;
  switch (refusal.status()) {
    case 403:
      out.failure.code = ErrorCode::access_denied;
      break;
    case 503:
      out.failure.code = ErrorCode::auth_unavailable;
      break;
    default:
      out.failure.code = ErrorCode::invalid_credentials;
      break;
  }
  out.failure.message = refusal.message;
  out.failure.reason = auth::code(refusal.check);
  out.failure.www_authenticate = refusal.www_authenticate(kRealm);
  return out;
}

AuthOutcome accepted(auth::AuthMode mode, auth::PrincipalPtr principal) {
  AuthOutcome out;
  out.kind = AuthOutcome::Kind::accepted;
  out.mode = mode;
  out.caller.principal = std::move(principal);
  out.caller.mode = mode;
  return out;
}

AuthOutcome judged(auth::AuthMode mode, auth::AuthResult result) {
  if (result) return accepted(mode, std::move(*result));
  return refused(mode, result.error());
}

// A compact JWS has exactly three parts; anything else in a bearer header is some other
// kind of token (an app's opaque session id, for the hook).
bool looks_like_jws(std::string_view token) {
  return std::count(token.begin(), token.end(), '.') == 2;
}

}  // namespace

RequestCredentials RequestCredentials::from(const http::Request& request) {
  RequestCredentials out;
  out.authorization = request.header("Authorization");
  out.authorization_repeated = request.header_count("Authorization") > 1;
  out.api_key = request.header("X-Api-Key");
  if (request.header_count("Cookie") > 1) {
    std::string joined;
    request.for_each_header([&joined](std::string_view name, std::string_view value) {
      if (!text::iequals(name, "Cookie")) return;
      if (!joined.empty()) joined += "; ";
      joined += value;
    });
    out.cookie = std::move(joined);
  } else if (auto cookie = request.header("Cookie")) {
    out.cookie = std::string(*cookie);
  }
  return out;
}

AuthFailure authentication_required() {
  AuthFailure out;
  out.code = ErrorCode::authentication_required;
  const auth::AuthRefusal refusal = auth::refusal(auth::AuthCheck::kMissingCredentials);
  out.message = refusal.message;
  out.reason = auth::code(refusal.check);
  out.www_authenticate = refusal.www_authenticate(kRealm);
  return out;
}

struct AuthChain::Modes {
  std::shared_ptr<auth::JwksCache> jwks;
  std::unique_ptr<auth::JwtAuthenticator> jwt;
  std::string jwt_cookie;
  std::unique_ptr<HookAuthenticator> hook;
  std::unique_ptr<auth::ApiKeyStore> api_keys;
};

AuthChain::AuthChain(std::vector<auth::AuthMode> modes, std::unique_ptr<Modes> impl) noexcept
    : modes_(std::move(modes)), impl_(std::move(impl)) {}

AuthChain::~AuthChain() {
  if (impl_->jwks) impl_->jwks->stop();
}

bool AuthChain::jwt_keys_ready() const noexcept {
  return !impl_->jwks || impl_->jwks->ready();
}

Expected<std::shared_ptr<AuthChain>, ConfigError> AuthChain::create(const AuthConfig& config,
                                                                    AuthChainOptions options) {
  auto impl = std::make_unique<Modes>();
  for (const auth::AuthMode mode : config.modes) {
    const bool configured = (mode == auth::AuthMode::kJwt && config.jwt) ||
                            (mode == auth::AuthMode::kHook && config.hook) ||
                            (mode == auth::AuthMode::kApiKey && config.api_keys);
    if (!configured) {
      return fail("auth.modes",
                  "\"" + std::string(auth::to_string(mode)) + "\" is listed but [auth." +
                      (mode == auth::AuthMode::kApiKey ? std::string("api_keys")
                                                       : std::string(auth::to_string(mode))) +
                      "] is missing");
    }
  }

  if (config.jwt) {
    const JwtSettings& jwt = *config.jwt;
    auth::JwtPolicy policy;
    policy.issuer = jwt.issuer;
    policy.audiences = jwt.audiences;
    policy.leeway = jwt.leeway;
    policy.principal_claim = jwt.principal_claim;
    if (!jwt.algorithms.empty()) {
      auto algorithms = auth::AlgorithmSet::parse(jwt.algorithms);
      if (!algorithms) return fail("auth.jwt.algorithms", algorithms.error());
      policy.algorithms = *algorithms;
    }
    if (auto valid = policy.validate(); !valid) return fail("auth.jwt", valid.error());

    auth::KeySet fixed;
    if (!jwt.jwks_file.empty()) {
      auto loaded = auth::load_jwks_file(jwt.jwks_file);
      if (!loaded) return fail("auth.jwt.jwks_file", loaded.error());
      if (loaded->keys.empty()) {
        std::string why = jwt.jwks_file + " holds no usable key";
        for (const std::string& r : loaded->rejected) why += "; " + r;
        return fail("auth.jwt.jwks_file", why);
      }
      fixed = fixed.merged_with(loaded->keys);
    }
    if (!jwt.secret_env.empty()) {
      auto secret = auth::shared_secret_from_env(options.env, jwt.secret_env);
      if (!secret) return fail("auth.jwt.secret_env", secret.error());
      bool hmac_allowed = false;
      for (const auto alg :
           {auth::JwsAlgorithm::kHS256, auth::JwsAlgorithm::kHS384, auth::JwsAlgorithm::kHS512}) {
        hmac_allowed = hmac_allowed || policy.algorithms.contains(alg);
      }
      if (!hmac_allowed) {
        return fail("auth.jwt.algorithms",
                    "secret_env gives a shared secret, but no HS256/HS384/HS512 is allowed; add "
                    "\"HS256\" to algorithms");
      }
      fixed = fixed.merged_with(
          auth::KeySet({std::make_shared<const auth::VerificationKey>(std::move(*secret))}));
    }
    auth::JwksFetcher fetcher;
    if (!jwt.jwks_url.empty()) {
      fetcher = options.make_jwks_fetcher ? options.make_jwks_fetcher(jwt)
                                          : make_jwks_fetcher(jwt.jwks_url);
    }
    if (fixed.empty() && !fetcher) {
      return fail("auth.jwt", "needs keys: jwks_url, jwks_file or secret_env");
    }
    auth::JwksTiming timing;
    timing.unknown_kid_interval = jwt.jwks_min_interval;
    timing.retry_after_failure = jwt.jwks_min_interval;
    impl->jwks =
        std::make_shared<auth::JwksCache>(std::move(fixed), std::move(fetcher), options.clock,
                                          timing, auth::JwkImport{}, options.jwks_events);
    if (impl->jwks->has_fetcher()) {
      impl->jwks->refresh();  // a failure is logged by the event sink; tokens get 503 until one
      if (options.start_jwks_refresher) impl->jwks->start();
    }
    impl->jwt =
        std::make_unique<auth::JwtAuthenticator>(std::move(policy), impl->jwks, options.clock);
    impl->jwt_cookie = jwt.cookie;
  }

  if (config.hook) {
    std::shared_ptr<const http::TlsClientContext> tls;
    if (text::istarts_with(config.hook->url, "https://")) {
      auto context = http::TlsClientContext::create();
      if (!context) return fail("auth.hook.url", context.error());
      tls = std::move(*context);
    }
    impl->hook = std::make_unique<HookAuthenticator>(*config.hook, std::move(tls), options.clock);
  }

  if (config.api_keys) {
    auto store = auth::ApiKeyStore::load(config.api_keys->keys_file);
    if (!store) return fail("auth.api_keys.keys_file", store.error());
    impl->api_keys = std::make_unique<auth::ApiKeyStore>(std::move(*store));
  }

  return std::shared_ptr<AuthChain>(new AuthChain(config.modes, std::move(impl)));
}

boost::asio::awaitable<AuthOutcome> AuthChain::authenticate(
    const RequestCredentials& credentials, const UploadIntent& intent, std::string_view profile,
    const BlockingRunner& run_blocking) const {
  const auth::ExtractedCredential bearer =
      credentials.authorization_repeated
          ? auth::ExtractedCredential{auth::ExtractedCredential::Kind::kMalformed, {}}
          : auth::bearer_token(credentials.authorization);
  const bool bearer_is_api_key =
      impl_->api_keys && bearer.present() && auth::is_api_key_format(bearer.value);

  for (const auth::AuthMode mode : modes_) {
    switch (mode) {
      case auth::AuthMode::kJwt: {
        std::string_view token;
        // With a hook configured, a bearer token that is no JWS is the app's to judge.
        if (bearer.present() && !bearer_is_api_key &&
            (!impl_->hook || looks_like_jws(bearer.value))) {
          token = bearer.value;
        } else if (!impl_->jwt_cookie.empty()) {
          const auto cookie = auth::cookie_value(credentials.cookie, impl_->jwt_cookie);
          if (cookie.kind == auth::ExtractedCredential::Kind::kMalformed) {
            co_return refused(mode, auth::refusal(auth::AuthCheck::kMalformedCredentials,
                                                  "the " + impl_->jwt_cookie +
                                                      " cookie is malformed or sent twice"));
          }
          if (cookie.present()) token = cookie.value;
        }
        if (token.empty()) break;
        std::optional<auth::AuthResult> result = impl_->jwt->try_authenticate(token);
        if (!result) {
          // A kid the key set lacks: one JWKS fetch may be due, which blocks.
          co_await run_blocking([&] { result.emplace(impl_->jwt->authenticate(token)); });
        }
        co_return judged(mode, std::move(*result));
      }
      case auth::AuthMode::kApiKey: {
        std::string_view key;
        if (credentials.api_key) {
          const auto header = auth::api_key_header(credentials.api_key);
          if (!header.present()) {
            co_return refused(mode, auth::refusal(auth::AuthCheck::kMalformedCredentials,
                                                  "the X-Api-Key header is not an upgate API key"));
          }
          key = header.value;
        } else if (bearer_is_api_key) {
          key = bearer.value;
        }
        if (key.empty()) break;
        co_return judged(mode, impl_->api_keys->authenticate(key, profile));
      }
      case auth::AuthMode::kHook:
        if (!credentials.cookie && !credentials.authorization) break;
        co_return co_await impl_->hook->authenticate(credentials, intent, profile);
      case auth::AuthMode::kNone:
        break;
    }
  }
  if (bearer.kind == auth::ExtractedCredential::Kind::kMalformed) {
    co_return refused(modes_.empty() ? auth::AuthMode::kNone : modes_.front(),
                      auth::refusal(auth::AuthCheck::kMalformedCredentials));
  }
  co_return AuthOutcome{};
}

}  // namespace upgate::api

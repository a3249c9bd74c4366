// upgate::api::HookAuthenticator: the [auth.hook] mode, where the application decides.
// For apps whose identity is a session cookie: nginx's auth_request and tusd's
// pre-create hook, in upgate's terms.
//
// For each API call, upgate POSTs to the app's `url`, with the original request's
// Cookie and Authorization headers and the intent as JSON:
//   {"route":"uploads","profile":"avatars","fileName":"me.png","contentType":"image/png",
//    "size":48213}                                  (downloads: "route" and "key" instead)
// The app answers
//   200 {"principal":"user-42","claims":{...},"max_size":1048576,"allowed_types":["image/*"]}
//       claims, max_size and allowed_types optional; the last two only narrow the
//       profile's limits (caller.hpp), they never widen them;
//   401 or 403 {"message":"..."}: upgate answers the client with the same status and the
//       app's message (control characters dropped, at most 256 bytes, optional);
// anything else, an answer that does not parse, no answer within `timeout` (default 2 s)
// or no connection: 503 auth_unavailable, with the reason in the log only.
//
// Answers (200, 401, 403) are cached for cache_ttl (default 10 s) under the SHA-256 of the
// credentials and the intent, so a retried or repeated call with the same session costs
// no round trip, while a different file, profile or key is always asked about. Bounded
// (4096 entries, the oldest dropped first); the cache holds digests, never credentials.
// Unavailability is never cached.
//
// The call is made with the asynchronous client on the request's I/O thread: nothing
// blocks while the app thinks.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "upgate/api/auth_chain.hpp"
#include "upgate/http/client.hpp"

namespace upgate::api {

class HookAuthenticator {
 public:
  HookAuthenticator(HookSettings settings, std::shared_ptr<const http::TlsClientContext> tls,
                    auth::Clock clock = {}, std::size_t cache_capacity = 4096);

  boost::asio::awaitable<AuthOutcome> authenticate(const RequestCredentials& credentials,
                                                   const UploadIntent& intent,
                                                   std::string_view profile) const;

  // The JSON body the app receives.
  static std::string intent_body(const UploadIntent& intent, std::string_view profile);
  // What an answer of the app means (accepted, refused, or unavailable with a reason).
  static AuthOutcome read_answer(const http::ClientResponse& answer);

  const HookSettings& settings() const noexcept { return settings_; }
  std::size_t cached() const;

 private:
  using Digest = std::array<std::uint8_t, 32>;
  struct DigestHash {
    std::size_t operator()(const Digest& d) const noexcept;
  };
  struct Entry {
    AuthOutcome outcome;
    std::chrono::sys_seconds expires;
  };

  std::optional<AuthOutcome> find(const Digest& digest, std::chrono::sys_seconds now) const;
  void remember(const Digest& digest, const AuthOutcome& outcome,
                std::chrono::sys_seconds now) const;

  HookSettings settings_;
  std::shared_ptr<const http::TlsClientContext> tls_;
  auth::Clock clock_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<Digest, Entry, DigestHash> cache_;
  mutable std::deque<Digest> order_;
};

}  // namespace upgate::api

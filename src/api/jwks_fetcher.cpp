// jwks_url over libcurl: GET, bounded, 200 only, Cache-Control handed to the cache.
#include "upgate/api/jwks_fetcher.hpp"

#include "upgate/auth/key_set.hpp"
#include "upgate/s3client/http_transport.hpp"

namespace upgate::api {

std::string loggable_url(std::string_view url) {
  const auto query = url.find_first_of("?#");
  std::string_view out = url.substr(0, query);
  const auto scheme = out.find("://");
  if (scheme != std::string_view::npos) {
    const auto at = out.find('@', scheme + 3);
    const auto slash = out.find('/', scheme + 3);
    if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash)) {
      return std::string(out.substr(0, scheme + 3)) + std::string(out.substr(at + 1));
    }
  }
  return std::string(out);
}

auth::JwksFetcher make_jwks_fetcher(std::string url, std::chrono::seconds timeout) {
  return [url = std::move(url), timeout]() -> Expected<auth::JwksResponse, std::string> {
    s3client::HttpRequest request;
    request.method = "GET";
    request.url = url;
    request.headers = {{"Accept", "application/jwk-set+json, application/json"}};
    request.connect_timeout = timeout;
    request.stall_timeout = timeout;
    request.total_timeout = timeout;
    request.max_response_body = auth::JwksLimits{}.max_bytes;
    auto response = s3client::perform(request);
    const std::string where = "GET " + loggable_url(url);
    if (!response) return Unexpected(where + ": " + response.error().message);
    if (response->status != 200) {
      return Unexpected(where + ": the server answered " + std::to_string(response->status));
    }
    if (response->body_truncated) {
      return Unexpected(where + ": the key set is larger than " +
                        std::to_string(auth::JwksLimits{}.max_bytes) + " bytes");
    }
    return auth::JwksResponse{std::move(response->body), response->header("cache-control")};
  };
}

}  // namespace upgate::api

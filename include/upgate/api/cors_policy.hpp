// CORS for the upload API's own routes (the bucket's CORS is the store's business).
//
// Origins come from configuration. An allowed Origin is echoed back with `Vary: Origin`
// (or `*` when the configuration is the single wildcard, which is refused together with
// credentials at load time, so `*` and Access-Control-Allow-Credentials never meet). A
// request from any other origin gets no CORS header: the browser then withholds the
// response from the page.
//
// Preflight (OPTIONS with Access-Control-Request-Method): allowed only when the origin
// is allowed, the method is one the route serves, and every requested header is one the
// API reads: Content-Type, and when authentication is configured Authorization and
// X-Api-Key. Anything else is refused with 403, so a misconfigured page fails loudly at
// the preflight rather than later. (A cookie needs no header, but cross-origin it needs
// cors.allow_credentials = true and a page that sends credentials.)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "upgate/api/api_config.hpp"
#include "upgate/http/response.hpp"

namespace upgate::api {

class CorsPolicy {
 public:
  // `credential_headers`: allow Authorization and X-Api-Key in requests.
  explicit CorsPolicy(CorsConfig config, bool credential_headers = false);

  bool origin_allowed(std::string_view origin) const;

  // Adds the response headers for an actual (non-preflight) request from `origin`.
  void apply(std::optional<std::string_view> origin, http::Response& response) const;

  enum class PreflightResult { allowed, origin_refused, method_refused, headers_refused };
  // `allowed_method`: the method the route serves ("POST" or "GET").
  PreflightResult check_preflight(std::string_view origin, std::string_view requested_method,
                                  std::optional<std::string_view> requested_headers,
                                  std::string_view allowed_method) const;
  // Headers of a successful preflight answer.
  void apply_preflight(std::string_view origin, std::string_view allowed_method,
                       http::Response& response) const;

 private:
  CorsConfig config_;
  bool wildcard_ = false;
  bool credential_headers_ = false;
  std::string max_age_;
};

}  // namespace upgate::api

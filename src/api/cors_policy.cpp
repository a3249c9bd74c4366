// The API's CORS decisions.
#include "upgate/api/cors_policy.hpp"

#include <algorithm>

#include "upgate/text.hpp"

namespace upgate::api {

CorsPolicy::CorsPolicy(CorsConfig config, bool credential_headers)
    : config_(std::move(config)),
      wildcard_(config_.allowed_origins.size() == 1 && config_.allowed_origins[0] == "*"),
      credential_headers_(credential_headers),
      max_age_(std::to_string(config_.max_age.count())) {}

bool CorsPolicy::origin_allowed(std::string_view origin) const {
  if (origin.empty()) return false;
  if (wildcard_) return true;
  return std::find(config_.allowed_origins.begin(), config_.allowed_origins.end(), origin) !=
         config_.allowed_origins.end();
}

void CorsPolicy::apply(std::optional<std::string_view> origin, http::Response& response) const {
  if (!wildcard_) response.add_header("Vary", "Origin");
  if (!origin || !origin_allowed(*origin)) return;
  response.add_header("Access-Control-Allow-Origin", wildcard_ ? std::string_view("*") : *origin);
  if (config_.allow_credentials) response.add_header("Access-Control-Allow-Credentials", "true");
}

CorsPolicy::PreflightResult CorsPolicy::check_preflight(
    std::string_view origin, std::string_view requested_method,
    std::optional<std::string_view> requested_headers, std::string_view allowed_method) const {
  if (!origin_allowed(origin)) return PreflightResult::origin_refused;
  if (requested_method != allowed_method) return PreflightResult::method_refused;
  if (requested_headers) {
    std::string_view rest = *requested_headers;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view name = text::trim(rest.substr(0, comma));
      const bool allowed = name.empty() || text::iequals(name, "content-type") ||
                           (credential_headers_ && (text::iequals(name, "authorization") ||
                                                    text::iequals(name, "x-api-key")));
      if (!allowed) return PreflightResult::headers_refused;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return PreflightResult::allowed;
}

void CorsPolicy::apply_preflight(std::string_view origin, std::string_view allowed_method,
                                 http::Response& response) const {
  response.add_header("Access-Control-Allow-Origin", wildcard_ ? std::string_view("*") : origin);
  if (config_.allow_credentials) response.add_header("Access-Control-Allow-Credentials", "true");
  response.add_header("Access-Control-Allow-Methods", std::string(allowed_method) + ", OPTIONS");
  response.add_header("Access-Control-Allow-Headers", credential_headers_
                                                          ? "Content-Type, Authorization, X-Api-Key"
                                                          : "Content-Type");
  response.add_header("Access-Control-Max-Age", max_age_);
  response.add_header("Vary",
                      "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
}

}  // namespace upgate::api

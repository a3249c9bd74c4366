// The demo page's files and headers (demo_page.hpp).
#include "upgate/api/demo_page.hpp"

#include "upgate/api/web_assets.hpp"

namespace upgate::api {
namespace {

// Shown at / when web/ provides no page.
constexpr std::string_view kFallbackIndex = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>upgate</title></head>
<body><h1>upgate</h1>
<p>Upload API: <code>POST /api/s3/getPresignedUrl</code>, <code>POST /v1/uploads</code>,
<code>GET /v1/downloads?key=...</code>, <code>GET /healthz</code>, <code>GET /readyz</code>,
<code>GET /metrics</code>. See docs/API.md.</p></body></html>
)";

// Fills content="" of the meta element named `name`, when index.html has it.
void fill_meta(std::string& html, std::string_view name, std::string_view content) {
  const std::string empty = "<meta name=\"" + std::string(name) + "\" content=\"\">";
  const auto at = html.find(empty);
  if (at == std::string::npos) return;
  html.replace(
      at, empty.size(),
      "<meta name=\"" + std::string(name) + "\" content=\"" + std::string(content) + "\">");
}

}  // namespace

std::string signed_url_origin(const ApiConfig& config) {
  if (!config.s3.endpoint.usable()) return {};
  std::string url;
  config.s3.endpoint.append_url(url, config.s3.bucket);
  const auto authority = url.find("://");
  if (authority == std::string::npos) return {};
  return url.substr(0, url.find('/', authority + 3));
}

std::string demo_content_security_policy(const ApiConfig& config) {
  std::string connect = "'self'";
  if (std::string store = signed_url_origin(config); !store.empty()) connect += " " + store;
  for (const std::string& origin : config.demo_api_origins) connect += " " + origin;
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
         "connect-src " +
         connect + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

std::map<std::string, http::StaticAsset> demo_page_files(const ApiConfig& config) {
  std::map<std::string, http::StaticAsset> files;
  for (const EmbeddedFile& f : embedded_web_files()) {
    files[std::string(f.path)] =
        http::StaticAsset{std::string(f.bytes), std::string(http::content_type_for(f.path))};
  }
  auto index = files.find("/index.html");
  if (index == files.end()) {
    files["/index.html"] =
        http::StaticAsset{std::string(kFallbackIndex), "text/html; charset=utf-8"};
    return files;
  }
  std::string origins;
  for (const std::string& origin : config.demo_api_origins) {
    origins += (origins.empty() ? "" : " ") + origin;
  }
  fill_meta(index->second.bytes, "upgate-api-origins", origins);
  fill_meta(index->second.bytes, "upgate-auth", config.auth.open() ? "" : "on");
  return files;
}

http::StaticFilesOptions demo_page_options(const ApiConfig& config) {
  http::StaticFilesOptions options;
  options.headers = {
      {"Content-Security-Policy", demo_content_security_policy(config)},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  };
  return options;
}

}  // namespace upgate::api

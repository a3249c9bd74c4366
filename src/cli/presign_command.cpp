// `upgate presign`: a presigned URL for any S3 method, with the headers and
// query parameters the caller wants signed. `aws s3 presign` signs GET only.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "commands.hpp"
#include "upgate/sigv4/presign.hpp"

namespace upgate::cli {
namespace {

namespace json = boost::json;
using sigv4::HeaderView;
using sigv4::QueryParamView;

struct PresignOptions {
  std::string method;
  std::string target;  // s3://BUCKET/KEY
  long long expires = 3600;
  std::optional<std::string> content_type;
  std::optional<unsigned long long> content_length;
  std::vector<std::string> headers;  // NAME:VALUE
  std::vector<std::string> queries;  // NAME=VALUE
  std::string region;
  std::string endpoint;
  bool path_style = false;
  bool virtual_hosted = false;
  std::string date;
  bool json = false;
};

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

// A failure of this command: a one-line reason, exit code 2.
struct UsageError {
  std::string message;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct S3Url {
  std::string bucket;
  std::string key;
};

template <class T>
using Result = Expected<T, UsageError>;

Unexpected<UsageError> usage(std::string message) {
  return Unexpected(UsageError{std::move(message)});
}

Result<S3Url> parse_s3_url(std::string_view url) {
  constexpr std::string_view scheme = "s3://";
  if (url.substr(0, scheme.size()) != scheme) {
    return usage("expected s3://BUCKET/KEY, got '" + std::string(url) + "'");
  }
  url.remove_prefix(scheme.size());
  const auto slash = url.find('/');
  S3Url out;
  out.bucket = std::string(url.substr(0, slash));
  if (slash != std::string_view::npos) out.key = std::string(url.substr(slash + 1));
  if (out.bucket.empty()) return usage("s3:// URL has no bucket");
  return out;
}

Result<sigv4::Credentials> credentials_from_env() {
  sigv4::Credentials c;
  if (const char* v = env("AWS_ACCESS_KEY_ID")) c.access_key_id = v;
  if (const char* v = env("AWS_SECRET_ACCESS_KEY")) c.secret_access_key = sigv4::SecretKey(v);
  if (const char* v = env("AWS_SESSION_TOKEN")) c.session_token = v;
  if (!c.valid()) {
    return usage("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  return c;
}

std::string region_from(const PresignOptions& o) {
  if (!o.region.empty()) return o.region;
  if (const char* v = env("AWS_REGION")) return v;
  if (const char* v = env("AWS_DEFAULT_REGION")) return v;
  return "us-east-1";
}

Result<sigv4::S3Endpoint> endpoint_from(const PresignOptions& o, const std::string& region) {
  std::string url = o.endpoint;
  if (url.empty()) {
    if (const char* v = env("AWS_ENDPOINT_URL_S3"))
      url = v;
    else if (const char* v = env("AWS_ENDPOINT_URL"))
      url = v;
  }
  if (url.empty()) {
    auto aws = sigv4::S3Endpoint::aws(region);
    aws.path_style = o.path_style;
    return aws;
  }
  // A custom endpoint (MinIO, RGW, the embedded store) is path-style unless told.
  auto parsed = sigv4::S3Endpoint::parse(url, !o.virtual_hosted);
  if (!parsed) return usage("bad endpoint: " + parsed.error().message);
  return *parsed;
}

Result<int> run_presign(const PresignOptions& o) {
  std::string method = o.method;
  for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto target = parse_s3_url(o.target);
  if (!target) return Unexpected(target.error());
  auto credentials = credentials_from_env();
  if (!credentials) return Unexpected(credentials.error());
  const std::string region = region_from(o);
  auto endpoint = endpoint_from(o, region);
  if (!endpoint) return Unexpected(endpoint.error());

  sigv4::Timestamp time =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (!o.date.empty()) {
    auto parsed = sigv4::parse_amz_date(o.date);
    if (!parsed) return usage("bad --date '" + o.date + "': expected YYYYMMDDTHHMMSSZ");
    time = *parsed;
  }

  // Views into these strings go into the request, so they must outlive it.
  std::vector<std::pair<std::string, std::string>> header_store;
  if (o.content_type) header_store.emplace_back("Content-Type", *o.content_type);
  if (o.content_length)
    header_store.emplace_back("Content-Length", std::to_string(*o.content_length));
  for (const auto& h : o.headers) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      return usage("bad --header '" + h + "': expected NAME:VALUE");
    }
    header_store.emplace_back(std::string(trim(std::string_view(h).substr(0, colon))),
                              std::string(trim(std::string_view(h).substr(colon + 1))));
  }
  std::vector<HeaderView> headers;
  for (const auto& [n, v] : header_store) headers.push_back({n, v});

  std::vector<QueryParamView> query;
  for (const auto& q : o.queries) {
    const auto eq = q.find('=');
    if (eq == 0) return usage("bad --query '" + q + "': expected NAME=VALUE");
    const std::string_view qv(q);
    query.push_back(
        {qv.substr(0, eq), eq == std::string::npos ? std::string_view{} : qv.substr(eq + 1)});
  }

  sigv4::PresignRequest request;
  request.method = method;
  request.bucket = target->bucket;
  request.key = target->key;
  request.expires = std::chrono::seconds(o.expires);
  request.time = time;
  request.headers = headers;
  request.query = query;
  auto signed_url = sigv4::presign(request, *endpoint, *credentials, region);
  if (!signed_url) return usage(signed_url.error().message);

  if (!o.json) {
    std::cout << signed_url->url << '\n';
    return kExitOk;
  }
  json::object headers_json;
  for (const auto& h : signed_url->headers) headers_json[h.name] = h.value;
  json::object out;
  out["method"] = signed_url->method;
  out["url"] = signed_url->url;
  out["headers"] = std::move(headers_json);
  out["expiresAt"] = sigv4::format_iso8601(signed_url->expires_at);
  out["expiresIn"] = o.expires;
  std::cout << json::serialize(out) << '\n';
  return kExitOk;
}

}  // namespace

void register_presign(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PresignOptions>();
  CLI::App* cmd = app.add_subcommand(
      "presign",
      "Print a presigned S3 URL for any method, with extra signed headers and query parameters.\n"
      "Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.\n"
      "Region: --region, AWS_REGION, AWS_DEFAULT_REGION, else us-east-1.\n"
      "Endpoint: --endpoint, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL (path-style), else AWS's\n"
      "regional virtual-hosted endpoint. Errors: one line on stderr, exit code 2.");
  cmd->add_option("method", options->method, "HTTP method: GET, PUT, HEAD, DELETE, POST")
      ->required();
  cmd->add_option("url", options->target, "s3://BUCKET/KEY (the key as is, not encoded)")
      ->required();
  cmd->add_option("--expires", options->expires, "lifetime in seconds, 1..604800")
      ->default_val(3600);
  cmd->add_option("--content-type", options->content_type,
                  "sign Content-Type: the client must send it");
  cmd->add_option("--content-length", options->content_length,
                  "sign Content-Length: the body must be exactly this size");
  cmd->add_option("--header", options->headers, "extra signed header NAME:VALUE (repeatable)");
  cmd->add_option("--query", options->queries,
                  "extra signed query parameter NAME=VALUE (repeatable)");
  cmd->add_option("--region", options->region, "signing region");
  cmd->add_option("--endpoint", options->endpoint, "S3 endpoint URL, e.g. http://127.0.0.1:9000");
  auto* path = cmd->add_flag("--path-style", options->path_style,
                             "https://host/BUCKET/KEY instead of https://BUCKET.host/KEY");
  cmd->add_flag("--virtual-hosted", options->virtual_hosted,
                "with a custom endpoint: BUCKET.host instead of host/BUCKET")
      ->excludes(path);
  cmd->add_option("--date", options->date, "signing time YYYYMMDDTHHMMSSZ (reproducible output)");
  cmd->add_flag("--json", options->json, "print method, URL, headers and expiry as JSON");
  cmd->callback([options, &exit_code] {
    auto result = run_presign(*options);
    if (result) {
      exit_code = *result;
    } else {
      std::cerr << "upgate presign: " << result.error().message << '\n';
      exit_code = kExitUsage;
    }
  });
}

}  // namespace upgate::cli

// `upgate presign`: a presigned URL for any S3 method, with the headers and
// query parameters the caller wants signed. `aws s3 presign` signs GET only.
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "commands.hpp"
#include "signing_target.hpp"
#include "upgate/sigv4/presign.hpp"
#include "upgate/text.hpp"

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
  SigningFlags signing;
  bool json = false;
};

using text::trim;

Result<int> run_presign(const PresignOptions& o) {
  std::string method = o.method;
  for (char& c : method) c = text::to_upper(c);
  auto location = parse_s3_location(o.target);
  if (!location) return Unexpected(location.error());
  auto target = resolve_signing_target(config::Environment::process(), o.signing);
  if (!target) return Unexpected(target.error());
  auto time = signing_time(o.signing);
  if (!time) return Unexpected(time.error());

  // Views into these strings go into the request, so they must outlive it.
  std::vector<std::pair<std::string, std::string>> header_store;
  if (o.content_type) header_store.emplace_back("Content-Type", *o.content_type);
  if (o.content_length)
    header_store.emplace_back("Content-Length", std::to_string(*o.content_length));
  for (const auto& h : o.headers) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      return usage_error("bad --header '" + h + "': expected NAME:VALUE");
    }
    header_store.emplace_back(std::string(trim(std::string_view(h).substr(0, colon))),
                              std::string(trim(std::string_view(h).substr(colon + 1))));
  }
  std::vector<HeaderView> headers;
  for (const auto& [n, v] : header_store) headers.push_back({n, v});

  std::vector<QueryParamView> query;
  for (const auto& q : o.queries) {
    const auto eq = q.find('=');
    if (eq == 0) return usage_error("bad --query '" + q + "': expected NAME=VALUE");
    const std::string_view qv(q);
    query.push_back(
        {qv.substr(0, eq), eq == std::string::npos ? std::string_view{} : qv.substr(eq + 1)});
  }

  sigv4::PresignRequest request;
  request.method = method;
  request.bucket = location->bucket;
  request.key = location->key;
  request.expires = std::chrono::seconds(o.expires);
  request.time = *time;
  request.headers = headers;
  request.query = query;
  auto signed_url = sigv4::presign(request, target->endpoint, target->credentials, target->region);
  if (!signed_url) return usage_error(signed_url.error().message);

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
      "Print a presigned S3 URL for any method, with extra signed headers and query parameters.\n" +
          std::string(kSigningSourcesHelp) + "\nErrors: one line on stderr, exit code 2.");
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
  add_signing_flags(*cmd, options->signing);
  cmd->add_flag("--json", options->json, "print method, URL, headers and expiry as JSON");
  cmd->callback([options, &exit_code] {
    run_signing_command("presign", exit_code, [&] { return run_presign(*options); });
  });
}

}  // namespace upgate::cli

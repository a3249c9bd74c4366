// upgate_verify_url: checks presigned URLs with the sigv4 verifier, for the integration
// tests (a test-only program, never installed).
//
// Reads one JSON object per line on stdin:
//   {"method":"PUT","url":"http://127.0.0.1:9000/bucket/key?X-Amz-...",
//    "headers":{"Content-Type":"image/png","Content-Length":"12"},
//    "access_key_id":"AKID","secret_env":"VERIFY_SECRET","region":"us-east-1"}
// and writes one line per request: {"ok":true} or {"ok":false,"code":"...","message":"..."}.
// The secret is read from the environment variable named by secret_env, so it is never on
// a command line. The Host header is taken from the URL, as a client would send it.
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "upgate/sigv4/verify.hpp"

namespace json = boost::json;
using namespace upgate;

namespace {

json::object check(const json::object& in) {
  json::object out;
  auto fail = [&](std::string code, std::string message) {
    out["ok"] = false;
    out["code"] = code;
    out["message"] = message;
    return out;
  };
  const std::string method(in.at("method").as_string());
  const std::string url(in.at("url").as_string());
  const std::string access_key_id(in.at("access_key_id").as_string());
  const std::string region(in.at("region").as_string());
  const char* secret = std::getenv(std::string(in.at("secret_env").as_string()).c_str());
  if (secret == nullptr) return fail("Setup", "secret_env names an unset variable");

  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return fail("Setup", "not a URL");
  std::string host(parsed->encoded_host());
  if (parsed->has_port()) host += ":" + std::string(parsed->port());
  std::string target(parsed->encoded_path());
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  std::vector<std::pair<std::string, std::string>> owned = {{"Host", host}};
  if (const auto* headers = in.if_contains("headers")) {
    for (const auto& [name, value] : headers->as_object()) {
      owned.emplace_back(std::string(name), std::string(value.as_string()));
    }
  }
  std::vector<sigv4::HeaderView> views;
  for (const auto& [n, v] : owned) views.push_back({n, v});

  sigv4::RequestView request{method, target, views};
  sigv4::VerifyPolicy policy;
  policy.now = std::chrono::system_clock::now();
  policy.region = region;
  const sigv4::CredentialsLookup lookup =
      [&](std::string_view id) -> std::optional<sigv4::Credentials> {
    if (id != access_key_id) return std::nullopt;
    sigv4::Credentials c;
    c.access_key_id = access_key_id;
    c.secret_access_key = sigv4::SecretKey(secret);
    return c;
  };
  auto verified = sigv4::verify(request, policy, lookup);
  if (!verified) {
    return fail(std::string(sigv4::s3_code(verified.error().code)), verified.error().message);
  }
  out["ok"] = true;
  json::array signed_headers;
  for (const auto& h : verified->auth.signed_headers) signed_headers.emplace_back(h);
  out["signed_headers"] = std::move(signed_headers);
  return out;
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    json::object result;
    try {
      result = check(json::parse(line).as_object());
    } catch (const std::exception& e) {
      result["ok"] = false;
      result["code"] = "Setup";
      result["message"] = e.what();
    }
    std::cout << json::serialize(result) << std::endl;
  }
  return 0;
}

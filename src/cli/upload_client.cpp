// The pieces `upgate upload` shares between single and multipart uploads.
#include "upload_client.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <random>
#include <thread>

#include "upgate/s3client/error_response.hpp"

namespace upgate::cli::upload {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) {
  g_interrupted.store(true);
}

}  // namespace

void install_interrupt_handlers() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

bool interrupted() {
  return g_interrupted.load();
}

std::string snippet(std::string_view text, std::size_t max) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    const bool blank = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (blank) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  }
  return out;
}

std::string join_url(std::string api, std::string_view path) {
  while (!api.empty() && api.back() == '/') api.pop_back();
  return api + std::string(path);
}

Failure api_failure(const s3client::HttpResponse& response) {
  Failure f;
  f.status = response.status;
  f.retryable = response.status >= 500;
  boost::system::error_code ec;
  const json::value doc = json::parse(response.body, ec);
  if (!ec && doc.is_object()) {
    const json::object& o = doc.as_object();
    // Seed route: {ok:false, error:"text", code}; /v1 routes: {ok:false, error:{code,message}}.
    if (const json::value* e = o.if_contains("error")) {
      if (e->is_string()) f.message = std::string(e->as_string());
      if (e->is_object()) {
        f.message = string_field(e->as_object(), "message");
        f.code = string_field(e->as_object(), "code");
      }
    }
    if (const auto* c = o.if_contains("code"); c && c->is_string()) {
      f.code = std::string(c->as_string());
    }
  }
  if (f.message.empty()) {
    f.message = "the upload API answered HTTP " + std::to_string(response.status) +
                (response.body.empty() ? " with no explanation" : ": " + snippet(response.body));
  }
  return f;
}

Failure storage_failure(const s3client::HttpResponse& response) {
  Failure f;
  f.status = response.status;
  f.retryable = response.status >= 500;
  const s3client::ClientError error = s3client::error_from_response("PutObject", response);
  if (error.kind == s3client::ErrorKind::kS3) {
    f.code = error.code;
    f.message = error.message.empty() ? error.code : error.message + " (" + error.code + ")";
  }
  if (f.message.empty()) {
    f.message = "the storage server answered HTTP " + std::to_string(response.status) +
                (response.body.empty() ? " with no explanation" : ": " + snippet(response.body));
  }
  return f;
}

Failure transport_failure(std::string_view what, const s3client::TransportError& error) {
  return Failure{std::string(what) + ": " + error.message, "", 0, error.retryable, error.cancelled};
}

std::string string_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::uint64_t uint_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v && v->is_uint64()) return v->as_uint64();
  if (v && v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
  return 0;
}

Expected<json::object, Failure> post_api(const std::string& api, std::string_view path,
                                         const json::object& body) {
  s3client::HttpRequest request;
  request.method = "POST";
  request.url = join_url(api, path);
  request.headers = {{"Content-Type", "application/json"}};
  request.body = json::serialize(body);
  request.total_timeout = std::chrono::seconds(60);
  request.max_response_body = 1024 * 1024;  // a batch of signed part URLs
  auto response = s3client::perform(request);
  if (!response) {
    return Unexpected(transport_failure("cannot reach the upload API at " + api, response.error()));
  }
  if (response->status < 200 || response->status >= 300) {
    return Unexpected(api_failure(*response));
  }
  boost::system::error_code ec;
  json::value doc = json::parse(response->body, ec);
  if (ec || !doc.is_object()) {
    return Unexpected(
        Failure{"the upload API's answer is not a JSON object: " + snippet(response->body), "",
                response->status, false, false});
  }
  const json::value* ok = doc.as_object().if_contains("ok");
  if (!ok || !ok->is_bool() || !ok->as_bool()) return Unexpected(api_failure(*response));
  return std::move(doc.as_object());
}

bool backoff(int attempt) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  const double cap = std::min(8.0, 0.5 * static_cast<double>(1 << std::min(attempt, 4)));
  const auto until =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                         std::uniform_real_distribution<double>(0.0, cap)(rng)));
  while (Clock::now() < until) {
    if (interrupted()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !interrupted();
}

}  // namespace upgate::cli::upload

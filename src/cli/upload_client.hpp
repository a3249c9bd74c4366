// What `upgate upload`'s two ways of sending a file (one presigned PUT, or a multipart
// upload) share: how a refusal reads (the API's or the store's own words), calls to the
// upload API, retries with backoff, and Ctrl-C.
#pragma once

#include <boost/json.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"
#include "upgate/s3client/http_transport.hpp"

namespace upgate::cli::upload {

// Why a file (or one step of it) did not go through. `message` is the server's own words
// where there are some.
struct Failure {
  std::string message;
  std::string code;  // the API's error code or S3's Code, when given
  long status = 0;   // HTTP status, 0 without an answer
  bool retryable = false;
  bool cancelled = false;
};

// Bytes of one file sent so far (stored, or in flight), updated from any thread; `changed`,
// when set, is called after each update with the new figure, from the updating thread.
class SentBytes {
 public:
  std::function<void(std::uint64_t now)> changed;

  void add(std::uint64_t n) { notify(bytes_.fetch_add(n) + n); }
  void subtract(std::uint64_t n) { notify(bytes_.fetch_sub(n) - n); }
  void set(std::uint64_t n) {
    bytes_.store(n);
    notify(n);
  }
  std::uint64_t load() const { return bytes_.load(); }

 private:
  void notify(std::uint64_t now) const {
    if (changed) changed(now);
  }
  std::atomic<std::uint64_t> bytes_{0};
};

// Ctrl-C and SIGTERM set a flag that every transfer and backoff checks.
void install_interrupt_handlers();
bool interrupted();

// "a b c..." of a body, for a message: white space folded, control bytes shown as '?'.
std::string snippet(std::string_view text, std::size_t max = 160);
std::string join_url(std::string api, std::string_view path);

// An answer of the API that is not a success: its `error` (a string on the seed's route,
// {code, message} on /v1) and `code`.
Failure api_failure(const s3client::HttpResponse& response);
// An answer of the object store that is not a success: S3's Message and Code.
Failure storage_failure(const s3client::HttpResponse& response);
Failure transport_failure(std::string_view what, const s3client::TransportError& error);

// POST `body` as JSON to the API at `path`; the answer's object when it is 2xx with
// "ok":true, else the API's refusal.
Expected<boost::json::object, Failure> post_api(const std::string& api, std::string_view path,
                                                const boost::json::object& body);

// Fields of an answer, "" / 0 when absent or of another type.
std::string string_field(const boost::json::object& o, std::string_view name);
std::uint64_t uint_field(const boost::json::object& o, std::string_view name);

// Sleeps before retry number `attempt` + 1 (full jitter: up to 0.5 s, 1 s, 2 s, ... at
// most 8 s); false when interrupted meanwhile.
bool backoff(int attempt);

// Calls `attempt_fn` until it succeeds, fails for good, or `retries` retries are spent.
template <class T, class Fn>
Expected<T, Failure> with_retries(int retries, Fn&& attempt_fn) {
  for (int attempt = 0;; ++attempt) {
    auto result = attempt_fn();
    if (result || !result.error().retryable || attempt >= retries) return result;
    if (!backoff(attempt)) return Unexpected(Failure{"interrupted", "", 0, false, true});
  }
}

}  // namespace upgate::cli::upload

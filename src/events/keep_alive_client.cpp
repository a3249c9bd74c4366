#include "keep_alive_client.hpp"

#include <curl/curl.h>

#include <algorithm>

#include "upgate/text.hpp"

namespace upgate::events::detail {
namespace {

struct Transfer {
  const s3client::HttpRequest* request = nullptr;
  s3client::HttpResponse response;
  const std::atomic<bool>* cancelled = nullptr;
};

std::size_t keep_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::size_t cap = t->request->max_response_body;
  const std::size_t room = cap - std::min(cap, t->response.body.size());
  t->response.body.append(data, std::min(n, room));
  if (n > room) t->response.body_truncated = true;
  return n;
}

// Only Retry-After matters to a webhook sender.
std::size_t keep_retry_after(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  constexpr std::string_view kName = "retry-after:";
  const std::string_view line(data, n);
  if (text::istarts_with(line, kName)) {
    t->response.headers.clear();
    t->response.headers.emplace_back("retry-after",
                                     std::string(text::trim_space(line.substr(kName.size()))));
  }
  return n;
}

int check_cancel(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Transfer*>(user)->cancelled->load() ? 1 : 0;
}

}  // namespace

struct KeepAliveClient::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

KeepAliveClient::KeepAliveClient() : handle_(std::make_unique<Handle>()) {
  handle_->curl = curl_easy_init();
}

KeepAliveClient::~KeepAliveClient() = default;

Expected<s3client::HttpResponse, s3client::TransportError> KeepAliveClient::post(
    const s3client::HttpRequest& request) {
  using s3client::TransportError;
  using s3client::TransportFailure;
  CURL* c = handle_->curl;
  if (c == nullptr) {
    return Unexpected(TransportError{TransportFailure::kLocal, "cannot initialise libcurl"});
  }
  // Options back to their defaults; the open connection, DNS and TLS session caches stay.
  curl_easy_reset(c);
  Transfer transfer;
  transfer.request = &request;
  transfer.cancelled = &cancelled_;
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(request.stall_timeout.count()));
  if (request.total_timeout.count() > 0) {
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(request.total_timeout.count()));
  }
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!request.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, request.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_USERAGENT, request.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_retry_after);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_cancel);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &transfer);

  curl_slist* list = nullptr;
  for (const auto& [name, value] : request.headers) {
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  list = curl_slist_append(list, "Accept:");
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip for small bodies
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode code = curl_easy_perform(c);
  curl_slist_free_all(list);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  if (code != CURLE_OK) {
    TransportError failure;
    failure.retryable = true;
    if (code == CURLE_ABORTED_BY_CALLBACK) {
      failure.failure = TransportFailure::kCancelled;
      failure.cancelled = true;
      failure.message = "cancelled at shutdown";
    } else {
      failure.failure = code == CURLE_OPERATION_TIMEDOUT ? TransportFailure::kTimeout
                        : code == CURLE_COULDNT_CONNECT  ? TransportFailure::kConnect
                                                         : TransportFailure::kExchange;
      failure.message = error[0] != '\0' ? error : curl_easy_strerror(code);
    }
    return Unexpected(std::move(failure));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  return std::move(transfer.response);
}

}  // namespace upgate::events::detail

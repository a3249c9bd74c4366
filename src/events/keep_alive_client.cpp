#include "keep_alive_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <string>

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

// The egress proxy as libcurl would find it in the environment for a URL's scheme
// (lowercase http_proxy only, https_proxy or HTTPS_PROXY, then all_proxy or ALL_PROXY),
// and the hosts that bypass it (no_proxy or NO_PROXY). Read once, when the client is made,
// and given to libcurl explicitly: left unset, libcurl reads these variables again for
// every transfer.
struct ProxySettings {
  std::string http;
  std::string https;
  std::string bypass;

  static std::string first_set(std::initializer_list<const char*> names) {
    for (const char* name : names) {
      if (const char* value = std::getenv(name); value != nullptr) return value;
    }
    return {};
  }

  static ProxySettings from_environment() {
    ProxySettings p;
    const std::string all = first_set({"all_proxy", "ALL_PROXY"});
    p.http = first_set({"http_proxy"});
    if (p.http.empty()) p.http = all;
    p.https = first_set({"https_proxy", "HTTPS_PROXY"});
    if (p.https.empty()) p.https = all;
    p.bypass = first_set({"no_proxy", "NO_PROXY"});
    return p;
  }

  // "" tells libcurl: no proxy, and do not look in the environment.
  const std::string& for_url(std::string_view url) const {
    return text::istarts_with(url, "https:") ? https : http;
  }
};

}  // namespace

// The handle keeps its options between transfers: those that never change are set once,
// the request's own (URL, timeouts, body, headers) before each transfer. Resetting the
// handle each time would make libcurl parse and copy every option again.
struct KeepAliveClient::Handle {
  CURL* curl = nullptr;
  Transfer transfer;
  ProxySettings proxy = ProxySettings::from_environment();
  char error[CURL_ERROR_SIZE] = {};
  std::string ca_file;               // the CA file set on the handle; "": libcurl's own
  const char* default_ca = nullptr;  // libcurl's own (CURLINFO_CAINFO), owned by libcurl
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

KeepAliveClient::KeepAliveClient() : handle_(std::make_unique<Handle>()) {
  CURL* c = curl_easy_init();
  handle_->curl = c;
  if (c == nullptr) return;
  Transfer* transfer = &handle_->transfer;
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, transfer);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_retry_after);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, transfer);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_cancel);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, transfer);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, handle_->error);
  curl_easy_setopt(c, CURLOPT_NOPROXY, handle_->proxy.bypass.c_str());
  char* default_ca = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CAINFO, &default_ca) == CURLE_OK) {
    handle_->default_ca = default_ca;
  }
  transfer->cancelled = &cancelled_;
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
  Transfer& transfer = handle_->transfer;
  transfer.request = &request;
  transfer.response = s3client::HttpResponse();
  handle_->error[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROXY, handle_->proxy.for_url(request.url).c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(request.stall_timeout.count()));
  curl_easy_setopt(
      c, CURLOPT_TIMEOUT,
      static_cast<long>(std::max<std::int64_t>(request.total_timeout.count(), 0)));  // 0: none
  if (request.ca_file != handle_->ca_file) {
    handle_->ca_file = request.ca_file;
    curl_easy_setopt(c, CURLOPT_CAINFO,
                     handle_->ca_file.empty() ? handle_->default_ca : handle_->ca_file.c_str());
  }
  curl_easy_setopt(c, CURLOPT_USERAGENT, request.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));

  curl_slist* list = nullptr;
  for (const auto& [name, value] : request.headers) {
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  list = curl_slist_append(list, "Accept:");
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip for small bodies
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  const CURLcode code = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);
  transfer.request = nullptr;
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
      failure.message = handle_->error[0] != '\0' ? handle_->error : curl_easy_strerror(code);
    }
    return Unexpected(std::move(failure));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  return std::move(transfer.response);
}

}  // namespace upgate::events::detail

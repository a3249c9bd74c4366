// libcurl behind HttpRequest/HttpResponse.
#include "upgate/s3client/http_transport.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "upgate/text.hpp"

namespace upgate::s3client {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse response;
  std::FILE* body_file = nullptr;
  std::uint64_t body_left = 0;
  bool cancelled = false;
  bool file_error = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::size_t room = t->request->max_response_body -
                           std::min(t->request->max_response_body, t->response.body.size());
  t->response.body.append(data, std::min(n, room));
  if (n > room) t->response.body_truncated = true;
  return n;  // past the cap the bytes are read and dropped
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    t->response.headers.clear();  // a 100 Continue or a redirect came first
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || t->response.headers.size() >= 200) return n;
  // Without the line's CRLF and the optional white space around the value.
  const std::string_view value = text::trim_space(line.substr(colon + 1));
  t->response.headers.emplace_back(text::lower(line.substr(0, colon)), std::string(value));
  return n;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t want =
      static_cast<std::size_t>(std::min<std::uint64_t>(size * count, t->body_left));
  if (want == 0) return 0;
  const std::size_t got = std::fread(buffer, 1, want, t->body_file);
  if (got == 0) {
    // The file shrank or could not be read: stop rather than send a short body.
    t->file_error = true;
    return CURL_READFUNC_ABORT;
  }
  t->body_left -= got;
  return got;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t sent) {
  auto* t = static_cast<Transfer*>(user);
  const HttpRequest& r = *t->request;
  const std::uint64_t total = r.body_file.empty() ? r.body.size() : r.body_file_size;
  if (!r.on_progress(static_cast<std::uint64_t>(sent), total)) {
    t->cancelled = true;
    return 1;
  }
  return 0;
}

TransportFailure classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportFailure::kResolve;
    case CURLE_COULDNT_CONNECT:
      return TransportFailure::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportFailure::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
      return TransportFailure::kTls;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return TransportFailure::kExchange;
    default:
      return TransportFailure::kLocal;
  }
}

// Failures a second try may get past: the network or the server, not the request. Of the
// classes above, a proxy name that does not resolve, a reply that is not HTTP and a scheme
// curl does not speak are the configuration's: another try meets them again.
bool retryable(CURLcode code) {
  if (code == CURLE_COULDNT_RESOLVE_PROXY || code == CURLE_WEIRD_SERVER_REPLY ||
      code == CURLE_UNSUPPORTED_PROTOCOL) {
    return false;
  }
  switch (classify(code)) {
    case TransportFailure::kResolve:
    case TransportFailure::kConnect:
    case TransportFailure::kTimeout:
    case TransportFailure::kExchange:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string HttpResponse::header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return value;
  }
  return {};
}

void http_client_global_init() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

Expected<HttpResponse, TransportError> perform(const HttpRequest& request) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl)
    return Unexpected(TransportError{TransportFailure::kLocal, "cannot initialise libcurl"});
  CURL* c = curl.get();

  Transfer transfer;
  transfer.request = &request;
  std::unique_ptr<std::FILE, FileCloser> file;
  if (!request.body_file.empty()) {
    file.reset(std::fopen(request.body_file.c_str(), "rb"));
    if (!file) {
      return Unexpected(
          TransportError{TransportFailure::kLocal, "cannot open " + request.body_file});
    }
    if (request.body_file_offset > 0 &&
        ::fseeko(file.get(), static_cast<off_t>(request.body_file_offset), SEEK_SET) != 0) {
      return Unexpected(
          TransportError{TransportFailure::kLocal, "cannot seek in " + request.body_file});
    }
    transfer.body_file = file.get();
    transfer.body_left = request.body_file_size;
  }

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a presigned URL is never redirected
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(request.stall_timeout.count()));
  if (request.total_timeout.count() > 0) {
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(request.total_timeout.count()));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_USERAGENT, request.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!request.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, request.ca_file.c_str());

  // An S3 key is a name, not a path: "a/../b" must reach the server as it is.
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  if (request.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);  // else curl waits for a body HEAD never has
  } else if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  std::string_view memory_body = request.body;
  if (request.method == "PUT" || request.method == "POST") {
    if (transfer.body_file) {
      curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(c, CURLOPT_READDATA, &transfer);
      // Fewer, larger reads and sends for a file body (curl's default is 64 KiB).
      curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 1024L * 1024L);
      const auto size = static_cast<curl_off_t>(request.body_file_size);
      curl_easy_setopt(
          c, request.method == "PUT" ? CURLOPT_INFILESIZE_LARGE : CURLOPT_POSTFIELDSIZE_LARGE,
          size);
    } else if (request.method == "POST") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, memory_body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(memory_body.size()));
    } else {
      // PUT from memory: read through the same callback from a memory stream.
      file.reset(fmemopen(const_cast<char*>(memory_body.data()), memory_body.size(), "rb"));
      if (!file && !memory_body.empty()) {
        return Unexpected(
            TransportError{TransportFailure::kLocal, "cannot buffer the request body"});
      }
      transfer.body_file = file.get();
      transfer.body_left = memory_body.size();
      curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(c, CURLOPT_READDATA, &transfer);
      curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(memory_body.size()));
    }
  }
  if (request.on_progress) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &transfer);
  }

  // Exactly the caller's headers: curl adds Accept and a form Content-Type unless told not to.
  curl_slist* raw = nullptr;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    const std::string lower = text::lower(name);
    if (lower == "content-length" || lower == "host") continue;  // curl sends these itself
    if (lower == "content-type") has_content_type = true;
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    raw = curl_slist_append(raw, line.c_str());
  }
  raw = curl_slist_append(raw, "Accept:");
  if (!has_content_type) raw = curl_slist_append(raw, "Content-Type:");
  std::unique_ptr<curl_slist, SlistDeleter> header_list(raw);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get());

  // "::HOST:PORT": every host and port of the URL goes to HOST:PORT; the URL's host still
  // names the certificate to verify and the Host header.
  std::unique_ptr<curl_slist, SlistDeleter> connect_to;
  if (!request.connect_to.empty()) {
    connect_to.reset(curl_slist_append(nullptr, ("::" + request.connect_to).c_str()));
    curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to.get());
  }

  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);

  const CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) {
    TransportError error;
    if (transfer.cancelled) {
      error.failure = TransportFailure::kCancelled;
      error.message = "cancelled";
      error.cancelled = true;
    } else if (transfer.file_error) {
      error.failure = TransportFailure::kLocal;
      error.message = "reading " + request.body_file + " failed (did it change during the upload?)";
    } else {
      error.failure = classify(code);
      error.message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
      error.retryable = retryable(code);
    }
    return Unexpected(std::move(error));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  return std::move(transfer.response);
}

}  // namespace upgate::s3client

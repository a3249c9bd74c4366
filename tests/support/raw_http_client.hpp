// A raw blocking-socket HTTP/1.1 client for tests: it sends exactly the bytes a test writes
// and parses responses strictly (status line, fields, Content-Length or chunked body), so a
// test sees the wire as a client would. Loopback only. It speaks TLS (OpenSSL, verifying the
// server against a given CA) when given a TlsClientConfig.
#pragma once

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <upgate/text.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace upgate::http::test {

struct TlsClientConfig {
  std::string ca_pem;                                 // the only trusted root
  std::string server_name = "localhost";              // SNI and the name checked in the certificate
  int min_version = TLS1_2_VERSION;                   // e.g. TLS1_1_VERSION to try an old protocol
  int max_version = 0;                                // 0: the library's highest
  std::string alpn = std::string("\x08http/1.1", 9);  // wire format; empty: no ALPN
};

// What the handshake settled, for tests of the TLS policy and of reloads.
struct TlsSessionInfo {
  std::string version;           // "TLSv1.3"
  std::string cipher;            // OpenSSL's name
  std::string alpn;              // "" when none was selected
  std::string peer_fingerprint;  // SHA-256 of the leaf, lower-case hex
};

// SHA-256 of a certificate's DER, lower-case hex (as TlsCertificateInfo reports it).
inline std::string fingerprint(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  X509_digest(cert, EVP_sha256(), digest, &size);
  return text::hex_lower({digest, size});
}

struct ClientResponse {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  // lower-case names; repeated joined by ", "
  std::string body;
  bool chunked = false;
  bool has(const std::string& name) const { return headers.count(name) != 0; }
  std::string get(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class RawClient {
 public:
  // With tls, the constructor completes the handshake or throws (the reason in what()).
  explicit RawClient(std::uint16_t port,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5),
                     const TlsClientConfig* tls = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    timeval tv{};
    tv.tv_sec = timeout.count() / 1000;
    tv.tv_usec = (timeout.count() % 1000) * 1000;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error("connect failed");
    }
    if (tls != nullptr) {
      try {
        start_tls(*tls);
      } catch (...) {
        release();  // the destructor does not run for a constructor that throws
        throw;
      }
    }
  }
  ~RawClient() { release(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // False when the peer is gone (EPIPE/ECONNRESET): a closed connection is a test outcome.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = write_some(bytes.data(), bytes.size());
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  void shutdown_send() {
    if (ssl_ != nullptr) SSL_shutdown(ssl_);  // close_notify first, as a TLS client would
    ::shutdown(fd_, SHUT_WR);
  }
  const TlsSessionInfo& tls_session() const { return session_; }

  // Sends one request and reads its response: nullopt when the request could not be sent
  // or no whole response came back.
  std::optional<ClientResponse> exchange(std::string_view request, bool expect_body = true) {
    if (!send(request)) return std::nullopt;
    return read_response(expect_body);
  }

  // One response; nullopt on EOF/timeout/garbage. For HEAD pass expect_body=false.
  std::optional<ClientResponse> read_response(bool expect_body = true) {
    ClientResponse r;
    std::string head;
    if (!read_until("\r\n\r\n", head)) return std::nullopt;
    auto line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.1 ", 0) != 0 || status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    r.reason = status_line.size() > 13 ? status_line.substr(13) : "";
    std::size_t pos = line_end + 2;
    while (pos < head.size() - 4 + 2) {
      auto end = head.find("\r\n", pos);
      if (end == std::string::npos || end == pos) break;
      std::string line = head.substr(pos, end - pos);
      auto colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      auto [it, inserted] = r.headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
      pos = end + 2;
    }
    if (r.status / 100 == 1 || r.status == 204 || r.status == 304 || !expect_body) return r;
    if (r.get("transfer-encoding") == "chunked") {
      r.chunked = true;
      while (true) {
        std::string size_line;
        if (!read_until("\r\n", size_line)) return std::nullopt;
        const std::size_t size = std::stoul(size_line, nullptr, 16);
        std::string data;
        if (!read_exact(size + 2, data)) return std::nullopt;
        if (size == 0) break;
        r.body += data.substr(0, size);
      }
    } else if (r.has("content-length")) {
      if (!read_exact(std::stoull(r.get("content-length")), r.body)) return std::nullopt;
    } else {
      r.body = read_until_close();
    }
    return r;
  }

  // True when the server closes (EOF or reset) within the client's timeout.
  bool peer_closed() {
    char c;
    while (true) {
      const ssize_t n = read_some(&c, 1);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
      buffered_.push_back(c);  // unexpected data: keep looking for the close
    }
  }

  std::string read_until_close() {
    std::string out = std::move(buffered_);
    buffered_.clear();
    char buf[65536];
    while (true) {
      const ssize_t n = read_some(buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

  // Bytes already received but not yet consumed by read_response().
  const std::string& buffered() const { return buffered_; }
  int fd() const { return fd_; }

 private:
  // recv()/send() semantics over TLS too: >0 bytes, 0 for the peer's close, <0 with errno
  // (ECONNRESET for a broken or refused session, EAGAIN for the socket timeout).
  ssize_t read_some(char* data, std::size_t size) {
    if (ssl_ == nullptr) return ::recv(fd_, data, size, 0);
    const int n = SSL_read(ssl_, data, static_cast<int>(size));
    if (n > 0) return n;
    return tls_failure(n);
  }
  ssize_t write_some(const char* data, std::size_t size) {
    if (ssl_ == nullptr) return ::send(fd_, data, size, MSG_NOSIGNAL);
    const int n = SSL_write(ssl_, data, static_cast<int>(size));
    if (n > 0) return n;
    return tls_failure(n);
  }
  ssize_t tls_failure(int result) {
    const int error = SSL_get_error(ssl_, result);
    ERR_clear_error();
    if (error == SSL_ERROR_ZERO_RETURN) return 0;
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      errno = EAGAIN;
      return -1;
    }
    if (error == SSL_ERROR_SYSCALL && errno == 0) return 0;  // EOF without close_notify
    if (error != SSL_ERROR_SYSCALL) errno = ECONNRESET;
    return -1;
  }

  void release() noexcept {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
    ssl_ = nullptr;
    ctx_ = nullptr;
    fd_ = -1;
  }

  void start_tls(const TlsClientConfig& config) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, config.min_version);
    SSL_CTX_set_max_proto_version(ctx_, config.max_version);
    if (config.min_version != 0 && config.min_version < TLS1_2_VERSION) {
      // Old protocols need SHA-1 signatures, which the default security level forbids:
      // let the client offer them, so the refusal the test sees is the server's.
      SSL_CTX_set_security_level(ctx_, 0);
      SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
    }
    BIO* bio = BIO_new_mem_buf(config.ca_pem.data(), static_cast<int>(config.ca_pem.size()));
    X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (ca == nullptr) throw std::runtime_error("test CA not PEM");
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), ca);
    X509_free(ca);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (!config.alpn.empty()) {
      SSL_CTX_set_alpn_protos(ctx_, reinterpret_cast<const unsigned char*>(config.alpn.data()),
                              static_cast<unsigned>(config.alpn.size()));
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, config.server_name.c_str());
    SSL_set1_host(ssl_, config.server_name.c_str());
    if (SSL_connect(ssl_) != 1) {
      const unsigned long e = ERR_get_error();
      char reason[256];
      ERR_error_string_n(e, reason, sizeof reason);
      ERR_clear_error();
      throw std::runtime_error(std::string("TLS handshake failed: ") + reason);
    }
    session_.version = SSL_get_version(ssl_);
    session_.cipher = SSL_get_cipher_name(ssl_);
    const unsigned char* alpn = nullptr;
    unsigned alpn_size = 0;
    SSL_get0_alpn_selected(ssl_, &alpn, &alpn_size);
    session_.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_size);
    if (X509* peer = SSL_get1_peer_certificate(ssl_)) {
      session_.peer_fingerprint = fingerprint(peer);
      X509_free(peer);
    }
  }

  bool fill() {
    char buf[65536];
    const ssize_t n = read_some(buf, sizeof buf);
    if (n <= 0) return false;
    buffered_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  bool read_until(std::string_view delimiter, std::string& out) {
    while (true) {
      auto at = buffered_.find(delimiter);
      if (at != std::string::npos) {
        out = buffered_.substr(0, at + delimiter.size());
        buffered_.erase(0, at + delimiter.size());
        return true;
      }
      if (!fill()) return false;
    }
  }
  bool read_exact(std::size_t n, std::string& out) {
    while (buffered_.size() < n) {
      if (!fill()) return false;
    }
    out = buffered_.substr(0, n);
    buffered_.erase(0, n);
    return true;
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  TlsSessionInfo session_;
  std::string buffered_;
};

inline std::string get_request(std::string_view target, std::string_view extra = {}) {
  std::string r = "GET ";
  r += target;
  r += " HTTP/1.1\r\nHost: test\r\n";
  r += extra;
  r += "\r\n";
  return r;
}

// Whether a new connection to the port is refused or closed unserved (a stopped listener).
// Accepted by the kernel's backlog but never served counts as refused only once closed.
inline bool connection_refused(std::uint16_t port) {
  try {
    RawClient probe(port, std::chrono::seconds(1));
    return probe.peer_closed();
  } catch (const std::runtime_error&) {
    return true;
  }
}

}  // namespace upgate::http::test

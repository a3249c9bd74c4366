// A raw blocking-socket HTTP/1.1 client for tests: it sends exactly the bytes a test writes
// and parses responses strictly (status line, fields, Content-Length or chunked body), so a
// test sees the wire as a client would. Loopback only.
#pragma once

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
  explicit RawClient(std::uint16_t port,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
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
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // False when the peer is gone (EPIPE/ECONNRESET): a closed connection is a test outcome.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  void shutdown_send() { ::shutdown(fd_, SHUT_WR); }

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
      const ssize_t n = ::recv(fd_, &c, 1, 0);
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
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

  // Bytes already received but not yet consumed by read_response().
  const std::string& buffered() const { return buffered_; }
  int fd() const { return fd_; }

 private:
  bool fill() {
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
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

}  // namespace upgate::http::test

// upgate::http::TlsContext: one server TLS configuration (an OpenSSL SSL_CTX) built from a
// certificate pair, with the protocol policy of tls.hpp.
//
// Immutable once built, so any number of threads may start handshakes from it at once.
// Shared ownership: a connection holds the context it was accepted with until it closes,
// so a reload never pulls a pair out from under a live connection.
#pragma once

#include <upgate/expected.hpp>
#include <upgate/http/tls.hpp>

#include <memory>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace upgate::http {

class TlsContext {
 public:
  // Reads and checks both files (see tls.hpp for what is refused). Blocking: file reads.
  static Expected<std::shared_ptr<const TlsContext>, TlsError> load(const TlsFiles& files);

  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  const TlsCertificateInfo& certificate() const noexcept { return info_; }
  // The SSL_CTX new server connections are created from (SSL_new); owned by this object.
  ssl_ctx_st* native_handle() const noexcept { return context_; }

 private:
  TlsContext(ssl_ctx_st* context, TlsCertificateInfo info) noexcept
      : context_(context), info_(std::move(info)) {}
  ssl_ctx_st* context_;
  TlsCertificateInfo info_;
};

}  // namespace upgate::http

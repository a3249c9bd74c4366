// TLS for upgate::http::Server: what an owner configures and what it learns back.
//
// Promises (the server side; see server.hpp for where they apply):
// - A certificate pair is two PEM files: the certificate chain (leaf first, then any
//   intermediates) and its private key (unencrypted: PKCS#8, PKCS#1 RSA or SEC1 EC).
//   Loading refuses, with a TlsError naming the file and the reason: a file that cannot be
//   read or is over 1 MiB, no certificate or no key in it, an encrypted key, a key that is
//   not the certificate's, a leaf certificate already expired, and a pair OpenSSL will not
//   use (e.g. an RSA key under 2048 bits). Nothing ever prompts for a passphrase.
// - TLS 1.2 and 1.3 only; for 1.2 the cipher suites of Mozilla's "intermediate" guideline
//   (ECDHE/DHE with AES-GCM or ChaCha20-Poly1305; DHE groups chosen to match the key),
//   groups X25519, P-256, P-384; the client's preference decides among them (every suite is
//   strong). No compression, no renegotiation, no session tickets (their keys would never
//   rotate): resumption uses the server's session cache. ALPN: "http/1.1" is selected when
//   offered; a client offering only other protocols proceeds without ALPN.
// - Reloading builds a whole new context from the files; connections keep the pair they
//   were accepted with until they close, new handshakes get the new one. A pair refused on
//   reload leaves the current one in place.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace upgate::http {

struct TlsFiles {
  std::filesystem::path certificate_chain;  // PEM: leaf first, then intermediates
  std::filesystem::path private_key;        // PEM, unencrypted
};

struct TlsSettings {
  TlsFiles files;
  // From the TCP accept to a finished handshake; a client that stalls is closed after it.
  std::chrono::milliseconds handshake_timeout{10'000};
  // How often the two files are checked for a change (inode, size, mtime; a stat() each,
  // off the I/O threads). A renewal by certbot or another ACME client is picked up within
  // this interval. 0: only reload() (e.g. on SIGHUP) loads new files.
  std::chrono::milliseconds watch_interval{10'000};
};

enum class TlsErrorCode : std::uint8_t {
  unreadable,      // a file missing, unreadable, or over the size bound
  no_certificate,  // no PEM certificate in the chain file
  bad_key,         // no usable PEM private key (or an encrypted one)
  key_mismatch,    // the key is not the certificate's
  expired,         // the leaf certificate's notAfter has passed
  rejected,        // OpenSSL refused the pair or the settings (reason in the message)
};

struct TlsError {
  TlsErrorCode code;
  std::string message;  // one line naming the file and the reason; never key material
};

// What is being served, for logs and tests.
struct TlsCertificateInfo {
  std::string subject;                 // the leaf's subject, one line (RFC 2253)
  std::vector<std::string> dns_names;  // subjectAltName DNS entries, e.g. "*.s3.example.com"
  std::string not_after;               // "2026-05-01T12:00:00Z"
  std::string sha256_fingerprint;      // of the leaf's DER, lower-case hex
  std::size_t chain_length = 0;        // certificates after the leaf
};

// The outcome of one reload attempt, whether asked for (reload()) or triggered by a change
// of the files the watcher noticed.
struct TlsReloadEvent {
  enum class Trigger : std::uint8_t { requested, files_changed };
  Trigger trigger = Trigger::requested;
  bool loaded = false;             // true: new handshakes now use `certificate`
  TlsCertificateInfo certificate;  // the pair now served (the old one when !loaded)
  std::string error;               // why the new pair was refused, when !loaded
};
using TlsReloadObserver = std::function<void(const TlsReloadEvent&)>;

}  // namespace upgate::http

#include <upgate/http/tls_context.hpp>
#include <upgate/text.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>

namespace upgate::http {

namespace {

// Mozilla's "intermediate" guideline (v5.7) for TLS 1.2: forward secrecy and AEAD only.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";
// A certificate chain or a key is a few KiB; anything this large is not one.
constexpr std::streamsize kMaxPemBytes = 1024 * 1024;
constexpr unsigned char kSessionContext[] = {'u', 'p', 'g', 'a', 't', 'e'};
// ALPN wire format: length-prefixed protocol names.
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct ChainFree {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
struct CtxFree {
  void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Certificate = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Chain = std::unique_ptr<STACK_OF(X509), ChainFree>;
using Ctx = std::unique_ptr<SSL_CTX, CtxFree>;

// An encrypted key must fail, not prompt on the terminal (OpenSSL's default callback).
int refuse_passphrase(char*, int, int, void*) {
  return -1;
}

// The most recent OpenSSL reason, e.g. "ee key too small"; clears the queue.
std::string openssl_reason() {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(last);
}

TlsError error(TlsErrorCode code, std::string message) {
  ERR_clear_error();
  return TlsError{code, std::move(message)};
}

std::string quoted(const std::filesystem::path& path) {
  return "\"" + path.string() + "\"";
}

Expected<std::string, TlsError> read_pem_file(const std::filesystem::path& path,
                                              std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Unexpected(error(
        TlsErrorCode::unreadable,
        "cannot read the " + std::string(what) + " " + quoted(path) + ": " + std::strerror(errno)));
  }
  std::string text(static_cast<std::size_t>(kMaxPemBytes) + 1, '\0');
  in.read(text.data(), kMaxPemBytes + 1);
  if (in.bad()) {
    return Unexpected(error(TlsErrorCode::unreadable,
                            "cannot read the " + std::string(what) + " " + quoted(path)));
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > static_cast<std::size_t>(kMaxPemBytes)) {
    return Unexpected(error(TlsErrorCode::unreadable,
                            "the " + std::string(what) + " " + quoted(path) + " is over 1 MiB"));
  }
  return text;
}

Bio memory_bio(const std::string& text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string format_time(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return "unknown";
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

TlsCertificateInfo describe(X509* leaf, std::size_t chain_length) {
  TlsCertificateInfo info;
  if (Bio bio{BIO_new(BIO_s_mem())}) {
    X509_NAME_print_ex(bio.get(), X509_get_subject_name(leaf), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    if (size > 0) info.subject.assign(data, static_cast<std::size_t>(size));
  }
  if (auto* names = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type != GEN_DNS) continue;
      const ASN1_IA5STRING* dns = name->d.dNSName;
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                  static_cast<std::size_t>(ASN1_STRING_length(dns)));
    }
    GENERAL_NAMES_free(names);
  }
  info.not_after = format_time(X509_get0_notAfter(leaf));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (X509_digest(leaf, EVP_sha256(), digest, &digest_size) == 1) {
    info.sha256_fingerprint = text::hex_lower({digest, digest_size});
  }
  info.chain_length = chain_length;
  return info;
}

int select_http11(SSL*, const unsigned char** out, unsigned char* out_size,
                  const unsigned char* offered, unsigned int offered_size, void*) {
  unsigned char* selected = nullptr;
  unsigned char selected_size = 0;
  if (SSL_select_next_proto(&selected, &selected_size, kAlpnHttp11, sizeof kAlpnHttp11, offered,
                            offered_size) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // HTTP/1.1 without ALPN, as before ALPN existed
  }
  *out = selected;
  *out_size = selected_size;
  return SSL_TLSEXT_ERR_OK;
}

Expected<Ctx, TlsError> make_context(X509* leaf, STACK_OF(X509) * chain, EVP_PKEY* key,
                                     const TlsFiles& files) {
  Ctx ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return Unexpected(error(TlsErrorCode::rejected, "SSL_CTX_new: " + openssl_reason()));
  SSL_CTX* c = ctx.get();
  const bool policy =
      SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) == 1 &&
      SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) == 1 &&
      SSL_CTX_set_cipher_list(c, kTls12Ciphers) == 1 &&
      SSL_CTX_set_ciphersuites(c, kTls13Suites) == 1 && SSL_CTX_set1_groups_list(c, kGroups) == 1 &&
      SSL_CTX_set_dh_auto(c, 1) == 1 &&
      SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext) == 1;
  if (!policy) {
    return Unexpected(error(TlsErrorCode::rejected, "TLS policy refused: " + openssl_reason()));
  }
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_clear_options(c, SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_alpn_select_cb(c, select_http11, nullptr);

  if (SSL_CTX_use_certificate(c, leaf) != 1) {
    return Unexpected(error(TlsErrorCode::rejected, "the certificate in " +
                                                        quoted(files.certificate_chain) +
                                                        " was refused: " + openssl_reason()));
  }
  if (SSL_CTX_set1_chain(c, chain) != 1) {
    return Unexpected(error(
        TlsErrorCode::rejected,
        "the chain in " + quoted(files.certificate_chain) + " was refused: " + openssl_reason()));
  }
  if (SSL_CTX_use_PrivateKey(c, key) != 1 || SSL_CTX_check_private_key(c) != 1) {
    return Unexpected(error(TlsErrorCode::rejected, "the key in " + quoted(files.private_key) +
                                                        " was refused: " + openssl_reason()));
  }
  return ctx;
}

}  // namespace

TlsContext::~TlsContext() {
  SSL_CTX_free(context_);
}

Expected<std::shared_ptr<const TlsContext>, TlsError> TlsContext::load(const TlsFiles& files) {
  ERR_clear_error();
  auto chain_text = read_pem_file(files.certificate_chain, "certificate chain");
  if (!chain_text) return Unexpected(std::move(chain_text).error());
  auto key_text = read_pem_file(files.private_key, "private key");
  if (!key_text) return Unexpected(std::move(key_text).error());

  Bio chain_bio = memory_bio(*chain_text);
  Certificate leaf(PEM_read_bio_X509_AUX(chain_bio.get(), nullptr, refuse_passphrase, nullptr));
  if (!leaf) {
    return Unexpected(error(TlsErrorCode::no_certificate,
                            "no PEM certificate in " + quoted(files.certificate_chain)));
  }
  Chain chain(sk_X509_new_null());
  while (X509* next = PEM_read_bio_X509(chain_bio.get(), nullptr, refuse_passphrase, nullptr)) {
    sk_X509_push(chain.get(), next);
  }
  ERR_clear_error();  // the end of the file reads as "no start line"

  Bio key_bio = memory_bio(*key_text);
  Key key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, refuse_passphrase, nullptr));
  if (!key) {
    const bool encrypted = key_text->find("ENCRYPTED") != std::string::npos;
    return Unexpected(error(TlsErrorCode::bad_key,
                            encrypted ? "the private key in " + quoted(files.private_key) +
                                            " is encrypted; upgate needs it unencrypted "
                                            "(readable by its user only)"
                                      : "no PEM private key in " + quoted(files.private_key)));
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    return Unexpected(
        error(TlsErrorCode::key_mismatch, "the private key in " + quoted(files.private_key) +
                                              " does not belong to the certificate in " +
                                              quoted(files.certificate_chain)));
  }
  if (X509_cmp_current_time(X509_get0_notAfter(leaf.get())) <= 0) {
    return Unexpected(error(TlsErrorCode::expired,
                            "the certificate in " + quoted(files.certificate_chain) +
                                " expired on " + format_time(X509_get0_notAfter(leaf.get()))));
  }
  auto ctx = make_context(leaf.get(), chain.get(), key.get(), files);
  if (!ctx) return Unexpected(std::move(ctx).error());
  TlsCertificateInfo info =
      describe(leaf.get(), static_cast<std::size_t>(sk_X509_num(chain.get())));
  return std::shared_ptr<const TlsContext>(new TlsContext(ctx->release(), std::move(info)));
}

}  // namespace upgate::http

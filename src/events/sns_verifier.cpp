#include "upgate/events/sns_verifier.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <boost/url/parse.hpp>

#include <ctime>
#include <map>
#include <mutex>

#include "upgate/enum_names.hpp"
#include "upgate/s3/dates.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/text.hpp"

namespace upgate::events {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using StackPtr = std::unique_ptr<STACK_OF(X509), StackFree>;

// Every certificate in `pem`, in order; empty when none parses.
StackPtr read_certificates(std::string_view pem) {
  StackPtr out(sk_X509_new_null());
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!out || !bio) return out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    sk_X509_push(out.get(), cert);
  }
  ERR_clear_error();  // the read that ends the loop leaves "no start line" behind
  return out;
}

// "sns.*.amazonaws.com": labels of letters, digits, '-', or a lone '*'.
bool valid_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.size() > 253) return false;
  std::size_t start = 0;
  while (start <= pattern.size()) {
    const auto dot = pattern.find('.', start);
    const std::string_view label =
        pattern.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return false;
    if (label != "*") {
      for (char c : label) {
        if (!text::is_alnum(c) && c != '-') return false;
      }
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

bool host_matches(std::string_view host, std::string_view pattern) {
  while (true) {
    const auto pattern_dot = pattern.find('.');
    const auto host_dot = host.find('.');
    const std::string_view p = pattern.substr(0, pattern_dot);
    const std::string_view h = host.substr(0, host_dot);
    if (p == "*") {
      if (h.empty()) return false;
      for (char c : h) {
        if (!text::is_alnum(c) && c != '-') return false;
      }
    } else if (!text::iequals(p, h)) {
      return false;
    }
    if (pattern_dot == std::string_view::npos || host_dot == std::string_view::npos) {
      return pattern_dot == std::string_view::npos && host_dot == std::string_view::npos;
    }
    pattern.remove_prefix(pattern_dot + 1);
    host.remove_prefix(host_dot + 1);
  }
}

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

std::string asn1_time_text(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return "an unreadable date";
  return s3::format_iso8601_ms(std::chrono::system_clock::from_time_t(timegm(&tm)));
}

struct CachedCertificate {
  X509Ptr leaf;
  StackPtr extra;  // the rest of the fetched PEM
};

}  // namespace

constexpr std::string_view kSnsRefusalCodeNames[] = {"unsupported_signature_version",
                                                     "topic_not_allowed",
                                                     "malformed_signature",
                                                     "cert_url_not_https",
                                                     "cert_host_not_allowed",
                                                     "cert_fetch_failed",
                                                     "cert_unreadable",
                                                     "cert_expired",
                                                     "cert_not_yet_valid",
                                                     "cert_untrusted",
                                                     "cert_wrong_name",
                                                     "bad_signature"};
static_assert(names_through(kSnsRefusalCodeNames, SnsRefusalCode::kBadSignature));

std::string_view to_string(SnsRefusalCode code) {
  return name_at(kSnsRefusalCodeNames, code, "bad_signature");
}

struct SnsVerifier::State {
  SnsVerifierOptions options;
  CertificateFetcher fetch;
  std::unique_ptr<X509_STORE, StoreFree> store;
  StackPtr intermediates;
  mutable std::mutex mutex;
  mutable std::map<std::string, std::shared_ptr<const CachedCertificate>, std::less<>> cache;

  // Why `url` may not be fetched, or nullopt when it may.
  std::optional<SnsRefusal> check_url(std::string_view url) const {
    auto parsed = boost::urls::parse_absolute_uri(url);
    const std::string shown = s3client::printable(url, 200);
    if (!parsed || !text::iequals(parsed->scheme(), "https")) {
      return SnsRefusal{SnsRefusalCode::kCertUrlNotHttps,
                        "the SigningCertURL " + shown + " is not an https URL"};
    }
    const bool port_ok = !parsed->has_port() || parsed->port() == "443";
    const bool host_ok =
        parsed->host_type() == boost::urls::host_type::name && !parsed->has_userinfo() && port_ok;
    if (host_ok) {
      const std::string host = parsed->host();
      for (const std::string& pattern : options.cert_host_patterns) {
        if (host_matches(host, pattern)) return std::nullopt;
      }
    }
    return SnsRefusal{SnsRefusalCode::kCertHostNotAllowed,
                      "the SigningCertURL " + shown + " is not at an allowed SNS host"};
  }

  Expected<std::shared_ptr<const CachedCertificate>, SnsRefusal> certificate(
      const std::string& url) const {
    {
      std::lock_guard lock(mutex);
      if (auto it = cache.find(url); it != cache.end()) return it->second;
    }
    auto pem = fetch(url);
    const std::string host_note = " (" + s3client::printable(url, 200) + ")";
    if (!pem) {
      return Unexpected(SnsRefusal{SnsRefusalCode::kCertFetchFailed,
                                   "the signing certificate could not be fetched" + host_note +
                                       ": " + s3client::printable(pem.error(), 200)});
    }
    if (pem->size() > options.max_certificate_bytes) {
      return Unexpected(SnsRefusal{SnsRefusalCode::kCertUnreadable,
                                   "the signing certificate is larger than " +
                                       std::to_string(options.max_certificate_bytes) + " bytes" +
                                       host_note});
    }
    StackPtr all = read_certificates(*pem);
    if (!all || sk_X509_num(all.get()) == 0) {
      return Unexpected(SnsRefusal{SnsRefusalCode::kCertUnreadable,
                                   "the signing certificate is not a PEM certificate" + host_note});
    }
    auto entry = std::make_shared<CachedCertificate>();
    entry->leaf.reset(sk_X509_shift(all.get()));
    entry->extra = std::move(all);
    std::lock_guard lock(mutex);
    if (cache.size() >= options.cache_entries && !cache.empty()) {
      auto end = cache.begin();
      std::advance(end, static_cast<std::ptrdiff_t>((cache.size() + 1) / 2));
      cache.erase(cache.begin(), end);
    }
    cache.emplace(url, entry);
    return std::shared_ptr<const CachedCertificate>(std::move(entry));
  }

  std::optional<SnsRefusal> check_chain(const CachedCertificate& cert, std::time_t now) const {
    StackPtr untrusted(sk_X509_new_null());
    for (STACK_OF(X509) * source : {cert.extra.get(), intermediates.get()}) {
      for (int i = 0; source != nullptr && i < sk_X509_num(source); ++i) {
        X509* c = sk_X509_value(source, i);
        X509_up_ref(c);
        sk_X509_push(untrusted.get(), c);
      }
    }
    std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
    if (!ctx ||
        X509_STORE_CTX_init(ctx.get(), store.get(), cert.leaf.get(), untrusted.get()) != 1) {
      return SnsRefusal{SnsRefusalCode::kCertUntrusted,
                        "the certificate chain could not be checked: " + openssl_reason()};
    }
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), now);
    if (X509_verify_cert(ctx.get()) == 1) return std::nullopt;
    const int error = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    X509* failing = X509_STORE_CTX_get_current_cert(ctx.get());
    ERR_clear_error();
    const std::string which = depth == 0 ? "the signing certificate"
                                         : "certificate " + std::to_string(depth) + " of its chain";
    if (error == X509_V_ERR_CERT_HAS_EXPIRED) {
      return SnsRefusal{SnsRefusalCode::kCertExpired,
                        which + " expired on " + asn1_time_text(X509_get0_notAfter(failing))};
    }
    if (error == X509_V_ERR_CERT_NOT_YET_VALID) {
      return SnsRefusal{
          SnsRefusalCode::kCertNotYetValid,
          which + " is not valid before " + asn1_time_text(X509_get0_notBefore(failing))};
    }
    return SnsRefusal{SnsRefusalCode::kCertUntrusted,
                      which + " is not trusted: " + X509_verify_cert_error_string(error)};
  }
};

Expected<SnsVerifier, std::string> SnsVerifier::create(SnsVerifierOptions options,
                                                       CertificateFetcher fetch) {
  for (const std::string& pattern : options.cert_host_patterns) {
    if (!valid_pattern(pattern)) {
      return Unexpected("the SNS certificate host pattern '" + s3client::printable(pattern, 100) +
                        "' is not a host name whose labels are letters, digits, '-' or '*'");
    }
  }
  if (!fetch) return Unexpected(std::string("the SNS verifier needs a certificate fetcher"));
  auto state = std::make_shared<State>();
  state->store.reset(X509_STORE_new());
  if (!state->store) return Unexpected("cannot create a certificate store: " + openssl_reason());
  if (!options.trusted_ca_file.empty()) {
    if (X509_STORE_load_file(state->store.get(), options.trusted_ca_file.c_str()) != 1) {
      return Unexpected("cannot read the SNS trust bundle " + options.trusted_ca_file + ": " +
                        openssl_reason());
    }
  }
  if (!options.trusted_ca_pem.empty()) {
    StackPtr roots = read_certificates(options.trusted_ca_pem);
    if (!roots || sk_X509_num(roots.get()) == 0) {
      return Unexpected(std::string("the SNS trusted CA PEM holds no certificate"));
    }
    for (int i = 0; i < sk_X509_num(roots.get()); ++i) {
      X509_STORE_add_cert(state->store.get(), sk_X509_value(roots.get(), i));
    }
  }
  if (options.trusted_ca_file.empty() && options.trusted_ca_pem.empty() &&
      X509_STORE_set_default_paths(state->store.get()) != 1) {
    return Unexpected("cannot load the system's trusted certificates: " + openssl_reason());
  }
  if (!options.intermediates_pem.empty()) {
    state->intermediates = read_certificates(options.intermediates_pem);
    if (!state->intermediates || sk_X509_num(state->intermediates.get()) == 0) {
      return Unexpected(std::string("the SNS intermediates PEM holds no certificate"));
    }
  }
  if (options.cache_entries == 0) options.cache_entries = 1;
  state->options = std::move(options);
  state->fetch = std::move(fetch);
  return SnsVerifier(std::move(state));
}

bool SnsVerifier::host_allowed(std::string_view url) const {
  return !state_->check_url(url).has_value();
}

Expected<void, SnsRefusal> SnsVerifier::verify(const SnsMessage& message,
                                               std::chrono::system_clock::time_point now) const {
  const SnsVerifierOptions& options = state_->options;
  const EVP_MD* digest = nullptr;
  if (message.signature_version == "2") {
    digest = EVP_sha256();
  } else if (message.signature_version == "1" && !options.require_signature_version_2) {
    digest = EVP_sha1();
  } else {
    return Unexpected(SnsRefusal{
        SnsRefusalCode::kUnsupportedSignatureVersion,
        "SignatureVersion " + s3client::printable(message.signature_version, 20) +
            (options.require_signature_version_2 ? " is not 2 (SHA256withRSA), which is required"
                                                 : " is neither 1 nor 2")});
  }
  if (!options.allowed_topic_arns.empty()) {
    bool allowed = false;
    for (const std::string& arn : options.allowed_topic_arns) allowed |= arn == message.topic_arn;
    if (!allowed) {
      return Unexpected(SnsRefusal{
          SnsRefusalCode::kTopicNotAllowed,
          "the topic " + s3client::printable(message.topic_arn, 200) + " is not an allowed topic"});
    }
  }
  std::string signature;
  if (message.signature.empty() || !sigv4::base64_decode(message.signature, signature)) {
    return Unexpected(
        SnsRefusal{SnsRefusalCode::kMalformedSignature, "the Signature is not base64"});
  }
  if (auto refusal = state_->check_url(message.signing_cert_url)) {
    return Unexpected(std::move(*refusal));
  }
  auto cert = state_->certificate(message.signing_cert_url);
  if (!cert) return Unexpected(std::move(cert).error());
  const CachedCertificate& certificate = **cert;
  if (auto refusal = state_->check_chain(certificate, std::chrono::system_clock::to_time_t(now))) {
    return Unexpected(std::move(*refusal));
  }
  if (!options.certificate_name.empty() &&
      X509_check_host(certificate.leaf.get(), options.certificate_name.data(),
                      options.certificate_name.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                      nullptr) != 1) {
    ERR_clear_error();
    return Unexpected(
        SnsRefusal{SnsRefusalCode::kCertWrongName,
                   "the signing certificate is not issued to " + options.certificate_name});
  }

  EVP_PKEY* key = X509_get0_pubkey(certificate.leaf.get());
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    ERR_clear_error();
    return Unexpected(SnsRefusal{SnsRefusalCode::kBadSignature,
                                 "the signing certificate does not hold an RSA key"});
  }
  const std::string content = sns_string_to_sign(message);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, digest, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(content.data()),
                       content.size()) == 1;
  ERR_clear_error();
  if (!ok) {
    return Unexpected(
        SnsRefusal{SnsRefusalCode::kBadSignature,
                   std::string("the signature does not match the message (SignatureVersion ") +
                       message.signature_version + ")"});
  }
  return {};
}

}  // namespace upgate::events

// Test certificates made in-process with OpenSSL (no openssl process, no committed keys): a
// CA and leaf certificates it issues (P-256 keys), written as PEM files into a temp dir.
#pragma once

#include <upgate/http/tls.hpp>

#include "support/raw_http_client.hpp"
#include "support/temp_dir.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace upgate::http::test {

struct KeyDeleter {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct CertDeleter {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
using TestKey = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using TestCert = std::unique_ptr<X509, CertDeleter>;

inline TestKey new_p256_key() {
  TestKey key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("EVP_EC_gen failed");
  return key;
}

inline std::string pem_of(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

inline std::string pem_of(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

inline void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

struct TestIdentity {
  TestKey key;
  TestCert cert;
  std::string cert_pem() const { return pem_of(cert.get()); }
  std::string key_pem() const { return pem_of(key.get()); }
};

// Validity is relative to now: [now + not_before, now + not_after].
struct Validity {
  std::chrono::seconds not_before{-3600};
  std::chrono::seconds not_after{86400};
};

inline TestCert make_cert(EVP_PKEY* subject_key, const std::string& common_name, X509* issuer,
                          EVP_PKEY* issuer_key, bool is_ca, const std::vector<std::string>& names,
                          Validity validity) {
  TestCert cert(X509_new());
  X509* x = cert.get();
  X509_set_version(x, 2);
  static std::mt19937_64 serials{std::random_device{}()};
  ASN1_INTEGER_set_int64(X509_get_serialNumber(x), static_cast<std::int64_t>(serials() >> 2));
  X509_gmtime_adj(X509_getm_notBefore(x), static_cast<long>(validity.not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(validity.not_after.count()));
  X509_set_pubkey(x, subject_key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer != nullptr ? issuer : x;
  if (is_ca) {
    add_extension(x, signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(x, signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(x, signer, NID_key_usage, "critical,digitalSignature");
    add_extension(x, signer, NID_ext_key_usage, "serverAuth");
  }
  add_extension(x, signer, NID_subject_key_identifier, "hash");
  if (!names.empty()) {
    std::string san;
    for (const auto& n : names) {
      if (!san.empty()) san += ",";
      const bool ip = n.find_first_not_of("0123456789.") == std::string::npos;
      san += (ip ? "IP:" : "DNS:") + n;
    }
    add_extension(x, signer, NID_subject_alt_name, san);
  }
  if (X509_sign(x, issuer_key, EVP_sha256()) == 0) throw std::runtime_error("X509_sign failed");
  return cert;
}

class TestCa {
 public:
  explicit TestCa(const std::string& name = "upgate test CA") : key_(new_p256_key()) {
    cert_ = make_cert(key_.get(), name, nullptr, key_.get(), true, {}, {});
  }
  // A server certificate for the names (DNS names or dotted-quad IPs).
  TestIdentity issue(const std::vector<std::string>& names, Validity validity = {},
                     const std::string& common_name = "upgate test server") const {
    TestIdentity id{new_p256_key(), nullptr};
    id.cert = make_cert(id.key.get(), common_name, cert_.get(), key_.get(), false, names, validity);
    return id;
  }
  std::string cert_pem() const { return pem_of(cert_.get()); }
  X509* cert() const { return cert_.get(); }

 private:
  TestKey key_;
  TestCert cert_;
};

inline std::string fingerprint_of(const TestIdentity& id) {
  return fingerprint(id.cert.get());
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  // Written beside and renamed over, as certbot and most deploy hooks do.
  const auto temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
  }
  std::filesystem::rename(temp, path);
}

// A CA, a server pair for localhost and 127.0.0.1 written to a temp dir, and a client
// configuration trusting that CA: what a TLS variant of a server test needs.
struct TlsTestFiles {
  TlsTestFiles() : server(ca.issue({"localhost", "127.0.0.1"})) {
    files.certificate_chain = dir.file("chain.pem");
    files.private_key = dir.file("key.pem");
    install(server);
    client.ca_pem = ca.cert_pem();
  }
  // Writes a pair over the served files.
  void install(const TestIdentity& id) const {
    write_file(files.certificate_chain, id.cert_pem());
    write_file(files.private_key, id.key_pem());
  }
  TlsSettings settings(std::chrono::milliseconds watch_interval = {}) const {
    TlsSettings s;
    s.files = files;
    s.watch_interval = watch_interval;
    return s;
  }

  upgate::testing::TempDir dir;
  TestCa ca;
  TestIdentity server;
  TlsFiles files;
  TlsClientConfig client;
};

}  // namespace upgate::http::test

// TlsContext::load: what makes a good certificate pair, and that every bad one is refused
// with one line naming the file and the reason (and never a prompt for a passphrase).
#include <upgate/http/tls_context.hpp>

#include "test_certificates.hpp"

#include <openssl/rsa.h>
#include <openssl/ssl.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace upgate::http {
namespace {

using test::TestCa;
using test::TestIdentity;
using ::testing::HasSubstr;

class TlsContextTest : public ::testing::Test {
 protected:
  TlsFiles write(const std::string& chain, const std::string& key) {
    TlsFiles files;
    files.certificate_chain = dir_.write("chain.pem", chain);
    files.private_key = dir_.write("key.pem", key);
    return files;
  }
  upgate::testing::TempDir dir_;
  TestCa ca_;
};

TEST_F(TlsContextTest, AGoodPairLoadsAndDescribesItsLeaf) {
  const TestIdentity id = ca_.issue({"localhost", "*.s3.localhost", "127.0.0.1"});
  auto loaded = TlsContext::load(write(id.cert_pem(), id.key_pem()));
  ASSERT_TRUE(loaded) << loaded.error().message;
  const TlsCertificateInfo& info = (*loaded)->certificate();
  EXPECT_EQ(info.subject, "CN=upgate test server");
  EXPECT_THAT(info.dns_names, ::testing::ElementsAre("localhost", "*.s3.localhost"));
  EXPECT_EQ(info.sha256_fingerprint.size(), 64u);
  EXPECT_EQ(info.chain_length, 0u);
  EXPECT_THAT(info.not_after, ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z"));
  EXPECT_NE((*loaded)->native_handle(), nullptr);
}

TEST_F(TlsContextTest, TheChainAfterTheLeafIsServedToo) {
  // An intermediate CA signs the leaf; the chain file holds leaf then intermediate.
  test::TestKey root_key = test::new_p256_key();
  test::TestCert root =
      test::make_cert(root_key.get(), "root", nullptr, root_key.get(), true, {}, {});
  test::TestKey intermediate_key = test::new_p256_key();
  test::TestCert intermediate = test::make_cert(intermediate_key.get(), "upgate test intermediate",
                                                root.get(), root_key.get(), true, {}, {});
  test::TestKey leaf_key = test::new_p256_key();
  test::TestCert leaf = test::make_cert(leaf_key.get(), "leaf", intermediate.get(),
                                        intermediate_key.get(), false, {"localhost"}, {});
  auto loaded = TlsContext::load(write(test::pem_of(leaf.get()) + test::pem_of(intermediate.get()),
                                       test::pem_of(leaf_key.get())));
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ((*loaded)->certificate().chain_length, 1u);
  EXPECT_EQ((*loaded)->certificate().subject, "CN=leaf");
}

TEST_F(TlsContextTest, PolicyIsTls12And13WithTheIntermediateSuitesOnly) {
  const TestIdentity id = ca_.issue({"localhost"});
  auto loaded = TlsContext::load(write(id.cert_pem(), id.key_pem()));
  ASSERT_TRUE(loaded);
  SSL_CTX* ctx = (*loaded)->native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(ctx), TLS1_3_VERSION);
  EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_COMPRESSION, 0u);
  EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_RENEGOTIATION, 0u);
  EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_TICKET, 0u);
  std::vector<std::string> suites;
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(ctx);
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    suites.emplace_back(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i)));
  }
  // The three TLS 1.3 suites, then Mozilla's nine for TLS 1.2 (all AEAD with forward secrecy).
  EXPECT_THAT(suites, ::testing::ElementsAre(
                          "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                          "TLS_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256",
                          "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                          "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
                          "ECDHE-RSA-CHACHA20-POLY1305", "DHE-RSA-AES128-GCM-SHA256",
                          "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305"));
}

TEST_F(TlsContextTest, MissingFilesAreNamed) {
  TlsFiles files{dir_.file("nope.pem"), dir_.file("nokey.pem")};
  auto loaded = TlsContext::load(files);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, TlsErrorCode::unreadable);
  EXPECT_THAT(loaded.error().message, HasSubstr("nope.pem"));
  EXPECT_THAT(loaded.error().message, HasSubstr("No such file"));
}

TEST_F(TlsContextTest, FilesWithoutPemAreRefused) {
  const TestIdentity id = ca_.issue({"localhost"});
  auto no_cert = TlsContext::load(write("not a certificate\n", id.key_pem()));
  ASSERT_FALSE(no_cert);
  EXPECT_EQ(no_cert.error().code, TlsErrorCode::no_certificate);
  EXPECT_THAT(no_cert.error().message, HasSubstr("chain.pem"));

  auto no_key = TlsContext::load(write(id.cert_pem(), id.cert_pem()));  // a cert, not a key
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().code, TlsErrorCode::bad_key);
  EXPECT_THAT(no_key.error().message, HasSubstr("key.pem"));
}

TEST_F(TlsContextTest, AKeyOfAnotherCertificateIsRefused) {
  const TestIdentity a = ca_.issue({"localhost"});
  const TestIdentity b = ca_.issue({"localhost"});
  auto loaded = TlsContext::load(write(a.cert_pem(), b.key_pem()));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, TlsErrorCode::key_mismatch);
  EXPECT_THAT(loaded.error().message, HasSubstr("does not belong to the certificate"));
  EXPECT_THAT(loaded.error().message, HasSubstr("key.pem"));
  EXPECT_THAT(loaded.error().message, HasSubstr("chain.pem"));
  EXPECT_EQ(loaded.error().message.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(TlsContextTest, AnExpiredCertificateIsRefused) {
  const TestIdentity old =
      ca_.issue({"localhost"}, {std::chrono::seconds(-7200), std::chrono::seconds(-60)});
  auto loaded = TlsContext::load(write(old.cert_pem(), old.key_pem()));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, TlsErrorCode::expired);
  EXPECT_THAT(loaded.error().message, HasSubstr("expired on"));
}

TEST_F(TlsContextTest, AnEncryptedKeyIsRefusedWithoutAPrompt) {
  const TestIdentity id = ca_.issue({"localhost"});
  BIO* bio = BIO_new(BIO_s_mem());
  const std::string pass = "secret-passphrase";
  PEM_write_bio_PrivateKey(bio, id.key.get(), EVP_aes_128_cbc(),
                           reinterpret_cast<const unsigned char*>(pass.data()),
                           static_cast<int>(pass.size()), nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  const std::string encrypted(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  auto loaded = TlsContext::load(write(id.cert_pem(), encrypted));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, TlsErrorCode::bad_key);
  EXPECT_THAT(loaded.error().message, HasSubstr("encrypted"));
}

TEST_F(TlsContextTest, AWeakKeyIsRefusedByOpenSsl) {
  test::TestKey weak(EVP_RSA_gen(1024));
  ASSERT_TRUE(weak);
  test::TestKey root_key = test::new_p256_key();
  test::TestCert root =
      test::make_cert(root_key.get(), "root", nullptr, root_key.get(), true, {}, {});
  test::TestCert leaf =
      test::make_cert(weak.get(), "weak", root.get(), root_key.get(), false, {"localhost"}, {});
  auto loaded = TlsContext::load(write(test::pem_of(leaf.get()), test::pem_of(weak.get())));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, TlsErrorCode::rejected);
  EXPECT_THAT(loaded.error().message, HasSubstr("too small"));
}

TEST_F(TlsContextTest, AFileOverOneMebibyteIsRefused) {
  const TestIdentity id = ca_.issue({"localhost"});
  auto loaded =
      TlsContext::load(write(id.cert_pem() + std::string(1024 * 1024, '\n'), id.key_pem()));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, TlsErrorCode::unreadable);
  EXPECT_THAT(loaded.error().message, HasSubstr("over 1 MiB"));
}

}  // namespace
}  // namespace upgate::http

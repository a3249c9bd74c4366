// TlsCertificates: reload() and the watcher's reload_if_changed(): a changed pair is taken
// once it has settled, a refused pair keeps the current one and is not retried until a
// file changes again.
#include <upgate/http/tls_certificates.hpp>

#include "test_certificates.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace upgate::http {
namespace {

using ::testing::HasSubstr;

class TlsCertificatesTest : public ::testing::Test {
 protected:
  std::unique_ptr<TlsCertificates> load() {
    auto loaded = TlsCertificates::load(files_.files);
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return std::move(*loaded);
  }
  std::string serving(const TlsCertificates& certificates) const {
    return certificates.current()->certificate().sha256_fingerprint;
  }
  test::TlsTestFiles files_;
};

TEST_F(TlsCertificatesTest, LoadRefusesABadPairAtOnce) {
  files_.install({test::new_p256_key(), files_.ca.issue({"localhost"}).cert});
  auto loaded = TlsCertificates::load(files_.files);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, TlsErrorCode::key_mismatch);
}

TEST_F(TlsCertificatesTest, ReloadTakesANewPairForNewHandshakes) {
  auto certificates = load();
  const auto before = certificates->current();
  EXPECT_EQ(serving(*certificates), test::fingerprint_of(files_.server));
  const test::TestIdentity renewed = files_.ca.issue({"localhost"});
  files_.install(renewed);
  auto reloaded = certificates->reload();
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  EXPECT_EQ(reloaded->sha256_fingerprint, test::fingerprint_of(renewed));
  EXPECT_EQ(serving(*certificates), test::fingerprint_of(renewed));
  // Whoever took the old context (an open connection) still has it, whole.
  EXPECT_EQ(before->certificate().sha256_fingerprint, test::fingerprint_of(files_.server));
}

TEST_F(TlsCertificatesTest, ARefusedReloadKeepsTheCurrentPair) {
  auto certificates = load();
  const test::TestIdentity other = files_.ca.issue({"localhost"});
  test::write_file(files_.files.private_key, other.key_pem());  // the key of another cert
  auto reloaded = certificates->reload();
  ASSERT_FALSE(reloaded);
  EXPECT_EQ(reloaded.error().code, TlsErrorCode::key_mismatch);
  EXPECT_EQ(serving(*certificates), test::fingerprint_of(files_.server));

  std::filesystem::remove(files_.files.certificate_chain);
  auto missing = certificates->reload();
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, TlsErrorCode::unreadable);
  EXPECT_EQ(serving(*certificates), test::fingerprint_of(files_.server));
}

TEST_F(TlsCertificatesTest, UnchangedFilesAreNotReloaded) {
  auto certificates = load();
  EXPECT_FALSE(certificates->reload_if_changed());
  EXPECT_FALSE(certificates->reload_if_changed());
}

TEST_F(TlsCertificatesTest, AChangeIsTakenOnceItHasSettled) {
  auto certificates = load();
  const test::TestIdentity renewed = files_.ca.issue({"localhost"});
  files_.install(renewed);
  // First look: the files moved since the previous look, so they may still be moving.
  EXPECT_FALSE(certificates->reload_if_changed());
  EXPECT_EQ(serving(*certificates), test::fingerprint_of(files_.server));
  // Second look: the same as the first: taken.
  auto outcome = certificates->reload_if_changed();
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(*outcome) << outcome->error().message;
  EXPECT_EQ(serving(*certificates), test::fingerprint_of(renewed));
  EXPECT_FALSE(certificates->reload_if_changed());
}

TEST_F(TlsCertificatesTest, ARenewalCaughtHalfWrittenIsNotReportedAsRefused) {
  auto certificates = load();
  const test::TestIdentity renewed = files_.ca.issue({"localhost"});
  test::write_file(files_.files.certificate_chain, renewed.cert_pem());
  EXPECT_FALSE(certificates->reload_if_changed());  // the certificate moved: settling
  test::write_file(files_.files.private_key, renewed.key_pem());
  EXPECT_FALSE(certificates->reload_if_changed());  // the key moved too: settling again
  auto outcome = certificates->reload_if_changed();
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(*outcome);
  EXPECT_EQ(serving(*certificates), test::fingerprint_of(renewed));
}

TEST_F(TlsCertificatesTest, ARefusedChangeIsReportedOnceAndRetriedWhenTheFilesChangeAgain) {
  auto certificates = load();
  const test::TestIdentity other = files_.ca.issue({"localhost"});
  test::write_file(files_.files.private_key, other.key_pem());
  EXPECT_FALSE(certificates->reload_if_changed());
  auto refused = certificates->reload_if_changed();
  ASSERT_TRUE(refused);
  ASSERT_FALSE(*refused);
  EXPECT_THAT(refused->error().message, HasSubstr("does not belong"));
  EXPECT_FALSE(certificates->reload_if_changed());  // not retried, not re-reported
  EXPECT_EQ(serving(*certificates), test::fingerprint_of(files_.server));

  test::write_file(files_.files.certificate_chain, other.cert_pem());  // the pair is fixed
  EXPECT_FALSE(certificates->reload_if_changed());
  auto fixed = certificates->reload_if_changed();
  ASSERT_TRUE(fixed);
  EXPECT_TRUE(*fixed);
  EXPECT_EQ(serving(*certificates), test::fingerprint_of(other));
}

TEST_F(TlsCertificatesTest, ASymlinkSwitchedToANewPairIsAChange) {
  // certbot's live/ directory: symlinks into archive/, switched on renewal.
  const std::string dir = files_.dir.path().string();
  test::write_file(dir + "/cert1.pem", files_.server.cert_pem());
  test::write_file(dir + "/key1.pem", files_.server.key_pem());
  const test::TestIdentity renewed = files_.ca.issue({"localhost"});
  test::write_file(dir + "/cert2.pem", renewed.cert_pem());
  test::write_file(dir + "/key2.pem", renewed.key_pem());
  std::filesystem::remove(files_.files.certificate_chain);
  std::filesystem::remove(files_.files.private_key);
  std::filesystem::create_symlink(dir + "/cert1.pem", files_.files.certificate_chain);
  std::filesystem::create_symlink(dir + "/key1.pem", files_.files.private_key);
  auto certificates = load();
  for (auto [link, target] : {std::pair{files_.files.certificate_chain, dir + "/cert2.pem"},
                              std::pair{files_.files.private_key, dir + "/key2.pem"}}) {
    const auto temp = link.string() + ".new";
    std::filesystem::create_symlink(target, temp);
    std::filesystem::rename(temp, link);
  }
  EXPECT_FALSE(certificates->reload_if_changed());
  auto outcome = certificates->reload_if_changed();
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(*outcome);
  EXPECT_EQ(serving(*certificates), test::fingerprint_of(renewed));
}

}  // namespace
}  // namespace upgate::http

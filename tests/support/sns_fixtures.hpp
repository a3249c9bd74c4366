// The SNS test fixtures of tests/data/events/sns (made by make_fixtures.py): a test CA,
// leaf certificates for each refusal, and signed messages. The suites that verify SNS
// (the verifier's own and the /v1/events/s3 route's) take their constants, the fake
// certificate host and the verifier from here.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "support/test_data.hpp"
#include "upgate/events/sns_message.hpp"
#include "upgate/events/sns_verifier.hpp"

namespace upgate::testing {

// The fixtures' folder under tests/data.
inline const std::string kSnsDir = "events/sns/";
// Where the fixture messages say their signing certificate is.
inline const std::string kSnsCertBase =
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-";
// The fixtures' certificates are valid 2025..2035; the tests verify at this instant.
inline const auto kSnsNow =
    std::chrono::sys_days{std::chrono::June / 1 / 2030} + std::chrono::seconds(0);

// Serves the fixture PEMs for their URLs, as SNS's certificate host would, and counts
// calls; any other URL is a 404.
struct SnsFixtureHost {
  std::map<std::string, std::string> files = {
      {kSnsCertBase + "upgate-test.pem", "leaf.pem"},
      {kSnsCertBase + "upgate-chain.pem", "chain.pem"},
      {kSnsCertBase + "upgate-expired.pem", "leaf_expired.pem"},
      {kSnsCertBase + "upgate-future.pem", "leaf_future.pem"},
      {kSnsCertBase + "upgate-wrong-name.pem", "leaf_wrong_name.pem"},
      {kSnsCertBase + "upgate-forged.pem", "forged.pem"},
      {"https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-upgate-test.pem",
       "leaf.pem"},
      {"http://sns.us-east-1.amazonaws.com/SimpleNotificationService-upgate-test.pem", "leaf.pem"},
  };
  std::shared_ptr<std::atomic<int>> fetches = std::make_shared<std::atomic<int>>(0);

  events::CertificateFetcher fetcher() const {
    return [files = files,
            fetches = fetches](const std::string& url) -> Expected<std::string, std::string> {
      ++*fetches;
      auto it = files.find(url);
      if (it == files.end()) return Unexpected(std::string("HTTP 404"));
      return read_test_data(kSnsDir + it->second);
    };
  }
};

// Verifier options that trust the fixtures' test CA.
inline events::SnsVerifierOptions sns_test_options() {
  events::SnsVerifierOptions options;
  options.trusted_ca_pem = read_test_data(kSnsDir + "root.pem");
  options.intermediates_pem = read_test_data(kSnsDir + "intermediate.pem");
  return options;
}

inline events::SnsVerifier make_sns_verifier(
    const SnsFixtureHost& host, events::SnsVerifierOptions options = sns_test_options()) {
  auto verifier = events::SnsVerifier::create(std::move(options), host.fetcher());
  EXPECT_TRUE(verifier) << (verifier ? "" : verifier.error());
  return std::move(*verifier);
}

// A fixture message (tests/data/events/sns/messages/NAME), as its text.
inline std::string sns_message_text(const std::string& name) {
  return read_test_data(kSnsDir + "messages/" + name);
}

}  // namespace upgate::testing

#include "upgate/s3/conditions.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mutations.hpp"

namespace upgate::s3 {
namespace {

using namespace std::chrono;

const Seconds kModified = sys_days{2024y / May / 10} + 12h;
const Seconds kNow = kModified + days{30};
const ObjectValidators kObject{"\"0123456789abcdef0123456789abcdef\"", kModified};

const std::string kMatching = "\"0123456789abcdef0123456789abcdef\"";
const std::string kOther = "\"ffffffffffffffffffffffffffffffff\"";
const std::string kBefore = format_http_date(kModified - days{1});  // object modified since
const std::string kAt = format_http_date(kModified);
const std::string kAfter = format_http_date(kModified + days{1});  // not modified since
const std::string kFuture = format_http_date(kNow + days{1});

std::string read_outcome(const ConditionalHeaders& h) {
  const auto r = evaluate_read_conditions(h, kObject, kNow);
  if (r) return "200";
  if (r.error().code == ErrorCode::NotModified) return "304";
  return "412 " + std::string(r.error().detail("Condition").value_or("?"));
}

TEST(ConditionsTest, SingleHeaders) {
  EXPECT_EQ(read_outcome({}), "200");
  EXPECT_EQ(read_outcome({.if_match = kMatching}), "200");
  EXPECT_EQ(read_outcome({.if_match = kOther}), "412 If-Match");
  EXPECT_EQ(read_outcome({.if_none_match = kMatching}), "304");
  EXPECT_EQ(read_outcome({.if_none_match = kOther}), "200");
  EXPECT_EQ(read_outcome({.if_modified_since = kBefore}), "200");
  EXPECT_EQ(read_outcome({.if_modified_since = kAt}), "304");
  EXPECT_EQ(read_outcome({.if_modified_since = kAfter}), "304");
  EXPECT_EQ(read_outcome({.if_unmodified_since = kBefore}), "412 If-Unmodified-Since");
  EXPECT_EQ(read_outcome({.if_unmodified_since = kAt}), "200");
  EXPECT_EQ(read_outcome({.if_unmodified_since = kAfter}), "200");
}

TEST(ConditionsTest, S3sDocumentedPrecedence) {
  // If-Match true and If-Unmodified-Since false: S3 returns 200 and the data.
  EXPECT_EQ(read_outcome({.if_match = kMatching, .if_unmodified_since = kBefore}), "200");
  // If-None-Match false and If-Modified-Since true: S3 returns 304.
  EXPECT_EQ(read_outcome({.if_none_match = kMatching, .if_modified_since = kBefore}), "304");
  // RFC 7232: If-None-Match true means If-Modified-Since is not evaluated.
  EXPECT_EQ(read_outcome({.if_none_match = kOther, .if_modified_since = kAfter}), "200");
  // The 412 conditions come before the 304 ones.
  EXPECT_EQ(read_outcome({.if_match = kOther, .if_none_match = kMatching}), "412 If-Match");
  EXPECT_EQ(read_outcome({.if_none_match = kMatching, .if_unmodified_since = kBefore}),
            "412 If-Unmodified-Since");
  EXPECT_EQ(read_outcome({.if_match = kMatching, .if_none_match = kMatching}), "304");
  EXPECT_EQ(read_outcome({.if_match = kMatching,
                          .if_none_match = kOther,
                          .if_modified_since = kAfter,
                          .if_unmodified_since = kBefore}),
            "200");
}

TEST(ConditionsTest, InvalidAndFutureDatesAreIgnored) {
  EXPECT_EQ(read_outcome({.if_modified_since = "yesterday"}), "200");
  EXPECT_EQ(read_outcome({.if_unmodified_since = "not a date"}), "200");
  EXPECT_EQ(read_outcome({.if_modified_since = kFuture}), "200");  // S3 ignores a future date
  EXPECT_EQ(read_outcome({.if_unmodified_since = kFuture}), "200");
  EXPECT_EQ(read_outcome({.if_modified_since = std::string(10000, 'x')}), "200");
}

TEST(ConditionsTest, ModificationTimeComparesAtSecondResolution) {
  const ObjectValidators fractional{kMatching, kModified + 700ms};
  const auto r = evaluate_read_conditions({.if_modified_since = kAt}, fractional, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::NotModified);
}

TEST(ConditionsTest, EtagListsQuotesWildcardsAndWeakness) {
  const std::string etag = "\"abc\"";
  EXPECT_TRUE(etag_list_matches("\"abc\"", etag, false));
  EXPECT_TRUE(etag_list_matches("abc", etag, false));  // S3 accepts a missing pair of quotes
  EXPECT_TRUE(etag_list_matches("*", etag, false));
  EXPECT_TRUE(etag_list_matches("\"x\", \"abc\"", etag, false));
  EXPECT_TRUE(etag_list_matches("\"x\",\"abc\"", etag, false));
  EXPECT_TRUE(etag_list_matches("x, abc", etag, false));
  EXPECT_FALSE(etag_list_matches("\"x\", \"y\"", etag, false));
  EXPECT_FALSE(etag_list_matches("W/\"abc\"", etag, false));  // strong comparison
  EXPECT_TRUE(etag_list_matches("W/\"abc\"", etag, true));    // weak comparison
  EXPECT_FALSE(etag_list_matches("\"abc", etag, false));      // unterminated
  EXPECT_FALSE(etag_list_matches("\"ab\"c\"", etag, false));
  EXPECT_FALSE(etag_list_matches("", etag, false));
  EXPECT_FALSE(etag_list_matches(",,,", etag, false));
  EXPECT_TRUE(etag_list_matches("\"a,b\", \"abc\"", etag, false));  // comma inside quotes
  EXPECT_FALSE(etag_list_matches(std::string(9000, 'a'), etag, false));
}

TEST(ConditionsTest, ReadWithWildcard) {
  EXPECT_EQ(read_outcome({.if_match = "*"}), "200");
  EXPECT_EQ(read_outcome({.if_none_match = "*"}), "304");
}

TEST(ConditionsTest, CopySourceFailuresAreAll412) {
  const auto copy = [](const ConditionalHeaders& h) {
    const auto r = evaluate_copy_source_conditions(h, kObject, kNow);
    if (r) return std::string("200");
    EXPECT_EQ(r.error().code, ErrorCode::PreconditionFailed);
    return std::string(r.error().detail("Condition").value_or("?"));
  };
  EXPECT_EQ(copy({.if_match = kOther}), "x-amz-copy-source-If-Match");
  EXPECT_EQ(copy({.if_unmodified_since = kBefore}), "x-amz-copy-source-If-Unmodified-Since");
  EXPECT_EQ(copy({.if_none_match = kMatching}), "x-amz-copy-source-If-None-Match");
  EXPECT_EQ(copy({.if_modified_since = kAfter}), "x-amz-copy-source-If-Modified-Since");
  EXPECT_EQ(copy({.if_match = kMatching, .if_unmodified_since = kBefore}), "200");
  EXPECT_EQ(copy({.if_none_match = kMatching, .if_modified_since = kBefore}),
            "x-amz-copy-source-If-None-Match");
}

TEST(ConditionsTest, WriteHeadersS3Refuses) {
  const auto code = [](std::optional<std::string> m, std::optional<std::string> n) {
    const auto r = parse_write_conditions(m, n);
    return r ? std::string("ok")
             : std::string(r.error().code_name()) + " " +
                   std::string(r.error().detail("Header").value_or(""));
  };
  EXPECT_EQ(code(std::nullopt, std::nullopt), "ok");
  EXPECT_EQ(code(std::nullopt, "*"), "ok");
  EXPECT_EQ(code(std::nullopt, " * "), "ok");
  EXPECT_EQ(code(kMatching, std::nullopt), "ok");
  EXPECT_EQ(code(kMatching, "*"), "NotImplemented If-Match,If-None-Match");
  EXPECT_EQ(code(std::nullopt, kMatching), "NotImplemented If-None-Match");
  EXPECT_EQ(code("*", std::nullopt), "NotImplemented If-Match");
  EXPECT_EQ(code("", std::nullopt), "NotImplemented If-Match");
  const auto r = parse_write_conditions(std::nullopt, kMatching);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status(), 501);
  EXPECT_EQ(r.error().detail("additionalMessage"),
            "We don't accept the provided value of If-None-Match header for this API");
}

TEST(ConditionsTest, WriteConditionsAtCommit) {
  const auto decide = [](std::optional<std::string> m, std::optional<std::string> n,
                         const ObjectValidators* existing) {
    const auto parsed = parse_write_conditions(m, n);
    EXPECT_TRUE(parsed);
    const auto r = check_write_conditions(*parsed, existing);
    if (r) return std::string("ok");
    const auto condition = r.error().detail("Condition");
    return std::to_string(r.error().http_status()) +
           (condition ? " " + std::string(*condition) : "");
  };
  EXPECT_EQ(decide(std::nullopt, std::nullopt, nullptr), "ok");
  EXPECT_EQ(decide(std::nullopt, std::nullopt, &kObject), "ok");
  EXPECT_EQ(decide(std::nullopt, "*", nullptr), "ok");
  EXPECT_EQ(decide(std::nullopt, "*", &kObject), "412 If-None-Match");
  EXPECT_EQ(decide(kMatching, std::nullopt, &kObject), "ok");
  EXPECT_EQ(decide("0123456789abcdef0123456789abcdef", std::nullopt, &kObject), "ok");
  EXPECT_EQ(decide(kOther, std::nullopt, &kObject), "412 If-Match");
  EXPECT_EQ(decide(kMatching, std::nullopt, nullptr), "404");
}

TEST(ConditionsTest, MutatedHeadersNeverCrash) {
  testing::Mutator m(0xc0de);
  for (int i = 0; i < 5000; ++i) {
    ConditionalHeaders h;
    h.if_match = m.mutate(kMatching + ", W/\"x\"");
    if (i % 2) h.if_none_match = m.mutate("\"a\", \"b\"");
    if (i % 3) h.if_modified_since = m.mutate(kAt);
    if (i % 5) h.if_unmodified_since = m.mutate(kAt);
    const auto r = evaluate_read_conditions(h, kObject, kNow);
    if (!r) {
      ASSERT_TRUE(r.error().code == ErrorCode::PreconditionFailed ||
                  r.error().code == ErrorCode::NotModified);
    }
    const auto w = parse_write_conditions(h.if_match, std::nullopt);
    if (w) (void)check_write_conditions(*w, &kObject);
  }
}
}  // namespace
}  // namespace upgate::s3

#include "upgate/s3/query_params.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

#include <string>

namespace upgate::s3 {
namespace {

// "value" or "Message|ArgumentName|ArgumentValue" of the error.
template <class T>
std::string outcome(const Expected<T, S3Error>& r) {
  if (r) {
    if constexpr (std::is_same_v<T, EncodingType>) {
      return *r == EncodingType::Url ? "url" : "none";
    } else {
      return std::to_string(*r);
    }
  }
  EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
  return std::string(r.error().effective_message()) + "|" +
         std::string(r.error().detail("ArgumentName").value_or("")) + "|" +
         std::string(r.error().detail("ArgumentValue").value_or(""));
}

using upgate::testing::results_of;
using Value = std::optional<std::string_view>;

TEST(QueryParamsTest, MaxKeys) {
  results_of([](Value value) { return outcome(parse_max_keys(value)); })
      .expect<Value, std::string_view>({
          {std::nullopt, "1000"},
          {"0", "0"},
          {"7", "7"},
          {"1000", "1000"},
          {"5000", "1000"},
          {"2147483647", "1000"},
          // What S3 answered to max-keys=abc.
          {"abc", "Provided max-keys not an integer or within integer range|max-keys|abc"},
          {"2147483648",
           "Provided max-keys not an integer or within integer range|max-keys|2147483648"},
          {"", "Provided max-keys not an integer or within integer range|max-keys|"},
          {"1.5", "Provided max-keys not an integer or within integer range|max-keys|1.5"},
          {"-1", "max-keys cannot be negative|maxKeys|-1"},
      });
}

TEST(QueryParamsTest, ListingLimitsAndMarkers) {
  EXPECT_EQ(outcome(parse_listing_limit("max-parts", std::nullopt)), "1000");
  EXPECT_EQ(outcome(parse_listing_limit("max-parts", "2")), "2");
  EXPECT_EQ(outcome(parse_listing_limit("max-uploads", "100000")), "1000");
  EXPECT_EQ(outcome(parse_listing_limit("max-parts", "-1")),
            "Argument max-parts must be an integer between 0 and 2147483647|max-parts|-1");
  EXPECT_EQ(outcome(parse_listing_limit("max-uploads", "two")),
            "Provided max-uploads not an integer or within integer range|max-uploads|two");
  EXPECT_EQ(outcome(parse_part_number_marker(std::nullopt)), "0");
  EXPECT_EQ(outcome(parse_part_number_marker("9999")), "9999");
  EXPECT_EQ(outcome(parse_part_number_marker("x")),
            "Provided part-number-marker not an integer or within integer "
            "range|part-number-marker|x");
}

TEST(QueryParamsTest, EncodingType) {
  EXPECT_EQ(outcome(parse_encoding_type(std::nullopt)), "none");
  EXPECT_EQ(outcome(parse_encoding_type("url")), "url");
  // What S3 answered to encoding-type=invalid.
  EXPECT_EQ(outcome(parse_encoding_type("invalid")),
            "Invalid Encoding Method specified in Request|encoding-type|invalid");
  EXPECT_EQ(outcome(parse_encoding_type("URL")),
            "Invalid Encoding Method specified in Request|encoding-type|URL");
  EXPECT_EQ(outcome(parse_encoding_type("")),
            "Invalid Encoding Method specified in Request|encoding-type|");
}

TEST(QueryParamsTest, PartNumber) {
  EXPECT_EQ(outcome(parse_part_number("1")), "1");
  EXPECT_EQ(outcome(parse_part_number("10000")), "10000");
  for (const char* bad : {"0", "10001", "-1", "", "one", "1e3", "99999999999"}) {
    EXPECT_EQ(
        outcome(parse_part_number(bad)),
        std::string("Part number must be an integer between 1 and 10000, inclusive|partNumber|") +
            bad);
  }
}

}  // namespace
}  // namespace upgate::s3

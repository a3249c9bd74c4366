#include "upgate/s3/range.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mutations.hpp"

namespace upgate::s3 {
namespace {

// The outcome of one header against one size, in a form a table can state.
std::string outcome(std::string_view header, std::uint64_t size) {
  const auto r = evaluate_range(header, size);
  if (!r) return "416";
  if (!r->has_value()) return "whole";
  return std::to_string((*r)->first) + "-" + std::to_string((*r)->last);
}

struct Case {
  const char* header;
  std::uint64_t size;
  const char* expected;
};

TEST(RangeTest, S3sRangeTable) {
  const Case cases[] = {
      {"bytes=0-0", 10, "0-0"},
      {"bytes=0-9", 10, "0-9"},
      {"bytes=2-5", 10, "2-5"},
      {"bytes=5-", 10, "5-9"},
      {"bytes=9-", 10, "9-9"},
      {"bytes=0-100", 10, "0-9"},  // last beyond the end is clamped
      {"bytes=-3", 10, "7-9"},
      {"bytes=-10", 10, "0-9"},
      {"bytes=-100", 10, "0-9"},  // suffix larger than the object: all of it
      {"bytes=10-", 10, "416"},   // first at the end
      {"bytes=10-20", 10, "416"},
      {"bytes=-0", 10, "416"},
      {"bytes=0-", 0, "416"},  // empty object: no byte to start at
      {"bytes=0-0", 0, "416"},
      {"bytes=-5", 0, "whole"},        // empty object, suffix: served whole (200)
      {"bytes=5-2", 10, "whole"},      // last before first: ignored
      {"bytes=0-1,3-4", 10, "whole"},  // several ranges: whole object
      {"bytes=a-b", 10, "whole"},
      {"bytes=-", 10, "whole"},
      {"bytes=", 10, "whole"},
      {"bytes=1", 10, "whole"},
      {"bytes=--1", 10, "whole"},
      {"bytes=+1-2", 10, "whole"},
      {"items=0-1", 10, "whole"},
      {"0-1", 10, "whole"},
      {"", 10, "whole"},
      {" bytes = 1 - 2 ", 10, "1-2"},
      {"bytes=99999999999999999999999-", 10, "416"},  // saturates: beyond any object
      {"bytes=0-99999999999999999999999", 10, "0-9"},
      {"bytes=-99999999999999999999999", 10, "0-9"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(outcome(c.header, c.size), c.expected) << c.header << " size " << c.size;
  }
}

TEST(RangeTest, HugeObjectsDoNotOverflow) {
  const std::uint64_t huge = UINT64_MAX;
  EXPECT_EQ(outcome("bytes=-1", huge), std::to_string(huge - 1) + "-" + std::to_string(huge - 1));
  EXPECT_EQ(outcome("bytes=0-", huge), "0-" + std::to_string(huge - 1));
}

TEST(RangeTest, InvalidRangeCarriesS3sDetails) {
  const auto r = evaluate_range("bytes=20-", 10);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::InvalidRange);
  EXPECT_EQ(r.error().http_status(), 416);
  EXPECT_EQ(r.error().detail("RangeRequested"), "bytes=20-");
  EXPECT_EQ(r.error().detail("ActualObjectSize"), "10");
  EXPECT_EQ(unsatisfiable_content_range(10), "bytes */10");
}

TEST(RangeTest, ContentRangeOfAPartialResponse) {
  const auto r = evaluate_range("bytes=-3", 10);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ((*r)->content_range(10), "bytes 7-9/10");
  EXPECT_EQ((*r)->length(), 3u);
}

TEST(RangeTest, OverlongHeaderIsIgnored) {
  EXPECT_EQ(outcome("bytes=0-1" + std::string(2000, ' '), 10), "whole");
}

TEST(RangeTest, MutatedHeadersStayInBounds) {
  testing::Mutator m(0x7a9e);
  const std::string seeds[] = {"bytes=0-99", "bytes=-5", "bytes=10-", "bytes=1-2,3-4"};
  for (int i = 0; i < 5000; ++i) {
    const std::string header = m.mutate(seeds[i % 4]);
    const std::uint64_t size = m.next() % 200;
    const auto r = evaluate_range(header, size);
    if (r && r->has_value()) {
      ASSERT_LE((*r)->first, (*r)->last) << header;
      ASSERT_LT((*r)->last, size) << header;
    } else if (!r) {
      ASSERT_EQ(r.error().code, ErrorCode::InvalidRange);
    }
  }
}
}  // namespace
}  // namespace upgate::s3

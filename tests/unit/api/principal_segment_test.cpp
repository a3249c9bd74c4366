#include "upgate/api/principal_segment.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

#include <set>

namespace upgate::api {
namespace {

using upgate::testing::results_of;

TEST(PrincipalSegment, KeepsWhatIsSafeAndEscapesTheRest) {
  results_of(principal_segment)
      .expect({
          {"alice", "alice"},
          {"0f3c-11ee-be56", "0f3c-11ee-be56"},
          {"alice@example.com", "alice_40example.com"},
          {"auth0|5f7c8ec7", "auth0_7C5f7c8ec7"},
          {"a/b", "a_2Fb"},
          {"a_b", "a_5Fb"},
          {"josé", "jos_C3_A9"},
          {"a b", "a_20b"},
          // Never a dot segment, never a hidden name; dots inside stay.
          {".", "_2E"},
          {"..", "_2E."},
          {".profile", "_2Eprofile"},
          {"../etc", "_2E._2Fetc"},
      });
}

TEST(PrincipalSegment, TwoIdsNeverShareASegment) {
  const std::vector<std::string> ids = {
      "a/b",
      "a_2Fb",
      "a_b",
      "a%2Fb",
      "a_5Fb",
      "A",
      "a",
      ".",
      "_2E",
      "..",
      "_2E.",
      "josé",
      "jose\xCC\x81",  // NFC and NFD: different bytes, different principals
      "x_h",
      "_h",
      std::string(96, 'a'),
      std::string(97, 'a'),
      std::string(200, 'a'),
      std::string(200, 'a') + "b",
      std::string(33, '/'),
      std::string(32, '/'),
      std::string("\0x", 2),
      "x"};
  std::set<std::string> segments;
  for (const std::string& id : ids) {
    const std::string segment = principal_segment(id);
    EXPECT_TRUE(segments.insert(segment).second) << id << " → " << segment;
    EXPECT_TRUE(is_principal_segment(segment)) << segment;
    EXPECT_LE(segment.size(), kMaxPrincipalSegmentBytes);
    EXPECT_EQ(segment.find('/'), std::string::npos);
  }
}

TEST(PrincipalSegment, LongIdsKeepAPrefixAndAHash) {
  const std::string id = std::string(40, 'u') + "@" + std::string(100, 'd') + ".example";
  const std::string segment = principal_segment(id);
  EXPECT_LE(segment.size(), kMaxPrincipalSegmentBytes);
  EXPECT_EQ(segment.substr(0, 40), std::string(40, 'u'));
  EXPECT_EQ(segment.substr(40, 3), "_40");
  EXPECT_NE(segment.find("_h"), std::string::npos);
  EXPECT_EQ(segment.size() - segment.find("_h"), 2U + 32U);
  // The cut never splits an escape: 61 kept bytes and then one escaped.
  const std::string tricky = principal_segment(std::string(61, 'a') + "/" + std::string(40, 'b'));
  EXPECT_EQ(tricky.substr(0, 61 + 2), std::string(61, 'a') + "_h");
  EXPECT_TRUE(is_principal_segment(tricky));
  // Exactly at the limit: the short form.
  EXPECT_EQ(principal_segment(std::string(96, 'a')), std::string(96, 'a'));
}

TEST(PrincipalSegment, ShapeCheckAcceptsOnlyCanonicalForms) {
  for (const char* bad : {"", "a_b", "a_2f", "a_41", "a_2", "_", ".a", "_2E_2E", "a/b", "a b",
                          "a%20b", "a_hxyz", "\xC3\xA9"}) {
    EXPECT_FALSE(is_principal_segment(bad)) << bad;
  }
  EXPECT_FALSE(is_principal_segment(std::string(97, 'a')));
  // A long form needs a prefix, the marker and exactly 32 lower-case hex digits.
  const std::string hash(32, 'a');
  EXPECT_TRUE(is_principal_segment("x_h" + hash));
  EXPECT_FALSE(is_principal_segment("_h" + hash));
  EXPECT_FALSE(is_principal_segment("x_h" + hash.substr(1)));
  EXPECT_FALSE(is_principal_segment("x_h" + std::string(32, 'A')));
  EXPECT_FALSE(is_principal_segment(std::string(63, 'x') + "_h" + hash));
}

}  // namespace
}  // namespace upgate::api

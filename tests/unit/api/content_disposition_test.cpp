#include "upgate/api/content_disposition.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

namespace upgate::api {
namespace {

using upgate::testing::results_of;

TEST(ContentDisposition, AsciiName) {
  EXPECT_EQ(content_disposition(Disposition::attachment, "cat.png"),
            "attachment; filename=\"cat.png\"; filename*=UTF-8''cat.png");
  EXPECT_EQ(content_disposition(Disposition::inline_, "a b.txt"),
            "inline; filename=\"a b.txt\"; filename*=UTF-8''a%20b.txt");
}

TEST(ContentDisposition, NonAsciiNameIsPercentEncodedWithAsciiFallback) {
  EXPECT_EQ(content_disposition(Disposition::attachment, "résumé.pdf"),
            "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf");
}

TEST(ContentDisposition, QuotesBackslashesAndControlsCannotBreakOut) {
  const std::string value = content_disposition(Disposition::attachment, "a\"b\\c\r\nd");
  EXPECT_EQ(value, "attachment; filename=\"a_b_c__d\"; filename*=UTF-8''a%22b%5Cc%0D%0Ad");
}

TEST(FileNameFromKey, StripsTheIdPrefix) {
  results_of(file_name_from_key)
      .expect({
          {"up/2024/01/01/00112233445566778899aabbccddeeff-cat.png", "cat.png"},
          {"up/plain.png", "plain.png"},
          {"nofolder", "nofolder"},
          {"up/0011223344556677-short.png", "0011223344556677-short.png"},
      });
}

}  // namespace
}  // namespace upgate::api

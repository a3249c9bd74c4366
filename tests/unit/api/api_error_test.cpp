#include "upgate/api/api_error.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace upgate::api {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string kRepo = std::string(UPGATE_TEST_DATA_DIR) + "/../..";

TEST(ErrorCodes, NamesAreDistinct) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kErrorCodeCount; ++i) {
    names.insert(to_string(static_cast<ErrorCode>(i)));
  }
  EXPECT_EQ(names.size(), kErrorCodeCount);
}

// The codes are a public contract: each one is in docs/API.md's table with its status,
// and in the OpenAPI file's enum.
TEST(ErrorCodes, AreDocumentedWithTheirStatus) {
  const std::string api_md = read(kRepo + "/docs/API.md");
  const std::string openapi = read(kRepo + "/docs/openapi.yaml");
  ASSERT_FALSE(api_md.empty());
  ASSERT_FALSE(openapi.empty());
  for (std::size_t i = 0; i < kErrorCodeCount; ++i) {
    const auto code = static_cast<ErrorCode>(i);
    const std::string row =
        "| `" + std::string(to_string(code)) + "` | " + std::to_string(http_status(code)) + " |";
    EXPECT_NE(api_md.find(row), std::string::npos) << row;
    EXPECT_NE(openapi.find(std::string(to_string(code))), std::string::npos) << to_string(code);
  }
}

}  // namespace
}  // namespace upgate::api

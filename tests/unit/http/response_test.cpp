// Response building: header injection is impossible, framing stays the server's.
#include <upgate/http/response.hpp>

#include <gtest/gtest.h>

#include <string>

namespace upgate::http {
namespace {

using namespace std::string_view_literals;

TEST(ResponseTest, HeadersAreSerialisedInOrderAndFoundCaseInsensitively) {
  Response r(201);
  r.add_header("X-One", "1").add_header("Vary", "Origin").add_header("Vary", "Accept");
  EXPECT_EQ(r.serialized_headers(), "X-One: 1\r\nVary: Origin\r\nVary: Accept\r\n");
  EXPECT_EQ(r.header("x-one"), "1");
  EXPECT_EQ(r.header("VARY"), "Origin");
  EXPECT_FALSE(r.header("missing"));
}

TEST(ResponseTest, LineBreaksAndNulInValuesCannotStartANewHeader) {
  Response r;
  r.add_header("X-Name", "evil\r\nSet-Cookie: a=b\n\0x"sv);
  EXPECT_EQ(r.serialized_headers(), "X-Name: evil  Set-Cookie: a=b  x\r\n");
}

TEST(ResponseTest, ALineBreakIsFoundAtAnyPlaceOfALongValue) {
  // The check reads eight bytes at a time: every offset within and after the words, each
  // of CR, LF and NUL, and the bytes next to them that must stay as they are.
  for (const char bad : {'\r', '\n', '\0'}) {
    for (std::size_t at = 0; at < 40; ++at) {
      std::string value(40, 'a');
      value[at] = bad;
      value[(at + 1) % value.size()] = static_cast<char>(bad + 1);
      std::string expected = value;
      expected[at] = ' ';
      Response r;
      r.add_header("X-Long", value);
      EXPECT_EQ(r.serialized_headers(), "X-Long: " + expected + "\r\n") << int(bad) << " at " << at;
    }
  }
  Response clean;
  clean.add_header("X-Long", std::string(41, '\x0e') + "\x0b\x0c\x80\xff");
  EXPECT_EQ(clean.serialized_headers(),
            "X-Long: " + std::string(41, '\x0e') + "\x0b\x0c\x80\xff\r\n");
}

TEST(ResponseTest, NamesThatAreNotTokensAreDropped) {
  Response r;
  r.add_header("Bad Name", "v").add_header("Bad:Name", "v").add_header("", "v");
  r.add_header("Bad\r\nName", "v");
  EXPECT_EQ(r.serialized_headers(), "");
}

TEST(ResponseTest, FramingAndConnectionFieldsBelongToTheServer) {
  Response r;
  r.add_header("Content-Length", "5").add_header("transfer-encoding", "chunked");
  r.add_header("Connection", "close").add_header("Date", "x").add_header("Keep-Alive", "1");
  EXPECT_EQ(r.serialized_headers(), "");
}

TEST(ResponseTest, JsonAndTextSetContentTypeAndBody) {
  auto j = Response::json(400, R"({"ok":false})");
  EXPECT_EQ(j.status(), 400);
  EXPECT_EQ(j.header("content-type"), "application/json");
  EXPECT_EQ(j.body(), R"({"ok":false})");
  auto t = Response::text(200, "hi");
  EXPECT_EQ(t.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(t.body(), "hi");
}

TEST(ResponseTest, SettingTheBodyAgainReplacesTheContentType) {
  Response r;
  r.set_body("a", "text/plain").set_body("{}", "application/json");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.serialized_headers(), "Content-Type: application/json\r\n");
}

TEST(ResponseTest, BorrowedBodyIsNotCopied) {
  static const std::string asset = "<html></html>";
  Response r;
  r.set_body_view(asset, "text/html");
  EXPECT_EQ(r.body().data(), asset.data());
  r.set_body("owned");
  EXPECT_EQ(r.body(), "owned");
}

TEST(ResponseTest, StatusOnlyCarriesTheReason) {
  auto r = Response::status_only(404);
  EXPECT_EQ(r.body(), "Not Found\n");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(413), "Payload Too Large");
  EXPECT_EQ(reason_phrase(299), "Unknown");
  EXPECT_EQ(reason_phrase(-1), "Unknown");
}

}  // namespace
}  // namespace upgate::http

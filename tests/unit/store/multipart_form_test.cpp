#include "store_http/multipart_form.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace upgate::store {
namespace {

struct Part {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string data;
};

struct Parsed {
  std::vector<Part> parts;
  bool done = false;
  std::string error;
};

// Drives the parser as the store does: a buffer that grows by `step` bytes at a
// time and loses its consumed prefix.
Parsed parse(std::string_view body, std::size_t step, std::string boundary = "XyZ") {
  MultipartFormParser parser(std::move(boundary), MultipartFormParser::Limits{});
  Parsed out;
  std::string buffer;
  std::size_t fed = 0;
  for (int guard = 0; guard < 1000000; ++guard) {
    std::string_view view(buffer);
    auto event = parser.next(view);
    const std::size_t consumed = buffer.size() - view.size();
    // Only after the event is handled: its views point into the buffer.
    struct Drop {
      std::string& buffer;
      std::size_t n;
      ~Drop() { buffer.erase(0, n); }
    } drop{buffer, consumed};
    if (std::holds_alternative<MultipartFormParser::NeedMore>(event)) {
      if (fed == body.size()) {
        out.error = "ran out of input";
        return out;
      }
      const std::size_t n = std::min(step, body.size() - fed);
      buffer.append(body.substr(fed, n));
      fed += n;
    } else if (auto* begin = std::get_if<MultipartFormParser::PartBegin>(&event)) {
      out.parts.push_back(Part{begin->name, begin->filename, begin->content_type, ""});
    } else if (auto* data = std::get_if<MultipartFormParser::Data>(&event)) {
      EXPECT_FALSE(out.parts.empty());
      out.parts.back().data.append(data->bytes);
    } else if (std::holds_alternative<MultipartFormParser::Done>(event)) {
      out.done = true;
      return out;
    } else if (auto* error = std::get_if<MultipartFormParser::Error>(&event)) {
      out.error = error->reason;
      return out;
    }
  }
  out.error = "no progress";
  return out;
}

const std::string kForm =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"key\"\r\n\r\n"
    "uploads/${filename}\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"policy\"\r\n\r\n"
    "eyJ...\r\n"
    "--XyZ  \r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".png\"\r\n"
    "Content-Type: image/png\r\n\r\n"
    "\r\n--XyNot a boundary\r\n-XyZ still data\r\r\n"
    "--XyZ--\r\n"
    "epilogue is ignored";

TEST(FormDataBoundaryTest, FromContentType) {
  EXPECT_EQ(form_data_boundary("multipart/form-data; boundary=XyZ"), "XyZ");
  EXPECT_EQ(form_data_boundary("Multipart/Form-Data;boundary=\"a b:c\""), "a b:c");
  EXPECT_EQ(form_data_boundary("multipart/form-data; charset=utf-8; boundary=----WebKitForm7"),
            "----WebKitForm7");
  EXPECT_EQ(form_data_boundary("multipart/mixed; boundary=x"), std::nullopt);
  EXPECT_EQ(form_data_boundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(form_data_boundary("multipart/form-data; boundary="), std::nullopt);
  EXPECT_EQ(form_data_boundary("multipart/form-data; boundary=" + std::string(71, 'a')),
            std::nullopt);
  EXPECT_EQ(form_data_boundary("multipart/form-data; boundary=a\x01"), std::nullopt);
}

TEST(MultipartFormParserTest, FieldsThenFileWhateverTheReadSize) {
  for (std::size_t step : {1u, 2u, 3u, 7u, 16u, 1000u}) {
    Parsed p = parse(kForm, step);
    ASSERT_TRUE(p.error.empty()) << step << ": " << p.error;
    ASSERT_TRUE(p.done);
    ASSERT_EQ(p.parts.size(), 3u);
    EXPECT_EQ(p.parts[0].name, "key");
    EXPECT_EQ(p.parts[0].data, "uploads/${filename}");
    EXPECT_EQ(p.parts[1].data, "eyJ...");
    EXPECT_EQ(p.parts[2].name, "file");
    EXPECT_EQ(p.parts[2].filename, "a \"b\".png");
    EXPECT_EQ(p.parts[2].content_type, "image/png");
    EXPECT_EQ(p.parts[2].data, "\r\n--XyNot a boundary\r\n-XyZ still data\r");
  }
}

TEST(MultipartFormParserTest, LargeBinaryPartStreamsInPieces) {
  std::string data;
  for (int i = 0; i < 300000; ++i) data.push_back(static_cast<char>((i * 7919) & 0xff));
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n" + data + "\r\n--XyZ--\r\n";
  Parsed p = parse(body, 65536);
  ASSERT_TRUE(p.error.empty()) << p.error;
  ASSERT_EQ(p.parts.size(), 1u);
  EXPECT_EQ(p.parts[0].data, data);
}

TEST(MultipartFormParserTest, HostileBodies) {
  const std::string part = "Content-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n";
  EXPECT_FALSE(parse("no boundary anywhere" + std::string(3000, 'x'), 64).error.empty());
  EXPECT_FALSE(parse("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--", 8).error.empty());
  EXPECT_FALSE(parse("--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--", 8)
                   .error.empty());
  EXPECT_FALSE(parse("--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--", 8)
                   .error.empty());
  EXPECT_FALSE(parse("--XyZ\r\nX: " + std::string(9000, 'h') + "\r\n" + part + "--XyZ--", 512)
                   .error.empty());
  EXPECT_FALSE(parse("--XyZjunk\r\n" + part + "--XyZ--", 8).error.empty());
  std::string many;
  for (int i = 0; i < 300; ++i) many += "--XyZ\r\n" + part;
  EXPECT_FALSE(parse(many + "--XyZ--", 4096).error.empty());
  // Truncated: the caller sees NeedMore at the end of its input.
  EXPECT_EQ(parse("--XyZ\r\n" + part, 8).error, "ran out of input");
}

}  // namespace
}  // namespace upgate::store

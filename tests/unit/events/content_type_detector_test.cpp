#include "upgate/events/content_type_detector.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

namespace upgate::events {
namespace {

std::string read_file(const std::string& name) {
  std::ifstream in(UPGATE_TEST_DATA_DIR "/events/magic/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const ContentTypeDetector& detector() {
  static const ContentTypeDetector d = [] {
    auto loaded = ContentTypeDetector::load();
    if (!loaded) throw std::runtime_error(loaded.error());
    return std::move(*loaded);
  }();
  return d;
}

std::string detect(std::string_view bytes) {
  auto type = detector().detect(bytes);
  EXPECT_TRUE(type) << (type ? "" : type.error());
  return type ? *type : "";
}

TEST(ContentTypeDetector, RealFiles) {
  const std::pair<const char*, const char*> files[] = {
      {"pixel.png", "image/png"},         {"page.pdf", "application/pdf"},
      {"page.html", "text/html"},         {"drawing.svg", "image/svg+xml"},
      {"bare.svg", "image/svg+xml"},      {"data.json", "application/json"},
      {"archive.zip", "application/zip"}, {"report.docx", "application/zip"},
      {"table.csv", "text/csv"},          {"note.txt", "text/plain"},
      {"feed.xml", "text/xml"},
  };
  for (const auto& [name, type] : files) EXPECT_EQ(detect(read_file(name)), type) << name;
}

TEST(ContentTypeDetector, NoBytesShortBytesAndNoise) {
  EXPECT_EQ(detect(""), "application/x-empty");
  EXPECT_EQ(detect(std::string("\x01\x02", 2)), "application/octet-stream");
  EXPECT_NE(detect(std::string("\x89PNG", 4)), "image/png");  // the start of one is not a PNG
  std::string noise;
  for (int i = 0; i < 4096; ++i) noise.push_back(static_cast<char>((i * 131 + 7) % 256));
  EXPECT_EQ(detect(noise), "application/octet-stream");
}

TEST(ContentTypeDetector, OnlyTheFirst64KiBAreExamined) {
  // A PNG header followed by megabytes of anything is still judged by its start, and the
  // bytes past kMagicBytes cannot change the verdict.
  std::string png = read_file("pixel.png");
  std::string big = png + std::string(3 * 1024 * 1024, 'A');
  EXPECT_EQ(detect(big), "image/png");
  std::string text(kMagicBytes, 'a');
  EXPECT_EQ(detect(text + std::string("\x00\x01\x02", 3)), detect(text));
}

TEST(ContentTypeDetector, OneHandlePerThread) {
  const std::string png = read_file("pixel.png");
  const std::string html = read_file("page.html");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto a = detector().detect(png);
        auto b = detector().detect(html);
        if (!a || *a != "image/png" || !b || *b != "text/html") ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
}

TEST(ContentTypeDetector, MissingOrBogusDatabaseIsAnError) {
  auto missing = ContentTypeDetector::load("/nonexistent/magic.mgc");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("/nonexistent/magic.mgc"), std::string::npos);
  auto bogus = ContentTypeDetector::load(UPGATE_TEST_DATA_DIR "/events/magic/note.txt");
  EXPECT_FALSE(bogus);
}

}  // namespace
}  // namespace upgate::events

#include "upgate/s3/xml_writer.hpp"

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <string>

namespace upgate::s3 {
namespace {

TEST(XmlWriterTest, EscapesMarkupCharacters) {
  EXPECT_EQ(xml_escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  EXPECT_EQ(xml_escape(""), "");
}

TEST(XmlWriterTest, ControlCharactersBecomeReferences) {
  EXPECT_EQ(xml_escape("a\rb"), "a&#xD;b");  // would otherwise be normalized away
  EXPECT_EQ(xml_escape("tab\tnl\n"), "tab\tnl\n");
  EXPECT_EQ(xml_escape(std::string("\x01\x1f\x7f", 3)), "&#x1;&#x1F;&#x7F;");
  EXPECT_EQ(xml_escape(std::string("\0", 1)), "&#x0;");
}

TEST(XmlWriterTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(xml_escape("a\xFF"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(xml_escape("\xC3"), "\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("\xC3\xA9"), "\xC3\xA9");  // é passes through
}

TEST(XmlWriterTest, WritesCompactDocumentsInOrder) {
  XmlWriter w;
  w.open("Root", kS3XmlNamespace)
      .element("B", "2")
      .element("A", "")
      .open("C")
      .element("D", "<")
      .close();
  w.close();
  EXPECT_EQ(std::move(w).finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Root xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><B>2</B><A></A>"
            "<C><D>&lt;</D></C></Root>");
}

TEST(XmlWriterTest, EscapedTextRoundTripsThroughAParser) {
  const std::string nasty = "k\r\ney <&> \"q\" 'a' \xE2\x82\xAC end";
  XmlWriter w;
  w.element("Key", nasty);
  const std::string doc = std::move(w).finish();
  pugi::xml_document parsed;
  ASSERT_TRUE(parsed.load_string(doc.c_str(), pugi::parse_default));
  EXPECT_EQ(std::string(parsed.child("Key").text().get()), nasty);
}

}  // namespace
}  // namespace upgate::s3

// upgate::s3::XmlWriter: builds S3's compact XML documents by hand, so element
// order is exactly the order written.
//
// Promises:
//  - the document starts with <?xml version="1.0" encoding="UTF-8"?> and a newline,
//    then the elements with no indentation, as S3 sends them;
//  - every text value goes through xml_escape: & < > " ' become entities, a
//    carriage return and other control characters become numeric character
//    references (so they survive a parser's line-end normalization), and bytes
//    that are not valid UTF-8 become U+FFFD, so the output is always UTF-8;
//  - an empty value renders as <Name></Name>, as S3 does.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace upgate::s3 {

inline constexpr std::string_view kS3XmlNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";

std::string xml_escape(std::string_view text);

class XmlWriter {
 public:
  XmlWriter();

  // <name> or <name xmlns="...">; must be matched by close().
  XmlWriter& open(std::string_view name, std::string_view xmlns = {});
  XmlWriter& close();
  // <name>escaped text</name>
  XmlWriter& element(std::string_view name, std::string_view text);
  // <name xmlns="...">escaped text</name>, for single-element documents.
  XmlWriter& element_ns(std::string_view name, std::string_view xmlns, std::string_view text);

  // The finished document; every opened element must have been closed.
  std::string finish() &&;

 private:
  std::string out_;
  std::vector<std::string> open_;
};

// A document of one root element (`xmlns` on it, none when empty) holding what
// `body(writer)` writes:
//   xml_document("Tagging", kS3XmlNamespace, [&](XmlWriter& w) { w.element("Key", k); });
template <class Body>
std::string xml_document(std::string_view root, std::string_view xmlns, Body&& body) {
  XmlWriter w;
  w.open(root, xmlns);
  body(w);
  w.close();
  return std::move(w).finish();
}

}  // namespace upgate::s3

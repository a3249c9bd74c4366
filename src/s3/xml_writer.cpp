#include "upgate/s3/xml_writer.hpp"

#include <cassert>
#include <cstdint>

#include "upgate/text.hpp"

namespace upgate::s3 {
namespace {

void append_char_ref(std::string& out, unsigned char c) {
  out += "&#x";
  if (c >= 0x10) out += text::kHexUpper[c >> 4];
  out += text::kHexUpper[c & 0xF];
  out += ';';
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '&':
        out += "&amp;";
        ++i;
        continue;
      case '<':
        out += "&lt;";
        ++i;
        continue;
      case '>':
        out += "&gt;";
        ++i;
        continue;
      case '"':
        out += "&quot;";
        ++i;
        continue;
      case '\'':
        out += "&apos;";
        ++i;
        continue;
      case '\t':
      case '\n':
        out += static_cast<char>(c);
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7F) {
      append_char_ref(out, c);
      ++i;
      continue;
    }
    const std::size_t len = text::utf8_sequence_length(text, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

XmlWriter::XmlWriter() {
  out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
}

XmlWriter& XmlWriter::open(std::string_view name, std::string_view xmlns) {
  out_ += '<';
  out_ += name;
  if (!xmlns.empty()) {
    out_ += " xmlns=\"";
    out_ += xml_escape(xmlns);
    out_ += '"';
  }
  out_ += '>';
  open_.emplace_back(name);
  return *this;
}

XmlWriter& XmlWriter::close() {
  assert(!open_.empty());
  out_ += "</";
  out_ += open_.back();
  out_ += '>';
  open_.pop_back();
  return *this;
}

XmlWriter& XmlWriter::element(std::string_view name, std::string_view text) {
  return element_ns(name, {}, text);
}

XmlWriter& XmlWriter::element_ns(std::string_view name, std::string_view xmlns,
                                 std::string_view text) {
  open(name, xmlns);
  out_ += xml_escape(text);
  return close();
}

std::string XmlWriter::finish() && {
  assert(open_.empty());
  return std::move(out_);
}

}  // namespace upgate::s3

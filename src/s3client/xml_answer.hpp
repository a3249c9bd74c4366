// Internal: an S3 answer's XML body, parsed, with the root element the call expects.
#pragma once

#include <pugixml.hpp>

#include <string>
#include <string_view>

#include "upgate/expected.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/text.hpp"

namespace upgate::s3client::detail {

// The root element of `body` (XML white space around it allowed), parsed into `doc`; or
// why the answer cannot be used, as unusable_response words it. parse_default never
// processes a DTD and expands only XML's predefined entities.
inline Expected<pugi::xml_node, std::string> load_answer(pugi::xml_document& doc,
                                                         std::string_view body,
                                                         std::string_view root_name) {
  body = text::trim_xml_space(body);
  const pugi::xml_parse_result parsed =
      doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) return Unexpected(std::string("the answer is not XML: ") + parsed.description());
  const pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != root_name) {
    return Unexpected("the answer's root element is <" + printable(root.name(), 64) + ">, not <" +
                      std::string(root_name) + ">");
  }
  return root;
}

}  // namespace upgate::s3client::detail

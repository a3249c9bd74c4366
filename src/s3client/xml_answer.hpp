// Internal: an S3 answer's XML body, parsed, with the root element the call expects; and a
// call whose answer is read into a value.
#pragma once

#include <pugixml.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "upgate/expected.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/error_response.hpp"
#include "upgate/s3client/s3_client.hpp"
#include "upgate/text.hpp"

namespace upgate::s3client::detail {

// A parsed answer: the document, and its root element (valid while the Answer lives).
struct Answer {
  std::unique_ptr<pugi::xml_document> doc;
  pugi::xml_node root;
};

// `body` parsed (XML white space around it allowed), its root element `root_name`; or why
// the answer cannot be used, as unusable_response words it. parse_default never processes
// a DTD and expands only XML's predefined entities.
inline Expected<Answer, std::string> load_answer(std::string_view body,
                                                 std::string_view root_name) {
  body = text::trim_xml_space(body);
  Answer answer{std::make_unique<pugi::xml_document>(), {}};
  const pugi::xml_parse_result parsed =
      answer.doc->load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) return Unexpected(std::string("the answer is not XML: ") + parsed.description());
  answer.root = answer.doc->document_element();
  if (std::string_view(answer.root.name()) != root_name) {
    return Unexpected("the answer's root element is <" + printable(answer.root.name(), 64) +
                      ">, not <" + std::string(root_name) + ">");
  }
  return answer;
}

// Sends `call` and reads the answer's body with `read` (to an Expected with the reason as a
// std::string): send()'s error as it is, an answer `read` refuses as unusable_response.
template <class Read>
auto send_and_read(const S3Client& client, const S3Call& call, Read read)
    -> Expected<std::remove_cvref_t<decltype(*read(std::string_view()))>, ClientError> {
  auto response = client.send(call);
  if (!response) return Unexpected(std::move(response).error());
  auto value = read(response->body);
  if (!value) return Unexpected(unusable_response(call.operation, *response, value.error()));
  return std::move(*value);
}

}  // namespace upgate::s3client::detail

#include "upgate/s3client/multipart_upload.hpp"

#include <pugixml.hpp>

#include <charconv>

#include "upgate/s3/xml_writer.hpp"
#include "upgate/s3client/error_response.hpp"
#include "upgate/text.hpp"
#include "xml_answer.hpp"

namespace upgate::s3client {
namespace {

// More pages than 10,000 parts can fill means a server that does not advance its marker.
constexpr int kMaxListPages = 11;

std::string unquoted(std::string_view etag) {
  etag = text::trim_xml_space(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

template <class Int>
bool read_number(std::string_view text_value, Int& out) {
  text_value = text::trim_xml_space(text_value);
  if (text_value.empty()) return false;
  const auto* end = text_value.data() + text_value.size();
  auto [ptr, ec] = std::from_chars(text_value.data(), end, out);
  return ec == std::errc() && ptr == end;
}

S3Call upload_call(std::string operation, std::string method, std::string_view bucket,
                   std::string_view key, std::string_view upload_id) {
  S3Call call;
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.bucket = std::string(bucket);
  call.key = std::string(key);
  call.query = {{"uploadId", std::string(upload_id)}};
  return call;
}

}  // namespace

Expected<std::string, std::string> read_initiate_result(std::string_view body) {
  auto answer = detail::load_answer(body, "InitiateMultipartUploadResult");
  if (!answer) return Unexpected(std::move(answer).error());
  const std::string_view id = text::trim_xml_space(answer->root.child("UploadId").text().get());
  if (id.empty()) return Unexpected(std::string("the answer has no UploadId"));
  return std::string(id);
}

Expected<ListPartsPage, std::string> read_list_parts_result(std::string_view body) {
  auto answer = detail::load_answer(body, "ListPartsResult");
  if (!answer) return Unexpected(std::move(answer).error());
  ListPartsPage page;
  page.truncated =
      text::iequals(text::trim_xml_space(answer->root.child("IsTruncated").text().get()), "true");
  page.next_marker =
      std::string(text::trim_xml_space(answer->root.child("NextPartNumberMarker").text().get()));
  for (const pugi::xml_node part : answer->root.children("Part")) {
    UploadedPart p;
    if (!read_number(part.child("PartNumber").text().get(), p.part_number) || p.part_number < 1 ||
        p.part_number > s3::kMaxPartNumber) {
      return Unexpected(std::string("a part has no valid PartNumber"));
    }
    if (!read_number(part.child("Size").text().get(), p.size)) {
      return Unexpected("part " + std::to_string(p.part_number) + " has no valid Size");
    }
    p.etag = unquoted(part.child("ETag").text().get());
    if (p.etag.empty()) return Unexpected("part " + std::to_string(p.part_number) + " has no ETag");
    page.parts.push_back(std::move(p));
  }
  if (page.truncated && page.next_marker.empty()) {
    return Unexpected(std::string("a truncated list without NextPartNumberMarker"));
  }
  return page;
}

Expected<CompletedUpload, std::string> read_complete_result(std::string_view body) {
  auto answer = detail::load_answer(body, "CompleteMultipartUploadResult");
  if (!answer) return Unexpected(std::move(answer).error());
  CompletedUpload done;
  done.location = std::string(text::trim_xml_space(answer->root.child("Location").text().get()));
  done.etag = unquoted(answer->root.child("ETag").text().get());
  return done;
}

std::string complete_multipart_upload_xml(std::span<const s3::CompletedPart> parts) {
  s3::XmlWriter xml;
  xml.open("CompleteMultipartUpload", s3::kS3XmlNamespace);
  for (const s3::CompletedPart& part : parts) {
    xml.open("Part")
        .element("PartNumber", std::to_string(part.part_number))
        .element("ETag", "\"" + part.etag + "\"");
    if (part.checksum_sha256) xml.element("ChecksumSHA256", *part.checksum_sha256);
    xml.close();
  }
  xml.close();
  return std::move(xml).finish();
}

Expected<std::string, ClientError> create_multipart_upload(
    const S3Client& client, std::string_view bucket, std::string_view key,
    std::vector<std::pair<std::string, std::string>> headers) {
  S3Call call;
  call.operation = "CreateMultipartUpload";
  call.method = "POST";
  call.bucket = std::string(bucket);
  call.key = std::string(key);
  call.query = {{"uploads", ""}};
  call.headers = std::move(headers);
  return detail::send_and_read(client, call, read_initiate_result);
}

Expected<std::vector<UploadedPart>, ClientError> list_parts(const S3Client& client,
                                                            std::string_view bucket,
                                                            std::string_view key,
                                                            std::string_view upload_id) {
  std::vector<UploadedPart> parts;
  std::string marker;
  for (int page_number = 0; page_number < kMaxListPages; ++page_number) {
    S3Call call = upload_call("ListParts", "GET", bucket, key, upload_id);
    if (!marker.empty()) call.query.emplace_back("part-number-marker", marker);
    auto response = client.send(call);
    if (!response) return Unexpected(std::move(response).error());
    auto page = read_list_parts_result(response->body);
    if (!page) return Unexpected(unusable_response(call.operation, *response, page.error()));
    for (auto& part : page->parts) {
      if (!parts.empty() && part.part_number <= parts.back().part_number) {
        return Unexpected(
            unusable_response(call.operation, *response, "its parts are not in ascending order"));
      }
      parts.push_back(std::move(part));
    }
    if (!page->truncated) return parts;
    if (page->next_marker == marker) {
      return Unexpected(
          unusable_response(call.operation, *response, "its marker does not advance"));
    }
    marker = page->next_marker;
  }
  ClientError error;
  error.kind = ErrorKind::kResponse;
  error.operation = "ListParts";
  error.message = "more pages than 10,000 parts fill";
  return Unexpected(std::move(error));
}

Expected<CompletedUpload, ClientError> complete_multipart_upload(
    const S3Client& client, std::string_view bucket, std::string_view key,
    std::string_view upload_id, std::span<const s3::CompletedPart> parts) {
  S3Call call = upload_call("CompleteMultipartUpload", "POST", bucket, key, upload_id);
  call.headers = {{"Content-Type", "application/xml"}};
  call.body = complete_multipart_upload_xml(parts);
  auto response = client.send(call);
  if (!response) return Unexpected(std::move(response).error());
  if (response->body.find("<Error>") != std::string::npos) {
    pugi::xml_document doc;
    if (doc.load_buffer(response->body.data(), response->body.size()) &&
        std::string_view(doc.document_element().name()) == "Error") {
      return Unexpected(error_from_response(call.operation, *response));
    }
  }
  auto done = read_complete_result(response->body);
  if (!done) return Unexpected(unusable_response(call.operation, *response, done.error()));
  return std::move(*done);
}

Expected<void, ClientError> abort_multipart_upload(const S3Client& client, std::string_view bucket,
                                                   std::string_view key,
                                                   std::string_view upload_id) {
  auto response =
      client.send(upload_call("AbortMultipartUpload", "DELETE", bucket, key, upload_id));
  if (!response) return Unexpected(std::move(response).error());
  return {};
}

}  // namespace upgate::s3client

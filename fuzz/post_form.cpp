// Fuzz target: a POST Object form as the store reads it (src/store_http/
// s3_post_object_handler.cpp): the boundary from Content-Type, the multipart/form-data
// parser fed in pieces, the fields before the file kept within S3's bound, and at the
// file's part header authorize_form (post_form_auth.cpp): the policy's signature,
// `${filename}` substitution, the policy's conditions.
//
// Input: byte 0 picks the piece size (1..97); then the Content-Type value up to '\n'; then
// the body. The two test suites' access keys are known, the bucket is "uploads", and the
// clock is the form's x-amz-date when it parses, so signed seeds get past the expiration.
#include <chrono>
#include <optional>

#include "fuzz_input.hpp"
#include "store_http/multipart_form.hpp"
#include "store_http/post_form_auth.hpp"
#include "upgate/sigv4/amz_time.hpp"

namespace {

using namespace upgate;

std::optional<sigv4::Credentials> lookup(std::string_view id) {
  if (id != "AKIAIOSFODNN7EXAMPLE") return std::nullopt;
  sigv4::Credentials c;
  c.access_key_id = std::string(id);
  c.secret_access_key = sigv4::SecretKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  return c;
}

void authorize(std::vector<sigv4::FormField>& fields, std::string_view filename) {
  static sigv4::SigningKeyCache cache;
  store::PostFormContext context;
  context.bucket = "uploads";
  const auto* date = store::find_form_field(fields, "x-amz-date");
  const auto when = date != nullptr ? sigv4::parse_amz_date(date->value) : std::nullopt;
  context.now = when ? *when : sigv4::Timestamp(std::chrono::seconds(1709294400));
  context.region = "us-east-1";
  context.lookup = lookup;
  context.signing_keys = &cache;
  (void)store::authorize_form(fields, filename, context);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view data = fuzz::as_text(bytes, size);
  if (data.empty() || data.size() > 64 * 1024) return 0;
  const std::size_t step = 1 + fuzz::take_choice(data, 97);
  const std::size_t nl = data.find('\n');
  const std::string_view content_type = data.substr(0, nl);
  data.remove_prefix(nl == std::string_view::npos ? data.size() : nl + 1);
  const auto boundary = store::form_data_boundary(content_type);
  if (!boundary) return 0;

  store::MultipartFormParser parser(*boundary, store::MultipartFormParser::Limits{});
  std::vector<sigv4::FormField> fields;
  std::size_t pre_data_bytes = 0;
  bool in_field = false;
  std::string buffer;
  std::size_t fed = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    std::string_view view(buffer);
    auto event = parser.next(view);
    const std::size_t consumed = buffer.size() - view.size();
    if (consumed > buffer.size()) __builtin_trap();
    if (std::holds_alternative<store::MultipartFormParser::NeedMore>(event)) {
      if (fed == data.size()) return 0;
      buffer.erase(0, consumed);
      const std::size_t n = std::min(step, data.size() - fed);
      buffer.append(data.substr(fed, n));
      fed += n;
      continue;
    }
    if (std::holds_alternative<store::MultipartFormParser::Done>(event) ||
        std::holds_alternative<store::MultipartFormParser::Error>(event)) {
      return 0;
    }
    if (auto* part = std::get_if<store::MultipartFormParser::PartBegin>(&event)) {
      if (text::lower(part->name) == "file") {
        authorize(fields, part->filename.value_or(""));
        return 0;  // the rest is the file's bytes
      }
      pre_data_bytes += part->name.size();
      if (pre_data_bytes > store::kMaxPreDataBytes) return 0;
      fields.push_back(sigv4::FormField{part->name, ""});
      in_field = true;
    } else if (auto* piece = std::get_if<store::MultipartFormParser::Data>(&event)) {
      if (in_field) {
        pre_data_bytes += piece->bytes.size();
        if (pre_data_bytes > store::kMaxPreDataBytes) return 0;
        fields.back().value.append(piece->bytes);
      }
    } else if (std::holds_alternative<store::MultipartFormParser::PartEnd>(event)) {
      in_field = false;
    }
    buffer.erase(0, consumed);  // Data views into the buffer: dropped once used
  }
  return 0;
}

// POST Object: a browser form upload authorized by a signed policy.
//
// The form streams through MultipartFormParser. Fields before the file are
// kept (bounded, as S3 bounds them); at the file's part header the form is
// authorized (authorize_form, post_form_auth.cpp), so not one byte of an unauthorized file is
// written. The file streams into a blob with the policy's content-length-range
// enforced as it grows; fields after the file are ignored, as S3 ignores them.
//
// Nothing large is built for a request that is not authenticated: the body is read
// in small pieces until the policy's signature holds, and `${filename}` is
// substituted only after that, into the fields S3 substitutes it in, with the
// result bounded like the fields themselves.
#include <algorithm>
#include <memory>
#include <span>
#include <string>

#include "engine_refusal.hpp"
#include "multipart_form.hpp"
#include "object_headers.hpp"
#include "post_form_auth.hpp"
#include "s3_handlers.hpp"
#include "s3_request.hpp"
#include "upgate/s3/naming.hpp"
#include "upgate/s3/xml_responses.hpp"
#include "upgate/sigv4/post_policy.hpp"
#include "upgate/text.hpp"

namespace upgate::store {

namespace asio = boost::asio;
using s3::ErrorCode;

namespace {

// Reads before the form is authorized (fields and part headers), then for the file.
constexpr std::size_t kFieldReadPiece = 16 * 1024;
constexpr std::size_t kFileReadPiece = 256 * 1024;

s3::S3Error malformed_post(std::string why) {
  return s3::make_error(ErrorCode::MalformedPOSTRequest,
                        "The body of your POST request is not well-formed multipart/form-data.")
      .because(std::move(why));
}

// Object headers and metadata from the form's fields, as S3 reads them.
void apply_fields(const std::vector<sigv4::FormField>& fields, PutObjectRequest& request) {
  for (const auto& f : fields) {
    const std::string name = text::lower(f.name);
    if (name == "content-type")
      request.headers.content_type = f.value;
    else if (name == "content-disposition")
      request.headers.content_disposition = f.value;
    else if (name == "content-encoding")
      request.headers.content_encoding = f.value;
    else if (name == "content-language")
      request.headers.content_language = f.value;
    else if (name == "cache-control")
      request.headers.cache_control = f.value;
    else if (name == "expires")
      request.headers.expires = f.value;
    else if (name.starts_with("x-amz-meta-") && name.size() > 11) {
      request.user_metadata.emplace_back(name.substr(11), f.value);
    }
  }
}

bool valid_object_acl(std::string_view acl) {
  for (std::string_view a : {"private", "public-read", "public-read-write", "authenticated-read",
                             "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"}) {
    if (a == acl) return true;
  }
  return false;
}

// The query S3 appends to success_action_redirect.
std::string redirect_url(std::string_view base, std::string_view bucket, std::string_view key,
                         std::string_view etag) {
  std::string url(base);
  url += base.find('?') == std::string_view::npos ? '?' : '&';
  url += "bucket=" + s3::url_encode_key(bucket) + "&key=" + s3::url_encode_key(key) +
         "&etag=" + s3::url_encode_key("\"" + std::string(etag) + "\"");
  return url;
}

}  // namespace

asio::awaitable<Outcome> handle_post_object(S3Request& r) {
  const auto boundary = form_data_boundary(r.header("content-type").value_or(""));
  if (!boundary) co_return Unexpected(malformed_post("no multipart/form-data boundary"));
  if (auto bucket = co_await existing_bucket(r); !bucket) {
    co_return Unexpected(std::move(bucket).error());
  }
  r.exchange.set_body_limit(kMaxSinglePutSize + kMaxPreDataBytes + 64 * 1024);

  MultipartFormParser parser(*boundary, MultipartFormParser::Limits{});
  std::vector<sigv4::FormField> fields;
  std::size_t pre_data_bytes = 0;
  enum class In { kNothing, kField, kFile, kIgnored } in = In::kNothing;
  bool file_seen = false;
  bool file_done = false;

  std::optional<BlobWriter> writer;
  std::optional<sigv4::VerifiedPost> verified;
  std::pair<std::uint64_t, std::uint64_t> length_range{0, kMaxSinglePutSize};
  PutObjectRequest request;
  request.bucket = r.target.bucket;

  std::string buffer;  // grows only as far as one read piece and a partial part header
  std::size_t start = 0;
  bool eof = !r.request().has_body();
  std::vector<std::string_view> pending;  // file bytes in `buffer`, not yet written
  std::uint64_t file_size = 0;

  // Every refusal drops the half-written file first (unlinking blocks: on the pool).
  auto refuse = [&](s3::S3Error error) -> asio::awaitable<Outcome> {
    if (writer) co_await r.blocking([&] { writer.reset(); });
    co_return Unexpected(std::move(error));
  };
  auto flush = [&]() -> asio::awaitable<Expected<void, s3::S3Error>> {
    if (pending.empty()) co_return Expected<void, s3::S3Error>{};
    Expected<void, s3::S3Error> result;
    co_await r.blocking([&] {
      for (auto bytes : pending) {
        auto ok = writer->append(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
        if (!ok) {
          result = Unexpected(to_s3_error(ok.error()));
          return;
        }
      }
    });
    pending.clear();
    co_return result;
  };

  while (true) {
    std::string_view view(buffer.data() + start, buffer.size() - start);
    MultipartFormParser::Event event = parser.next(view);
    start = buffer.size() - view.size();

    if (std::holds_alternative<MultipartFormParser::NeedMore>(event)) {
      if (auto flushed = co_await flush(); !flushed) {
        co_return co_await refuse(std::move(flushed).error());
      }
      if (eof) {
        co_return co_await refuse(malformed_post("the body ended inside the form"));
      }
      buffer.erase(0, start);
      start = 0;
      const std::size_t old = buffer.size();
      const std::size_t piece = verified ? kFileReadPiece : kFieldReadPiece;
      buffer.resize(old + piece);
      auto got = co_await r.exchange.read_body_some(std::span<char>(buffer.data() + old, piece));
      if (!got) {
        co_return co_await refuse(
            got.error() == http::BodyError::too_large
                ? s3::make_error(ErrorCode::EntityTooLarge)
                : s3::make_error(ErrorCode::IncompleteBody).because("form body read failed"));
      }
      buffer.resize(old + *got);
      if (*got == 0) eof = true;
      continue;
    }
    if (auto* error = std::get_if<MultipartFormParser::Error>(&event)) {
      co_return co_await refuse(malformed_post(error->reason));
    }
    if (std::holds_alternative<MultipartFormParser::Done>(event)) break;

    if (auto* part = std::get_if<MultipartFormParser::PartBegin>(&event)) {
      if (file_done) {
        in = In::kIgnored;
        continue;
      }
      if (text::lower(part->name) != "file") {
        pre_data_bytes += part->name.size();
        if (pre_data_bytes > kMaxPreDataBytes) {
          co_return co_await refuse(s3::make_error(ErrorCode::MaxPostPreDataLengthExceededError));
        }
        fields.push_back(sigv4::FormField{part->name, ""});
        in = In::kField;
        continue;
      }
      // The file: everything needed to authorize it is known now.
      file_seen = true;
      in = In::kFile;
      const AccessKeys& keys = r.service.keys;
      PostFormContext context;
      context.bucket = r.target.bucket;
      context.now = std::chrono::floor<std::chrono::seconds>(r.service.now());
      context.region = r.service.options.region;
      context.lookup = [&keys](std::string_view id) -> std::optional<sigv4::Credentials> {
        const AccessKey* key = keys.find(id);
        if (key == nullptr) return std::nullopt;
        return key->credentials;
      };
      context.signing_keys = &r.service.signing_keys;
      auto authorized = authorize_form(fields, part->filename.value_or(""), context);
      if (!authorized) co_return co_await refuse(std::move(authorized).error());
      verified = std::move(*authorized);
      r.access_key = r.service.keys.find(verified->access_key_id);
      const sigv4::FormField* key_field = find_form_field(fields, "key");
      request.key = key_field != nullptr ? key_field->value : "";
      r.target.key = request.key;
      if (request.key.empty()) {
        co_return co_await refuse(s3::make_error(ErrorCode::UserKeyMustBeSpecified));
      }
      if (auto ok = s3::validate_object_key(request.key); !ok) {
        co_return co_await refuse(std::move(ok).error());
      }
      if (!r.allowed("s3:PutObject", r.target.bucket, request.key)) {
        co_return co_await refuse(s3::make_error(ErrorCode::AccessDenied));
      }
      apply_fields(fields, request);
      if (const auto* acl = find_form_field(fields, "acl")) {
        if (!valid_object_acl(acl->value)) {
          co_return co_await refuse(s3::invalid_argument("", "acl", acl->value));
        }
        request.acl = acl->value;
      }
      if (user_metadata_size(request.user_metadata) > kMaxUserMetadataBytes) {
        co_return co_await refuse(s3::make_error(ErrorCode::MetadataTooLarge));
      }
      if (auto range = verified->policy.content_length_range()) length_range = *range;
      std::optional<StoreError> failed;
      co_await r.blocking([&] {
        auto w = r.service.store.begin_blob(ChecksumSet{}, kMaxSinglePutSize);
        if (w) {
          writer.emplace(std::move(*w));
        } else {
          failed = w.error();
        }
      });
      if (failed) co_return co_await refuse(to_s3_error(*failed));
      continue;
    }
    if (auto* data = std::get_if<MultipartFormParser::Data>(&event)) {
      if (in == In::kField) {
        pre_data_bytes += data->bytes.size();
        if (pre_data_bytes > kMaxPreDataBytes) {
          co_return co_await refuse(s3::make_error(ErrorCode::MaxPostPreDataLengthExceededError));
        }
        fields.back().value.append(data->bytes);
      } else if (in == In::kFile) {
        file_size += data->bytes.size();
        if (file_size > length_range.second) {
          co_return co_await refuse(
              s3::make_error(ErrorCode::EntityTooLarge,
                             "Your proposed upload exceeds the maximum allowed size")
                  .with("ProposedSize", std::to_string(file_size))
                  .with("MaxSizeAllowed", std::to_string(length_range.second)));
        }
        pending.push_back(data->bytes);
      }
      continue;
    }
    if (std::holds_alternative<MultipartFormParser::PartEnd>(event)) {
      if (in == In::kFile) {
        if (auto flushed = co_await flush(); !flushed) {
          co_return co_await refuse(std::move(flushed).error());
        }
        file_done = true;
      }
      in = In::kNothing;
      continue;
    }
  }

  if (!file_seen || !file_done) {
    co_return co_await refuse(s3::make_error(ErrorCode::IncorrectNumberOfFilesInPostRequest,
                                             "POST requires exactly one file upload per "
                                             "request."));
  }
  if (file_size < length_range.first) {
    co_return co_await refuse(
        s3::make_error(ErrorCode::EntityTooSmall,
                       "Your proposed upload is smaller than the minimum allowed size")
            .with("ProposedSize", std::to_string(file_size))
            .with("MinSizeAllowed", std::to_string(length_range.first)));
  }
  auto stored = co_await on_pool(r, [&]() -> Expected<PutObjectResult, s3::S3Error> {
    writer->finish();
    auto blob = writer->commit();
    writer.reset();
    if (!blob) return Unexpected(to_s3_error(blob.error()));
    auto put = r.service.store.put_object(request, std::move(*blob));
    if (!put) return Unexpected(to_s3_error(put.error(), request.bucket, request.key));
    return std::move(*put);
  });
  if (!stored) co_return Unexpected(std::move(stored).error());

  const std::string location = "http://" + std::string(r.header("host").value_or("localhost")) +
                               "/" + request.bucket + "/" + s3::url_encode_key(request.key);
  const sigv4::FormField* redirect = find_form_field(fields, "success_action_redirect");
  if (redirect == nullptr) redirect = find_form_field(fields, "redirect");
  if (redirect != nullptr &&
      (redirect->value.starts_with("http://") || redirect->value.starts_with("https://"))) {
    http::Response out = r.response(303);
    out.set_header("Location",
                   redirect_url(redirect->value, request.bucket, request.key, stored->etag));
    out.set_header("ETag", s3::quote_etag(stored->etag));
    co_return co_await r.send(out);
  }
  const sigv4::FormField* status_field = find_form_field(fields, "success_action_status");
  const std::string status = status_field != nullptr ? status_field->value : "204";
  http::Response out = r.response(status == "200" ? 200 : status == "201" ? 201 : 204);
  out.set_header("ETag", s3::quote_etag(stored->etag));
  out.set_header("Location", location);
  if (status == "201") {
    out.set_body(
        s3::render_post_object_result({location, request.bucket, request.key, stored->etag}),
        "application/xml");
  }
  co_return co_await r.send(out);
}

}  // namespace upgate::store

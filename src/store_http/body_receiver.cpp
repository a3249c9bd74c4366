// Request bodies into blobs: bounded buffers, checks while streaming, commit last.
#include "body_receiver.hpp"
#include "body_pipeline.hpp"

#include "engine_refusal.hpp"
#include "payload_decoder.hpp"
#include "store/streaming_digester.hpp"
#include "upgate/text.hpp"

namespace upgate::store {

namespace {

using s3::ErrorCode;

// True when `value` is the base64 of exactly the algorithm's digest size.
bool valid_checksum_value(ChecksumAlgorithm algorithm, std::string_view value) {
  std::string raw;
  return sigv4::base64_decode(value, raw) && raw.size() == checksum_digest_size(algorithm);
}

std::string algorithm_lower(ChecksumAlgorithm a) {
  return text::lower(checksum_algorithm_name(a));
}

Expected<PayloadSpec, s3::S3Error> payload_spec(const S3Request& r) {
  PayloadHeaders h;
  h.decoded_content_length = r.header("x-amz-decoded-content-length");
  h.trailer = r.header("x-amz-trailer");
  return describe_payload(r.auth ? &*r.auth : nullptr, h);
}

// Content-MD5: base64 of 16 bytes, else InvalidDigest.
Expected<std::optional<std::string>, s3::S3Error> content_md5(const S3Request& r) {
  const auto value = r.header("content-md5");
  if (!value) return std::optional<std::string>();
  std::string raw;
  const std::string_view v = text::trim(*value);
  if (!sigv4::base64_decode(v, raw) || raw.size() != 16) {
    return Unexpected(s3::make_error(ErrorCode::InvalidDigest).because("Content-MD5 malformed"));
  }
  return std::optional<std::string>(std::string(v));
}

}  // namespace

Expected<ChecksumRequest, s3::S3Error> checksum_request(const S3Request& r) {
  ChecksumRequest out;
  std::optional<std::string> value_header;
  for (const auto& h : r.headers) {
    if (!text::istarts_with(h.name, "x-amz-checksum-")) continue;
    const std::string name = text::lower(h.name);
    const std::string_view suffix = std::string_view(name).substr(15);
    if (suffix == "algorithm" || suffix == "type" || suffix == "mode") continue;
    if (suffix == "crc64nvme") {
      return Unexpected(s3::make_error(ErrorCode::NotImplemented,
                                       "The CRC64NVME checksum algorithm is not supported")
                            .because("x-amz-checksum-crc64nvme"));
    }
    const auto algorithm = parse_checksum_algorithm(suffix);
    if (!algorithm) {
      return Unexpected(
          s3::make_error(ErrorCode::InvalidRequest, "The x-amz-checksum header is not supported")
              .because("unknown " + name));
    }
    if (out.algorithm) {
      return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                       "Expecting a single x-amz-checksum- header. Multiple "
                                       "checksum Types are not allowed."));
    }
    const std::string_view v = text::trim(h.value);
    if (!valid_checksum_value(*algorithm, v)) {
      return Unexpected(
          s3::make_error(ErrorCode::InvalidRequest, "Value for " + name + " header is invalid."));
    }
    out.algorithm = algorithm;
    out.expected = std::string(v);
    value_header = name;
  }
  if (const auto trailer = r.header("x-amz-trailer")) {
    const std::string t = text::lower(text::trim(*trailer));
    if (text::istarts_with(t, "x-amz-checksum-")) {
      if (t == "x-amz-checksum-crc64nvme") {
        return Unexpected(s3::make_error(ErrorCode::NotImplemented,
                                         "The CRC64NVME checksum algorithm is not supported"));
      }
      const auto algorithm = parse_checksum_algorithm(std::string_view(t).substr(15));
      if (!algorithm) {
        return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                         "The value specified in the x-amz-trailer header is not "
                                         "supported"));
      }
      if (out.algorithm) {
        return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                         "Expecting a single x-amz-checksum- header. Multiple "
                                         "checksum Types are not allowed."));
      }
      out.algorithm = algorithm;
      out.from_trailer = true;
    }
  }
  if (const auto sdk = r.header("x-amz-sdk-checksum-algorithm")) {
    const std::string_view name = text::trim(*sdk);
    if (text::lower(name) == "crc64nvme") {
      if (!out.algorithm) {
        return Unexpected(s3::make_error(ErrorCode::NotImplemented,
                                         "The CRC64NVME checksum algorithm is not supported"));
      }
    } else {
      const auto algorithm = parse_checksum_algorithm(name);
      if (!algorithm || (out.algorithm && *out.algorithm != *algorithm)) {
        return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                         "Value for x-amz-sdk-checksum-algorithm header is "
                                         "invalid."));
      }
      out.algorithm = algorithm;
    }
  }
  return out;
}

boost::asio::awaitable<Expected<ReceivedBody, s3::S3Error>> receive_body(S3Request& r,
                                                                         ReceiveOptions options) {
  auto spec = payload_spec(r);
  if (!spec) co_return Unexpected(std::move(spec).error());
  auto checksums = checksum_request(r);
  if (!checksums) co_return Unexpected(std::move(checksums).error());
  if (checksums->from_trailer && !spec->chunked()) {
    co_return Unexpected(
        s3::make_error(ErrorCode::InvalidRequest, "x-amz-trailer needs an aws-chunked body")
            .because("trailer without a STREAMING-*-TRAILER payload"));
  }
  if (options.required_algorithm && checksums->algorithm &&
      *checksums->algorithm != *options.required_algorithm) {
    co_return Unexpected(
        s3::make_error(ErrorCode::InvalidRequest,
                       "Checksum Type mismatch occurred, expected checksum Type: " +
                           algorithm_lower(*options.required_algorithm) +
                           ", actual checksum Type: " + algorithm_lower(*checksums->algorithm)));
  }
  std::optional<ChecksumAlgorithm> algorithm =
      checksums->algorithm ? checksums->algorithm : options.required_algorithm;
  auto md5 = content_md5(r);
  if (!md5) co_return Unexpected(std::move(md5).error());

  const http::Request& request = r.request();
  std::optional<std::uint64_t> declared =
      spec->chunked() ? spec->decoded_length : request.content_length();
  if (!declared && !request.chunked()) {
    co_return Unexpected(s3::make_error(ErrorCode::MissingContentLength));
  }
  if (declared && *declared > options.max_size) {
    co_return Unexpected(s3::entity_too_large(*declared, options.max_size));
  }
  if (request.content_length()) {
    r.exchange.set_body_limit(*request.content_length());
  } else {
    // Chunked transfer coding: the decoded size is bounded by the writer; the
    // framing overhead of aws-chunked is a few percent at most.
    r.exchange.set_body_limit(options.max_size + options.max_size / 8 + (1u << 20));
  }

  ChecksumSet set;
  if (algorithm) set = set.with(*algorithm);
  std::optional<BlobWriter> writer;
  StoreError begin_error;
  co_await r.blocking([&] {
    auto w = r.service.store.begin_blob(set, options.max_size);
    if (w) {
      writer.emplace(std::move(*w));
    } else {
      begin_error = w.error();
    }
  });
  if (!writer) co_return Unexpected(to_s3_error(begin_error));

  PayloadDecoder decoder(std::move(*spec));
  auto streamed = co_await stream_into_blob(r.exchange, decoder, *writer,
                                            {.buffer_bytes = r.service.options.io_buffer_bytes,
                                             .buffers = r.service.options.upload_buffers});
  if (!streamed) {
    co_await r.blocking([&] { writer.reset(); });
    co_return Unexpected(std::move(streamed).error());
  }

  std::optional<Expected<ReceivedBody, s3::S3Error>> result;
  co_await r.blocking([&] {
    auto fail = [&](s3::S3Error e) {
      writer.reset();
      result.emplace(Unexpected(std::move(e)));
    };
    if (auto finished = decoder.finish(); !finished) return fail(std::move(finished).error());
    const Digests& digests = writer->finish();
    if (*md5 && !sigv4::constant_time_equal(**md5, digests.md5_base64())) {
      return fail(s3::bad_digest(**md5, digests.md5_base64()));
    }
    if (algorithm) {
      std::optional<std::string> expected = checksums->expected;
      if (checksums->from_trailer) {
        const std::string trailer_name = "x-amz-checksum-" + algorithm_lower(*algorithm);
        for (const auto& [name, value] : decoder.trailers()) {
          if (name == trailer_name) expected = value;
        }
        if (expected && !valid_checksum_value(*algorithm, *expected)) {
          return fail(s3::make_error(ErrorCode::InvalidRequest,
                                     "Value for " + trailer_name + " trailing header is invalid."));
        }
      }
      const auto& computed = digests.checksums.get(*algorithm);
      if (expected && (!computed || *computed != *expected)) {
        return fail(s3::make_error(ErrorCode::BadDigest,
                                   "The " + std::string(checksum_algorithm_name(*algorithm)) +
                                       " you specified did not match the calculated checksum.")
                        .because("checksum mismatch"));
      }
    }
    Checksums computed = digests.checksums;
    auto blob = writer->commit();
    writer.reset();
    if (!blob) return fail(to_s3_error(blob.error()));
    result.emplace(ReceivedBody{std::move(*blob), std::move(computed)});
  });
  co_return std::move(*result);
}

boost::asio::awaitable<Expected<std::string, s3::S3Error>> receive_small_body(
    S3Request& r, std::size_t max_bytes) {
  auto spec = payload_spec(r);
  if (!spec) co_return Unexpected(std::move(spec).error());
  auto md5 = content_md5(r);
  if (!md5) co_return Unexpected(std::move(md5).error());
  const http::Request& request = r.request();
  const std::size_t framing = spec->chunked() ? max_bytes / 4 + 4096 : 0;
  if (request.content_length() && *request.content_length() > max_bytes + framing) {
    co_return Unexpected(
        s3::make_error(ErrorCode::MaxMessageLengthExceeded)
            .because("body of " + std::to_string(*request.content_length()) + " bytes"));
  }
  r.exchange.set_body_limit(max_bytes + framing);
  auto raw = co_await r.exchange.read_body(max_bytes + framing);
  if (!raw) {
    if (raw.error() == http::BodyError::too_large) {
      co_return Unexpected(s3::make_error(ErrorCode::MaxMessageLengthExceeded));
    }
    co_return Unexpected(body_read_error(raw.error()));
  }
  std::string body;
  PayloadDecoder decoder(std::move(*spec));
  auto consumed = decoder.consume(*raw, [&](std::string_view bytes) -> Expected<void, s3::S3Error> {
    if (body.size() + bytes.size() > max_bytes) {
      return Unexpected(s3::make_error(ErrorCode::MaxMessageLengthExceeded));
    }
    body.append(bytes);
    return {};
  });
  if (!consumed) co_return Unexpected(std::move(consumed).error());
  if (auto finished = decoder.finish(); !finished)
    co_return Unexpected(std::move(finished).error());
  if (*md5) {
    StreamingDigester digester;
    digester.update(std::as_bytes(std::span<const char>(body.data(), body.size())));
    const std::string computed = digester.finish().md5_base64();
    if (!sigv4::constant_time_equal(**md5, computed)) {
      co_return Unexpected(s3::bad_digest(**md5, computed));
    }
  }
  co_return body;
}

}  // namespace upgate::store

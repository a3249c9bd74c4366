// Streaming body checks for every payload mode S3 accepts.
#include "payload_decoder.hpp"

#include <charconv>

#include "upgate/http_token.hpp"
#include "upgate/sigv4/signer.hpp"
#include "upgate/text.hpp"

namespace upgate::store {

namespace {

using s3::ErrorCode;

s3::S3Error incomplete(std::string why) {
  return s3::make_error(ErrorCode::IncompleteBody).because(std::move(why));
}

s3::S3Error chunk_signature_mismatch(std::string why) {
  return s3::make_error(ErrorCode::SignatureDoesNotMatch).because(std::move(why));
}

bool is_checksum_trailer(std::string_view name) {
  return name == "x-amz-checksum-crc32" || name == "x-amz-checksum-crc32c" ||
         name == "x-amz-checksum-sha1" || name == "x-amz-checksum-sha256" ||
         name == "x-amz-checksum-crc64nvme";
}

}  // namespace

Expected<PayloadSpec, s3::S3Error> describe_payload(const sigv4::VerifiedAuth* auth,
                                                    const PayloadHeaders& headers) {
  PayloadSpec spec;
  const std::string_view hash =
      auth != nullptr ? std::string_view(auth->auth.payload_hash) : sigv4::kUnsignedPayload;
  if (hash.empty() || hash == sigv4::kUnsignedPayload) return spec;
  if (hash == sigv4::kStreamingPayload) {
    spec.mode = PayloadSpec::Mode::kSignedChunks;
  } else if (hash == sigv4::kStreamingPayloadTrailer) {
    spec.mode = PayloadSpec::Mode::kSignedChunksWithTrailer;
  } else if (hash == sigv4::kStreamingUnsignedPayloadTrailer) {
    spec.mode = PayloadSpec::Mode::kUnsignedChunksWithTrailer;
  } else {
    spec.expected_sha256_hex = text::lower(hash);
    return spec;
  }

  if (spec.mode != PayloadSpec::Mode::kUnsignedChunksWithTrailer) {
    if (auth->auth.location != sigv4::AuthLocation::kHeader || !auth->signing_key) {
      return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                       "Streaming signed payloads need Authorization header "
                                       "signing"));
    }
    spec.signing_key = auth->signing_key;
    spec.amz_date = auth->auth.amz_date;
    spec.scope = auth->auth.scope.to_string();
    spec.seed_signature = auth->auth.signature;
  }

  if (!headers.decoded_content_length) {
    return Unexpected(s3::make_error(ErrorCode::MissingContentLength)
                          .because("aws-chunked body without x-amz-decoded-content-length"));
  }
  const std::string_view digits = text::trim(*headers.decoded_content_length);
  std::uint64_t length = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return Unexpected(s3::invalid_argument("Invalid x-amz-decoded-content-length",
                                           "x-amz-decoded-content-length", digits));
  }
  spec.decoded_length = length;

  if (headers.trailer) {
    CommaList names(*headers.trailer);
    while (const auto item = names.next()) {
      const std::string name = text::lower(*item);
      if (name.empty()) continue;
      if (!is_checksum_trailer(name)) {
        return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                         "The value specified in the x-amz-trailer header is not "
                                         "supported")
                              .because("trailer " + name));
      }
      spec.declared_trailers.push_back(name);
    }
    if (spec.declared_trailers.size() > 1) {
      return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                       "Expecting a single x-amz-checksum- header. Multiple "
                                       "checksum Types are not allowed."));
    }
  }
  if (spec.mode == PayloadSpec::Mode::kSignedChunks && !spec.declared_trailers.empty()) {
    return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                     "x-amz-trailer needs a STREAMING-*-TRAILER payload"));
  }
  return spec;
}

PayloadDecoder::PayloadDecoder(PayloadSpec spec) : spec_(std::move(spec)) {
  using Mode = PayloadSpec::Mode;
  switch (spec_.mode) {
    case Mode::kPlain:
      if (spec_.expected_sha256_hex) body_sha_.emplace();
      break;
    case Mode::kSignedChunks:
      chunked_.emplace(sigv4::AwsChunkedDecoder::Mode::kSigned);
      break;
    case Mode::kSignedChunksWithTrailer:
      chunked_.emplace(sigv4::AwsChunkedDecoder::Mode::kSignedWithTrailer);
      break;
    case Mode::kUnsignedChunksWithTrailer:
      chunked_.emplace(sigv4::AwsChunkedDecoder::Mode::kUnsignedWithTrailer);
      break;
  }
  if (spec_.signing_key && spec_.mode != Mode::kPlain &&
      spec_.mode != Mode::kUnsignedChunksWithTrailer) {
    chain_.emplace(spec_.signing_key, spec_.amz_date, spec_.scope, spec_.seed_signature);
    chunk_sha_.emplace();
  }
}

Expected<void, s3::S3Error> PayloadDecoder::consume(std::string_view raw, const Sink& sink) {
  if (failed_) return Unexpected(incomplete("the body was already refused"));
  if (chunked_) {
    auto r = consume_chunked(raw, sink);
    if (!r) failed_ = true;
    return r;
  }
  if (raw.empty()) return {};
  if (body_sha_) body_sha_->update(raw);
  decoded_ += raw.size();
  auto r = sink(raw);
  if (!r) failed_ = true;
  return r;
}

Expected<void, s3::S3Error> PayloadDecoder::consume_chunked(std::string_view raw,
                                                            const Sink& sink) {
  using D = sigv4::AwsChunkedDecoder;
  while (true) {
    D::Event event = chunked_->next(raw);
    if (std::holds_alternative<D::NeedMore>(event)) return {};
    if (auto* data = std::get_if<D::Data>(&event)) {
      decoded_ += data->bytes.size();
      if (spec_.decoded_length && decoded_ > *spec_.decoded_length) {
        return Unexpected(incomplete("aws-chunked body longer than x-amz-decoded-content-length"));
      }
      if (chunk_sha_) chunk_sha_->update(data->bytes);
      if (auto r = sink(data->bytes); !r) return r;
      continue;
    }
    if (auto* end = std::get_if<D::ChunkEnd>(&event)) {
      if (chain_) {
        const sigv4::Sha256Digest digest = chunk_sha_->finish();
        chunk_sha_.emplace();
        if (!chain_->verify_next(digest, end->signature)) {
          return Unexpected(chunk_signature_mismatch("chunk signature does not match"));
        }
      }
      continue;
    }
    if (auto* trailer = std::get_if<D::Trailer>(&event)) {
      const std::string name(trailer->name);
      bool declared = false;
      for (const auto& d : spec_.declared_trailers) declared = declared || d == name;
      if (!declared) {
        return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                         "The trailer was not declared in x-amz-trailer")
                              .because("undeclared trailer " + name));
      }
      trailers_.emplace_back(name, std::string(trailer->value));
      continue;
    }
    if (auto* trailer_end = std::get_if<D::TrailerEnd>(&event)) {
      if (spec_.mode == PayloadSpec::Mode::kSignedChunksWithTrailer) {
        const std::string expected = chain_->trailer_signature(trailer_end->lines);
        if (!sigv4::constant_time_equal(expected, trailer_end->signature)) {
          return Unexpected(chunk_signature_mismatch("trailer signature does not match"));
        }
      }
      continue;
    }
    if (std::holds_alternative<D::End>(event)) {
      ended_ = true;
      if (!raw.empty()) return Unexpected(incomplete("data after the end of the aws-chunked body"));
      return {};
    }
    if (auto* error = std::get_if<D::Error>(&event)) {
      return Unexpected(incomplete("aws-chunked: " + error->reason));
    }
  }
}

Expected<void, s3::S3Error> PayloadDecoder::finish() {
  if (failed_) return Unexpected(incomplete("the body was already refused"));
  if (chunked_) {
    if (!ended_) return Unexpected(incomplete("the aws-chunked body ended before its last chunk"));
    if (spec_.decoded_length && decoded_ != *spec_.decoded_length) {
      return Unexpected(incomplete("decoded " + std::to_string(decoded_) +
                                   " bytes, x-amz-decoded-content-length says " +
                                   std::to_string(*spec_.decoded_length)));
    }
    for (const auto& declared : spec_.declared_trailers) {
      bool seen = false;
      for (const auto& t : trailers_) seen = seen || t.first == declared;
      if (!seen) {
        return Unexpected(s3::make_error(ErrorCode::InvalidRequest,
                                         "The trailer declared in x-amz-trailer was not sent")
                              .because("missing trailer " + declared));
      }
    }
    return {};
  }
  if (body_sha_) {
    const std::string computed = sigv4::hex(body_sha_->finish());
    body_sha_.reset();
    if (!sigv4::constant_time_equal(computed, *spec_.expected_sha256_hex)) {
      return Unexpected(s3::content_sha256_mismatch(*spec_.expected_sha256_hex, computed));
    }
  }
  return {};
}

}  // namespace upgate::store

// Fuzz target: the store's routing of a request (src/store_http/s3_service.cpp run()):
// classify_request reads the target (path style, or virtual-hosted under the store's
// domain), decodes bucket, key and query, and decides the S3 operation from the method,
// the sub-resources and the headers; then the CORS decision a request with Origin gets
// (preflight or actual), against the seed's CORS rules.
//
// Input: a request as text (fuzz_input.hpp).
#include "fuzz_input.hpp"
#include "store_http/s3_operation.hpp"
#include "upgate/s3/cors.hpp"

namespace {

using namespace upgate;

const s3::CorsConfiguration& seed_cors() {
  static const s3::CorsConfiguration config = [] {
    auto parsed = s3::parse_cors_json(fuzz::read_source_file("tests/data/seed_cors.json"));
    if (!parsed) throw std::runtime_error("tests/data/seed_cors.json does not parse");
    return std::move(*parsed);
  }();
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16 * 1024) return 0;  // the store's header bound
  const fuzz::RequestText text = fuzz::read_request_text(fuzz::as_text(data, size));
  store::RequestHead head;
  head.method = text.method;
  head.target = text.target;
  head.host = text.header("host").value_or("");
  head.content_type = text.header("content-type");
  head.has_copy_source = text.header("x-amz-copy-source").has_value();
  s3::RequestTarget target;
  std::vector<sigv4::QueryParam> query;
  const auto op = store::classify_request(head, "s3.example.test", target, query);
  if (!op) return 0;
  (void)store::operation_name(*op);
  (void)store::iam_action(*op);
  (void)store::targets_object(*op);
  if (target.bucket.empty()) return 0;

  s3::CorsRequest cors;
  cors.method = text.method;
  cors.origin = text.header("origin");
  cors.targets_object = !target.key.empty();
  if (*op == store::S3Operation::kPreflight) {
    cors.request_method = text.header("access-control-request-method");
    cors.request_headers = text.header("access-control-request-headers");
    (void)s3::evaluate_preflight(&seed_cors(), true, cors);
  } else if (cors.origin) {
    (void)s3::evaluate_actual_request(&seed_cors(), cors);
  }
  return 0;
}

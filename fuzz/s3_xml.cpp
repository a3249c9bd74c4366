// Fuzz target: the XML request bodies the store parses (upgate_s3, xml_requests.hpp):
// CompleteMultipartUpload, Delete (DeleteObjects), CORSConfiguration,
// LifecycleConfiguration and CreateBucketConfiguration, with the bounds the store's
// handlers pass. A CORS or lifecycle document that parses is written back as the store
// stores it and must parse again.
//
// Input: byte 0 picks the document, the rest is the body.
#include "fuzz_input.hpp"
#include "upgate/s3/cors.hpp"
#include "upgate/s3/lifecycle.hpp"
#include "upgate/s3/xml_requests.hpp"

using namespace upgate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body = fuzz::as_text(data, size);
  switch (fuzz::take_choice(body, 5)) {
    case 0:
      (void)s3::parse_complete_multipart_upload(body, 4 * 1024 * 1024);
      break;
    case 1:
      (void)s3::parse_delete_objects(body, 2 * 1024 * 1024);
      break;
    case 2:
      if (auto cors = s3::parse_cors_configuration_xml(body)) {
        if (!s3::parse_cors_configuration_xml(s3::cors_to_xml(*cors))) __builtin_trap();
        (void)s3::cors_to_json(*cors);
      }
      break;
    case 3:
      if (auto lifecycle = s3::parse_lifecycle_configuration_xml(body)) {
        if (!s3::parse_lifecycle_configuration_xml(s3::lifecycle_to_xml(*lifecycle))) {
          __builtin_trap();
        }
      }
      break;
    default:
      if (auto config = s3::parse_create_bucket_configuration(body, 64 * 1024)) {
        (void)s3::check_location_constraint(config->location_constraint, "us-east-1");
      }
      break;
  }
  return 0;
}

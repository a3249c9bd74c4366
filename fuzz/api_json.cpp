// Fuzz target: the upload API's request bodies and queries, read as its routes read them:
// POST /api/s3/getPresignedUrl and /v1/uploads (UploadService::read_upload, then the
// profile, the plan and the signature of an admitted request), the multipart and
// completion calls (MultipartService::read_call, then the upload token), the Uppy
// companion routes (UppyService: create, complete, params) and GET /v1/downloads.
//
// Input: byte 0 picks the route, the rest is the body (or the query).
#include <chrono>

#include "fuzz_input.hpp"
#include "upgate/api/multipart_service.hpp"
#include "upgate/api/upload_service.hpp"
#include "upgate/api/uppy_service.hpp"

namespace {

using namespace upgate;
using namespace upgate::api;

const std::chrono::sys_seconds kNow{std::chrono::seconds(1796630400)};  // 2026-12-07

config::S3Target target() {
  config::S3Target t;
  t.endpoint = *sigv4::S3Endpoint::parse("http://127.0.0.1:9000", true);
  t.endpoint_url = "http://127.0.0.1:9000";
  t.region = "us-east-1";
  t.bucket = "uploads";
  t.credentials.access_key_id = "AKIDFUZZ";
  t.credentials.secret_access_key = sigv4::SecretKey("FuzzSecretThatIsLongEnough/0123456789");
  return t;
}

Caller caller() {
  auto principal = std::make_shared<auth::Principal>();
  principal->id = "fuzz";
  principal->mode = auth::AuthMode::kApiKey;
  Caller c;
  c.principal = principal;
  c.mode = auth::AuthMode::kApiKey;
  return c;
}

struct Api {
  ProfileSet profiles = *ProfileSet::create({default_profile()});
  config::S3Target s3 = target();
  UploadService uploads{profiles, s3, [] { return kNow; }};
  UploadTokenSigner tokens = *UploadTokenSigner::create({std::string(40, 's')});
  MultipartService multipart{uploads, tokens};
  UppyService uppy{uploads, multipart, UppySettings{"default"}};
  Caller who = caller();

  // What the upload routes do with a request that was read and admitted.
  void presign(UploadRoute route, const UploadRequest& request) const {
    UploadIntent intent;
    intent.route = route == UploadRoute::seed ? ApiRoute::seed : ApiRoute::uploads;
    intent.profile = request.profile;
    intent.profile_field = "profile";
    auto resolved = uploads.resolve(intent);
    if (!resolved) return;
    (void)uploads.presign_upload(route, request, *resolved, who, &tokens);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Api api;
  std::string_view body = fuzz::as_text(data, size);
  if (body.size() > kMaxRequestBodyBytes + 1) return 0;  // the routes' body bound
  const std::optional<std::string_view> json = "application/json";
  const unsigned choice = fuzz::take_choice(body, 7);
  switch (choice) {
    case 0:
    case 1: {
      const UploadRoute route = choice == 0 ? UploadRoute::seed : UploadRoute::v1;
      if (auto request = api.uploads.read_upload(route, json, body)) api.presign(route, *request);
      break;
    }
    case 2:
    case 3: {
      if (auto call = api.multipart.read_call(json, body, choice == 2)) {
        (void)api.multipart.check_token(call->token, api.who, std::nullopt);
      }
      break;
    }
    case 4:
      if (auto request = api.uppy.read_create(json, body)) api.presign(UploadRoute::v1, *request);
      break;
    case 5:
      (void)UppyService::read_complete(json, body);
      break;
    default:
      if (auto request = api.uppy.read_params(body)) api.presign(UploadRoute::v1, *request);
      (void)api.uploads.read_download(body);
      (void)UppyService::read_key(body);
      (void)UppyService::read_part_numbers(body);
      (void)UppyService::read_part_number(body);
      break;
  }
  return 0;
}

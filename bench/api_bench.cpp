// CPU cost of the upload API's answers without the network: what one request costs the
// API itself (JSON parse, validation, key naming, presigning, JSON answer, access and audit lines).
#include <benchmark/benchmark.h>

#include <chrono>

#include "upgate/api/audit_log.hpp"
#include "upgate/api/json_log.hpp"
#include "upgate/api/multipart_service.hpp"
#include "upgate/api/upload_service.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/config/refreshing_credentials.hpp"

namespace {

using namespace upgate;

constexpr std::string_view kSeedBody =
    R"({"fileName":"holiday-photo.jpg","fileType":"image/jpeg","fileSize":2483712,"folderName":"services"})";

config::S3Target target() {
  config::S3Target t;
  t.endpoint = *sigv4::S3Endpoint::parse("http://127.0.0.1:9000", true);
  t.region = "us-east-1";
  t.bucket = "uploads";
  t.credentials.access_key_id = "AKIDBENCHMARK";
  t.credentials.secret_access_key = sigv4::SecretKey("bench-secret-not-real");
  return t;
}

// One seed answer for an anonymous caller: the service's halves as the request pipeline
// runs them (without the authentication between them, which bench/auth_bench measures).
api::ApiReply seed_answer(const api::UploadService& service, std::string_view body) {
  auto request = service.read_upload(api::UploadRoute::seed, "application/json", body);
  if (!request) return std::move(request).error();
  api::UploadIntent intent;
  intent.route = api::ApiRoute::seed;
  intent.profile = request->profile;
  intent.profile_field = "folderName";
  auto profile = service.resolve(intent);
  if (!profile) return std::move(profile).error();
  return service.presign_upload(api::UploadRoute::seed, *request, *profile, api::Caller{});
}

void BM_SeedPresign(benchmark::State& state) {
  const auto profiles = *api::ProfileSet::create({api::default_profile()});
  const auto s3 = target();
  const api::UploadService service(profiles, s3);
  for (auto _ : state) {
    auto reply = seed_answer(service, kSeedBody);
    benchmark::DoNotOptimize(reply.body.data());
  }
}
BENCHMARK(BM_SeedPresign)->ThreadRange(1, 2);

// The same through `upgate serve`'s refreshing credentials: each answer takes the current
// snapshot (a shared_ptr copied under a mutex) and caps the URL at its expiry.
void BM_SeedPresignRefreshingCredentials(benchmark::State& state) {
  static const auto profiles = *api::ProfileSet::create({api::default_profile()});
  static const auto s3 = target();
  static const config::RefreshingCredentials credentials(
      nullptr, config::AwsCredentials{
                   s3.credentials,
                   std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) +
                       std::chrono::hours(1),
                   "bench"});
  const api::UploadService service(profiles, s3, {}, &credentials);
  for (auto _ : state) {
    auto reply = seed_answer(service, kSeedBody);
    benchmark::DoNotOptimize(reply.body.data());
  }
}
BENCHMARK(BM_SeedPresignRefreshingCredentials)->ThreadRange(1, 2);

// What the snapshot alone costs an answer: load the current credentials, drop them.
void BM_CredentialsSnapshot(benchmark::State& state) {
  static const config::RefreshingCredentials credentials(
      nullptr, config::AwsCredentials{target().credentials, std::nullopt, "bench"});
  for (auto _ : state) {
    auto snapshot = credentials.current();
    benchmark::DoNotOptimize(snapshot.get());
  }
}
BENCHMARK(BM_CredentialsSnapshot)->ThreadRange(1, 2);

void BM_SeedRejection(benchmark::State& state) {
  const auto profiles = *api::ProfileSet::create({api::default_profile()});
  const auto s3 = target();
  const api::UploadService service(profiles, s3);
  for (auto _ : state) {
    auto reply =
        seed_answer(service, R"({"fileName":"","fileType":"a/b","fileSize":1,"folderName":"f"})");
    benchmark::DoNotOptimize(reply.body.data());
  }
}
BENCHMARK(BM_SeedRejection);

void BM_AuditLine(benchmark::State& state) {
  api::AuditRecord record;
  record.request_id = "0123456789abcdef";
  record.issued = true;
  record.status = 200;
  record.principal = "auth0|5f7c8ec7c33c6c004bbafe82";
  record.auth = auth::AuthMode::kJwt;
  record.route = api::ApiRoute::seed;
  record.profile = "default";
  record.key = "services/2025/06/01/0123456789abcdef0123456789abcdef-holiday-photo.jpg";
  record.size = 2483712;
  record.content_type = "image/jpeg";
  record.client = "127.0.0.1:51234";
  record.expires = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  for (auto _ : state) {
    auto line = api::format_audit_line(record);
    benchmark::DoNotOptimize(line.data());
  }
}
BENCHMARK(BM_AuditLine);

void BM_AccessLine(benchmark::State& state) {
  http::RequestRecord record;
  record.method = "POST";
  record.path = "/api/s3/getPresignedUrl";
  record.route = "seed_presign";
  record.request_id = "0123456789abcdef";
  record.status = 200;
  record.bytes_in = 98;
  record.bytes_out = 600;
  record.duration = std::chrono::microseconds(250);
  api::AccessDetails details{
      "default", "services/2025/06/01/0123456789abcdef0123456789abcdef-holiday-photo.jpg", "",
      "127.0.0.1:51234"};
  for (auto _ : state) {
    auto line = api::format_access_line(record, details);
    benchmark::DoNotOptimize(line.data());
  }
}
BENCHMARK(BM_AccessLine);

// Upload tokens (multipart, completion): one sign and one verify of a typical token.
api::UploadClaims typical_claims() {
  api::UploadClaims claims;
  claims.key = "big/2026/12/07/0123456789abcdef0123456789abcdef-holiday film.mp4";
  claims.upload_id = "2~Nq3lQ0n1b5VYkqQXjw2T8r2a8mQ7sF1k";
  claims.principal = "user-4711@example.com";
  claims.profile = "big";
  claims.size = 1ULL << 30;
  claims.content_type = "video/mp4";
  claims.checksum = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=";
  claims.expires_at = std::chrono::sys_seconds(std::chrono::seconds(4'000'000'000));
  return claims;
}

void BM_UploadTokenSign(benchmark::State& state) {
  const auto signer = *api::UploadTokenSigner::create({std::string(40, 's')});
  const auto claims = typical_claims();
  for (auto _ : state) {
    auto token = signer.sign(claims);
    benchmark::DoNotOptimize(token->data());
  }
}
BENCHMARK(BM_UploadTokenSign);

// Verify with `state.range(0)` secrets configured (a rotation has 2): every one is tried.
void BM_UploadTokenVerify(benchmark::State& state) {
  std::vector<std::string> secrets;
  for (int i = 0; i < state.range(0); ++i) secrets.push_back(std::string(40, 'a' + i));
  const auto signer = *api::UploadTokenSigner::create(secrets);
  const auto token = *signer.sign(typical_claims());
  const auto now = std::chrono::sys_seconds(std::chrono::seconds(1'800'000'000));
  for (auto _ : state) {
    auto claims = signer.verify(token, now);
    benchmark::DoNotOptimize(claims->key.data());
  }
}
BENCHMARK(BM_UploadTokenVerify)->Arg(1)->Arg(2);

// One /v1/multipart/sign answer for a batch of `state.range(0)` part URLs of a 1 GiB
// upload (token already checked): presigning each part with its Content-Length, JSON out.
void BM_MultipartSignBatch(benchmark::State& state) {
  api::UploadProfile profile = api::default_profile();
  profile.name = "big";
  profile.max_size = 1ULL << 40;
  const auto profiles = *api::ProfileSet::create({profile});
  const auto s3 = target();
  const api::UploadService service(profiles, s3);
  const auto signer = *api::UploadTokenSigner::create({std::string(40, 's')});
  const api::MultipartService multipart(service, signer);
  const auto resolved = *profiles.resolve("big", "profile");
  const auto claims = typical_claims();
  std::vector<std::uint32_t> numbers;
  for (std::uint32_t n = 1; n <= static_cast<std::uint32_t>(state.range(0)); ++n)
    numbers.push_back(n);
  for (auto _ : state) {
    auto reply = multipart.sign_parts(claims, resolved, numbers);
    benchmark::DoNotOptimize(reply.body.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MultipartSignBatch)->Arg(1)->Arg(10)->Arg(64);

}  // namespace

BENCHMARK_MAIN();

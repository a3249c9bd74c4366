// Fuzz target: upgate.toml as `upgate serve` reads it (api::parse_api_config: every table,
// toml++ behind toml_table.cpp, then the merge with the environment and the checks of each
// setting), and its events part (api::parse_events_settings: [events], [[webhooks]]).
//
// Input: the file's text. The environment gives credentials and a region, and a HOME with
// no ~/.aws files, so the S3 target resolves without touching the machine's own settings.
#include "fuzz_input.hpp"
#include "upgate/api/api_config.hpp"
#include "upgate/api/events_config.hpp"

using namespace upgate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > api::kMaxConfigFileBytes) return 0;
  static const config::Environment env = config::Environment::from({
      {"HOME", "/nonexistent/upgate-fuzz"},
      {"AWS_ACCESS_KEY_ID", "AKIDFUZZ"},
      {"AWS_SECRET_ACCESS_KEY", "FuzzSecretThatIsLongEnough/0123456789"},
      {"AWS_REGION", "us-east-1"},
      {"AWS_S3_BUCKET_NAME", "uploads"},
  });
  const std::string_view toml = fuzz::as_text(data, size);
  (void)api::parse_api_config(env, api::ApiFlags{}, toml);
  (void)api::parse_events_settings(toml, "upgate.toml");
  return 0;
}

// `upgate presign-post`: the fields of a browser form upload (S3 POST Object) signed with
// a POST policy, as boto3's generate_presigned_post returns them. The form posts these
// fields, in this order, then the file as the last part named `file`.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "commands.hpp"
#include "signing_target.hpp"
#include "upgate/sigv4/post_policy.hpp"

namespace upgate::cli {
namespace {

namespace json = boost::json;

constexpr std::string_view kPresignPostHelp =
    "Print the URL and form fields of a browser form upload (S3 POST Object) signed with a\n"
    "POST policy, as JSON: {\"url\", \"fields\": {key, x-amz-algorithm, x-amz-credential,\n"
    "x-amz-date, [x-amz-security-token], policy, x-amz-signature, then the --field ones},\n"
    "\"expiresAt\"}. Post the fields, in order, then the file as the last part, `file`.\n"
    "The key is fixed by s3://BUCKET/KEY; a KEY ending in ${filename} (or --key-starts-with)\n"
    "lets the form choose what follows the prefix, as S3 substitutes the file's name.\n";

struct PresignPostOptions {
  std::string target;  // s3://BUCKET/KEY
  std::optional<std::string> key_starts_with;
  std::optional<std::string> content_length_range;  // MIN:MAX
  std::vector<std::string> fields;                  // NAME=VALUE
  long long expires = 300;
  SigningFlags signing;
};

std::optional<std::uint64_t> parse_byte_count(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "MIN:MAX", both byte counts, MIN <= MAX.
Result<std::pair<std::uint64_t, std::uint64_t>> parse_length_range(std::string_view text) {
  const auto colon = text.find(':');
  const auto bad = [&](std::string_view why) {
    return usage_error("bad --content-length-range '" + std::string(text) +
                       "': " + std::string(why));
  };
  if (colon == std::string_view::npos) return bad("expected MIN:MAX in bytes");
  const auto min = parse_byte_count(text.substr(0, colon));
  const auto max = parse_byte_count(text.substr(colon + 1));
  if (!min || !max) return bad("expected MIN:MAX in bytes");
  if (*min > *max) return bad("MIN exceeds MAX");
  return std::make_pair(*min, *max);
}

Result<std::vector<sigv4::FormField>> parse_fields(const std::vector<std::string>& texts) {
  std::vector<sigv4::FormField> fields;
  fields.reserve(texts.size());
  for (const std::string& text : texts) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      return usage_error("bad --field '" + text + "': expected NAME=VALUE");
    }
    fields.push_back({text.substr(0, eq), text.substr(eq + 1)});
  }
  return fields;
}

Result<int> run_presign_post(const PresignPostOptions& o) {
  auto location = parse_s3_location(o.target);
  if (!location) return Unexpected(location.error());
  if (location->key.empty() && !o.key_starts_with) {
    return usage_error("no key: give s3://BUCKET/KEY or --key-starts-with PREFIX");
  }
  std::optional<std::pair<std::uint64_t, std::uint64_t>> length_range;
  if (o.content_length_range) {
    auto parsed = parse_length_range(*o.content_length_range);
    if (!parsed) return Unexpected(parsed.error());
    length_range = *parsed;
  }
  auto fields = parse_fields(o.fields);
  if (!fields) return Unexpected(fields.error());
  auto target = resolve_signing_target(config::Environment::process(), o.signing);
  if (!target) return Unexpected(target.error());
  auto time = signing_time(o.signing);
  if (!time) return Unexpected(time.error());

  sigv4::PresignPostRequest request;
  request.bucket = location->bucket;
  request.key = location->key;
  if (o.key_starts_with) request.key_starts_with = *o.key_starts_with;
  request.expires = std::chrono::seconds(o.expires);
  request.time = *time;
  request.content_length_range = length_range;
  request.fields = *fields;
  auto signed_post =
      sigv4::presign_post(request, target->endpoint, target->credentials, target->region);
  if (!signed_post) return usage_error(signed_post.error().message);

  json::object form;
  for (const sigv4::FormField& field : signed_post->fields) form[field.name] = field.value;
  json::object out;
  out["url"] = signed_post->url;
  out["fields"] = std::move(form);
  out["expiresAt"] = sigv4::format_iso8601(signed_post->expires_at);
  std::cout << json::serialize(out) << '\n';
  return kExitOk;
}

}  // namespace

void register_presign_post(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PresignPostOptions>();
  CLI::App* cmd = app.add_subcommand(
      "presign-post", std::string(kPresignPostHelp) + std::string(kSigningSourcesHelp) +
                          "\nErrors: one line on stderr, exit code 2.");
  cmd->add_option("url", options->target,
                  "s3://BUCKET/KEY (KEY may end in ${filename}; s3://BUCKET/ with "
                  "--key-starts-with)")
      ->required();
  cmd->add_option("--key-starts-with", options->key_starts_with,
                  "sign [\"starts-with\", \"$key\", PREFIX] instead of a fixed key");
  cmd->add_option("--content-length-range", options->content_length_range,
                  "MIN:MAX bytes the file must have, e.g. 1:5242880");
  cmd->add_option("--field", options->fields,
                  "extra form field NAME=VALUE pinned by an eq condition, e.g. "
                  "Content-Type=image/png (repeatable)");
  cmd->add_option("--expires", options->expires, "lifetime in seconds, 1..604800")
      ->default_val(300);
  add_signing_flags(*cmd, options->signing);
  cmd->callback([options, &exit_code] {
    run_signing_command("presign-post", exit_code, [&] { return run_presign_post(*options); });
  });
}

}  // namespace upgate::cli

// The standard credentials order, expirations, and how long a URL may live on them.
#include "upgate/config/aws_credentials.hpp"

#include <algorithm>

#include "upgate/config/aws_shared_config.hpp"
#include "upgate/config/credential_process.hpp"
#include "upgate/sigv4/amz_time.hpp"

namespace upgate::config {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

// Credentials must not carry bytes that would break a URL or a header.
bool printable_token(std::string_view s, std::size_t max_size) {
  return !s.empty() && s.size() <= max_size && std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7F;
  });
}

// Reads exactly `n` digits at `pos`, advancing it.
std::optional<int> digits(std::string_view text, std::size_t& pos, std::size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += n;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<sys_seconds> parse_credentials_expiration(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  std::size_t pos = 0;
  const auto year = digits(text, pos, 4);
  if (!year || !expect(text, pos, '-')) return std::nullopt;
  const auto month = digits(text, pos, 2);
  if (!month || !expect(text, pos, '-')) return std::nullopt;
  const auto day = digits(text, pos, 2);
  if (!day || pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return std::nullopt;
  ++pos;
  const auto hour = digits(text, pos, 2);
  if (!hour || !expect(text, pos, ':')) return std::nullopt;
  const auto minute = digits(text, pos, 2);
  if (!minute || !expect(text, pos, ':')) return std::nullopt;
  const auto second = digits(text, pos, 2);
  if (!second || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  if (pos >= text.size()) return std::nullopt;
  int offset_minutes = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const int sign = text[pos] == '+' ? 1 : -1;
    ++pos;
    const auto oh = digits(text, pos, 2);
    if (!oh || !expect(text, pos, ':')) return std::nullopt;
    const auto om = digits(text, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = sign * (*oh * 60 + *om);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  return sys_seconds(std::chrono::sys_days(date)) + std::chrono::hours(*hour) +
         std::chrono::minutes(*minute) + seconds(*second) - std::chrono::minutes(offset_minutes);
}

Expected<void, ConfigError> check_credentials(const sigv4::Credentials& credentials,
                                              std::string_view access_key_field,
                                              std::string_view secret_field,
                                              std::string_view token_field) {
  if (!printable_token(credentials.access_key_id, 128)) {
    return fail(std::string(access_key_field),
                "is not a valid access key id (1-128 printable ASCII characters, no spaces)");
  }
  if (!printable_token(credentials.secret_access_key.reveal(), 4096)) {
    return fail(std::string(secret_field),
                "is empty, longer than 4096 bytes or holds spaces or control characters");
  }
  if (!credentials.session_token.empty() && !printable_token(credentials.session_token, 4096)) {
    return fail(std::string(token_field),
                "is longer than 4096 bytes or holds spaces or control characters");
  }
  return {};
}

std::optional<seconds> cap_url_lifetime(seconds requested, std::optional<sys_seconds> expiration,
                                        sys_seconds now, seconds minimum) {
  if (!expiration) return requested;
  const seconds remaining = *expiration - now;
  if (remaining >= requested) return requested;
  if (remaining >= minimum) return remaining;
  return std::nullopt;
}

DefaultCredentialsChain::DefaultCredentialsChain(Environment env, std::string profile)
    : env_(std::move(env)), profile_(std::move(profile)) {
  from_environment_ =
      env_.get("AWS_ACCESS_KEY_ID").has_value() || env_.get("AWS_SECRET_ACCESS_KEY").has_value();
}

Expected<std::optional<AwsCredentials>, ConfigError> DefaultCredentialsChain::find(
    sys_seconds now, std::stop_token stop) const {
  // 1. The environment's pair.
  const auto key = env_.get("AWS_ACCESS_KEY_ID");
  auto secret = env_.get("AWS_SECRET_ACCESS_KEY");
  if (key.has_value() != secret.has_value()) {
    return fail(key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID",
                "is unset while " +
                    std::string(key ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                    " is set; set both or neither");
  }
  if (key) {
    AwsCredentials out;
    out.credentials.access_key_id = *key;
    out.credentials.secret_access_key = sigv4::SecretKey(std::move(*secret));
    out.credentials.session_token = env_.get("AWS_SESSION_TOKEN").value_or("");
    out.source = "environment";
    auto checked = check_credentials(out.credentials, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                     "AWS_SESSION_TOKEN");
    if (!checked) return Unexpected(std::move(checked).error());
    if (const auto text = env_.get("AWS_CREDENTIAL_EXPIRATION")) {
      const auto expiration = parse_credentials_expiration(*text);
      if (!expiration) {
        return fail("AWS_CREDENTIAL_EXPIRATION",
                    "is not an RFC 3339 time such as 2024-05-26T12:34:56Z");
      }
      if (*expiration <= now) {
        return fail("AWS_CREDENTIAL_EXPIRATION",
                    "the credentials expired at " + sigv4::format_iso8601(*expiration) +
                        "; export fresh ones, or use a profile with a credential_process, "
                        "which upgate re-runs before they expire");
      }
      out.expiration = *expiration;
    }
    return std::optional<AwsCredentials>(std::move(out));
  }

  // 2. The profile: its static keys, else its credential_process.
  auto profile = load_aws_profile(env_, profile_);
  if (!profile) return Unexpected(std::move(profile).error());
  const std::string where = "profile '" + profile->name + "' ";
  if (profile->access_key_id) {
    AwsCredentials out;
    out.credentials.access_key_id = *profile->access_key_id;
    out.credentials.secret_access_key = *profile->secret_access_key;
    out.credentials.session_token = profile->session_token.value_or("");
    out.source = "profile " + profile->name;
    auto checked = check_credentials(out.credentials, where + "aws_access_key_id",
                                     where + "aws_secret_access_key", where + "aws_session_token");
    if (!checked) return Unexpected(std::move(checked).error());
    return std::optional<AwsCredentials>(std::move(out));
  }
  if (profile->credential_process) {
    auto out =
        credentials_from_process(*profile->credential_process, now, where + "credential_process",
                                 "profile " + profile->name + " credential_process",
                                 CredentialProcessLimits{}, std::move(stop));
    if (!out) return Unexpected(std::move(out).error());
    return std::optional<AwsCredentials>(std::move(*out));
  }
  return std::optional<AwsCredentials>();
}

Expected<AwsCredentials, ConfigError> DefaultCredentialsChain::resolve(sys_seconds now,
                                                                       std::stop_token stop) {
  auto found = find(now, std::move(stop));
  if (!found) return Unexpected(std::move(found).error());
  if (!*found) {
    return fail("AWS_ACCESS_KEY_ID",
                "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE "
                "to a profile with keys or a credential_process");
  }
  return std::move(**found);
}

std::vector<std::string> DefaultCredentialsChain::watched_files() const {
  if (from_environment_) return {};
  const AwsSharedFiles files = aws_shared_files(env_);
  return {files.credentials, files.config};
}

}  // namespace upgate::config

// Reading one profile from the AWS shared credentials and config files.
#include "upgate/config/aws_shared_config.hpp"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "upgate/config/first_source.hpp"
#include "upgate/config/ini_file.hpp"

namespace upgate::config {
namespace {

std::string home_path(const Environment& env, std::string_view relative) {
  const auto home = env.get("HOME");
  return (home ? *home : std::string(".")) + "/" + std::string(relative);
}

struct LoadedIni {
  std::optional<IniFile> file;
};

Expected<LoadedIni, ConfigError> load_ini(const std::string& path, std::string_view field) {
  auto text = read_bounded_file(path, kMaxIniBytes, field);
  if (!text) return Unexpected(text.error());
  if (!*text) return LoadedIni{};
  auto parsed = parse_ini(**text);
  if (!parsed) {
    std::string where = std::string(field) + " (" + path;
    if (parsed.error().line > 0) where += " line " + std::to_string(parsed.error().line);
    where += ")";
    return fail(std::move(where), parsed.error().message);
  }
  return LoadedIni{std::move(*parsed)};
}

constexpr std::array<std::string_view, 5> kUnsupportedSources = {
    "role_arn", "sso_start_url", "sso_session", "web_identity_token_file", "credential_source"};

}  // namespace

AwsSharedFiles aws_shared_files(const Environment& env) {
  return AwsSharedFiles{
      env.get("AWS_SHARED_CREDENTIALS_FILE").value_or(home_path(env, ".aws/credentials")),
      env.get("AWS_CONFIG_FILE").value_or(home_path(env, ".aws/config"))};
}

Expected<std::optional<std::string>, ConfigError> read_bounded_file(const std::string& path,
                                                                    std::size_t max_bytes,
                                                                    std::string_view field) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>{};
    return fail(std::string(field), "cannot read " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return fail(std::string(field), path + " is not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return fail(std::string(field),
                path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(std::string(field), "cannot open " + path);
  std::string text;
  text.resize(max_bytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_bytes) {
    return fail(std::string(field),
                path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  return std::optional<std::string>(std::move(text));
}

Expected<AwsProfileSettings, ConfigError> load_aws_profile(const Environment& env,
                                                           std::string_view profile) {
  const auto chosen = first_of(
      from(profile.empty() ? std::nullopt : std::optional<std::string>(profile), "--aws-profile"),
      variable(env, "AWS_PROFILE"), variable(env, "AWS_DEFAULT_PROFILE"));
  const bool explicit_name = chosen.has_value();
  const std::string name = chosen ? chosen->value : "default";

  const AwsSharedFiles files = aws_shared_files(env);
  const std::string& credentials_path = files.credentials;
  const std::string& config_path = files.config;
  auto credentials_file = load_ini(credentials_path, "AWS_SHARED_CREDENTIALS_FILE");
  if (!credentials_file) return Unexpected(credentials_file.error());
  auto config_file = load_ini(config_path, "AWS_CONFIG_FILE");
  if (!config_file) return Unexpected(config_file.error());

  const IniSection* from_credentials =
      credentials_file->file ? credentials_file->file->section(name) : nullptr;
  const IniSection* from_config = nullptr;
  if (config_file->file) {
    from_config = config_file->file->section("profile " + name);
    if (from_config == nullptr && name == "default") from_config = config_file->file->section(name);
  }

  AwsProfileSettings out;
  out.name = name;
  out.found = from_credentials != nullptr || from_config != nullptr;
  if (!out.found) {
    if (explicit_name && name != "default") {
      return fail(chosen->field, "profile '" + name + "' is in neither " + credentials_path +
                                     " nor " + config_path);
    }
    return out;
  }

  // Credentials-file values win over config-file values, key by key.
  auto get = [&](std::string_view key) -> std::optional<std::string> {
    if (from_credentials) {
      if (auto v = from_credentials->get(key)) return std::string(*v);
    }
    if (from_config) {
      if (auto v = from_config->get(key)) return std::string(*v);
    }
    return std::nullopt;
  };

  out.access_key_id = get("aws_access_key_id");
  if (auto secret = get("aws_secret_access_key")) out.secret_access_key.emplace(std::move(*secret));
  out.session_token = get("aws_session_token");
  out.credential_process = get("credential_process");
  out.region = get("region");
  out.endpoint_url = get("s3.endpoint_url");
  if (!out.endpoint_url) out.endpoint_url = get("endpoint_url");
  out.addressing_style = get("s3.addressing_style");

  const std::string where = "profile '" + name + "'";
  if (out.access_key_id.has_value() != out.secret_access_key.has_value()) {
    return fail(where, "has only one of aws_access_key_id and aws_secret_access_key");
  }
  if (!out.access_key_id) {
    for (std::string_view source : kUnsupportedSources) {
      if (get(source)) {
        return fail(where, "uses " + std::string(source) +
                               ", which upgate does not support; export AWS_ACCESS_KEY_ID "
                               "and AWS_SECRET_ACCESS_KEY (e.g. `aws configure "
                               "export-credentials --format env`), or give the profile a "
                               "credential_process");
      }
    }
  }
  if (out.addressing_style && *out.addressing_style != "path" &&
      *out.addressing_style != "virtual" && *out.addressing_style != "auto") {
    return fail(where + " s3.addressing_style", "must be path, virtual or auto");
  }
  return out;
}

}  // namespace upgate::config

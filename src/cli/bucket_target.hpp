// What the `upgate bucket` commands (cors, lifecycle) share: the S3 target, resolved exactly
// as `upgate serve` resolves it (config::resolve_s3_target: flags, UPGATE_S3_*, AWS_*
// variables, the AWS shared files), the outbound client built from it, and a failure with the
// exit code it means. Nothing here ever prints or returns a secret.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "commands.hpp"
#include "upgate/expected.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::cli {

// `help` with "%TARGET%" replaced by the paragraph saying where the target, region and
// credentials come from.
std::string with_bucket_target_help(std::string_view help);

struct TargetFlags {
  std::optional<std::string> endpoint;
  std::optional<std::string> region;
  std::optional<std::string> aws_profile;
  std::optional<std::string> ca_file;
  bool path_style = false;
  bool virtual_hosted = false;
  int timeout_seconds = 60;
};

// `endpoint_flag` names the S3 endpoint's option ("--s3-endpoint" where --endpoint means
// something else).
void add_target_flags(CLI::App& cmd, TargetFlags& flags,
                      const std::string& endpoint_flag = "--endpoint");

// A failure of a bucket command: what to print, and the exit code it means.
struct BucketFailure {
  int exit_code = 1;
  std::string message;
};

Unexpected<BucketFailure> usage_failure(std::string message);
// S3's refusal (exit 1), or bad input caught before sending (exit 2, like any usage error).
Unexpected<BucketFailure> refused(const s3client::ClientError& error);

// Adds the group `name` under `upgate bucket` (`upgate bucket NAME VERB BUCKET ...`), its
// help `help_template` as with_bucket_target_help() completes it; a verb is required.
CLI::App* add_bucket_group(CLI::App& bucket, const std::string& name,
                           std::string_view help_template);

// Adds the verb `name` under `group` (`upgate bucket GROUP NAME BUCKET [target flags]`): its
// callback runs `run` and sets `exit_code`, printing a failure on stderr as one line,
// "upgate bucket GROUP NAME: message". `bucket` and `target` must live as long as `run`.
CLI::App* add_bucket_verb(CLI::App& group, const std::string& name, const std::string& help,
                          std::string& bucket, TargetFlags& target,
                          std::function<Expected<void, BucketFailure>()> run, int& exit_code,
                          const std::string& endpoint_flag = "--endpoint");

// The same for a verb whose options are a struct with `bucket` and `target`: the callback
// runs `run(*options)`. The verb is returned for the options of its own.
template <class Options>
CLI::App* add_bucket_verb(CLI::App& group, const std::string& name, const std::string& help,
                          std::shared_ptr<Options> options,
                          Expected<void, BucketFailure> (*run)(const Options&), int& exit_code,
                          const std::string& endpoint_flag = "--endpoint") {
  Options& o = *options;
  return add_bucket_verb(
      group, name, help, o.bucket, o.target, [options, run] { return run(*options); }, exit_code,
      endpoint_flag);
}

Expected<s3client::S3Client, BucketFailure> make_bucket_client(const std::string& bucket,
                                                               const TargetFlags& flags);

// `upgate bucket GROUP get`: the bucket's document (CORS, lifecycle) as `get` reads it;
// a failure (exit 1) saying the bucket has no `what` when it has none.
template <class Document>
Expected<Document, BucketFailure> get_bucket_document(
    const std::string& bucket, const TargetFlags& target, std::string_view what,
    Expected<std::optional<Document>, s3client::ClientError> (*get)(const s3client::S3Client&,
                                                                    std::string_view)) {
  auto client = make_bucket_client(bucket, target);
  if (!client) return Unexpected(std::move(client).error());
  auto got = get(*client, bucket);
  if (!got) return refused(got.error());
  if (!got->has_value()) {
    return Unexpected(
        BucketFailure{kExitFailure, "bucket " + bucket + " has no " + std::string(what)});
  }
  return std::move(**got);
}

// Adds the verb `delete` under `group` (`upgate bucket GROUP delete BUCKET`): it deletes the
// bucket's `what` (CORS, lifecycle configuration) with `remove` and says so.
CLI::App* add_delete_document_verb(
    CLI::App& group, const std::string& help, std::string what,
    Expected<void, s3client::ClientError> (*remove)(const s3client::S3Client&, std::string_view),
    int& exit_code);

// How messages name `path`: "standard input" for "-".
std::string input_name(const std::string& path);

// The whole of `path` ("-": stdin), refused past `max_bytes` (`what` names the document in
// the message) without reading further.
Expected<std::string, BucketFailure> read_bounded(const std::string& path, std::size_t max_bytes,
                                                  const std::string& what);

}  // namespace upgate::cli

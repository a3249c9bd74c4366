// `upgate bucket lifecycle put|get|delete BUCKET`: a bucket's lifecycle rules through the S3
// API (PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration,
// DeleteBucketLifecycle) on AWS, Ceph RGW, the embedded store or any S3-compatible server,
// so abandoned multipart uploads (Uppy never aborts one) do not fill the bucket.
// The target is resolved as `upgate serve` resolves it (bucket_target.hpp).
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bucket_target.hpp"
#include "commands.hpp"
#include "lifecycle_json.hpp"
#include "pretty_json.hpp"
#include "upgate/s3/xml_requests.hpp"
#include "upgate/s3client/bucket_lifecycle.hpp"

namespace upgate::cli {
namespace {

constexpr const char* kLifecycleHelp =
    "Set, show or remove a bucket's lifecycle rules (S3's PutBucketLifecycleConfiguration,\n"
    "GetBucketLifecycleConfiguration, DeleteBucketLifecycle) on AWS, Ceph RGW, MinIO, the\n"
    "embedded store or any S3-compatible server.\n"
    "\n"
    "  upgate bucket lifecycle put uploads                 # abort incomplete uploads after 7 "
    "days\n"
    "  upgate bucket lifecycle put uploads --prefix tmp/ --abort-after-days 1 \\\n"
    "      --expire-after-days 30\n"
    "  upgate bucket lifecycle put uploads --file lifecycle.xml   # S3's XML document\n"
    "  upgate bucket lifecycle get uploads                 # JSON, as aws s3api prints it\n"
    "  upgate bucket lifecycle delete uploads\n"
    "\n"
    "put replaces the bucket's whole lifecycle configuration, as S3's call does. Without\n"
    "--file it sets one rule, \"upgate-abort-incomplete-uploads\": incomplete multipart\n"
    "uploads under --prefix (default: every key) are aborted --abort-after-days after they\n"
    "started (default 7; 0: no such action), and with --expire-after-days objects are deleted\n"
    "that many days after they were written. S3 counts days to the next midnight UTC.\n"
    "\n"
    "Rules upgate does not manage (Transition, tag or size filters, noncurrent versions,\n"
    "Expiration by date) are shown by get as the server sent them. put reads the current\n"
    "configuration first and refuses to delete such rules; --replace replaces it anyway.\n"
    "\n"
    "%TARGET%\n"
    "Exit codes: 0 done; 1 S3 refused or could not be reached (and for get: the bucket has no\n"
    "lifecycle configuration; for put: it has rules upgate does not manage); 2 bad arguments,\n"
    "file or configuration.";

struct LifecycleOptions {
  std::string bucket;
  std::optional<std::string> file;  // put: S3's XML, a path or "-"
  std::string prefix;
  std::int64_t abort_after_days = kDefaultAbortAfterDays;
  std::optional<std::int64_t> expire_after_days;
  bool replace = false;  // put: without reading the current configuration first
  TargetFlags target;
};

Expected<s3::LifecycleConfiguration, BucketFailure> configuration_of(const LifecycleOptions& o) {
  if (o.file) {
    auto text = read_bounded(*o.file, s3::kMaxLifecycleDocumentBytes, "a lifecycle configuration");
    if (!text) return Unexpected(std::move(text).error());
    auto parsed = s3::parse_lifecycle_configuration_xml(*text);
    if (!parsed) {
      const auto& e = parsed.error();
      return usage_failure(input_name(*o.file) + ": " + std::string(e.code_name()) + ": " +
                           e.explanation());
    }
    return std::move(*parsed);
  }
  if (o.abort_after_days < 0) return usage_failure("--abort-after-days must be 0 or more");
  if (o.expire_after_days && *o.expire_after_days < 1) {
    return usage_failure("--expire-after-days must be 1 or more");
  }
  if (o.abort_after_days == 0 && !o.expire_after_days) {
    return usage_failure("--abort-after-days 0 needs --expire-after-days: a rule needs an action");
  }
  s3::LifecycleConfiguration configuration;
  configuration.rules.push_back(recommended_lifecycle_rule(
      o.prefix,
      o.abort_after_days > 0 ? std::optional<std::int64_t>(o.abort_after_days) : std::nullopt,
      o.expire_after_days));
  return configuration;
}

// "\"archive\" (Transition), a rule without an ID (Filter/Tag)".
std::string describe_foreign(const std::vector<const s3::ForeignLifecycleRule*>& rules) {
  std::string out;
  for (const s3::ForeignLifecycleRule* rule : rules) {
    if (!out.empty()) out += ", ";
    out += rule->id.empty() ? std::string("a rule without an ID") : "\"" + rule->id + "\"";
    if (!rule->unsupported.empty()) out += " (" + rule->unsupported + ")";
  }
  return out;
}

// put replaces the whole configuration: rules upgate cannot write back would be deleted
// without a word. Unless --replace, they stop it.
Expected<void, BucketFailure> keeps_foreign_rules(const s3client::S3Client& client,
                                                  const LifecycleOptions& o) {
  auto current = s3client::get_bucket_lifecycle(client, o.bucket);
  if (!current) {
    return Unexpected(BucketFailure{
        kExitFailure,
        "cannot read the bucket's lifecycle configuration, which put would "
        "replace (" +
            current.error().describe() + "); --replace replaces it without reading it"});
  }
  if (!current->has_value()) return {};
  const auto foreign = (*current)->foreign();
  if (foreign.empty()) return {};
  return Unexpected(BucketFailure{
      kExitFailure,
      "bucket " + o.bucket +
          " has lifecycle rules upgate does not manage: " + describe_foreign(foreign) +
          "; put replaces the whole configuration and would delete them (add upgate's rule "
          "with aws s3api put-bucket-lifecycle-configuration instead, or pass --replace to "
          "delete them)"});
}

Expected<void, BucketFailure> run_put(const LifecycleOptions& o) {
  auto configuration = configuration_of(o);
  if (!configuration) return Unexpected(std::move(configuration).error());
  auto client = make_bucket_client(o.bucket, o.target);
  if (!client) return Unexpected(std::move(client).error());
  if (!o.replace) {
    if (auto kept = keeps_foreign_rules(*client, o); !kept) return kept;
  }
  auto put = s3client::put_bucket_lifecycle(*client, o.bucket, *configuration);
  if (!put) return refused(put.error());
  const std::size_t n = configuration->rules.size();
  std::cout << "bucket " << o.bucket << ": lifecycle configuration set (" << n
            << (n == 1 ? " rule" : " rules") << ")\n";
  return {};
}

Expected<void, BucketFailure> run_get(const LifecycleOptions& o) {
  auto got = get_bucket_document(o.bucket, o.target, "lifecycle configuration",
                                 &s3client::get_bucket_lifecycle);
  if (!got) return Unexpected(std::move(got).error());
  std::cout << pretty_json(lifecycle_json(*got)) << '\n';
  if (const auto foreign = got->foreign(); !foreign.empty()) {
    std::cerr << "upgate bucket lifecycle get: " << describe_foreign(foreign)
              << (foreign.size() == 1 ? ": a rule" : ": rules")
              << " upgate does not manage, shown as the server sent "
              << (foreign.size() == 1 ? "it" : "them") << "\n";
  }
  return {};
}

}  // namespace

void register_bucket_lifecycle(CLI::App& bucket, int& exit_code) {
  CLI::App* lifecycle = add_bucket_group(bucket, "lifecycle", kLifecycleHelp);

  auto put_options = std::make_shared<LifecycleOptions>();
  CLI::App* put = add_bucket_verb(*lifecycle, "put", "set the bucket's lifecycle rules",
                                  put_options, &run_put, exit_code);
  auto* file = put->add_option("--file", put_options->file,
                               "S3's <LifecycleConfiguration> XML (- for standard input)");
  put->add_option("--prefix", put_options->prefix, "keys the rule applies to (default: all)")
      ->excludes(file);
  put->add_option("--abort-after-days", put_options->abort_after_days,
                  "abort incomplete multipart uploads this many days after they started "
                  "(default 7; 0: no)")
      ->excludes(file);
  put->add_option("--expire-after-days", put_options->expire_after_days,
                  "delete objects this many days after they were written (default: never)")
      ->excludes(file);
  put->add_flag("--replace", put_options->replace,
                "replace the configuration without reading it first, deleting rules upgate "
                "does not manage");
  add_bucket_verb(*lifecycle, "get", "print the bucket's lifecycle rules as JSON",
                  std::make_shared<LifecycleOptions>(), &run_get, exit_code);
  add_delete_document_verb(*lifecycle, "remove the bucket's lifecycle configuration",
                           "lifecycle configuration", &s3client::delete_bucket_lifecycle,
                           exit_code);
}

}  // namespace upgate::cli

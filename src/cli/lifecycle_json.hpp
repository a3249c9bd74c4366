// The lifecycle rule upgate recommends, and a lifecycle configuration as JSON in the shape
// `aws s3api get-bucket-lifecycle-configuration` prints and `put-bucket-lifecycle-configuration`
// takes: {"Rules": [{"ID", "Filter": {"Prefix"} | "Prefix", "Status", "Expiration": {"Days"},
// "AbortIncompleteMultipartUpload": {"DaysAfterInitiation"}}]}. Shared by `upgate bucket
// lifecycle` and `upgate aws-policy`, so both print the same rule.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "upgate/s3/lifecycle.hpp"
#include "upgate/s3/xml_requests.hpp"

namespace upgate::cli {

inline constexpr std::int64_t kDefaultAbortAfterDays = 7;
inline constexpr const char* kDefaultLifecycleRuleId = "upgate-abort-incomplete-uploads";

// One enabled rule over `prefix` (every key when empty): abort incomplete multipart uploads
// after `abort_after_days`, and expire objects after `expire_after_days` when given.
s3::LifecycleRule recommended_lifecycle_rule(const std::string& prefix,
                                             std::optional<std::int64_t> abort_after_days,
                                             std::optional<std::int64_t> expire_after_days);

boost::json::object lifecycle_json(const s3::LifecycleConfiguration& configuration);
// The same for a server's document, rules beyond upgate's subset included: each as the
// server sent it, in the same shape ("Transitions": [{"Days", "StorageClass"}], "Filter":
// {"And": {"Prefix", "Tags": [...]}}, "NoncurrentVersionExpiration": {...}, ...).
boost::json::object lifecycle_json(const s3::LifecycleDocument& document);

}  // namespace upgate::cli

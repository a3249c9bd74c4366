// upgate::s3 lifecycle: a bucket's lifecycle rules, the subset of S3's that upgate applies,
// and when they are due.
//
// The subset: rules with ID, Status (Enabled|Disabled), a key-prefix filter (<Filter>
// with <Prefix>, an empty <Filter>, or the legacy rule-level <Prefix>), and two actions,
// Expiration/Days and AbortIncompleteMultipartUpload/DaysAfterInitiation. The rest of
// S3's schema (Transition, NoncurrentVersion*, Expiration/Date,
// ExpiredObjectDeleteMarker, Tag/And/ObjectSize filters) is refused by the parser with
// NotImplemented, never accepted and ignored; anything outside S3's schema is
// MalformedXML (parse_lifecycle_configuration_xml, xml_requests.hpp).
//
// Validation (validate_lifecycle_configuration), with S3's errors:
//  - 1..1000 rules (MalformedXML otherwise);
//  - ID at most 255 characters (InvalidArgument), unique among the rules
//    (InvalidArgument); an empty ID is assigned by the store, as S3 assigns one;
//  - at least one action per rule (InvalidRequest);
//  - Days and DaysAfterInitiation positive integers (InvalidArgument).
//
// Timing, as S3 documents it: an action is due at creation (or initiation) + N days,
// rounded up to the next midnight UTC. `day` makes the day shorter for tests: midnight is
// then the next multiple of `day` since the epoch. When several enabled rules match a key,
// the earliest due time wins (S3: "the shorter expiration policy is honored").
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::s3 {

struct LifecycleRule {
  // How the rule names its prefix, kept so that GET answers in the form PUT used.
  enum class PrefixForm : std::uint8_t {
    kFilterPrefix,  // <Filter><Prefix>p</Prefix></Filter>
    kEmptyFilter,   // <Filter/> or no filter at all: every key
    kLegacyPrefix,  // <Prefix>p</Prefix> directly in the rule
  };
  std::string id = {};
  bool enabled = true;
  PrefixForm prefix_form = PrefixForm::kEmptyFilter;
  std::string prefix = {};
  std::optional<std::int64_t> expiration_days = {};
  std::optional<std::int64_t> abort_incomplete_days = {};
  friend bool operator==(const LifecycleRule&, const LifecycleRule&) = default;
};

struct LifecycleConfiguration {
  std::vector<LifecycleRule> rules = {};
  friend bool operator==(const LifecycleConfiguration&, const LifecycleConfiguration&) = default;
};

inline constexpr std::size_t kMaxLifecycleRules = 1000;
inline constexpr std::size_t kMaxLifecycleRuleIdLength = 255;
// 1000 rules of a long ID and a long prefix each fit.
inline constexpr std::size_t kMaxLifecycleDocumentBytes = 2 * 1024 * 1024;
// The largest Days / DaysAfterInitiation accepted: S3's are 32-bit integers.
inline constexpr std::int64_t kMaxLifecycleDays = 2147483647;

Expected<void, S3Error> validate_lifecycle_configuration(const LifecycleConfiguration& config);

// S3's <LifecycleConfiguration> document (GetBucketLifecycleConfiguration). Parse it
// back with parse_lifecycle_configuration_xml (xml_requests.hpp).
std::string lifecycle_to_xml(const LifecycleConfiguration& config);

// ---- When rules are due.

using LifecycleTime = std::chrono::sys_time<std::chrono::milliseconds>;

struct LifecycleDay {
  std::chrono::milliseconds length = std::chrono::hours(24);
};

// `start` + `days` days, rounded up to the next day boundary (midnight UTC for 24 h).
LifecycleTime lifecycle_due_time(LifecycleTime start, std::int64_t days, LifecycleDay day);

// When an object created (last modified) at `created` under `key` expires by an enabled
// rule; nothing when no enabled Expiration rule matches the key.
std::optional<LifecycleTime> expiration_due(const LifecycleConfiguration& config,
                                            std::string_view key, LifecycleTime created,
                                            LifecycleDay day);
// When an incomplete multipart upload of `key` initiated at `initiated` is aborted.
std::optional<LifecycleTime> abort_due(const LifecycleConfiguration& config, std::string_view key,
                                       LifecycleTime initiated, LifecycleDay day);

// When an incomplete upload of `key` is aborted and by which rule: S3's x-amz-abort-date
// and x-amz-abort-rule-id on CreateMultipartUpload and ListParts. Among rules due at the same
// time, the first in the document.
struct LifecycleAbort {
  LifecycleTime due;
  std::string rule_id;
};
std::optional<LifecycleAbort> abort_rule(const LifecycleConfiguration& config, std::string_view key,
                                         LifecycleTime initiated, LifecycleDay day);

// The prefixes of the enabled rules with an Expiration (resp. Abort) action, each once and
// none covered by a shorter one in the list: the key ranges a sweep has to visit.
std::vector<std::string> expiration_prefixes(const LifecycleConfiguration& config);
std::vector<std::string> abort_prefixes(const LifecycleConfiguration& config);

}  // namespace upgate::s3

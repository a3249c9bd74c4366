#include "upgate/s3/lifecycle.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "upgate/s3/xml_writer.hpp"

namespace upgate::s3 {
namespace {

S3Error invalid_request(std::string message, std::string why) {
  return make_error(ErrorCode::InvalidRequest, std::move(message)).because(std::move(why));
}

struct Earliest {
  LifecycleTime due;
  const LifecycleRule* rule;
};

// The earliest due time among the enabled rules that match `key` and have the action, and
// the first rule in document order that makes it.
std::optional<Earliest> earliest_rule(const LifecycleConfiguration& config, std::string_view key,
                                      LifecycleTime start, LifecycleDay day,
                                      std::optional<std::int64_t> LifecycleRule::*action) {
  std::optional<Earliest> best;
  for (const LifecycleRule& rule : config.rules) {
    if (!rule.enabled || !(rule.*action) || !key.starts_with(rule.prefix)) continue;
    const LifecycleTime due = lifecycle_due_time(start, *(rule.*action), day);
    if (!best || due < best->due) best = Earliest{due, &rule};
  }
  return best;
}

std::optional<LifecycleTime> earliest(const LifecycleConfiguration& config, std::string_view key,
                                      LifecycleTime start, LifecycleDay day,
                                      std::optional<std::int64_t> LifecycleRule::*action) {
  auto best = earliest_rule(config, key, start, day, action);
  if (!best) return std::nullopt;
  return best->due;
}

std::vector<std::string> prefixes(const LifecycleConfiguration& config,
                                  std::optional<std::int64_t> LifecycleRule::*action) {
  std::vector<std::string> all;
  for (const LifecycleRule& rule : config.rules) {
    if (rule.enabled && rule.*action) all.push_back(rule.prefix);
  }
  std::sort(all.begin(), all.end());  // a prefix sorts before every key it covers
  std::vector<std::string> out;
  for (auto& p : all) {
    if (!out.empty() && p.starts_with(out.back())) continue;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

Expected<void, S3Error> validate_lifecycle_configuration(const LifecycleConfiguration& config) {
  if (config.rules.empty()) {
    return Unexpected(make_error(ErrorCode::MalformedXML).because("no Rule"));
  }
  if (config.rules.size() > kMaxLifecycleRules) {
    return Unexpected(make_error(ErrorCode::MalformedXML)
                          .because("more than " + std::to_string(kMaxLifecycleRules) + " rules"));
  }
  std::set<std::string_view> ids;
  for (std::size_t i = 0; i < config.rules.size(); ++i) {
    const LifecycleRule& rule = config.rules[i];
    const std::string where = "Rule[" + std::to_string(i + 1) + "]: ";
    if (rule.id.size() > kMaxLifecycleRuleIdLength) {
      return Unexpected(
          invalid_argument("ID length should not exceed allowed limit of 255", "ID", rule.id)
              .because(where + "ID longer than 255 characters"));
    }
    if (!rule.id.empty() && !ids.insert(rule.id).second) {
      return Unexpected(
          invalid_argument("Rule ID must be unique. Found same ID for more than one rule", "ID",
                           rule.id)
              .because(where + "duplicate ID"));
    }
    if (!rule.expiration_days && !rule.abort_incomplete_days) {
      return Unexpected(invalid_request("At least one action needs to be specified in a rule",
                                        where + "no action"));
    }
    if (rule.expiration_days &&
        (*rule.expiration_days < 1 || *rule.expiration_days > kMaxLifecycleDays)) {
      return Unexpected(invalid_argument("'Days' for Expiration action must be a positive integer",
                                         "Days", std::to_string(*rule.expiration_days))
                            .because(where + "Expiration/Days out of range"));
    }
    if (rule.abort_incomplete_days &&
        (*rule.abort_incomplete_days < 1 || *rule.abort_incomplete_days > kMaxLifecycleDays)) {
      return Unexpected(
          invalid_argument(
              "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive "
              "integer",
              "DaysAfterInitiation", std::to_string(*rule.abort_incomplete_days))
              .because(where + "AbortIncompleteMultipartUpload/DaysAfterInitiation out of range"));
    }
  }
  return {};
}

std::string lifecycle_to_xml(const LifecycleConfiguration& config) {
  return xml_document("LifecycleConfiguration", kS3XmlNamespace, [&](XmlWriter& w) {
    for (const LifecycleRule& r : config.rules) {
      w.open("Rule");
      if (!r.id.empty()) w.element("ID", r.id);
      switch (r.prefix_form) {
        case LifecycleRule::PrefixForm::kFilterPrefix:
          w.open("Filter").element("Prefix", r.prefix).close();
          break;
        case LifecycleRule::PrefixForm::kEmptyFilter:
          w.open("Filter").close();
          break;
        case LifecycleRule::PrefixForm::kLegacyPrefix:
          w.element("Prefix", r.prefix);
          break;
      }
      w.element("Status", r.enabled ? "Enabled" : "Disabled");
      if (r.expiration_days) {
        w.open("Expiration").element("Days", std::to_string(*r.expiration_days)).close();
      }
      if (r.abort_incomplete_days) {
        w.open("AbortIncompleteMultipartUpload")
            .element("DaysAfterInitiation", std::to_string(*r.abort_incomplete_days))
            .close();
      }
      w.close();
    }
  });
}

LifecycleTime lifecycle_due_time(LifecycleTime start, std::int64_t days, LifecycleDay day) {
  const std::int64_t day_ms = std::max<std::int64_t>(day.length.count(), 1);
  const std::int64_t start_ms = start.time_since_epoch().count();
  // Saturate rather than overflow for absurd inputs: such a rule is simply never due.
  constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max() / 2;
  if (days > 0 && day_ms > (kNever - std::max<std::int64_t>(start_ms, 0)) / days) {
    return LifecycleTime(std::chrono::milliseconds(kNever));
  }
  const std::int64_t raw = start_ms + days * day_ms;
  // Round up to the next boundary; a time exactly on a boundary stays.
  std::int64_t rounded = raw / day_ms * day_ms;
  if (rounded < raw) rounded += day_ms;
  return LifecycleTime(std::chrono::milliseconds(rounded));
}

std::optional<LifecycleTime> expiration_due(const LifecycleConfiguration& config,
                                            std::string_view key, LifecycleTime created,
                                            LifecycleDay day) {
  return earliest(config, key, created, day, &LifecycleRule::expiration_days);
}

std::optional<LifecycleTime> abort_due(const LifecycleConfiguration& config, std::string_view key,
                                       LifecycleTime initiated, LifecycleDay day) {
  return earliest(config, key, initiated, day, &LifecycleRule::abort_incomplete_days);
}

std::optional<LifecycleAbort> abort_rule(const LifecycleConfiguration& config, std::string_view key,
                                         LifecycleTime initiated, LifecycleDay day) {
  auto best = earliest_rule(config, key, initiated, day, &LifecycleRule::abort_incomplete_days);
  if (!best) return std::nullopt;
  return LifecycleAbort{best->due, best->rule->id};
}

std::vector<std::string> expiration_prefixes(const LifecycleConfiguration& config) {
  return prefixes(config, &LifecycleRule::expiration_days);
}

std::vector<std::string> abort_prefixes(const LifecycleConfiguration& config) {
  return prefixes(config, &LifecycleRule::abort_incomplete_days);
}

}  // namespace upgate::s3

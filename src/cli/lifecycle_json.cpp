#include "lifecycle_json.hpp"

namespace upgate::cli {

namespace json = boost::json;

s3::LifecycleRule recommended_lifecycle_rule(const std::string& prefix,
                                             std::optional<std::int64_t> abort_after_days,
                                             std::optional<std::int64_t> expire_after_days) {
  s3::LifecycleRule rule;
  rule.id = kDefaultLifecycleRuleId;
  rule.enabled = true;
  rule.prefix_form = s3::LifecycleRule::PrefixForm::kFilterPrefix;
  rule.prefix = prefix;
  rule.abort_incomplete_days = abort_after_days;
  rule.expiration_days = expire_after_days;
  return rule;
}

json::object lifecycle_json(const s3::LifecycleConfiguration& configuration) {
  json::array rules;
  for (const s3::LifecycleRule& r : configuration.rules) {
    json::object o;
    if (!r.id.empty()) o["ID"] = r.id;
    switch (r.prefix_form) {
      case s3::LifecycleRule::PrefixForm::kFilterPrefix:
        o["Filter"] = json::object{{"Prefix", r.prefix}};
        break;
      case s3::LifecycleRule::PrefixForm::kEmptyFilter:
        o["Filter"] = json::object{};
        break;
      case s3::LifecycleRule::PrefixForm::kLegacyPrefix:
        o["Prefix"] = r.prefix;
        break;
    }
    o["Status"] = r.enabled ? "Enabled" : "Disabled";
    if (r.expiration_days) o["Expiration"] = json::object{{"Days", *r.expiration_days}};
    if (r.abort_incomplete_days) {
      o["AbortIncompleteMultipartUpload"] =
          json::object{{"DaysAfterInitiation", *r.abort_incomplete_days}};
    }
    rules.emplace_back(std::move(o));
  }
  return json::object{{"Rules", std::move(rules)}};
}

}  // namespace upgate::cli

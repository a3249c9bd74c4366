#include "lifecycle_json.hpp"

#include <charconv>
#include <string_view>
#include <variant>

#include "upgate/text.hpp"

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

namespace {

// Elements that are objects in the JSON even when empty (<Filter/>).
bool is_container(std::string_view name) {
  for (std::string_view c :
       {"Filter", "And", "Tag", "Expiration", "Transition", "NoncurrentVersionTransition",
        "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"}) {
    if (name == c) return true;
  }
  return false;
}

// Repeated elements, which the JSON holds as an array under a plural name.
std::string_view list_name(std::string_view parent, std::string_view name) {
  if (parent == "Rule" && name == "Transition") return "Transitions";
  if (parent == "Rule" && name == "NoncurrentVersionTransition") {
    return "NoncurrentVersionTransitions";
  }
  if (parent == "And" && name == "Tag") return "Tags";
  return {};
}

json::value leaf_json(const s3::XmlElement& e) {
  for (std::string_view number :
       {"Days", "DaysAfterInitiation", "NoncurrentDays", "NewerNoncurrentVersions",
        "ObjectSizeGreaterThan", "ObjectSizeLessThan"}) {
    if (e.name != number) continue;
    const std::string_view text = text::trim(e.text);
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) return value;
  }
  if (e.name == "ExpiredObjectDeleteMarker") {
    const std::string_view text = text::trim(e.text);
    if (text == "true" || text == "false") return text == "true";
  }
  return json::string(e.text);
}

// An element of a rule upgate does not manage, in the shape the AWS CLI prints.
json::value element_json(const s3::XmlElement& e) {
  if (e.children.empty() && !is_container(e.name)) return leaf_json(e);
  json::object o;
  for (const s3::XmlElement& c : e.children) {
    if (const std::string_view list = list_name(e.name, c.name); !list.empty()) {
      json::value& slot = o[list];
      if (!slot.is_array()) slot = json::array();
      slot.as_array().push_back(element_json(c));
    } else {
      o[c.name] = element_json(c);
    }
  }
  return o;
}

json::object rule_json(const s3::LifecycleRule& r) {
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
  return o;
}

}  // namespace

json::object lifecycle_json(const s3::LifecycleConfiguration& configuration) {
  json::array rules;
  for (const s3::LifecycleRule& r : configuration.rules) rules.emplace_back(rule_json(r));
  return json::object{{"Rules", std::move(rules)}};
}

json::object lifecycle_json(const s3::LifecycleDocument& document) {
  json::array rules;
  for (const s3::LifecycleDocument::Rule& rule : document.rules) {
    if (const auto* managed = std::get_if<s3::LifecycleRule>(&rule)) {
      rules.emplace_back(rule_json(*managed));
    } else {
      rules.emplace_back(element_json(std::get<s3::ForeignLifecycleRule>(rule).rule));
    }
  }
  return json::object{{"Rules", std::move(rules)}};
}

}  // namespace upgate::cli

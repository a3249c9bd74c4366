// The lifecycle subset: the XML reader (hostile input, S3's errors for what is refused),
// the document written back, and when rules are due.
#include "upgate/s3/lifecycle.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "upgate/s3/xml_requests.hpp"

namespace upgate::s3 {
namespace {

using namespace std::chrono_literals;

std::string doc(const std::string& rules) {
  return "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" + rules +
         "</LifecycleConfiguration>";
}

ErrorCode refusal(const std::string& body) {
  auto parsed = parse_lifecycle_configuration_xml(body);
  EXPECT_FALSE(parsed.has_value()) << body;
  return parsed ? ErrorCode::InternalError : parsed.error().code;
}

TEST(LifecycleXmlTest, ReadsTheSubsetInEveryPrefixForm) {
  auto parsed = parse_lifecycle_configuration_xml(
      doc("<Rule><ID>uploads</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status>"
          "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation>"
          "</AbortIncompleteMultipartUpload></Rule>"
          "<Rule><ID>all</ID><Filter/><Status>Disabled</Status>"
          "<Expiration><Days>30</Days></Expiration></Rule>"
          "<Rule><Prefix>logs/</Prefix><Status>Enabled</Status>"
          "<Expiration><Days> 2 </Days></Expiration>"
          "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
          "</AbortIncompleteMultipartUpload></Rule>"
          "<Rule><ID>nofilter</ID><Status>Enabled</Status><Expiration><Days>5</Days></Expiration>"
          "</Rule>"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().reason;
  ASSERT_EQ(parsed->rules.size(), 4u);
  const auto& r = parsed->rules;
  EXPECT_EQ(r[0].id, "uploads");
  EXPECT_EQ(r[0].prefix_form, LifecycleRule::PrefixForm::kFilterPrefix);
  EXPECT_EQ(r[0].prefix, "tmp/");
  EXPECT_TRUE(r[0].enabled);
  EXPECT_EQ(r[0].abort_incomplete_days, 7);
  EXPECT_FALSE(r[0].expiration_days);
  EXPECT_EQ(r[1].prefix_form, LifecycleRule::PrefixForm::kEmptyFilter);
  EXPECT_EQ(r[1].prefix, "");
  EXPECT_FALSE(r[1].enabled);
  EXPECT_EQ(r[1].expiration_days, 30);
  EXPECT_EQ(r[2].prefix_form, LifecycleRule::PrefixForm::kLegacyPrefix);
  EXPECT_EQ(r[2].prefix, "logs/");
  EXPECT_EQ(r[2].id, "");
  EXPECT_EQ(r[2].expiration_days, 2);
  EXPECT_EQ(r[2].abort_incomplete_days, 1);
  EXPECT_EQ(r[3].prefix_form, LifecycleRule::PrefixForm::kEmptyFilter);
}

TEST(LifecycleXmlTest, WritesWhatItReadsBack) {
  LifecycleConfiguration config;
  config.rules.push_back({"a", true, LifecycleRule::PrefixForm::kFilterPrefix, "x<&>/", 3, 1});
  config.rules.push_back({"b", false, LifecycleRule::PrefixForm::kEmptyFilter, "", 10, {}});
  config.rules.push_back({"c", true, LifecycleRule::PrefixForm::kLegacyPrefix, "", {}, 2});
  const std::string xml = lifecycle_to_xml(config);
  EXPECT_NE(xml.find("<Rule><ID>a</ID><Filter><Prefix>x&lt;&amp;&gt;/</Prefix></Filter>"
                     "<Status>Enabled</Status><Expiration><Days>3</Days></Expiration>"
                     "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1"
                     "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"),
            std::string::npos)
      << xml;
  auto back = parse_lifecycle_configuration_xml(xml);
  ASSERT_TRUE(back.has_value()) << back.error().reason;
  EXPECT_EQ(*back, config);
}

TEST(LifecycleXmlTest, WhatS3HasAndTheStoreDoesNotIsNotImplemented) {
  const std::string head = "<Rule><ID>r</ID><Status>Enabled</Status>";
  for (const std::string& inner : {
           std::string("<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass>"
                       "</Transition><Expiration><Days>1</Days></Expiration>"),
           std::string("<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
                       "</NoncurrentVersionExpiration>"),
           std::string("<NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays>"
                       "<StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>"),
           std::string("<Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration>"),
           std::string("<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>"
                       "</Expiration>"),
           std::string("<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>"
                       "<Expiration><Days>1</Days></Expiration>"),
           std::string("<Filter><And><Prefix>a</Prefix></And></Filter>"
                       "<Expiration><Days>1</Days></Expiration>"),
           std::string("<Filter><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></Filter>"
                       "<Expiration><Days>1</Days></Expiration>"),
       }) {
    EXPECT_EQ(refusal(doc(head + inner + "</Rule>")), ErrorCode::NotImplemented) << inner;
  }
}

// What a client reads from AWS or RGW: the rules beyond the subset kept as sent, in order.
TEST(LifecycleDocumentTest, KeepsRulesBeyondTheSubsetAsSent) {
  const std::string body =
      doc("<Rule><ID>archive</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>"
          "<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"
          "<Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition>"
          "<Expiration><Days>365</Days></Expiration></Rule>"
          "<Rule><ID>upgate-abort-incomplete-uploads</ID><Filter><Prefix></Prefix></Filter>"
          "<Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7"
          "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"
          "<Rule><Filter><And><Prefix>tmp/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And>"
          "</Filter><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>");
  // The store's reader refuses the document, as the store refuses to apply it.
  EXPECT_EQ(refusal(body), ErrorCode::NotImplemented);

  auto parsed = parse_lifecycle_document_xml(body);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().reason;
  ASSERT_EQ(parsed->rules.size(), 3u);
  const auto foreign = parsed->foreign();
  ASSERT_EQ(foreign.size(), 2u);
  EXPECT_EQ(foreign[0]->id, "archive");
  EXPECT_EQ(foreign[0]->unsupported, "Transition");
  EXPECT_EQ(foreign[1]->id, "");
  EXPECT_EQ(foreign[1]->unsupported, "Filter/And");
  // The whole rule, element by element, text only in leaves.
  const XmlElement& archive = foreign[0]->rule;
  EXPECT_EQ(archive.name, "Rule");
  ASSERT_EQ(archive.children.size(), 6u);
  EXPECT_EQ(archive.children[1].name, "Filter");
  EXPECT_EQ(archive.children[1].children.at(0).text, "logs/");
  EXPECT_EQ(archive.children[4].children.at(1).name, "StorageClass");
  EXPECT_EQ(archive.children[4].children.at(1).text, "GLACIER");
  EXPECT_EQ(archive.children[5].name, "Expiration");
  ASSERT_TRUE(std::holds_alternative<LifecycleRule>(parsed->rules[1]));
  const LifecycleConfiguration managed = parsed->managed();
  ASSERT_EQ(managed.rules.size(), 1u);
  EXPECT_EQ(managed.rules[0].id, "upgate-abort-incomplete-uploads");
  EXPECT_EQ(managed.rules[0].abort_incomplete_days, 7);

  // Only the subset: the same as the store's reader.
  auto subset = parse_lifecycle_document_xml(
      doc("<Rule><ID>a</ID><Status>Enabled</Status><Expiration><Days>3</Days></Expiration>"
          "</Rule>"));
  ASSERT_TRUE(subset.has_value());
  EXPECT_TRUE(subset->foreign().empty());
  EXPECT_EQ(subset->managed(),
            *parse_lifecycle_configuration_xml(doc(
                "<Rule><ID>a</ID><Status>Enabled</Status><Expiration><Days>3</Days></Expiration>"
                "</Rule>")));
}

TEST(LifecycleDocumentTest, WhatIsNotS3sSchemaIsStillRefused) {
  for (const std::string& rules : {
           std::string("<Rule><ID>a</ID><Status>Enabled</Status><Teleport/></Rule>"),
           std::string("<Rule><ID>a</ID><Status>On</Status></Rule>"),
           std::string("<Bucket/>"),
           // The subset's rules are validated among themselves: one ID twice.
           std::string("<Rule><ID>a</ID><Status>Enabled</Status><Expiration><Days>3</Days>"
                       "</Expiration></Rule><Rule><ID>a</ID><Status>Enabled</Status>"
                       "<Expiration><Days>4</Days></Expiration></Rule>"),
       }) {
    auto parsed = parse_lifecycle_document_xml(doc(rules));
    EXPECT_FALSE(parsed.has_value()) << rules;
  }
  EXPECT_FALSE(parse_lifecycle_document_xml("<LifecycleConfiguration><Rule>").has_value());
}

TEST(LifecycleXmlTest, OutsideS3sSchemaIsMalformedXml) {
  const std::string action = "<Expiration><Days>1</Days></Expiration>";
  for (const std::string& rule : {
           "<Rule><Status>Enabled</Status>" + action + "<Bogus/></Rule>",
           "<Rule>" + action + "</Rule>",                          // no Status
           "<Rule><Status>enabled</Status>" + action + "</Rule>",  // Status's case
           "<Rule><Status>Enabled</Status><Status>Enabled</Status>" + action + "</Rule>",
           "<Rule><Prefix>a</Prefix><Filter><Prefix>a</Prefix></Filter><Status>Enabled</Status>" +
               action + "</Rule>",  // both forms
           "<Rule><Filter><Prefix>a</Prefix><Prefix>b</Prefix></Filter><Status>Enabled</Status>" +
               action + "</Rule>",
           std::string("<Rule><Status>Enabled</Status><Expiration><Days>x</Days></Expiration>"
                       "</Rule>"),
           std::string("<Rule><Status>Enabled</Status><Expiration></Expiration></Rule>"),
           "<Rule><Status>Enabled</Status>" + action + action + "</Rule>",
           std::string("<NotARule/>"),
           std::string(""),  // no rule at all
       }) {
    EXPECT_EQ(refusal(doc(rule)), ErrorCode::MalformedXML) << rule;
  }
  EXPECT_EQ(refusal("<CORSConfiguration/>"), ErrorCode::MalformedXML);
  EXPECT_EQ(refusal("<!DOCTYPE x [<!ENTITY e \"x\">]><LifecycleConfiguration/>"),
            ErrorCode::MalformedXML);
}

TEST(LifecycleXmlTest, RefusesRulesS3Refuses) {
  EXPECT_EQ(refusal(doc("<Rule><ID>r</ID><Status>Enabled</Status></Rule>")),
            ErrorCode::InvalidRequest);  // no action
  EXPECT_EQ(refusal(doc("<Rule><Status>Enabled</Status><Expiration><Days>0</Days></Expiration>"
                        "</Rule>")),
            ErrorCode::InvalidArgument);
  EXPECT_EQ(refusal(doc("<Rule><Status>Enabled</Status><AbortIncompleteMultipartUpload>"
                        "<DaysAfterInitiation>-1</DaysAfterInitiation>"
                        "</AbortIncompleteMultipartUpload></Rule>")),
            ErrorCode::InvalidArgument);
  const std::string rule = "<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>";
  EXPECT_EQ(
      refusal(doc("<Rule><ID>same</ID>" + rule + "</Rule><Rule><ID>same</ID>" + rule + "</Rule>")),
      ErrorCode::InvalidArgument);
  EXPECT_EQ(refusal(doc("<Rule><ID>" + std::string(256, 'i') + "</ID>" + rule + "</Rule>")),
            ErrorCode::InvalidArgument);
  std::string many;
  for (int i = 0; i <= 1000; ++i) many += "<Rule>" + rule + "</Rule>";
  EXPECT_EQ(refusal(doc(many)), ErrorCode::MalformedXML);
}

TEST(LifecycleXmlTest, HostileShapesAreBounded) {
  // Deep nesting inside a rule: refused, without recursion trouble.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  for (int i = 0; i < 100000; ++i) deep += "</a>";
  EXPECT_EQ(refusal(doc("<Rule>" + deep + "</Rule>")), ErrorCode::MalformedXML);
  // Too big: refused before parsing.
  const std::string big(kMaxLifecycleDocumentBytes + 1, ' ');
  auto parsed = parse_lifecycle_configuration_xml(doc("") + big);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::MaxMessageLengthExceeded);
  // 1000 rules, the most S3 allows, are fine.
  std::string most;
  for (int i = 0; i < 1000; ++i) {
    most += "<Rule><ID>r" + std::to_string(i) +
            "</ID><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>";
  }
  EXPECT_TRUE(parse_lifecycle_configuration_xml(doc(most)).has_value());
}

LifecycleTime at(std::int64_t ms) {
  return LifecycleTime(std::chrono::milliseconds(ms));
}

TEST(LifecycleDueTest, RoundsUpToTheNextMidnightUtc) {
  // S3's example: created 2014-01-15 10:30 UTC, 3 days -> 2014-01-19 00:00 UTC.
  const auto created = std::chrono::sys_days{std::chrono::year{2014} / 1 / 15} + 10h + 30min;
  const auto due = lifecycle_due_time(
      std::chrono::time_point_cast<std::chrono::milliseconds>(created), 3, LifecycleDay{});
  EXPECT_EQ(due, std::chrono::sys_days{std::chrono::year{2014} / 1 / 19});
  // Exactly on midnight: stays.
  const auto midnight = std::chrono::sys_days{std::chrono::year{2014} / 1 / 15};
  EXPECT_EQ(lifecycle_due_time(midnight, 1, LifecycleDay{}),
            std::chrono::sys_days{std::chrono::year{2014} / 1 / 16});
}

TEST(LifecycleDueTest, AShortDayForTests) {
  const LifecycleDay day{2s};
  EXPECT_EQ(lifecycle_due_time(at(10'500), 1, day), at(14'000));  // 12.5 s -> 14 s
  EXPECT_EQ(lifecycle_due_time(at(10'000), 2, day), at(14'000));
  // Absurd values saturate instead of overflowing.
  EXPECT_GT(lifecycle_due_time(at(0), kMaxLifecycleDays, LifecycleDay{24h}), at(0));
}

TEST(LifecycleDueTest, MatchingEnabledRulesTheEarliestWins) {
  LifecycleConfiguration config;
  config.rules.push_back({"long", true, LifecycleRule::PrefixForm::kEmptyFilter, "", 10, 5});
  config.rules.push_back({"short", true, LifecycleRule::PrefixForm::kFilterPrefix, "tmp/", 2, {}});
  config.rules.push_back({"off", false, LifecycleRule::PrefixForm::kFilterPrefix, "tmp/", 1, 1});
  const LifecycleDay day{1s};
  EXPECT_EQ(expiration_due(config, "tmp/x", at(0), day), at(2'000));
  EXPECT_EQ(expiration_due(config, "keep/x", at(0), day), at(10'000));
  EXPECT_EQ(abort_due(config, "tmp/x", at(0), day), at(5'000));  // "off" is disabled

  LifecycleConfiguration narrow;
  narrow.rules.push_back({"t", true, LifecycleRule::PrefixForm::kFilterPrefix, "tmp/", 1, {}});
  EXPECT_FALSE(expiration_due(narrow, "keep/x", at(0), day));
  EXPECT_FALSE(abort_due(narrow, "tmp/x", at(0), day));
}

TEST(LifecycleDueTest, TheAbortRuleNamesTheEarliestAndTheFirstOfATie) {
  LifecycleConfiguration config;
  config.rules.push_back({"slow", true, LifecycleRule::PrefixForm::kEmptyFilter, "", {}, 7});
  config.rules.push_back({"fast", true, LifecycleRule::PrefixForm::kFilterPrefix, "tmp/", {}, 2});
  config.rules.push_back({"same", true, LifecycleRule::PrefixForm::kFilterPrefix, "tmp/a", {}, 2});
  config.rules.push_back({"off", false, LifecycleRule::PrefixForm::kFilterPrefix, "tmp/", {}, 1});
  config.rules.push_back({"expiry", true, LifecycleRule::PrefixForm::kFilterPrefix, "", 1, {}});
  const LifecycleDay day{1s};
  const auto fast = abort_rule(config, "tmp/a.bin", at(500), day);
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->due, at(3'000));  // 0.5 s + 2 days, up to the next day boundary
  EXPECT_EQ(fast->rule_id, "fast");
  const auto slow = abort_rule(config, "keep/b.bin", at(0), day);
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->due, at(7'000));
  EXPECT_EQ(slow->rule_id, "slow");

  LifecycleConfiguration expiry_only;
  expiry_only.rules.push_back({"e", true, LifecycleRule::PrefixForm::kEmptyFilter, "", 1, {}});
  EXPECT_FALSE(abort_rule(expiry_only, "tmp/a.bin", at(0), day));
}

TEST(LifecycleDueTest, PrefixesToVisitCoverEachOtherOnce) {
  LifecycleConfiguration config;
  config.rules.push_back({"a", true, LifecycleRule::PrefixForm::kFilterPrefix, "logs/app/", 1, {}});
  config.rules.push_back({"b", true, LifecycleRule::PrefixForm::kFilterPrefix, "logs/", 1, {}});
  config.rules.push_back({"c", true, LifecycleRule::PrefixForm::kFilterPrefix, "tmp/", {}, 1});
  config.rules.push_back({"d", false, LifecycleRule::PrefixForm::kFilterPrefix, "x/", 1, 1});
  EXPECT_EQ(expiration_prefixes(config), std::vector<std::string>{"logs/"});
  EXPECT_EQ(abort_prefixes(config), std::vector<std::string>{"tmp/"});
}

}  // namespace
}  // namespace upgate::s3

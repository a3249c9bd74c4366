#include "upgate/s3/xml_requests.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <pugixml.hpp>
#include <variant>

#include "decimal.hpp"
#include "upgate/s3/xml_writer.hpp"
#include "upgate/text.hpp"

namespace upgate::s3 {
namespace {

S3Error malformed(std::string why) {
  return make_error(ErrorCode::MalformedXML).because(std::move(why));
}

bool is_xml_char(std::uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

using text::trim_xml_space;

// Reads the reference that starts at body[pos] == '&'; returns its length, or 0
// when it is not a predefined entity or a numeric reference to an XML character.
std::size_t reference_length(std::string_view body, std::size_t pos) {
  for (std::string_view name : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"}) {
    if (body.substr(pos, name.size()) == name) return name.size();
  }
  if (body.substr(pos, 2) != "&#") return 0;
  std::size_t i = pos + 2;
  const bool hex = i < body.size() && body[i] == 'x';
  if (hex) ++i;
  std::uint32_t value = 0;
  std::size_t digits = 0;
  for (; i < body.size() && body[i] != ';'; ++i, ++digits) {
    const char c = body[i];
    const int d = hex ? text::hex_value(c) : text::is_digit(c) ? c - '0' : -1;
    if (d < 0 || digits >= 8) return 0;
    value = value * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
  }
  if (i >= body.size() || digits == 0 || !is_xml_char(value)) return 0;
  return i - pos + 1;
}

// Everything pugixml would be too lenient about, checked on the raw bytes.
Expected<void, S3Error> screen(std::string_view body) {
  if (const auto bad = text::first_invalid_utf8(body)) {
    return Unexpected(malformed("body is not valid UTF-8 at byte " + std::to_string(*bad)));
  }
  for (std::size_t i = 0; i < body.size(); ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return Unexpected(
          malformed("control character " + std::to_string(c) + " at byte " + std::to_string(i)));
    }
    if (c == '<' && text::istarts_with(body.substr(i), "<!DOCTYPE")) {
      return Unexpected(
          malformed("DOCTYPE declarations are not accepted (byte " + std::to_string(i) + ")"));
    }
    if (c == '<' && text::istarts_with(body.substr(i), "<!ENTITY")) {
      return Unexpected(
          malformed("ENTITY declarations are not accepted (byte " + std::to_string(i) + ")"));
    }
    if (c == '&' && reference_length(body, i) == 0) {
      return Unexpected(
          malformed("undefined or invalid entity reference at byte " + std::to_string(i)));
    }
  }
  return {};
}

// A parsed document whose root element is `root_name`.
struct Document {
  std::unique_ptr<pugi::xml_document> doc;
  pugi::xml_node root;
};

Expected<Document, S3Error> load(std::string_view body, std::size_t max_bytes,
                                 std::string_view root_name) {
  if (body.size() > max_bytes) {
    return Unexpected(make_error(ErrorCode::MaxMessageLengthExceeded)
                          .because("XML body is " + std::to_string(body.size()) + " bytes, limit " +
                                   std::to_string(max_bytes)));
  }
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);  // UTF-8 BOM
  if (auto ok = screen(body); !ok) return Unexpected(std::move(ok).error());

  Document d{std::make_unique<pugi::xml_document>(), {}};
  // parse_fragment keeps text outside the root in the tree, so it can be refused.
  const unsigned options =
      pugi::parse_cdata | pugi::parse_escapes | pugi::parse_eol | pugi::parse_fragment;
  const pugi::xml_parse_result result =
      d.doc->load_buffer(body.data(), body.size(), options, pugi::encoding_utf8);
  if (!result) {
    return Unexpected(malformed(std::string("not well-formed XML: ") + result.description() +
                                " at byte " + std::to_string(result.offset)));
  }
  for (pugi::xml_node n = d.doc->first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_element) {
      if (d.root) return Unexpected(malformed("more than one root element"));
      d.root = n;
    } else if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
      return Unexpected(malformed("text outside the root element"));
    }
  }
  if (!d.root) return Unexpected(malformed("no root element"));
  if (std::string_view(d.root.name()) != root_name) {
    return Unexpected(malformed("root element is <" + std::string(d.root.name()) + ">, expected <" +
                                std::string(root_name) + ">"));
  }
  for (pugi::xml_attribute a = d.root.first_attribute(); a; a = a.next_attribute()) {
    const std::string_view name = a.name();
    if (name == "xmlns" && std::string_view(a.value()) != kS3XmlNamespace) {
      return Unexpected(malformed("unexpected namespace '" + std::string(a.value()) + "'"));
    }
  }
  return d;
}

// The element children of `node`; text that is not whitespace is refused.
Expected<std::vector<pugi::xml_node>, S3Error> element_children(pugi::xml_node node,
                                                                const std::string& path) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    switch (c.type()) {
      case pugi::node_element:
        out.push_back(c);
        break;
      case pugi::node_pcdata:
      case pugi::node_cdata: {
        const std::string_view text = c.value();
        if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
          return Unexpected(malformed("text inside " + path + " where elements belong"));
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}

// A document whose root element is `root_name`, and the root's element children.
struct RootChildren {
  Document document;
  std::vector<pugi::xml_node> children;
};

Expected<RootChildren, S3Error> load_root_children(std::string_view body, std::size_t max_bytes,
                                                   std::string_view root_name) {
  auto doc = load(body, max_bytes, root_name);
  if (!doc) return Unexpected(std::move(doc).error());
  auto children = element_children(doc->root, "/" + std::string(root_name));
  if (!children) return Unexpected(std::move(children).error());
  return RootChildren{std::move(*doc), std::move(*children)};
}

// The text of a leaf element (character data and CDATA, verbatim).
Expected<std::string, S3Error> leaf_text(pugi::xml_node node, const std::string& path) {
  std::string text;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) {
      return Unexpected(malformed("element inside " + path + " where text belongs"));
    }
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
  }
  return text;
}

// A decimal integer with optional sign, within [lo, hi]; nullopt otherwise.
std::optional<std::int64_t> parse_integer(std::string_view text, std::int64_t lo, std::int64_t hi) {
  const auto value = detail::parse_decimal(trim_xml_space(text), 18, /*plus_allowed=*/true);
  if (!value || *value < lo || *value > hi) return std::nullopt;
  return value;
}

// Sets `slot` from a leaf, refusing a second occurrence.
Expected<void, S3Error> set_once(std::optional<std::string>& slot, pugi::xml_node node,
                                 const std::string& path) {
  if (slot) return Unexpected(malformed(path + " appears more than once"));
  auto text = leaf_text(node, path);
  if (!text) return Unexpected(std::move(text).error());
  slot = std::move(*text);
  return {};
}

// A leaf child's name and the slot it fills, once.
struct LeafSlot {
  std::string_view name;
  std::optional<std::string>* slot;
};

// The element children of `node`, each a leaf named in `slots` filling its slot once; an
// element `slots` does not name is refused as unknown.
Expected<void, S3Error> read_leaves(pugi::xml_node node, const std::string& path,
                                    std::initializer_list<LeafSlot> slots) {
  auto children = element_children(node, path);
  if (!children) return Unexpected(std::move(children).error());
  for (pugi::xml_node c : *children) {
    const std::string_view name = c.name();
    const std::string child_path = path + "/" + std::string(name);
    const auto leaf = std::find_if(slots.begin(), slots.end(),
                                   [name](const LeafSlot& l) { return l.name == name; });
    if (leaf == slots.end()) return Unexpected(malformed("unknown element " + child_path));
    if (auto ok = set_once(*leaf->slot, c, child_path); !ok) return ok;
  }
  return {};
}

// The next of a list of `name` elements under `list_path` (at most `max`, `too_many` the
// refusal past it): `c`, read by `parse` at list_path/name[n], appended to `items`.
template <class Item, class Parse>
Expected<void, S3Error> add_item(std::vector<Item>& items, pugi::xml_node c,
                                 std::string_view list_path, std::string_view name, std::size_t max,
                                 std::string_view too_many, Parse parse) {
  if (std::string_view(c.name()) != name) {
    return Unexpected(malformed("unknown element " + std::string(list_path) + "/" + c.name()));
  }
  if (items.size() == max) return Unexpected(malformed(std::string(too_many)));
  auto item = parse(c, std::string(list_path) + "/" + std::string(name) + "[" +
                           std::to_string(items.size() + 1) + "]");
  if (!item) return Unexpected(std::move(item).error());
  items.push_back(std::move(*item));
  return {};
}

// A document `root` that is a list of `name` elements and nothing else (at most `max`,
// `too_many` the refusal past it), each read by `parse`.
template <class Item, class Parse>
Expected<std::vector<Item>, S3Error> read_item_list(std::string_view body, std::size_t max_bytes,
                                                    std::string_view root, std::string_view name,
                                                    std::size_t max, std::string_view too_many,
                                                    Parse parse) {
  auto doc = load_root_children(body, max_bytes, root);
  if (!doc) return Unexpected(std::move(doc).error());
  std::vector<Item> items;
  const std::string list_path = "/" + std::string(root);
  for (pugi::xml_node c : doc->children) {
    if (auto ok = add_item(items, c, list_path, name, max, too_many, parse); !ok) {
      return Unexpected(std::move(ok).error());
    }
  }
  return items;
}

std::string strip_quotes(std::string_view etag) {
  etag = trim_xml_space(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

Expected<CompletedPart, S3Error> parse_part(pugi::xml_node node, const std::string& path) {
  CompletedPart part;
  std::optional<std::string> number, etag;
  auto read = read_leaves(node, path,
                          {{"PartNumber", &number},
                           {"ETag", &etag},
                           {"ChecksumCRC32", &part.checksum_crc32},
                           {"ChecksumCRC32C", &part.checksum_crc32c},
                           {"ChecksumCRC64NVME", &part.checksum_crc64nvme},
                           {"ChecksumSHA1", &part.checksum_sha1},
                           {"ChecksumSHA256", &part.checksum_sha256}});
  if (!read) return Unexpected(std::move(read).error());
  if (!number) return Unexpected(malformed(path + " has no PartNumber"));
  if (!etag) return Unexpected(malformed(path + " has no ETag"));
  const auto as_int = parse_integer(*number, INT32_MIN, INT32_MAX);
  if (!as_int) return Unexpected(malformed(path + "/PartNumber is not an integer"));
  if (*as_int < 1) {
    return Unexpected(
        invalid_argument("PartNumber must be >= 1", "PartNumber", trim_xml_space(*number))
            .because(path + "/PartNumber below 1"));
  }
  if (*as_int > kMaxPartNumber) {
    return Unexpected(
        invalid_argument("Part number must be an integer between 1 and 10000, inclusive",
                         "partNumber", trim_xml_space(*number))
            .because(path + "/PartNumber above 10000"));
  }
  part.part_number = static_cast<int>(*as_int);
  part.etag = strip_quotes(*etag);
  return part;
}

Expected<ObjectToDelete, S3Error> parse_object(pugi::xml_node node, const std::string& path) {
  std::optional<std::string> key, version, etag, last_modified, size;
  auto read = read_leaves(node, path,
                          {{"Key", &key},
                           {"VersionId", &version},
                           {"ETag", &etag},
                           {"LastModifiedTime", &last_modified},
                           {"Size", &size}});
  if (!read) return Unexpected(std::move(read).error());
  if (!key) return Unexpected(malformed(path + " has no Key"));
  ObjectToDelete o;
  o.key = std::move(*key);
  if (version) o.version_id = std::move(*version);
  if (etag) o.etag = strip_quotes(*etag);
  return o;
}

Expected<CorsRule, S3Error> parse_cors_rule(pugi::xml_node node, const std::string& path) {
  auto children = element_children(node, path);
  if (!children) return Unexpected(std::move(children).error());
  CorsRule rule;
  std::optional<std::string> id, max_age;
  for (pugi::xml_node c : *children) {
    const std::string_view name = c.name();
    const std::string child_path = path + "/" + std::string(name);
    if (const CorsRuleList* list = find_cors_rule_list(&CorsRuleList::xml_element, name)) {
      auto text = leaf_text(c, child_path);
      if (!text) return Unexpected(std::move(text).error());
      (rule.*(list->values)).push_back(std::move(*text));
    } else if (name == "ID") {
      if (auto ok = set_once(id, c, child_path); !ok) return Unexpected(std::move(ok).error());
    } else if (name == "MaxAgeSeconds") {
      if (auto ok = set_once(max_age, c, child_path); !ok) {
        return Unexpected(std::move(ok).error());
      }
    } else {
      return Unexpected(malformed("unknown element " + child_path));
    }
  }
  if (id) rule.id = std::move(*id);
  if (max_age) {
    const auto seconds = parse_integer(*max_age, INT32_MIN, INT32_MAX);
    if (!seconds) return Unexpected(malformed(path + "/MaxAgeSeconds is not an integer"));
    rule.max_age_seconds = *seconds;
  }
  return rule;
}

// ---- Lifecycle ---------------------------------------------------------------

constexpr std::string_view kNotSupported = " is part of S3's lifecycle schema but not supported";

S3Error not_implemented(const std::string& path) {
  return make_error(ErrorCode::NotImplemented,
                    "A header you provided implies functionality that is not implemented")
      .because(path + std::string(kNotSupported) + " by this store");
}

// A leaf holding a non-negative decimal; range checks are validate_lifecycle_configuration's.
Expected<std::int64_t, S3Error> lifecycle_days(pugi::xml_node node, const std::string& path) {
  auto text = leaf_text(node, path);
  if (!text) return Unexpected(std::move(text).error());
  const auto days = parse_integer(*text, INT64_MIN / 2, INT64_MAX / 2);
  if (!days) return Unexpected(malformed(path + " is not an integer"));
  return *days;
}

// The one child of an action container that upgate supports, `name`; S3's other children
// are NotImplemented, anything else MalformedXML.
Expected<std::int64_t, S3Error> lifecycle_action(pugi::xml_node node, const std::string& path,
                                                 std::string_view name,
                                                 std::initializer_list<std::string_view> s3_also) {
  auto children = element_children(node, path);
  if (!children) return Unexpected(std::move(children).error());
  std::optional<std::int64_t> days;
  for (pugi::xml_node c : *children) {
    const std::string_view child = c.name();
    const std::string child_path = path + "/" + std::string(child);
    if (child == name) {
      if (days) return Unexpected(malformed(child_path + " appears more than once"));
      auto value = lifecycle_days(c, child_path);
      if (!value) return Unexpected(std::move(value).error());
      days = *value;
    } else if (std::find(s3_also.begin(), s3_also.end(), child) != s3_also.end()) {
      return Unexpected(not_implemented(child_path));
    } else {
      return Unexpected(malformed("unknown element " + child_path));
    }
  }
  if (!days) return Unexpected(malformed(path + " has no " + std::string(name)));
  return *days;
}

// <Filter>: empty, or exactly one <Prefix> (Tag, And, ObjectSize* are NotImplemented).
Expected<std::optional<std::string>, S3Error> lifecycle_filter(pugi::xml_node node,
                                                               const std::string& path) {
  auto children = element_children(node, path);
  if (!children) return Unexpected(std::move(children).error());
  if (children->size() > 1) return Unexpected(malformed(path + " has more than one condition"));
  if (children->empty()) return std::optional<std::string>{};
  const pugi::xml_node c = children->front();
  const std::string_view name = c.name();
  const std::string child_path = path + "/" + std::string(name);
  if (name == "Prefix") {
    auto text = leaf_text(c, child_path);
    if (!text) return Unexpected(std::move(text).error());
    return std::optional<std::string>(std::move(*text));
  }
  if (name == "Tag" || name == "And" || name == "ObjectSizeGreaterThan" ||
      name == "ObjectSizeLessThan") {
    return Unexpected(not_implemented(child_path));
  }
  return Unexpected(malformed("unknown element " + child_path));
}

Expected<LifecycleRule, S3Error> parse_lifecycle_rule(pugi::xml_node node,
                                                      const std::string& path) {
  auto children = element_children(node, path);
  if (!children) return Unexpected(std::move(children).error());
  LifecycleRule rule;
  std::optional<std::string> id, status, legacy_prefix;
  bool has_filter = false;
  std::optional<std::string> filter_prefix;
  for (pugi::xml_node c : *children) {
    const std::string_view name = c.name();
    const std::string child_path = path + "/" + std::string(name);
    if (name == "ID") {
      if (auto ok = set_once(id, c, child_path); !ok) return Unexpected(std::move(ok).error());
    } else if (name == "Status") {
      if (auto ok = set_once(status, c, child_path); !ok) return Unexpected(std::move(ok).error());
    } else if (name == "Prefix") {
      if (auto ok = set_once(legacy_prefix, c, child_path); !ok) {
        return Unexpected(std::move(ok).error());
      }
    } else if (name == "Filter") {
      if (has_filter) return Unexpected(malformed(child_path + " appears more than once"));
      has_filter = true;
      auto filter = lifecycle_filter(c, child_path);
      if (!filter) return Unexpected(std::move(filter).error());
      filter_prefix = std::move(*filter);
    } else if (name == "Expiration") {
      if (rule.expiration_days)
        return Unexpected(malformed(child_path + " appears more than once"));
      auto days = lifecycle_action(c, child_path, "Days", {"Date", "ExpiredObjectDeleteMarker"});
      if (!days) return Unexpected(std::move(days).error());
      rule.expiration_days = *days;
    } else if (name == "AbortIncompleteMultipartUpload") {
      if (rule.abort_incomplete_days) {
        return Unexpected(malformed(child_path + " appears more than once"));
      }
      auto days = lifecycle_action(c, child_path, "DaysAfterInitiation", {});
      if (!days) return Unexpected(std::move(days).error());
      rule.abort_incomplete_days = *days;
    } else if (name == "Transition" || name == "NoncurrentVersionTransition" ||
               name == "NoncurrentVersionExpiration") {
      return Unexpected(not_implemented(child_path));
    } else {
      return Unexpected(malformed("unknown element " + child_path));
    }
  }
  if (has_filter && legacy_prefix) {
    return Unexpected(malformed(path + " has both Filter and Prefix"));
  }
  if (!status) return Unexpected(malformed(path + " has no Status"));
  const std::string_view s = trim_xml_space(*status);
  if (s != "Enabled" && s != "Disabled") {
    return Unexpected(malformed(path + "/Status is '" + std::string(s) + "'"));
  }
  rule.enabled = s == "Enabled";
  if (id) rule.id = std::move(*id);
  if (legacy_prefix) {
    rule.prefix_form = LifecycleRule::PrefixForm::kLegacyPrefix;
    rule.prefix = std::move(*legacy_prefix);
  } else if (filter_prefix) {
    rule.prefix_form = LifecycleRule::PrefixForm::kFilterPrefix;
    rule.prefix = std::move(*filter_prefix);
  }
  return rule;
}

XmlElement element_tree(pugi::xml_node node) {
  XmlElement out;
  out.name = node.name();
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) {
      out.children.push_back(element_tree(c));
    } else if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      out.text += c.value();
    }
  }
  if (!out.children.empty()) out.text.clear();  // whitespace between elements
  return out;
}

// Reads the rules of <LifecycleConfiguration>; `on_rule` takes each rule's node, its path
// and what parse_lifecycle_rule made of it.
template <class OnRule>
Expected<void, S3Error> for_each_lifecycle_rule(std::string_view body, std::size_t max_bytes,
                                                OnRule on_rule) {
  auto doc = load_root_children(body, max_bytes, "LifecycleConfiguration");
  if (!doc) return Unexpected(std::move(doc).error());
  std::size_t count = 0;
  for (pugi::xml_node c : doc->children) {
    if (std::string_view(c.name()) != "Rule") {
      return Unexpected(
          malformed("unknown element /LifecycleConfiguration/" + std::string(c.name())));
    }
    if (count == kMaxLifecycleRules) {
      return Unexpected(malformed("more than " + std::to_string(kMaxLifecycleRules) + " rules"));
    }
    ++count;
    const std::string path = "/LifecycleConfiguration/Rule[" + std::to_string(count) + "]";
    if (auto ok = on_rule(c, path, parse_lifecycle_rule(c, path)); !ok) return ok;
  }
  return {};
}

}  // namespace

Expected<CompleteMultipartUploadRequest, S3Error> parse_complete_multipart_upload(
    std::string_view body, std::size_t max_bytes) {
  auto parts = read_item_list<CompletedPart>(body, max_bytes, "CompleteMultipartUpload", "Part",
                                             static_cast<std::size_t>(kMaxPartNumber),
                                             "more than 10000 parts", parse_part);
  if (!parts) return Unexpected(std::move(parts).error());
  CompleteMultipartUploadRequest request;
  request.parts = std::move(*parts);
  if (request.parts.empty()) {
    return Unexpected(make_error(ErrorCode::InvalidRequest, "You must specify at least one part")
                          .because("CompleteMultipartUpload lists no part"));
  }
  for (std::size_t i = 1; i < request.parts.size(); ++i) {
    if (request.parts[i].part_number <= request.parts[i - 1].part_number) {
      return Unexpected(make_error(ErrorCode::InvalidPartOrder)
                            .because("part " + std::to_string(request.parts[i].part_number) +
                                     " follows part " +
                                     std::to_string(request.parts[i - 1].part_number)));
    }
  }
  return request;
}

Expected<DeleteObjectsRequest, S3Error> parse_delete_objects(std::string_view body,
                                                             std::size_t max_bytes) {
  auto doc = load_root_children(body, max_bytes, "Delete");
  if (!doc) return Unexpected(std::move(doc).error());
  DeleteObjectsRequest request;
  std::optional<std::string> quiet;
  for (pugi::xml_node c : doc->children) {
    const std::string_view name = c.name();
    if (name == "Quiet") {
      if (auto ok = set_once(quiet, c, "/Delete/Quiet"); !ok)
        return Unexpected(std::move(ok).error());
      continue;
    }
    if (auto ok = add_item(request.objects, c, "/Delete", "Object", kMaxDeleteObjects,
                           "more than 1000 objects in one Delete request", parse_object);
        !ok) {
      return Unexpected(std::move(ok).error());
    }
  }
  if (quiet) {
    const std::string_view q = trim_xml_space(*quiet);
    if (q == "true" || q == "1") {
      request.quiet = true;
    } else if (q != "false" && q != "0") {
      return Unexpected(malformed("/Delete/Quiet is '" + std::string(q) + "', not a boolean"));
    }
  }
  if (request.objects.empty()) return Unexpected(malformed("Delete lists no Object"));
  return request;
}

Expected<CorsConfiguration, S3Error> parse_cors_configuration_xml(std::string_view body,
                                                                  std::size_t max_bytes) {
  auto rules = read_item_list<CorsRule>(body, max_bytes, "CORSConfiguration", "CORSRule",
                                        kMaxCorsRules, "more than 100 CORS rules", parse_cors_rule);
  if (!rules) return Unexpected(std::move(rules).error());
  CorsConfiguration config;
  config.rules = std::move(*rules);
  if (auto ok = validate_cors_configuration(config); !ok) return Unexpected(std::move(ok).error());
  return config;
}

Expected<CreateBucketConfiguration, S3Error> parse_create_bucket_configuration(
    std::string_view body, std::size_t max_bytes) {
  if (trim_xml_space(body).empty()) return CreateBucketConfiguration{};
  auto doc = load_root_children(body, max_bytes, "CreateBucketConfiguration");
  if (!doc) return Unexpected(std::move(doc).error());
  CreateBucketConfiguration config;
  for (pugi::xml_node c : doc->children) {
    const std::string_view name = c.name();
    if (name != "LocationConstraint") {
      return Unexpected(
          malformed("unknown element /CreateBucketConfiguration/" + std::string(name)));
    }
    if (auto ok = set_once(config.location_constraint, c,
                           "/CreateBucketConfiguration/LocationConstraint");
        !ok) {
      return Unexpected(std::move(ok).error());
    }
  }
  return config;
}

Expected<void, S3Error> check_location_constraint(const std::optional<std::string>& requested,
                                                  std::string_view server_region) {
  const std::string_view wanted = requested ? trim_xml_space(*requested) : std::string_view{};
  if (wanted.empty()) {
    if (server_region == "us-east-1") return {};
    return Unexpected(
        make_error(ErrorCode::IllegalLocationConstraintException)
            .because("no LocationConstraint, server region " + std::string(server_region)));
  }
  if (wanted == "us-east-1") {
    return Unexpected(make_error(ErrorCode::InvalidLocationConstraint)
                          .with("LocationConstraint", std::string(wanted))
                          .because("us-east-1 is never given explicitly"));
  }
  if (wanted != server_region) {
    return Unexpected(
        make_error(ErrorCode::IllegalLocationConstraintException,
                   "The " + std::string(wanted) +
                       " location constraint is incompatible for the region specific endpoint "
                       "this request was sent to.")
            .because("LocationConstraint " + std::string(wanted) + ", server region " +
                     std::string(server_region)));
  }
  return {};
}

Expected<LifecycleConfiguration, S3Error> parse_lifecycle_configuration_xml(std::string_view body,
                                                                            std::size_t max_bytes) {
  LifecycleConfiguration config;
  auto read = for_each_lifecycle_rule(
      body, max_bytes,
      [&](pugi::xml_node, const std::string&,
          Expected<LifecycleRule, S3Error> rule) -> Expected<void, S3Error> {
        if (!rule) return Unexpected(std::move(rule).error());
        config.rules.push_back(std::move(*rule));
        return {};
      });
  if (!read) return Unexpected(std::move(read).error());
  if (auto ok = validate_lifecycle_configuration(config); !ok) {
    return Unexpected(std::move(ok).error());
  }
  return config;
}

LifecycleConfiguration LifecycleDocument::managed() const {
  LifecycleConfiguration out;
  for (const Rule& rule : rules) {
    if (const auto* r = std::get_if<LifecycleRule>(&rule)) out.rules.push_back(*r);
  }
  return out;
}

std::vector<const ForeignLifecycleRule*> LifecycleDocument::foreign() const {
  std::vector<const ForeignLifecycleRule*> out;
  for (const Rule& rule : rules) {
    if (const auto* r = std::get_if<ForeignLifecycleRule>(&rule)) out.push_back(r);
  }
  return out;
}

Expected<LifecycleDocument, S3Error> parse_lifecycle_document_xml(std::string_view body,
                                                                  std::size_t max_bytes) {
  LifecycleDocument document;
  auto read = for_each_lifecycle_rule(
      body, max_bytes,
      [&](pugi::xml_node node, const std::string& path,
          Expected<LifecycleRule, S3Error> rule) -> Expected<void, S3Error> {
        if (rule) {
          document.rules.emplace_back(std::move(*rule));
          return {};
        }
        if (rule.error().code != ErrorCode::NotImplemented) {
          return Unexpected(std::move(rule).error());
        }
        // not_implemented()'s reason starts with the path of what is beyond the subset.
        ForeignLifecycleRule foreign;
        const std::string& reason = rule.error().reason;
        const std::size_t end = reason.find(kNotSupported);
        if (reason.starts_with(path + "/") && end != std::string::npos) {
          foreign.unsupported = reason.substr(path.size() + 1, end - path.size() - 1);
        }
        if (const pugi::xml_node id = node.child("ID")) foreign.id = id.text().get();
        foreign.rule = element_tree(node);
        document.rules.emplace_back(std::move(foreign));
        return {};
      });
  if (!read) return Unexpected(std::move(read).error());
  if (const LifecycleConfiguration managed = document.managed(); !managed.rules.empty()) {
    if (auto ok = validate_lifecycle_configuration(managed); !ok) {
      return Unexpected(std::move(ok).error());
    }
  }
  return document;
}

}  // namespace upgate::s3

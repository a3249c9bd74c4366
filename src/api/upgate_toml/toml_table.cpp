// The one translation unit that parses TOML: upgate.toml's tables read by type.
#include "toml_table.hpp"

#include <toml++/toml.h>

#include <algorithm>

namespace upgate::api {
namespace {

const toml::table& as_table(const void* table) {
  return *static_cast<const toml::table*>(table);
}

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

}  // namespace

std::string TomlTable::field(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

Expected<void, ConfigError> TomlTable::allow_only(std::span<const std::string_view> known) const {
  for (const auto& [key, node] : as_table(table_)) {
    const std::string_view name = key.str();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return Unexpected(ConfigError{field(name), "unknown key (known: " + list + ")"});
    }
  }
  return {};
}

std::vector<std::string> TomlTable::keys() const {
  std::vector<std::string> out;
  for (const auto& [key, node] : as_table(table_)) out.emplace_back(key.str());
  return out;
}

Expected<std::optional<std::string>, ConfigError> TomlTable::string(std::string_view key) const {
  const toml::node* node = as_table(table_).get(key);
  if (node == nullptr) return std::optional<std::string>();
  if (!node->is_string()) {
    return Unexpected(ConfigError{field(key), "must be a string, not " + type_name(*node)});
  }
  return std::optional<std::string>(node->as_string()->get());
}

Expected<std::optional<bool>, ConfigError> TomlTable::boolean(std::string_view key) const {
  const toml::node* node = as_table(table_).get(key);
  if (node == nullptr) return std::optional<bool>();
  if (!node->is_boolean()) {
    return Unexpected(ConfigError{field(key), "must be true or false, not " + type_name(*node)});
  }
  return std::optional<bool>(node->as_boolean()->get());
}

Expected<std::optional<std::vector<std::string>>, ConfigError> TomlTable::strings(
    std::string_view key) const {
  const toml::node* node = as_table(table_).get(key);
  if (node == nullptr) return std::optional<std::vector<std::string>>();
  const ConfigError not_strings{field(key), "must be an array of strings"};
  if (!node->is_array()) return Unexpected(not_strings);
  std::vector<std::string> out;
  for (const toml::node& item : *node->as_array()) {
    if (!item.is_string()) return Unexpected(not_strings);
    out.push_back(item.as_string()->get());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Expected<std::optional<std::int64_t>, ConfigError> TomlTable::integer_in(
    std::string_view key, std::int64_t lo, std::int64_t hi, std::string_view why) const {
  const toml::node* node = as_table(table_).get(key);
  if (node == nullptr) return std::optional<std::int64_t>();
  if (!node->is_integer() || node->as_integer()->get() < lo || node->as_integer()->get() > hi) {
    return Unexpected(ConfigError{field(key), std::string(why)});
  }
  return std::optional<std::int64_t>(node->as_integer()->get());
}

Expected<std::optional<TomlTable::QuantityText>, ConfigError> TomlTable::quantity_text(
    std::string_view key, std::string_view expected) const {
  const toml::node* node = as_table(table_).get(key);
  if (node == nullptr) return std::optional<QuantityText>();
  if (node->is_integer()) {
    const std::int64_t n = node->as_integer()->get();
    if (n < 0) return Unexpected(ConfigError{field(key), "must not be negative"});
    return std::optional<QuantityText>(QuantityText{std::to_string(n), true});
  }
  if (node->is_string()) {
    return std::optional<QuantityText>(QuantityText{node->as_string()->get(), false});
  }
  return Unexpected(
      ConfigError{field(key), "must be " + std::string(expected) + ", not " + type_name(*node)});
}

Expected<std::optional<TomlTable>, ConfigError> TomlTable::table(std::string_view key) const {
  const toml::node* node = as_table(table_).get(key);
  if (node == nullptr) return std::optional<TomlTable>();
  if (!node->is_table()) {
    return Unexpected(ConfigError{field(key), "must be a table ([" + field(key) + "])"});
  }
  return std::optional<TomlTable>(TomlTable(node->as_table(), field(key)));
}

Expected<std::vector<TomlTable>, ConfigError> TomlTable::tables(std::string_view key) const {
  std::vector<TomlTable> out;
  const toml::node* node = as_table(table_).get(key);
  if (node == nullptr) return out;
  const ConfigError not_tables{field(key), "must be an array of tables ([[" + field(key) + "]])"};
  if (!node->is_array()) return Unexpected(not_tables);
  std::size_t i = 0;
  for (const toml::node& item : *node->as_array()) {
    if (!item.is_table()) return Unexpected(not_tables);
    out.push_back(TomlTable(item.as_table(), field(key) + "[" + std::to_string(i++) + "]"));
  }
  return out;
}

KeyReader::KeyReader(const TomlTable& table, std::initializer_list<std::string_view> known)
    : table_(table) {
  if (auto ok = table_.allow_only(known); !ok) error_ = std::move(ok).error();
}

KeyReader::KeyReader(const TomlTable& table, std::span<const std::string_view> known)
    : table_(table) {
  if (auto ok = table_.allow_only(known); !ok) error_ = std::move(ok).error();
}

KeyReader& KeyReader::string(std::string_view key, std::optional<std::string>& slot) {
  return read(slot, [&] { return table_.string(key); });
}

KeyReader& KeyReader::boolean(std::string_view key, std::optional<bool>& slot) {
  return read(slot, [&] { return table_.boolean(key); });
}

KeyReader& KeyReader::strings(std::string_view key, std::optional<std::vector<std::string>>& slot) {
  return read(slot, [&] { return table_.strings(key); });
}

KeyReader& KeyReader::integer_in(std::string_view key, std::int64_t lo, std::int64_t hi,
                                 std::string_view why, std::optional<unsigned>& slot) {
  std::optional<std::int64_t> value;
  read(value, [&] { return table_.integer_in(key, lo, hi, why); });
  if (value) slot = static_cast<unsigned>(*value);
  return *this;
}

Expected<void, ConfigError> KeyReader::result() const {
  if (error_) return Unexpected(*error_);
  return {};
}

struct TomlDocument::Parsed {
  toml::table root;
};

Expected<TomlDocument, ConfigError> TomlDocument::parse(std::string_view text,
                                                        std::string_view source) {
  auto parsed = std::make_unique<Parsed>();
  try {
    parsed->root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return Unexpected(
        ConfigError{std::string(source) + " line " + std::to_string(e.source().begin.line),
                    std::string(e.description())});
  }
  return TomlDocument(std::move(parsed));
}

TomlTable TomlDocument::root() const {
  return TomlTable(&parsed_->root, "");
}

TomlDocument::TomlDocument(std::unique_ptr<Parsed> parsed) : parsed_(std::move(parsed)) {}
TomlDocument::TomlDocument(TomlDocument&&) noexcept = default;
TomlDocument& TomlDocument::operator=(TomlDocument&&) noexcept = default;
TomlDocument::~TomlDocument() = default;

}  // namespace upgate::api

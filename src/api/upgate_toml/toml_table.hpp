// upgate::api::TomlTable: one table of upgate.toml, read by type, that knows its dotted
// path. Every unknown key and every value of the wrong type is refused with a
// ConfigError naming the key as the user wrote it ("profiles.avatars.max_size"), so a
// table's reader only says which keys it takes and what each one must be.
//
// toml++ stays behind this class (it is a large header-only parser): only
// toml_table.cpp includes it, not every table's reader.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/config/config_error.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

using config::ConfigError;

class TomlTable {
 public:
  // This table's dotted path ("profiles.avatars"; "" for the root), and that of `key` in
  // it ("profiles.avatars.folder"; a root key is its own name).
  const std::string& path() const { return path_; }
  std::string field(std::string_view key) const;

  // Refuses the first key not in `known`: "<path>.<key>: unknown key (known: a, b)".
  Expected<void, ConfigError> allow_only(std::span<const std::string_view> known) const;
  Expected<void, ConfigError> allow_only(std::initializer_list<std::string_view> known) const {
    return allow_only(std::span<const std::string_view>(known.begin(), known.size()));
  }

  // The keys, in the order toml++ keeps them (sorted).
  std::vector<std::string> keys() const;

  // Each getter: nullopt when the key is absent, a ConfigError naming it when the value
  // is of another type.
  Expected<std::optional<std::string>, ConfigError> string(std::string_view key) const;
  Expected<std::optional<bool>, ConfigError> boolean(std::string_view key) const;
  Expected<std::optional<std::vector<std::string>>, ConfigError> strings(
      std::string_view key) const;
  // An integer in [lo, hi]; `why` is the message for another type or a value outside.
  Expected<std::optional<std::int64_t>, ConfigError> integer_in(std::string_view key,
                                                                std::int64_t lo, std::int64_t hi,
                                                                std::string_view why) const;
  // A size or duration: a non-negative integer, or a string such as "5 MiB" or "10m",
  // read by `parse`; `expected` describes the forms in errors ("a duration such as 600").
  template <class T, class Parse>
  Expected<std::optional<T>, ConfigError> quantity(std::string_view key, Parse parse,
                                                   std::string_view expected) const;
  // A sub-table ([server.tls], [profiles.avatars]); anything else is refused as
  // "must be a table ([<path>.<key>])".
  Expected<std::optional<TomlTable>, ConfigError> table(std::string_view key) const;
  // An array of tables ([[webhooks]]), each named "<key>[i]"; empty when absent; anything
  // else is refused as "must be an array of tables ([[<key>]])".
  Expected<std::vector<TomlTable>, ConfigError> tables(std::string_view key) const;

 private:
  friend class TomlDocument;
  // The text of a quantity and whether it was written as an integer.
  struct QuantityText {
    std::string text;
    bool integer = false;
  };
  Expected<std::optional<QuantityText>, ConfigError> quantity_text(std::string_view key,
                                                                   std::string_view expected) const;

  TomlTable(const void* table, std::string path) : table_(table), path_(std::move(path)) {}
  const void* table_;  // a toml::table owned by the TomlDocument
  std::string path_;   // "" for the root
};

// Reads a table's keys into optional slots, one call per key, in order: the constructor
// refuses unknown keys, and after the first failure the remaining calls do nothing, so
// result() is the first mistake met, as a reader checking each key in turn would say.
class KeyReader {
 public:
  KeyReader(const TomlTable& table, std::initializer_list<std::string_view> known);
  KeyReader(const TomlTable& table, std::span<const std::string_view> known);

  KeyReader& string(std::string_view key, std::optional<std::string>& slot);
  KeyReader& boolean(std::string_view key, std::optional<bool>& slot);
  KeyReader& strings(std::string_view key, std::optional<std::vector<std::string>>& slot);
  KeyReader& integer_in(std::string_view key, std::int64_t lo, std::int64_t hi,
                        std::string_view why, std::optional<unsigned>& slot);
  template <class T, class Parse>
  KeyReader& quantity(std::string_view key, Parse parse, std::string_view expected,
                      std::optional<T>& slot);

  Expected<void, ConfigError> result() const;

 private:
  // Runs `get` unless an earlier key failed; stores its value or its error.
  template <class T, class Get>
  KeyReader& read(std::optional<T>& slot, Get get);

  const TomlTable& table_;
  std::optional<ConfigError> error_;
};

// A parsed upgate.toml. The root table and every table taken from it live as long as it.
class TomlDocument {
 public:
  // A syntax error names `source` and the line: "upgate.toml line 2: ...".
  static Expected<TomlDocument, ConfigError> parse(std::string_view text, std::string_view source);

  TomlTable root() const;

  TomlDocument(TomlDocument&&) noexcept;
  TomlDocument& operator=(TomlDocument&&) noexcept;
  ~TomlDocument();

 private:
  struct Parsed;
  explicit TomlDocument(std::unique_ptr<Parsed> parsed);
  std::unique_ptr<Parsed> parsed_;
};

template <class T, class Parse>
Expected<std::optional<T>, ConfigError> TomlTable::quantity(std::string_view key, Parse parse,
                                                            std::string_view expected) const {
  auto text = quantity_text(key, expected);
  if (!text) return Unexpected(std::move(text).error());
  if (!*text) return std::optional<T>();
  std::optional<T> value = parse((*text)->text);
  if (value) return value;
  return Unexpected(ConfigError{
      field(key), (*text)->integer ? "is out of range" : "must be " + std::string(expected)});
}

template <class T, class Get>
KeyReader& KeyReader::read(std::optional<T>& slot, Get get) {
  if (error_) return *this;
  auto value = get();
  if (!value) {
    error_ = std::move(value).error();
  } else if (*value) {
    slot = std::move(**value);
  }
  return *this;
}

template <class T, class Parse>
KeyReader& KeyReader::quantity(std::string_view key, Parse parse, std::string_view expected,
                               std::optional<T>& slot) {
  return read(slot, [&] { return table_.quantity<T>(key, parse, expected); });
}

}  // namespace upgate::api

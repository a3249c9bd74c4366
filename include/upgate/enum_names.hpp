// An enum's names as one table, a row a value, where the names serve twice: to_string and
// the parser of the same word read one table, or each value carries several things (a name
// and an HTTP status, a code and a sentence) that would otherwise be parallel switches.
// Header-only and free of dependencies, like text.hpp, so the stand-alone sigv4 library
// uses it too.
//
//   constexpr EnumName<Color> kColorNames[] = {{Color::red, "red"}, {Color::blue, "blue"}};
//   std::string_view to_string(Color c) { return name_of(kColorNames, c, "red"); }
//   std::optional<Color> parse_color(std::string_view s) { return value_named(kColorNames, s); }
//
// A row struct of one's own (a `value` member first) is read with row_of(). Beside each
// table, static_assert each_value_once() and, where the enum has a count or a known last
// value, std::size(table) against it: that is the check -Wswitch makes of a switch. A plain
// to_string that nothing parses stays a switch.
#pragma once

#include <cstddef>
#include <iterator>
#include <optional>
#include <string_view>

namespace upgate {

template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

// The row of `value`, or nullptr when the table does not list it.
template <class Row, std::size_t N, class E>
constexpr const Row* row_of(const Row (&table)[N], E value) noexcept {
  for (const Row& row : table) {
    if (row.value == value) return &row;
  }
  return nullptr;
}

// The name of `value`; `fallback` for a value the table does not list (a cast integer).
template <class E, std::size_t N>
constexpr std::string_view name_of(const EnumName<E> (&table)[N], E value,
                                   std::string_view fallback) noexcept {
  const EnumName<E>* row = row_of(table, value);
  return row ? row->name : fallback;
}

// The value named exactly `name`, if any.
template <class E, std::size_t N>
constexpr std::optional<E> value_named(const EnumName<E> (&table)[N],
                                       std::string_view name) noexcept {
  for (const EnumName<E>& row : table) {
    if (row.name == name) return row.value;
  }
  return std::nullopt;
}

// True when no value stands in two rows: static_assert it beside each table.
template <class Row, std::size_t N>
constexpr bool each_value_once(const Row (&table)[N]) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    for (std::size_t j = i + 1; j < N; ++j) {
      if (table[i].value == table[j].value) return false;
    }
  }
  return true;
}

}  // namespace upgate

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
// value, std::size(table) against it: that is the check -Wswitch makes of a switch.
//
// An enum whose values run 0, 1, 2, ... as declared and that has nothing but a name a value
// reads its names from an array in that order, one name a value, and parses them back:
//
//   constexpr std::string_view kColorNames[] = {"red", "green", "blue"};
//   static_assert(names_through(kColorNames, Color::blue));
//   std::string_view to_string(Color c) { return name_at(kColorNames, c, "red"); }
//   std::optional<Color> parse_color(std::string_view s) {
//     return value_at_name<Color>(kColorNames, s);
//   }
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

// names[value]; `fallback` past the end (a cast integer).
template <class E, std::size_t N>
constexpr std::string_view name_at(const std::string_view (&names)[N], E value,
                                   std::string_view fallback) noexcept {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : fallback;
}

// The value whose name in `names` (an array name_at reads) is `name`, if any.
template <class E, std::size_t N>
constexpr std::optional<E> value_at_name(const std::string_view (&names)[N],
                                         std::string_view name) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

// True when `names` has one name for each value from the first to `last`: static_assert it
// beside each names array, `last` being the enum's last value.
template <class E, std::size_t N>
constexpr bool names_through(const std::string_view (&)[N], E last) noexcept {
  return N == static_cast<std::size_t>(last) + 1;
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

// upgate::config::first_of: "the first source that has it", the one precedence rule of
// every setting upgate reads.
//
// A setting's sources are listed highest precedence first: a flag, an UPGATE_*
// variable, a key of upgate.toml, an AWS_* variable, the AWS profile. The first that
// has a value gives it, and the value keeps the name of its source ("--listen",
// "UPGATE_LISTEN", "server.listen"), because that is what an error about it blames:
//
//   auto listen = first_of(from(flags.listen, "--listen"), variable(env, "UPGATE_LISTEN"),
//                          from(file.server.listen, "server.listen"));
//
// A variable that must be read as another type (variable(env, name, parse, why)) can be
// set yet unreadable. first_of then returns an Expected, failing with `why` and the
// variable's name only when no higher source has the setting: a flag overrides a
// malformed variable as it overrides a well-formed one. Without such a source the
// result is a plain std::optional. An empty variable counts as unset
// (Environment::get).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "upgate/config/config_error.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/expected.hpp"

namespace upgate::config {

// A setting's value and the name of the source it came from.
template <class T>
struct Sourced {
  T value;
  std::string field;
};

// One source of a setting: its value, none when it does not set it.
template <class T>
struct Source {
  using value_type = T;
  std::optional<T> value;
  std::string field;
};

// A source that may hold something that is not a T (a variable's text), and why not.
template <class T>
struct ReadSource {
  using value_type = T;
  std::optional<T> value;
  std::string field;
  std::optional<std::string> unreadable;
};

template <class T>
Source<T> from(std::optional<T> value, std::string_view name) {
  return Source<T>{std::move(value), std::string(name)};
}

// An earlier choice (a setting the caller already merged) as one source of a later one.
template <class T>
Source<T> from(std::optional<Sourced<T>> chosen) {
  if (!chosen) return Source<T>{};
  return Source<T>{std::move(chosen->value), std::move(chosen->field)};
}

// An environment variable as text.
inline Source<std::string> variable(const Environment& env, std::string_view name) {
  return from(env.get(name), name);
}

// An environment variable converted by `convert` (text -> T), which always succeeds.
template <class Convert>
auto variable(const Environment& env, std::string_view name, Convert convert) {
  using T = std::invoke_result_t<Convert, std::string_view>;
  const std::optional<std::string> text = env.get(name);
  return from(text ? std::optional<T>(convert(*text)) : std::nullopt, name);
}

// An environment variable read by `parse` (text -> std::optional<T>); `why` is the error
// when it is set but `parse` refuses it ("must be on or off").
template <class Parse>
auto variable(const Environment& env, std::string_view name, Parse parse, std::string_view why) {
  using T = typename std::invoke_result_t<Parse, std::string_view>::value_type;
  ReadSource<T> out{std::nullopt, std::string(name), std::nullopt};
  if (const std::optional<std::string> text = env.get(name)) {
    out.value = parse(*text);
    if (!out.value) out.unreadable = std::string(why);
  }
  return out;
}

namespace detail {

template <class S>
inline constexpr bool may_be_unreadable = false;
template <class T>
inline constexpr bool may_be_unreadable<ReadSource<T>> = true;

// Takes `s` when nothing was chosen yet and it has the setting (or cannot be read).
template <class T, class S>
void consider(std::optional<Sourced<T>>& chosen, std::optional<ConfigError>& error, S&& s) {
  if (chosen || error) return;
  if constexpr (may_be_unreadable<std::decay_t<S>>) {
    if (s.unreadable) {
      error = ConfigError{s.field, *s.unreadable};
      return;
    }
  }
  if (s.value) chosen = Sourced<T>{std::move(*s.value), std::move(s.field)};
}

}  // namespace detail

// The first of `sources` that has the setting, or nullopt when none does; an Expected
// of that when one of them may be unreadable (see above).
template <class First, class... Rest>
auto first_of(First first, Rest... rest) {
  using T = typename First::value_type;
  static_assert((std::is_same_v<T, typename Rest::value_type> && ...),
                "every source of a setting has the same type");
  std::optional<Sourced<T>> chosen;
  std::optional<ConfigError> error;
  detail::consider(chosen, error, std::move(first));
  (detail::consider(chosen, error, std::move(rest)), ...);
  if constexpr ((detail::may_be_unreadable<First> || ... || detail::may_be_unreadable<Rest>)) {
    using Result = Expected<std::optional<Sourced<T>>, ConfigError>;
    if (error) return Result(Unexpected(std::move(*error)));
    return Result(std::move(chosen));
  } else {
    return chosen;
  }
}

}  // namespace upgate::config

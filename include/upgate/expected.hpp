// upgate::Expected<T, E>: a value or the reason there is none.
//
// The project's one error style where failure is expected (parsing, validation,
// signature verification): functions return Expected and never throw for bad
// input. Exceptions are kept for the truly exceptional (out of memory, a broken
// invariant). C++23's std::expected is not available in C++20 on g++ 12, so this
// is the small subset the project uses, spelled the same way so a later switch
// is a rename.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace upgate {

template <class E>
class Unexpected {
 public:
  explicit Unexpected(E error) : error_(std::move(error)) {}
  E& error() & { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_;
};

template <class E>
Unexpected(E) -> Unexpected<E>;

template <class T, class E>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  template <class G>
  Expected(Unexpected<G> u)  // NOLINT
      : state_(std::in_place_index<1>, std::move(u).error()) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return assert(has_value()), std::get<0>(state_); }
  const T& value() const& { return assert(has_value()), std::get<0>(state_); }
  T&& value() && { return assert(has_value()), std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  E& error() & { return assert(!has_value()), std::get<1>(state_); }
  const E& error() const& { return assert(!has_value()), std::get<1>(state_); }
  E&& error() && { return assert(!has_value()), std::get<1>(std::move(state_)); }

 private:
  std::variant<T, E> state_;
};

// Expected<void, E>: success carries nothing.
template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  template <class G>
  Expected(Unexpected<G> u) : error_(std::move(u).error()), failed_(true) {}  // NOLINT

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  E& error() & { return assert(failed_), error_; }
  const E& error() const& { return assert(failed_), error_; }
  E&& error() && { return assert(failed_), std::move(error_); }

 private:
  E error_{};
  bool failed_ = false;
};

}  // namespace upgate

// RateLimit-Policy, RateLimit and Retry-After values as Structured Fields.
#include "upgate/limits/ratelimit_headers.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace upgate::limits {
namespace {

constexpr std::uint64_t kMaxSfInteger = 999'999'999'999'999;

// The bytes an sf-string holds as they are: printable ASCII but '"' and '\\'.
constexpr std::array<bool, 256> kPlainSfChar = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c <= 0x7e; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

std::string_view quota_unit(LimitKind kind) {
  switch (kind) {
    case LimitKind::quota:
      return "content-bytes";
    case LimitKind::open_uploads:
      return "concurrent-requests";
    case LimitKind::rate:
      break;
  }
  return {};
}

// Writes a field value into a string sized beforehand for the worst case, then trimmed:
// these values go out on every limited answer, and appending to a std::string a piece
// at a time (a capacity check per character) cost more than the limiter's decision.
class FieldWriter {
 public:
  // Room for `states` members naming `names` bytes of policy in all.
  FieldWriter(std::string& out, std::size_t names, std::size_t states) : out_(out) {
    // Per member: ", ", the quoted name (each byte escaped at worst), two integer
    // parameters of 18 bytes at most (";q=" and 15 digits) and the longest unit
    // (";qu=\"concurrent-requests\"", 25 bytes).
    out_.resize(2 * names + states * (2 + 2 + 2 * 18 + 25));
    at_ = out_.data();
  }
  ~FieldWriter() { out_.resize(static_cast<std::size_t>(at_ - out_.data())); }
  FieldWriter(const FieldWriter&) = delete;
  FieldWriter& operator=(const FieldWriter&) = delete;

  // ", " before every member but the first, then the name as an sf-string.
  void member(std::string_view name) {
    if (at_ != out_.data()) put(", ");
    *at_++ = '"';
    bool plain = true;
    for (const char c : name) plain &= kPlainSfChar[static_cast<unsigned char>(c)];
    if (plain) {
      put(name);  // the usual case: a policy name needs no escape
    } else {
      for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
          *at_++ = '\\';
          *at_++ = c;
        } else {
          *at_++ = u < 0x20 || u > 0x7e ? '?' : c;
        }
      }
    }
    *at_++ = '"';
  }
  // ";<name>=<integer>", the name one letter.
  void param(char name, std::uint64_t value) {
    *at_++ = ';';
    *at_++ = name;
    *at_++ = '=';
    at_ = std::to_chars(at_, at_ + 20, std::min(value, kMaxSfInteger)).ptr;
  }
  void put(std::string_view text) {
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }

 private:
  std::string& out_;
  char* at_;
};

// The RateLimit-Policy value says what the policies are (names, kinds, limits, windows),
// not what is left of them: the same for every request a profile answers. The last one
// written on this thread is kept with the policies it was written from, and a decision
// whose policies are those gets a copy instead of a new one.
class PolicyMemo {
 public:
  const std::string& value_for(const std::vector<LimitState>& limits, std::size_t names) {
    if (!same_policies(limits)) {
      policies_.assign(limits.begin(), limits.end());
      value_.clear();
      FieldWriter policy(value_, names, limits.size());
      for (const LimitState& state : limits) {
        policy.member(state.policy);
        policy.param('q', state.limit);
        if (const std::string_view unit = quota_unit(state.kind); !unit.empty()) {
          policy.put(";qu=\"");
          policy.put(unit);
          policy.put("\"");
        }
        if (state.window_seconds) policy.param('w', *state.window_seconds);
      }
    }
    return value_;
  }

 private:
  bool same_policies(const std::vector<LimitState>& limits) const {
    if (limits.size() != policies_.size()) return false;
    for (std::size_t i = 0; i < limits.size(); ++i) {
      const LimitState& a = limits[i];
      const LimitState& b = policies_[i];
      if (a.kind != b.kind || a.limit != b.limit || a.window_seconds != b.window_seconds ||
          a.policy != b.policy) {
        return false;
      }
    }
    return true;
  }

  std::vector<LimitState> policies_;  // only the fields the value is written from matter
  std::string value_;
};

thread_local PolicyMemo t_policy_memo;

}  // namespace

RateLimitFields ratelimit_fields(const Decision& decision) {
  RateLimitFields fields;
  std::size_t names = 0;
  for (const LimitState& state : decision.limits) names += state.policy.size();
  if (!decision.limits.empty()) fields.policy = t_policy_memo.value_for(decision.limits, names);
  {
    FieldWriter ratelimit(fields.ratelimit, names, decision.limits.size());
    for (const LimitState& state : decision.limits) {
      ratelimit.member(state.policy);
      ratelimit.param('r', state.remaining);
      if (state.reset_seconds) ratelimit.param('t', *state.reset_seconds);
    }
  }
  if (!decision.allowed && decision.reason != Reason::store_unavailable) {
    fields.retry_after = std::to_string(decision.retry_after_seconds);
  }
  return fields;
}

}  // namespace upgate::limits

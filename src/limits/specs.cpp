// Parsing the rate, quota and open-uploads limits of upgate.toml.
#include "upgate/limits/specs.hpp"

#include "digits.hpp"

#include <upgate/config/units.hpp>
#include <upgate/text.hpp>

#include <array>
#include <utility>

namespace upgate::limits {
namespace {

using std::chrono::seconds;

struct PeriodName {
  std::string_view spelling;
  seconds period;
};

constexpr std::array<PeriodName, 9> kRatePeriods = {{
    {"s", seconds(1)},
    {"sec", seconds(1)},
    {"second", seconds(1)},
    {"min", seconds(60)},
    {"minute", seconds(60)},
    {"h", seconds(3600)},
    {"hour", seconds(3600)},
    {"d", seconds(86400)},
    {"day", seconds(86400)},
}};

std::optional<seconds> find_period(std::string_view unit, bool rate) {
  for (const auto& p : kRatePeriods) {
    if (!rate && p.period < seconds(3600)) continue;
    if (text::iequals(unit, p.spelling)) return p.period;
  }
  return std::nullopt;
}

std::string quoted(std::string_view value) {
  std::string out = "\"";
  for (const char c : value) {
    // Control bytes would garble the one-line message a person reads.
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  out += '"';
  return out;
}

// Splits "<amount>/<unit>" at its one slash, trimming spaces around both halves.
std::optional<std::pair<std::string_view, std::string_view>> split_per(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || text.find('/', slash + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return std::pair{text::trim(text.substr(0, slash)), text::trim(text.substr(slash + 1))};
}

// `spec`, a `what` ("rate") written as `form` ("<count>/<period>", `units` naming the
// periods, `example` one such spec), split by split_per; refused when empty or not so.
Expected<std::pair<std::string_view, std::string_view>, std::string> split_spec(
    std::string_view spec, std::string_view what, std::string_view form, std::string_view units,
    std::string_view example) {
  const std::string_view text = text::trim(spec);
  const std::string e_g = "e.g. \"" + std::string(example) + "\"";
  if (text.empty()) {
    return Unexpected(std::string(what) + " is empty: write it as \"" + std::string(form) + "\", " +
                      e_g);
  }
  const auto parts = split_per(text);
  if (!parts) {
    return Unexpected(std::string(what) + " " + quoted(spec) + " is not \"" + std::string(form) +
                      "\" (" + std::string(units) + "), " + e_g);
  }
  return *parts;
}

}  // namespace

std::chrono::microseconds RateSpec::emission_interval() const noexcept {
  if (count == 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(std::chrono::microseconds(period).count() /
                                   static_cast<std::int64_t>(count));
}

std::chrono::microseconds RateSpec::capacity() const noexcept {
  return emission_interval() * static_cast<std::int64_t>(burst);
}

Expected<RateSpec, std::string> parse_rate(std::string_view rate,
                                           std::optional<std::int64_t> burst) {
  const auto parts =
      split_spec(rate, "rate", "<count>/<period>", "period s, min, h or day", "60/min");
  if (!parts) return Unexpected(parts.error());
  const auto count = detail::parse_digits(parts->first, 19);
  if (!count) {
    return Unexpected("rate " + quoted(rate) + ": " + quoted(parts->first) +
                      " is not a whole number of requests");
  }
  if (*count == 0 || *count > kMaxRateCount) {
    return Unexpected("rate " + quoted(rate) + ": the count must be between 1 and " +
                      std::to_string(kMaxRateCount));
  }
  const auto period = find_period(parts->second, /*rate=*/true);
  if (!period) {
    return Unexpected("rate " + quoted(rate) + ": unknown period " + quoted(parts->second) +
                      " (use s, min, h or day)");
  }
  RateSpec spec{*count, *period, *count};
  if (std::chrono::microseconds(*period).count() < static_cast<std::int64_t>(*count)) {
    return Unexpected("rate " + quoted(rate) +
                      ": more than one request per microsecond cannot be limited");
  }
  if (burst) {
    if (*burst < 1 || static_cast<std::uint64_t>(*burst) > kMaxBurst) {
      return Unexpected("burst " + std::to_string(*burst) + " must be between 1 and " +
                        std::to_string(kMaxBurst));
    }
    spec.burst = static_cast<std::uint64_t>(*burst);
  }
  if (spec.capacity() > kMaxBucketDepth) {
    return Unexpected("rate " + quoted(rate) + " with burst " + std::to_string(spec.burst) +
                      " takes more than 366 days to refill; lower the burst");
  }
  return spec;
}

Expected<QuotaSpec, std::string> parse_quota(std::string_view quota) {
  const auto parts = split_spec(quota, "quota", "<size>/<window>", "window h or day", "10 GiB/day");
  if (!parts) return Unexpected(parts.error());
  const auto bytes = config::parse_byte_size(parts->first);
  if (!bytes) {
    return Unexpected(
        "quota " + quoted(quota) + ": " + quoted(parts->first) +
        " is not a size (a whole number with B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)");
  }
  if (*bytes == 0 || *bytes > kMaxQuotaBytes) {
    return Unexpected("quota " + quoted(quota) + ": the size must be between 1 byte and " +
                      std::to_string(kMaxQuotaBytes) + " bytes");
  }
  const auto window = find_period(parts->second, /*rate=*/false);
  if (!window) {
    return Unexpected("quota " + quoted(quota) + ": unknown window " + quoted(parts->second) +
                      " (use h or day)");
  }
  return QuotaSpec{*bytes, *window};
}

Expected<OpenUploadsSpec, std::string> parse_max_open_uploads(std::int64_t max) {
  if (max < 1 || max > static_cast<std::int64_t>(kMaxOpenUploads)) {
    return Unexpected("max_open_uploads " + std::to_string(max) + " must be between 1 and " +
                      std::to_string(kMaxOpenUploads));
  }
  return OpenUploadsSpec{static_cast<std::uint32_t>(max)};
}

std::string_view period_name(std::chrono::seconds period) noexcept {
  switch (period.count()) {
    case 1:
      return "second";
    case 60:
      return "minute";
    case 3600:
      return "hour";
    case 86400:
      return "day";
    default:
      return "period";
  }
}

std::string to_string(const RateSpec& spec) {
  std::string_view unit = "s";
  if (spec.period == seconds(60)) unit = "min";
  if (spec.period == seconds(3600)) unit = "h";
  if (spec.period == seconds(86400)) unit = "day";
  std::string out = std::to_string(spec.count) + "/" + std::string(unit);
  if (spec.burst != spec.count) out += ", burst " + std::to_string(spec.burst);
  return out;
}

std::string to_string(const QuotaSpec& spec) {
  return config::format_byte_size(spec.bytes) + "/" + (spec.window == seconds(3600) ? "h" : "day");
}

}  // namespace upgate::limits

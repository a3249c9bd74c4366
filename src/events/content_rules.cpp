#include "upgate/events/content_rules.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "upgate/enum_names.hpp"
#include "upgate/text.hpp"

namespace upgate::events {
namespace {

using namespace std::string_view_literals;

constexpr std::array<std::pair<std::string_view, std::string_view>, 27> kAliases{{
    {"image/jpg", "image/jpeg"},
    {"image/pjpeg", "image/jpeg"},
    {"image/x-png", "image/png"},
    {"image/x-ms-bmp", "image/bmp"},
    {"image/x-bmp", "image/bmp"},
    {"image/vnd.microsoft.icon", "image/x-icon"},
    {"application/x-pdf", "application/pdf"},
    {"application/x-zip", "application/zip"},
    {"application/x-zip-compressed", "application/zip"},
    {"text/xml", "application/xml"},
    {"application/javascript", "text/javascript"},
    {"application/x-javascript", "text/javascript"},
    {"audio/mp3", "audio/mpeg"},
    {"audio/x-mp3", "audio/mpeg"},
    {"audio/x-wav", "audio/wav"},
    {"audio/wave", "audio/wav"},
    {"audio/x-flac", "audio/flac"},
    {"application/x-gzip", "application/gzip"},
    {"application/csv", "text/csv"},
    {"text/x-csv", "text/csv"},
    {"text/yaml", "application/yaml"},
    {"text/x-yaml", "application/yaml"},
    {"application/x-yaml", "application/yaml"},
    {"text/x-markdown", "text/markdown"},
    {"application/cdfv2", "application/x-ole-storage"},
    {"application/vnd.ms-office", "application/x-ole-storage"},
    {"audio/vnd.wave", "audio/wav"},
}};

bool one_of(std::string_view value, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

bool is_json(std::string_view t) {
  return t == "application/json" || t.ends_with("+json") || t == "application/x-ndjson";
}

bool is_xml(std::string_view t) {
  return t == "application/xml" || t.ends_with("+xml");
}

bool is_textual(std::string_view t) {
  return t.starts_with("text/") || is_json(t) || is_xml(t) ||
         one_of(t, {"application/yaml", "application/sql", "application/toml"});
}

bool is_zip_family(std::string_view t) {
  return t.starts_with("application/vnd.openxmlformats-officedocument.") ||
         t.starts_with("application/vnd.oasis.opendocument.") || t.ends_with("+zip") ||
         one_of(t, {"application/java-archive", "application/vnd.android.package-archive"});
}

bool is_ole2_office(std::string_view t) {
  return one_of(t,
                {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
                 "application/vnd.ms-outlook", "application/vnd.visio"});
}

bool is_iso_media(std::string_view t) {
  return one_of(
      t, {"video/mp4", "video/quicktime", "video/3gpp", "video/x-m4v", "audio/mp4", "audio/x-m4a"});
}

bool is_ogg(std::string_view t) {
  return one_of(t, {"audio/ogg", "video/ogg", "application/ogg"});
}

// Types libmagic recognises from their bytes: for these, "no format found" is a mismatch.
bool recognisable(std::string_view t) {
  if (t.starts_with("image/") || t.starts_with("audio/") || t.starts_with("video/") ||
      t.starts_with("font/") || t.starts_with("text/")) {
    return true;
  }
  return is_json(t) || is_xml(t) || is_zip_family(t) || is_ole2_office(t) || is_ogg(t) ||
         one_of(t, {"application/pdf", "application/zip", "application/x-ole-storage",
                    "application/gzip", "application/x-tar", "application/x-7z-compressed",
                    "application/x-rar", "application/vnd.rar", "application/wasm",
                    "application/vnd.sqlite3", "application/x-sqlite3", "application/postscript",
                    "application/x-bzip2", "application/x-xz", "application/zstd"});
}

bool generic_detection(std::string_view t) {
  return one_of(t, {"text/plain", "application/octet-stream", "application/x-empty",
                    "application/zip", "application/x-ole-storage", "application/xml"});
}

}  // namespace

constexpr EnumName<VerifyContent> kVerifyContentNames[] = {
    {VerifyContent::kOff, "off"},
    {VerifyContent::kDeclared, "declared"},
    {VerifyContent::kStrict, "strict"},
};

std::string_view to_string(VerifyContent mode) {
  return name_of(kVerifyContentNames, mode, "off");
}

std::optional<VerifyContent> parse_verify_content(std::string_view text) {
  return value_named(kVerifyContentNames, text);
}

std::string media_type_essence(std::string_view content_type) {
  const std::string_view essence = text::trim(content_type.substr(0, content_type.find(';')));
  const auto slash = essence.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == essence.size() ||
      essence.find('/', slash + 1) != std::string_view::npos) {
    return {};
  }
  for (char c : essence) {
    if (text::is_space(c) || static_cast<unsigned char>(c) < 0x21 ||
        static_cast<unsigned char>(c) > 0x7e) {
      return {};
    }
  }
  return text::lower(essence);
}

std::string canonical_media_type(std::string_view content_type) {
  std::string essence = media_type_essence(content_type);
  for (const auto& [alias, name] : kAliases) {
    if (essence == alias) return std::string(name);
  }
  return essence;
}

bool content_compatible(std::string_view declared_type, std::string_view detected_type) {
  const std::string declared = canonical_media_type(declared_type);
  const std::string detected = canonical_media_type(detected_type);
  if (declared.empty() || detected.empty()) return false;
  if (declared == detected) return true;                                 // 1
  if (declared == "application/octet-stream") return true;               // 2
  if (detected == "text/plain" && is_textual(declared)) return true;     // 3
  if (declared == "text/plain" && is_textual(detected)) return true;     // 4
  if (is_json(declared) && detected == "application/json") return true;  // 5
  if (is_xml(declared) && detected == "application/xml") return true;    // 6
  if (declared == "text/html" && detected == "application/xml") return true;
  if (is_zip_family(declared) && detected == "application/zip") return true;             // 7
  if (is_ole2_office(declared) && detected == "application/x-ole-storage") return true;  // 8
  if (is_iso_media(declared) && is_iso_media(detected)) return true;                     // 9
  if (is_ogg(declared) && is_ogg(detected)) return true;
  if (detected == "application/octet-stream" || detected == "application/x-empty") {  // 10
    if (!recognisable(declared)) return true;
    if (detected == "application/x-empty" && is_textual(declared)) return true;
  }
  return false;
}

ContentCheck check_content(VerifyContent mode, std::string_view declared, std::string_view detected,
                           const TypeAllowed& allowed) {
  if (mode == VerifyContent::kOff) return {};
  const std::string shown_declared = media_type_essence(declared);
  const std::string shown_detected = media_type_essence(detected);
  if (!content_compatible(declared, detected)) {
    return {false, "the bytes are " +
                       (shown_detected.empty() ? "of no known type" : shown_detected) + ", not " +
                       (shown_declared.empty() ? "the declared type" : shown_declared)};
  }
  if (mode == VerifyContent::kStrict) {
    const std::string canonical = canonical_media_type(detected);
    const bool ok =
        generic_detection(canonical)
            ? allowed && (allowed(shown_declared) || allowed(canonical_media_type(declared)))
            : allowed && (allowed(shown_detected) || allowed(canonical));
    if (!ok) {
      return {false, "the bytes are " + shown_detected + ", which this profile does not allow"};
    }
  }
  return {};
}

}  // namespace upgate::events

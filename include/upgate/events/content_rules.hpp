// Is what libmagic saw in an object the kind of thing its uploader declared? The profile's
// `verify_content`:
//   "off"       nothing is checked
//   "declared"  the detected type must be compatible with the declared Content-Type
//   "strict"    that, and the detected type must also be one the profile allows
//
// Compatibility (content_compatible), on media type essences ("type/subtype", lower-case,
// parameters dropped), after mapping aliases to one name on both sides:
//   image/jpg, image/pjpeg -> image/jpeg; image/x-png -> image/png; image/x-ms-bmp,
//   image/x-bmp -> image/bmp; image/vnd.microsoft.icon -> image/x-icon;
//   application/x-pdf -> application/pdf; application/x-zip(-compressed) -> application/zip;
//   text/xml -> application/xml; application/(x-)javascript -> text/javascript;
//   audio/mp3, audio/x-mp3 -> audio/mpeg; audio/x-wav, audio/wave -> audio/wav;
//   audio/x-flac -> audio/flac; application/x-gzip -> application/gzip;
//   application/csv, text/x-csv -> text/csv; text/yaml, text/x-yaml, application/x-yaml ->
//   application/yaml; text/x-markdown -> text/markdown; application/cdfv2,
//   application/vnd.ms-office -> application/x-ole-storage
// and then compatible when:
//   1. the two are equal;
//   2. declared is application/octet-stream ("some bytes": anything is);
//   3. detected is text/plain and declared is textual: text/*, application/json, */*+json,
//      application/xml, */*+xml (image/svg+xml too), application/yaml, text/javascript,
//      application/x-ndjson, application/sql, application/toml (libmagic calls plain JSON,
//      CSV, Markdown, YAML and much else text/plain);
//   4. declared is text/plain and detected is textual (text served as text/plain is inert,
//      whatever it is: HTML, JSON, SVG);
//   5. declared is JSON (application/json, */*+json, application/x-ndjson) and detected is
//      application/json;
//   6. declared is XML (application/xml, */*+xml) and detected is application/xml, or
//      declared is image/svg+xml and detected image/svg+xml; declared text/html and detected
//      application/xml (XHTML). An HTML document is NOT an SVG: detected text/html for a
//      declared image/svg+xml is a mismatch;
//   7. declared is a ZIP-based format (application/vnd.openxmlformats-officedocument.*,
//      application/vnd.oasis.opendocument.*, application/epub+zip, application/java-archive,
//      application/vnd.android.package-archive, */*+zip) and detected is application/zip;
//   8. declared is an OLE2 office format (application/msword, application/vnd.ms-excel,
//      application/vnd.ms-powerpoint, application/vnd.ms-outlook, application/vnd.visio)
//      and detected is application/x-ole-storage;
//   9. both are ISO base media (video/mp4, video/quicktime, video/3gpp, video/x-m4v,
//      audio/mp4, audio/x-m4a), or both Ogg (audio/ogg, video/ogg, application/ogg);
//  10. detected is application/octet-stream or application/x-empty (libmagic knows no
//      format in the bytes, or there are none) and declared is a type libmagic cannot
//      recognise anyway: not image/*, audio/*, video/*, font/*, text/*, nor one of the
//      formats above (PDF, ZIP and its family, OLE2, gzip, tar, 7z, rar, JSON, XML,
//      wasm, SQLite). A short or empty "image/png" is therefore a mismatch; an empty
//      text/* is not (rule 10b: x-empty is compatible with textual declared types).
// Everything else is a mismatch: a PNG declared as image/jpeg or as application/pdf, an
// HTML page declared as image/png, a PDF declared as text/plain.
//
// Strict mode adds: allowed(detected) for a specific detection; when the detection is
// generic (text/plain, application/octet-stream, application/x-empty, application/zip,
// application/x-ole-storage, application/xml), libmagic cannot name the format more
// precisely, so allowed(declared) stands in for it. `allowed` is the profile's type rule
// (the API passes its MediaTypePattern matching); it receives essences as above.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::events {

enum class VerifyContent : std::uint8_t { kOff, kDeclared, kStrict };
// "off", "declared", "strict"; nullopt otherwise.
std::optional<VerifyContent> parse_verify_content(std::string_view text);
std::string_view to_string(VerifyContent mode);

// "Type/Sub; charset=x" -> "type/sub"; empty when `content_type` is not type/subtype.
std::string media_type_essence(std::string_view content_type);
// The essence with the aliases above applied.
std::string canonical_media_type(std::string_view content_type);

bool content_compatible(std::string_view declared, std::string_view detected);

using TypeAllowed = std::function<bool(std::string_view essence)>;

struct ContentCheck {
  bool ok = true;
  std::string detail;  // why not, one line naming both types
};

ContentCheck check_content(VerifyContent mode, std::string_view declared, std::string_view detected,
                           const TypeAllowed& allowed);

}  // namespace upgate::events

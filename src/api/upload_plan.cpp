// The upload policy: profile rules, name sanitising, key naming, headers to sign.
#include "upgate/api/upload_plan.hpp"

#include <algorithm>

#include "upgate/api/active_content.hpp"
#include "upgate/api/file_name.hpp"
#include "upgate/api/media_type.hpp"
#include "upgate/config/units.hpp"
#include "upgate/sigv4/crypto.hpp"

namespace upgate::api {
namespace {

struct FieldNames {
  std::string_view profile, file_name, content_type, size;
};

}  // namespace

Expected<UploadPlan, ApiError> plan_upload(const UploadRequest& request, UploadRoute route,
                                           const ResolvedProfile& resolved, const Caller& caller,
                                           std::chrono::sys_seconds now,
                                           const std::array<std::uint8_t, 16>& id) {
  const FieldNames fields = route == UploadRoute::seed
                                ? FieldNames{"folderName", "fileName", "fileType", "fileSize"}
                                : FieldNames{"profile", "fileName", "contentType", "size"};
  const UploadProfile& profile = *resolved.profile;

  const std::uint64_t max_size = caller.limits.max_size_under(profile.max_size);
  if (request.size > max_size) {
    // The seed's wording, with this caller's limit.
    return fail(ErrorCode::file_too_large,
                "File size exceeds " + config::format_byte_size(max_size) + " limit",
                std::string(fields.size));
  }

  const auto media_type = parse_media_type(request.content_type);
  if (!media_type) {
    return fail(ErrorCode::invalid_content_type,
                std::string(fields.content_type) + " must be a media type such as image/png",
                std::string(fields.content_type));
  }
  if (!profile.allows_type(*media_type)) {
    return fail(
        ErrorCode::content_type_not_allowed,
        "this upload profile does not accept " + media_type->type + "/" + media_type->subtype,
        std::string(fields.content_type));
  }
  if (!caller.limits.allows_type(*media_type)) {
    return fail(
        ErrorCode::content_type_not_allowed,
        "your account may not upload " + media_type->type + "/" + media_type->subtype + " here",
        std::string(fields.content_type));
  }

  const auto name = sanitize_file_name(request.file_name);
  if (!name) {
    return fail(ErrorCode::invalid_file_name, "fileName has no usable characters", "fileName");
  }
  if (is_active_media_type(*media_type) && !is_active_extension(name->extension)) {
    // The key must say the object is active, so its download is never inline.
    return fail(ErrorCode::content_type_not_allowed,
                media_type->type + "/" + media_type->subtype +
                    " is active content (HTML, SVG, XML or JavaScript): the file name must end "
                    "in one of its extensions (.html, .svg, .xml, .js, ...)",
                std::string(fields.content_type));
  }
  if (!profile.allows_extension(name->extension)) {
    return fail(ErrorCode::extension_not_allowed,
                name->extension.empty()
                    ? std::string("this upload profile requires a file extension")
                    : "this upload profile does not accept ." + name->extension + " files",
                "fileName");
  }

  std::string checksum;
  if (!request.sha256_base64.empty()) {
    std::string digest;
    if (!sigv4::base64_decode(request.sha256_base64, digest) || digest.size() != 32) {
      return fail(ErrorCode::invalid_checksum, "sha256 must be the base64 of 32 bytes", "sha256");
    }
    checksum = request.sha256_base64;
  }

  auto key = profile.key_template.render(
      KeyParts{resolved.folder, name->name, name->extension, now, id, caller.principal.get()});
  if (!key) {
    switch (key.error().reason) {
      case RenderError::Reason::no_principal:
        // A profile that takes anonymous callers (auth = "optional") but whose keys name
        // the principal: only a caller with one can have a key.
        return fail(ErrorCode::authentication_required,
                    "this upload profile names its keys after the caller: sign in first", "");
      case RenderError::Reason::missing_claim: {
        ApiError error =
            make_error(ErrorCode::access_denied,
                       "this upload profile names its keys after the claim '" + key.error().claim +
                           "', which your credentials do not carry as a string",
                       "");
        error.reason = "missing_claim";
        return Unexpected(std::move(error));
      }
      case RenderError::Reason::invalid_key:
        break;
    }
    return fail(ErrorCode::internal_error, "the profile's key template produced an invalid key",
                "");
  }

  UploadPlan plan;
  plan.profile = &profile;
  plan.key = std::move(*key);
  plan.lifetime = profile.url_lifetime;
  plan.headers.reserve(4 + request.metadata.size());
  plan.headers.push_back({"Content-Type", request.content_type});
  plan.headers.push_back({"Content-Length", std::to_string(request.size)});
  if (route == UploadRoute::v1) {
    if (profile.overwrite_protection) plan.headers.push_back({"If-None-Match", "*"});
    if (!checksum.empty()) plan.headers.push_back({"x-amz-checksum-sha256", std::move(checksum)});
    for (const auto& [meta_name, value] : request.metadata) {
      plan.headers.push_back({"x-amz-meta-" + meta_name, value});
    }
  }
  return plan;
}

}  // namespace upgate::api

#include "upgate/events/completion_verdict.hpp"

#include "upgate/s3client/client_error.hpp"
#include "upgate/text.hpp"

namespace upgate::events {
namespace {

CompletionVerdict refuse(std::string reason, std::string detail) {
  CompletionVerdict verdict;
  verdict.accepted = false;
  verdict.reason = std::move(reason);
  verdict.detail = std::move(detail);
  return verdict;
}

}  // namespace

CompletionVerdict judge_completion(const DeclaredUpload& declared, const StoredObject& stored,
                                   std::string_view detected_type, VerifyContent mode,
                                   const TypeAllowed& allowed) {
  if (stored.size != declared.size) {
    return refuse("size_mismatch", "the object is " + std::to_string(stored.size) +
                                       " bytes, not the declared " + std::to_string(declared.size));
  }
  const std::string declared_type = media_type_essence(declared.content_type);
  const std::string stored_type = media_type_essence(stored.content_type);
  if (stored_type.empty() || stored_type != declared_type) {
    return refuse(
        "type_mismatch",
        "the object's Content-Type is " +
            (stored_type.empty() ? std::string("missing") : s3client::printable(stored_type, 100)) +
            ", not the declared " + s3client::printable(declared_type, 100));
  }
  bool verified = false;
  if (declared.checksum && stored.checksum &&
      text::iequals(declared.checksum->algorithm, stored.checksum->algorithm)) {
    const std::string& value = stored.checksum->value;
    const bool composite = value.find('-') != std::string::npos;
    if (!composite) {
      if (value != declared.checksum->value) {
        return refuse("checksum_mismatch", "the object's " +
                                               text::lower(declared.checksum->algorithm) +
                                               " checksum is not the declared one");
      }
      verified = true;
    }
  }
  if (mode != VerifyContent::kOff) {
    const ContentCheck check = check_content(mode, declared.content_type, detected_type, allowed);
    if (!check.ok) return refuse("content_mismatch", check.detail);
  }
  CompletionVerdict verdict;
  verdict.checksum_verified = verified;
  return verdict;
}

}  // namespace upgate::events

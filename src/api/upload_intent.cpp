// The names of the URL-issuing routes, and the intent of an upload request.
#include "upgate/api/upload_intent.hpp"

#include "upgate/api/upload_request.hpp"

namespace upgate::api {

std::string_view to_string(ApiRoute route) noexcept {
  switch (route) {
    case ApiRoute::seed:
      return "seed";
    case ApiRoute::uploads:
      return "uploads";
    case ApiRoute::downloads:
      return "downloads";
    case ApiRoute::multipart:
      return "multipart";
    case ApiRoute::uppy:
      return "uppy";
    case ApiRoute::sessions:
      return "sessions";
    case ApiRoute::completion:
      return "completion";
  }
  return "seed";
}

UploadIntent upload_intent(ApiRoute route, const UploadRequest& request,
                           std::string_view profile_field) {
  UploadIntent intent;
  intent.route = route;
  intent.profile = request.profile;
  intent.profile_field = profile_field;
  intent.file_name = request.file_name;
  intent.content_type = request.content_type;
  intent.size = request.size;
  return intent;
}

}  // namespace upgate::api

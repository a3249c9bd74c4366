// The names of the URL-issuing routes, and the intent of an upload request.
#include "upgate/api/upload_intent.hpp"

#include "upgate/api/upload_request.hpp"
#include "upgate/enum_names.hpp"

namespace upgate::api {

constexpr std::string_view kApiRouteNames[] = {"seed", "uploads",  "downloads", "multipart",
                                               "uppy", "sessions", "completion"};
static_assert(names_through(kApiRouteNames, ApiRoute::completion));

std::string_view to_string(ApiRoute route) noexcept {
  return name_at(kApiRouteNames, route, "seed");
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

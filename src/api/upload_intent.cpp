// The names of the URL-issuing routes.
#include "upgate/api/upload_intent.hpp"

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

}  // namespace upgate::api

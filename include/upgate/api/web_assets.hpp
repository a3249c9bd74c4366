// The demo page's files (web/), compiled into the binary at build time so `upgate serve`
// needs no files beside it. The list is empty when web/ holds nothing yet.
#pragma once

#include <string_view>
#include <vector>

namespace upgate::api {

struct EmbeddedFile {
  std::string_view path;   // "/index.html"
  std::string_view bytes;  // static data
};

const std::vector<EmbeddedFile>& embedded_web_files();

}  // namespace upgate::api

#include "upgate/api/prometheus_text.hpp"

namespace upgate::api {

void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
}

std::string label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  append_label_value(out, value);
  return out;
}

}  // namespace upgate::api

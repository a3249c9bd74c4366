// Indented JSON: containers laid out here, scalars written by Boost.JSON.
#include "pretty_json.hpp"

#include <boost/json/serialize.hpp>

namespace upgate::cli {
namespace {

namespace json = boost::json;

void write(std::string& out, const json::value& value, std::size_t depth) {
  const auto newline = [&out](std::size_t level) {
    out.push_back('\n');
    out.append(2 * level, ' ');
  };
  if (const json::object* object = value.if_object()) {
    if (object->empty()) {
      out.append("{}");
      return;
    }
    out.push_back('{');
    bool first = true;
    for (const auto& member : *object) {
      if (!first) out.push_back(',');
      first = false;
      newline(depth + 1);
      out.append(json::serialize(json::string_view(member.key()))).append(": ");
      write(out, member.value(), depth + 1);
    }
    newline(depth);
    out.push_back('}');
  } else if (const json::array* array = value.if_array()) {
    if (array->empty()) {
      out.append("[]");
      return;
    }
    out.push_back('[');
    bool first = true;
    for (const json::value& element : *array) {
      if (!first) out.push_back(',');
      first = false;
      newline(depth + 1);
      write(out, element, depth + 1);
    }
    newline(depth);
    out.push_back(']');
  } else {
    out.append(json::serialize(value));
  }
}

}  // namespace

std::string pretty_json(const json::value& value) {
  std::string out;
  write(out, value, 0);
  return out;
}

}  // namespace upgate::cli

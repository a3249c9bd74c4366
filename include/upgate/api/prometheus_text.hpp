// Prometheus text exposition format 0.0.4: the one label-value escaper for every metric
// upgate renders (ApiMetrics, the limiter, the webhooks).
#pragma once

#include <string>
#include <string_view>

namespace upgate::api {

// Appends `value` as the inside of a label value's quotes: backslash, double quote and
// line feed escaped (\\, \", \n), every other byte as it is.
void append_label_value(std::string& out, std::string_view value);
std::string label_value(std::string_view value);

}  // namespace upgate::api

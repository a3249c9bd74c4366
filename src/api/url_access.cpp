// The S3 access the upload API's URLs need, from the profiles.
#include "upgate/api/url_access.hpp"

#include <algorithm>

namespace upgate::api {

std::vector<std::string> UrlAccess::methods() const {
  std::vector<std::string> out{"PUT", "POST"};
  if (!download_prefixes.empty()) out.emplace_back("GET");
  return out;
}

std::vector<std::string> minimal_prefixes(std::vector<std::string> prefixes) {
  // Sorted, a prefix comes before everything it covers, so one pass keeps the minimal ones.
  std::sort(prefixes.begin(), prefixes.end());
  std::vector<std::string> out;
  for (std::string& prefix : prefixes) {
    if (!out.empty() && prefix.compare(0, out.back().size(), out.back()) == 0) continue;
    out.push_back(std::move(prefix));
  }
  return out;
}

UrlAccess url_access(const ProfileSet& profiles) {
  UrlAccess access;
  bool overwrite_protection = false;
  for (const UploadProfile& profile : profiles.profiles()) {
    std::string prefix;
    if (profile.any_folder) {
      access.unbounded_profiles.push_back(profile.name);
    } else {
      prefix = profile.key_template.fixed_prefix(profile.folder);
    }
    access.upload_prefixes.push_back(prefix);
    if (profile.downloads != DownloadsMode::off)
      access.download_prefixes.push_back(std::move(prefix));
    overwrite_protection = overwrite_protection || profile.overwrite_protection;
  }
  access.upload_prefixes = minimal_prefixes(std::move(access.upload_prefixes));
  access.download_prefixes = minimal_prefixes(std::move(access.download_prefixes));

  // The order plan_upload signs them in.
  access.browser_headers.emplace_back("Content-Type");
  if (overwrite_protection) access.browser_headers.emplace_back("If-None-Match");
  access.browser_headers.emplace_back("x-amz-checksum-sha256");
  access.browser_headers.emplace_back("x-amz-meta-*");
  return access;
}

}  // namespace upgate::api

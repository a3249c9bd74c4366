// upgate::api::UrlAccess: what the presigned URLs of the upload API ask of S3, derived from
// the upload profiles. It is the input of least-privilege policies (aws_policy.hpp): a URL
// acts with its signer's permissions, so the signer needs exactly this and nothing more.
//
// Keys: every key a profile signs starts with its key template's fixed_prefix(folder)
// ("photos/" for the default template; the prefix stops before the first placeholder
// that varies, so "{folder}/{principal}/{id}" gives "photos/": one signer serves every
// principal, and ownership is upgate's check, key_template.hpp). A `folder = "*"` profile
// takes the folder from the client, so its prefix is "" (the whole bucket) and its name
// is in unbounded_profiles.
//   upload_prefixes    PUT (both upload routes), every profile
//   download_prefixes  GET (/v1/downloads), the profiles whose downloads are not "off".
//                      upgate signs a GET only for keys the profile's template could have
//                      produced; the policy bounds what a URL could reach even so.
// Both lists are minimal: sorted, without duplicates or prefixes a shorter one covers.
//
// browser_headers: the request headers a browser sends with the PUT, which the bucket's
// CORS rule must allow: what plan_upload signs (upload_plan.hpp) less Content-Length, which
// browsers set themselves and never name in a preflight; x-amz-meta-* as one wildcard.
// No URL carries other headers. Multipart uploads stay under the upload prefixes: their
// parts are PUTs, and upgate's own calls (create, list parts, complete, abort) act on the
// same keys; no listing of the bucket.
#pragma once

#include <string>
#include <vector>

#include "upgate/api/profile_set.hpp"

namespace upgate::api {

struct UrlAccess {
  std::vector<std::string> upload_prefixes;
  std::vector<std::string> download_prefixes;  // empty: no profile allows downloads
  std::vector<std::string> browser_headers;
  std::vector<std::string> unbounded_profiles;

  // "PUT" and "POST" (a browser form upload: Uppy's single uploads), then "GET" when some
  // profile allows downloads: the bucket CORS rule's AllowedMethods.
  std::vector<std::string> methods() const;
};

UrlAccess url_access(const ProfileSet& profiles);

// Sorted, duplicates and prefixes that a shorter one covers removed ("a/" covers "a/b/").
std::vector<std::string> minimal_prefixes(std::vector<std::string> prefixes);

}  // namespace upgate::api

// The access keys the embedded store accepts, and what each may do.
//
// One root key may do everything. Extra keys are limited to a list of IAM
// actions ("s3:PutObject", "s3:Get*", "s3:*") and a list of resources written
// as in IAM ARNs, with or without the "arn:aws:s3:::" prefix: "uploads" (the
// bucket), "uploads/services/*" (keys under a prefix), "*" (everything). '*'
// matches any run of characters, '?' any one; actions compare
// case-insensitively, resources case-sensitively, as IAM does. This is how the
// seed's least-privilege signing user is expressed: a key allowed only
// s3:PutObject and s3:GetObject on uploads/services/*.
//
// Where the root key comes from, first found wins: explicit values (flags,
// environment), else <data>/credentials, else a new pair generated now and
// written there with mode 0600 (created with O_EXCL, fsynced, renamed). The
// file is an AWS shared-credentials file ([default] aws_access_key_id /
// aws_secret_access_key), so AWS_SHARED_CREDENTIALS_FILE can point at it.
// Extra keys come from a keys file in the same INI dialect, one section per
// key with `actions` and `resources` (comma-separated).
//
// Secrets are held in sigv4::SecretKey and never appear in an error message.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/sigv4/credentials.hpp"
#include "upgate/store/embedded_store.hpp"  // RootKeySource

namespace upgate::store {

struct AccessKey {
  sigv4::Credentials credentials;
  std::string name;  // the keys-file section, or "root"
  bool root = false;
  std::vector<std::string> actions;    // restricted keys only
  std::vector<std::string> resources;  // restricted keys only, without the ARN prefix
};

// IAM-style wildcard match: '*' any run, '?' one character.
bool wildcard_match(std::string_view pattern, std::string_view text, bool case_insensitive);

struct AccessKeysError {
  std::string message;  // names the file and the field; never a secret
};

class AccessKeys {
 public:
  AccessKeys() = default;

  // Fails when the id is already taken or the pair is incomplete.
  Expected<void, AccessKeysError> add(AccessKey key);

  const AccessKey* find(std::string_view access_key_id) const;
  const AccessKey* root() const;

  // Whether `key` may perform `action` on `resource` ("bucket" or "bucket/key";
  // "" for the service itself, e.g. ListBuckets, which needs a "*" resource).
  static bool allows(const AccessKey& key, std::string_view action, std::string_view resource);

 private:
  std::vector<AccessKey> keys_;
};

// Parses a keys file (INI): every section is one restricted key.
Expected<std::vector<AccessKey>, AccessKeysError> parse_keys_file(std::string_view text,
                                                                  std::string_view source);

struct LoadedRootKey {
  AccessKey key;
  // "flags/environment", "<data>/credentials", or "generated" (first start).
  std::string origin;
};

// The root key, by the precedence above. Blocking: reads and may write the
// credentials file.
Expected<LoadedRootKey, AccessKeysError> load_or_create_root_key(
    const RootKeySource& given, const std::filesystem::path& data_dir);

// A new random pair: a 20-character id of [A-Z0-9] starting with "UG", and a
// 40-character secret of base64 characters (no '/' or '+', which some tools
// mishandle).
sigv4::Credentials generate_credentials();

}  // namespace upgate::store

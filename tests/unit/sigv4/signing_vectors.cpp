#include "signing_vectors.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "request_file.hpp"

namespace upgate::sigv4::testing {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string data_dir() {
  return std::string(UPGATE_TEST_DATA_DIR) + "/sigv4";
}

std::string SigningVector::test_name() const {
  // The first five s3 cases are the S3 API Reference's own examples.
  static const std::vector<std::string> kDocExamples = {"get-object-range", "put-object",
                                                        "get-bucket-lifecycle", "list-objects",
                                                        "presigned-get-object"};
  std::string prefix = suite;
  if (suite == "s3") {
    prefix = std::find(kDocExamples.begin(), kDocExamples.end(), name) != kDocExamples.end()
                 ? "s3_aws_doc_example"
                 : "s3_edge_case";
  }
  std::string out = prefix + "_" + name + (mode == SigningMode::kHeader ? "_header" : "_query");
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return out;
}

void PrintTo(const SigningVector& v, std::ostream* os) {
  *os << v.dir << " (" << v.test_name() << ")";
}

Credentials SigningVector::credentials(bool with_token) const {
  return {access_key_id, SecretKey(secret_access_key), with_token ? session_token : std::string()};
}

namespace {

std::vector<std::string> sorted_subdirs(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_directory()) out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

json::object read_context(const std::string& path) {
  const auto text = read_file(path);
  if (!text) throw std::runtime_error("cannot read " + path);
  return json::parse(*text).as_object();
}

void fill_from_context(SigningVector& v, const json::object& ctx) {
  const auto& creds = ctx.at("credentials").as_object();
  v.access_key_id = json::value_to<std::string>(creds.at("access_key_id"));
  v.secret_access_key = json::value_to<std::string>(creds.at("secret_access_key"));
  if (creds.contains("token")) v.session_token = json::value_to<std::string>(creds.at("token"));
  if (ctx.contains("omit_session_token"))
    v.omit_session_token = ctx.at("omit_session_token").as_bool();
  v.region = json::value_to<std::string>(ctx.at("region"));
  v.service = json::value_to<std::string>(ctx.at("service"));
  const auto time = parse_iso8601(json::value_to<std::string>(ctx.at("timestamp")));
  if (!time) throw std::runtime_error("bad timestamp in " + v.dir);
  v.time = *time;
  // normalize=true means the generic rules (normalise, encode twice);
  // normalize=false is S3's (neither).
  const bool normalize = ctx.at("normalize").as_bool();
  v.uri = {normalize, normalize};
  if (ctx.contains("double_uri_encode"))
    v.uri.double_encode = ctx.at("double_uri_encode").as_bool();
  v.hash_body = v.add_content_sha256 = ctx.at("sign_body").as_bool();
  if (ctx.contains("payload_hash"))
    v.payload_hash = json::value_to<std::string>(ctx.at("payload_hash"));
  if (ctx.contains("expiration_in_seconds")) {
    v.expires = std::chrono::seconds(ctx.at("expiration_in_seconds").as_int64());
  }
  if (ctx.contains("bucket")) v.bucket = json::value_to<std::string>(ctx.at("bucket"));
  if (ctx.contains("key")) v.key = json::value_to<std::string>(ctx.at("key"));
  if (ctx.contains("addressing_style")) {
    v.addressing_style = json::value_to<std::string>(ctx.at("addressing_style"));
  }
}

void add_crt_style_case(std::vector<SigningVector>& out, const std::string& suite,
                        const fs::path& dir, const std::string& name, bool header, bool query) {
  SigningVector base;
  base.suite = suite;
  base.name = name;
  base.dir = dir.string();
  fill_from_context(base, read_context((dir / "context.json").string()));
  base.request_path = (dir / "request.txt").string();
  for (const auto mode : {SigningMode::kHeader, SigningMode::kQuery}) {
    if ((mode == SigningMode::kHeader && !header) || (mode == SigningMode::kQuery && !query))
      continue;
    SigningVector v = base;
    v.mode = mode;
    const std::string prefix =
        (dir / (mode == SigningMode::kHeader ? "header-" : "query-")).string();
    v.canonical_request_path = prefix + "canonical-request.txt";
    v.string_to_sign_path = prefix + "string-to-sign.txt";
    v.signature_path = prefix + "signature.txt";
    v.signed_request_path = prefix + "signed-request.txt";
    if (mode == SigningMode::kQuery) v.presigned_url_path = (dir / "presigned-url.txt").string();
    out.push_back(std::move(v));
  }
}

}  // namespace

std::vector<SigningVector> load_signing_vectors() {
  std::vector<SigningVector> out;
  const fs::path root = data_dir();

  const fs::path crt = root / "aws-signing-test-suite" / "v4";
  for (const auto& name : sorted_subdirs(crt)) {
    add_crt_style_case(out, "aws-signing-test-suite", crt / name, name, true, true);
  }

  const fs::path s3 = root / "s3";
  for (const auto& name : sorted_subdirs(s3)) {
    const auto ctx = read_context((s3 / name / "context.json").string());
    const auto type = json::value_to<std::string>(ctx.at("signature_type"));
    if (type == "header") add_crt_style_case(out, "s3", s3 / name, name, true, false);
    if (type == "query") add_crt_style_case(out, "s3", s3 / name, name, false, true);
  }

  // The 2015 suite: files named after the case, a fixed context.
  const fs::path old = root / "aws4_testsuite";
  std::vector<std::pair<fs::path, std::string>> cases;
  for (const auto& name : sorted_subdirs(old)) {
    if (fs::exists(old / name / (name + ".req"))) {
      cases.emplace_back(old / name, name);
    } else {
      for (const auto& inner : sorted_subdirs(old / name)) {
        cases.emplace_back(old / name / inner, name + "/" + inner);
      }
    }
  }
  for (const auto& [dir, name] : cases) {
    const std::string leaf = dir.filename().string();
    SigningVector v;
    v.suite = "aws4_testsuite";
    v.name = name;
    v.dir = dir.string();
    v.access_key_id = "AKIDEXAMPLE";
    v.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    v.region = "us-east-1";
    v.service = "service";
    v.time = *parse_amz_date("20150830T123600Z");
    v.uri = {true, true};
    v.hash_body = true;  // this suite hashes the body but adds no x-amz-content-sha256
    v.request_path = (dir / (leaf + ".req")).string();
    v.canonical_request_path = (dir / (leaf + ".creq")).string();
    v.string_to_sign_path = (dir / (leaf + ".sts")).string();
    v.signature_path = (dir / (leaf + ".authz")).string();
    v.signed_request_path = (dir / (leaf + ".sreq")).string();
    // get-vanilla-with-session-token keeps its token only in the signed
    // request: the signer is expected to add it from the credentials.
    const auto req = parse_request_file(read_file(v.request_path).value_or(""));
    const auto sreq = parse_request_file(read_file(v.signed_request_path).value_or(""));
    if (req && sreq && !req->header("x-amz-security-token")) {
      if (const auto* token = sreq->header("x-amz-security-token")) v.session_token = *token;
    }
    // post-sts-token/readme.txt: "after" adds the token once the signature is computed.
    v.omit_session_token = leaf == "post-sts-header-after";
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace upgate::sigv4::testing

#include "upgate/s3/xml_requests.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mutations.hpp"

namespace upgate::s3 {
namespace {

constexpr std::size_t kLimit = 1 << 20;

template <class T>
std::string code_of(const Expected<T, S3Error>& r) {
  return r ? "ok" : std::string(r.error().code_name());
}

TEST(XmlRequestsTest, CompleteMultipartUploadAsTheSdksSendIt) {
  const auto r = parse_complete_multipart_upload(R"(<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Part><ETag>"a54357aff0632cce46d942af68356b38"</ETag><PartNumber>1</PartNumber></Part>
  <Part>
    <PartNumber>2</PartNumber>
    <ETag>&quot;0c78aef83f66abc1fa1e8477f296d394&quot;</ETag>
    <ChecksumCRC32>AAAAAA==</ChecksumCRC32>
  </Part>
  <Part><PartNumber>3</PartNumber><ETag>acbd18db4cc2f85cedef654fccc4a4d8</ETag></Part>
</CompleteMultipartUpload>)",
                                                 kLimit);
  ASSERT_TRUE(r) << r.error().reason;
  ASSERT_EQ(r->parts.size(), 3u);
  EXPECT_EQ(r->parts[0].part_number, 1);
  EXPECT_EQ(r->parts[0].etag, "a54357aff0632cce46d942af68356b38");
  EXPECT_EQ(r->parts[1].etag, "0c78aef83f66abc1fa1e8477f296d394");
  EXPECT_EQ(r->parts[1].checksum_crc32, "AAAAAA==");
  EXPECT_EQ(r->parts[2].etag, "acbd18db4cc2f85cedef654fccc4a4d8");
  // No namespace is fine too.
  EXPECT_TRUE(parse_complete_multipart_upload(
      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part>"
      "</CompleteMultipartUpload>",
      kLimit));
}

TEST(XmlRequestsTest, CompleteMultipartUploadRefusals) {
  const auto parse = [](const std::string& parts) {
    return code_of(parse_complete_multipart_upload(
        "<CompleteMultipartUpload>" + parts + "</CompleteMultipartUpload>", kLimit));
  };
  const auto part = [](std::string n, std::string etag = "<ETag>e</ETag>") {
    return "<Part><PartNumber>" + n + "</PartNumber>" + etag + "</Part>";
  };
  EXPECT_EQ(parse(""), "InvalidRequest");
  EXPECT_EQ(parse(part("2") + part("1")), "InvalidPartOrder");
  EXPECT_EQ(parse(part("1") + part("1")), "InvalidPartOrder");
  EXPECT_EQ(parse(part("0")), "InvalidArgument");
  EXPECT_EQ(parse(part("10001")), "InvalidArgument");
  EXPECT_EQ(parse(part("-1")), "InvalidArgument");
  EXPECT_EQ(parse(part("10000")), "ok");
  EXPECT_EQ(parse(part("one")), "MalformedXML");
  EXPECT_EQ(parse(part("99999999999999999999")), "MalformedXML");
  EXPECT_EQ(parse(part("1", "")), "MalformedXML");  // no ETag
  EXPECT_EQ(parse("<Part><ETag>e</ETag></Part>"), "MalformedXML");
  EXPECT_EQ(parse(part("1", "<ETag>a</ETag><ETag>b</ETag>")), "MalformedXML");
  EXPECT_EQ(parse(part("1", "<ETag>e</ETag><Bogus/>")), "MalformedXML");
  EXPECT_EQ(parse("<Bogus/>"), "MalformedXML");
  EXPECT_EQ(parse("stray text" + part("1")), "MalformedXML");
  EXPECT_EQ(parse(part("<b>1</b>")), "MalformedXML");
  EXPECT_EQ(code_of(parse_complete_multipart_upload("", kLimit)), "MalformedXML");
  EXPECT_EQ(code_of(parse_complete_multipart_upload("<Other/>", kLimit)), "MalformedXML");
  EXPECT_EQ(code_of(parse_complete_multipart_upload("<CompleteMultipartUpload xmlns=\"urn:evil\">" +
                                                        part("1") + "</CompleteMultipartUpload>",
                                                    kLimit)),
            "MalformedXML");
}

TEST(XmlRequestsTest, DeleteObjects) {
  const auto r = parse_delete_objects(R"(<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Quiet>true</Quiet>
  <Object><Key>sample1.txt</Key></Object>
  <Object><Key> spaced key &amp; more </Key><VersionId>v1</VersionId></Object>
  <Object><Key><![CDATA[<cdata>]]></Key><ETag>"e"</ETag></Object>
</Delete>)",
                                      kLimit);
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_TRUE(r->quiet);
  ASSERT_EQ(r->objects.size(), 3u);
  EXPECT_EQ(r->objects[0].key, "sample1.txt");
  EXPECT_EQ(r->objects[1].key, " spaced key & more ");  // keys are verbatim
  EXPECT_EQ(r->objects[1].version_id, "v1");
  EXPECT_EQ(r->objects[2].key, "<cdata>");
  EXPECT_EQ(r->objects[2].etag, "e");

  const auto verbose =
      parse_delete_objects("<Delete><Object><Key>k</Key></Object></Delete>", kLimit);
  ASSERT_TRUE(verbose);
  EXPECT_FALSE(verbose->quiet);
}

TEST(XmlRequestsTest, DeleteObjectsRefusals) {
  const auto parse = [](const std::string& inner) {
    return code_of(parse_delete_objects("<Delete>" + inner + "</Delete>", kLimit));
  };
  EXPECT_EQ(parse(""), "MalformedXML");
  EXPECT_EQ(parse("<Quiet>true</Quiet>"), "MalformedXML");
  EXPECT_EQ(parse("<Quiet>yes</Quiet><Object><Key>k</Key></Object>"), "MalformedXML");
  EXPECT_EQ(parse("<Quiet>true</Quiet><Quiet>true</Quiet><Object><Key>k</Key></Object>"),
            "MalformedXML");
  EXPECT_EQ(parse("<Object></Object>"), "MalformedXML");
  EXPECT_EQ(parse("<Object><Key>a</Key><Key>b</Key></Object>"), "MalformedXML");
  EXPECT_EQ(parse("<Object><Key>k</Key><Other/></Object>"), "MalformedXML");
  std::string thousand, thousand_and_one;
  for (int i = 0; i < 1000; ++i)
    thousand += "<Object><Key>k" + std::to_string(i) + "</Key></Object>";
  thousand_and_one = thousand + "<Object><Key>last</Key></Object>";
  EXPECT_EQ(parse(thousand), "ok");
  EXPECT_EQ(parse(thousand_and_one), "MalformedXML");
}

TEST(XmlRequestsTest, HostileDocuments) {
  const std::string billion_laughs = R"(<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>
<Delete><Object><Key>&lol2;</Key></Object></Delete>)";
  auto r = parse_delete_objects(billion_laughs, kLimit);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::MalformedXML);
  EXPECT_NE(r.error().reason.find("DOCTYPE"), std::string::npos);

  const std::string external = R"(<!doctype Delete SYSTEM "file:///etc/passwd"><Delete/>)";
  EXPECT_EQ(code_of(parse_delete_objects(external, kLimit)), "MalformedXML");

  r = parse_delete_objects("<Delete><Object><Key>&xxe;</Key></Object></Delete>", kLimit);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().reason.find("entity"), std::string::npos);

  // Numeric references: fine when they name an XML character, refused otherwise.
  auto ok =
      parse_delete_objects("<Delete><Object><Key>&#65;&#x42;&#xD;</Key></Object></Delete>", kLimit);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->objects[0].key, "AB\r");
  EXPECT_EQ(
      code_of(parse_delete_objects("<Delete><Object><Key>&#0;</Key></Object></Delete>", kLimit)),
      "MalformedXML");
  EXPECT_EQ(code_of(parse_delete_objects("<Delete><Object><Key>&#xD800;</Key></Object></Delete>",
                                         kLimit)),
            "MalformedXML");
  EXPECT_EQ(code_of(parse_delete_objects("<Delete><Object><Key>&#x110000;</Key></Object></Delete>",
                                         kLimit)),
            "MalformedXML");
  EXPECT_EQ(code_of(parse_delete_objects(
                "<Delete><Object><Key>&#99999999999;</Key></Object></Delete>", kLimit)),
            "MalformedXML");

  // Invalid UTF-8, raw control characters, truncation, two roots, trailing garbage.
  EXPECT_EQ(
      code_of(parse_delete_objects("<Delete><Object><Key>\xC3(</Key></Object></Delete>", kLimit)),
      "MalformedXML");
  EXPECT_EQ(code_of(parse_delete_objects(
                std::string("<Delete><Object><Key>a\x01</Key></Object></Delete>"), kLimit)),
            "MalformedXML");
  EXPECT_EQ(code_of(parse_delete_objects(std::string("<Delete>\0</Delete>", 18), kLimit)),
            "MalformedXML");
  EXPECT_EQ(code_of(parse_delete_objects("<Delete><Object><Key>k</Key></Object>", kLimit)),
            "MalformedXML");
  EXPECT_EQ(code_of(parse_delete_objects("<Delete><Object><Key>k</Key></Object></Delete><Delete/>",
                                         kLimit)),
            "MalformedXML");
  EXPECT_EQ(
      code_of(parse_delete_objects("<Delete><Object><Key>k</Key></Object></Delete>junk", kLimit)),
      "MalformedXML");
  EXPECT_EQ(code_of(parse_delete_objects("<Delete><Object><Key>k</Key></Object></Delete>", 10)),
            "MaxMessageLengthExceeded");
  // A UTF-8 byte order mark, comments and processing instructions are harmless.
  EXPECT_EQ(code_of(parse_delete_objects(
                "\xEF\xBB\xBF<?xml version=\"1.0\"?><!-- c --><Delete><?pi x?><Object><Key>k</Key>"
                "</Object></Delete>",
                kLimit)),
            "ok");
}

TEST(XmlRequestsTest, DeepAndHugeDocumentsDoNotHurt) {
  std::string deep = "<Delete><Object><Key>k</Key></Object><Object><Key>";
  for (int i = 0; i < 200000; ++i) deep += "<a>";
  for (int i = 0; i < 200000; ++i) deep += "</a>";
  deep += "</Key></Object></Delete>";
  EXPECT_EQ(code_of(parse_delete_objects(deep, 4 << 20)), "MalformedXML");

  std::string wide = "<Delete>";
  for (int i = 0; i < 100000; ++i) wide += "<Bogus/>";
  wide += "</Delete>";
  EXPECT_EQ(code_of(parse_delete_objects(wide, 4 << 20)), "MalformedXML");

  const std::string huge_key =
      "<Delete><Object><Key>" + std::string(1 << 20, 'k') + "</Key></Object></Delete>";
  EXPECT_EQ(code_of(parse_delete_objects(huge_key, 1 << 20)), "MaxMessageLengthExceeded");
  const auto big = parse_delete_objects(huge_key, 2 << 20);
  ASSERT_TRUE(big);  // structure is fine; the store checks key lengths
  EXPECT_EQ(big->objects[0].key.size(), 1u << 20);
}

TEST(XmlRequestsTest, CorsConfigurationXml) {
  const auto r = parse_cors_configuration_xml(R"(<CORSConfiguration>
 <CORSRule>
   <ID>seed</ID>
   <AllowedOrigin>http://www.example.com</AllowedOrigin>
   <AllowedMethod>PUT</AllowedMethod>
   <AllowedMethod>POST</AllowedMethod>
   <AllowedMethod>DELETE</AllowedMethod>
   <AllowedHeader>*</AllowedHeader>
   <MaxAgeSeconds>3000</MaxAgeSeconds>
   <ExposeHeader>x-amz-server-side-encryption</ExposeHeader>
   <ExposeHeader>x-amz-request-id</ExposeHeader>
 </CORSRule>
 <CORSRule>
   <AllowedOrigin>*</AllowedOrigin>
   <AllowedMethod>GET</AllowedMethod>
 </CORSRule>
</CORSConfiguration>)");
  ASSERT_TRUE(r) << r.error().reason;
  ASSERT_EQ(r->rules.size(), 2u);
  EXPECT_EQ(r->rules[0].id, "seed");
  EXPECT_EQ(r->rules[0].allowed_methods, (std::vector<std::string>{"PUT", "POST", "DELETE"}));
  EXPECT_EQ(r->rules[0].max_age_seconds, 3000);
  EXPECT_EQ(r->rules[0].expose_headers.size(), 2u);
  EXPECT_FALSE(r->rules[1].max_age_seconds.has_value());
  // And back: what we render parses to the same configuration.
  const auto again = parse_cors_configuration_xml(cors_to_xml(*r));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *r);
}

TEST(XmlRequestsTest, CorsConfigurationXmlRefusals) {
  const auto parse = [](const std::string& rules) {
    const auto r =
        parse_cors_configuration_xml("<CORSConfiguration>" + rules + "</CORSConfiguration>");
    return r ? std::string("ok")
             : std::string(r.error().code_name()) + ": " +
                   std::string(r.error().effective_message());
  };
  const std::string ok_rule =
      "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>";
  EXPECT_EQ(parse(ok_rule), "ok");
  EXPECT_EQ(parse(""),
            "MalformedXML: " + std::string(error_info(ErrorCode::MalformedXML).default_message));
  EXPECT_EQ(parse("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>MYMETHOD</"
                  "AllowedMethod></CORSRule>"),
            "InvalidRequest: Found unsupported HTTP method in CORS config. Unsupported method is "
            "MYMETHOD");
  EXPECT_EQ(
      parse("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod></"
            "CORSRule>"),
      "InvalidRequest: Found unsupported HTTP method in CORS config. Unsupported method is get");
  EXPECT_EQ(
      parse("<CORSRule><AllowedOrigin>http://*.*.com</AllowedOrigin><AllowedMethod>GET</"
            "AllowedMethod></CORSRule>"),
      "InvalidRequest: AllowedOrigin \"http://*.*.com\" can not have more than one wildcard.");
  EXPECT_EQ(parse("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
                  "<AllowedHeader>x-*-*</AllowedHeader></CORSRule>"),
            "InvalidRequest: AllowedHeader \"x-*-*\" can not have more than one wildcard.");
  EXPECT_EQ(parse("<CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>").substr(0, 12),
            "MalformedXML");
  EXPECT_EQ(parse("<CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>").substr(0, 12),
            "MalformedXML");
  EXPECT_EQ(parse("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
                  "<MaxAgeSeconds>soon</MaxAgeSeconds></CORSRule>")
                .substr(0, 12),
            "MalformedXML");
  EXPECT_EQ(parse("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
                  "<ID>" +
                  std::string(256, 'i') + "</ID></CORSRule>")
                .substr(0, 12),
            "MalformedXML");
  EXPECT_EQ(parse("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
                  "<ExposeHeader>a&#xA;Set-Cookie: x</ExposeHeader></CORSRule>")
                .substr(0, 12),
            "MalformedXML");  // would inject a response header
  std::string hundred, hundred_and_one;
  for (int i = 0; i < 100; ++i) hundred += ok_rule;
  hundred_and_one = hundred + ok_rule;
  EXPECT_EQ(parse(hundred), "ok");
  EXPECT_EQ(parse(hundred_and_one).substr(0, 12), "MalformedXML");
  // The empty origin S3 accepts.
  EXPECT_EQ(
      parse(
          "<CORSRule><AllowedOrigin></AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>"),
      "ok");
}

TEST(XmlRequestsTest, CreateBucketConfiguration) {
  auto r = parse_create_bucket_configuration("", kLimit);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->location_constraint.has_value());
  r = parse_create_bucket_configuration(
      R"(<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>)",
      kLimit);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->location_constraint, "eu-west-1");
  EXPECT_EQ(code_of(parse_create_bucket_configuration(
                "<CreateBucketConfiguration><Bogus/></CreateBucketConfiguration>", kLimit)),
            "MalformedXML");
  EXPECT_EQ(code_of(parse_create_bucket_configuration("<Create", kLimit)), "MalformedXML");
}

TEST(XmlRequestsTest, LocationConstraintAgainstTheServerRegion) {
  const auto check = [](std::optional<std::string> wanted, std::string_view region) {
    const auto r = check_location_constraint(wanted, region);
    return r ? std::string("ok") : std::string(r.error().code_name());
  };
  EXPECT_EQ(check(std::nullopt, "us-east-1"), "ok");
  EXPECT_EQ(check("", "us-east-1"), "ok");
  EXPECT_EQ(check("us-east-1", "us-east-1"), "InvalidLocationConstraint");
  EXPECT_EQ(check("eu-west-1", "eu-west-1"), "ok");
  EXPECT_EQ(check(std::nullopt, "eu-west-1"), "IllegalLocationConstraintException");
  EXPECT_EQ(check("eu-west-2", "eu-west-1"), "IllegalLocationConstraintException");
  const auto r = check_location_constraint("eu-west-2", "eu-west-1");
  EXPECT_EQ(r.error().effective_message(),
            "The eu-west-2 location constraint is incompatible for the region specific endpoint "
            "this request was sent to.");
}

TEST(XmlRequestsTest, MutatedBodiesAreRefusedOrValid) {
  const std::string seeds[] = {
      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag>"
      "<ChecksumCRC32>AA==</ChecksumCRC32></Part><Part><PartNumber>2</PartNumber><ETag>b</ETag>"
      "</Part></CompleteMultipartUpload>",
      "<?xml version=\"1.0\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>"
      "true</Quiet><Object><Key>a&amp;b</Key><VersionId>v</VersionId></Object></Delete>",
      "<CORSConfiguration><CORSRule><ID>x</ID><AllowedOrigin>http://*.a.com</AllowedOrigin>"
      "<AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3"
      "</MaxAgeSeconds><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>",
      "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>"
      "</CreateBucketConfiguration>",
  };
  testing::Mutator m(0x5eed);
  int accepted = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string body = m.mutate(seeds[i % 4]);
    switch (i % 4) {
      case 0: {
        const auto r = parse_complete_multipart_upload(body, kLimit);
        if (r) {
          ++accepted;
          ASSERT_FALSE(r->parts.empty());
          for (std::size_t p = 0; p < r->parts.size(); ++p) {
            ASSERT_GE(r->parts[p].part_number, 1);
            ASSERT_LE(r->parts[p].part_number, kMaxPartNumber);
            if (p > 0) {
              ASSERT_GT(r->parts[p].part_number, r->parts[p - 1].part_number);
            }
          }
        } else {
          ASSERT_FALSE(r.error().reason.empty()) << body;
        }
        break;
      }
      case 1: {
        const auto r = parse_delete_objects(body, kLimit);
        if (r) {
          ++accepted;
          ASSERT_GE(r->objects.size(), 1u);
          ASSERT_LE(r->objects.size(), kMaxDeleteObjects);
        } else {
          ASSERT_FALSE(r.error().reason.empty()) << body;
        }
        break;
      }
      case 2: {
        const auto r = parse_cors_configuration_xml(body);
        if (r) {
          ++accepted;
          ASSERT_TRUE(validate_cors_configuration(*r));
          const auto again = parse_cors_configuration_xml(cors_to_xml(*r));
          ASSERT_TRUE(again) << again.error().reason;
          ASSERT_EQ(*again, *r);
        } else {
          ASSERT_FALSE(r.error().reason.empty()) << body;
        }
        break;
      }
      default: {
        const auto r = parse_create_bucket_configuration(body, kLimit);
        accepted += r.has_value();
        break;
      }
    }
  }
  EXPECT_GT(accepted, 0);  // the mutations do not only produce garbage
}
}  // namespace
}  // namespace upgate::s3

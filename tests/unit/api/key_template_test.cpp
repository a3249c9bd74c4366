#include "upgate/api/key_template.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "upgate/api/principal_segment.hpp"

namespace upgate::api {
namespace {

using namespace std::chrono;

const sys_seconds kTime = sys_days{year{2024} / 3 / 7} + hours(9) + minutes(5);
constexpr std::array<std::uint8_t, 16> kId = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                              0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

TEST(KeyTemplate, DefaultIsFolderDateIdName) {
  const auto key =
      KeyTemplate::default_template().render({"uploads", "cat.png", "png", kTime, kId});
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, "uploads/2024/03/07/00112233445566778899aabbccddeeff-cat.png");
}

TEST(KeyTemplate, AllPlaceholders) {
  const auto t = KeyTemplate::compile("{folder}/{yyyy}{mm}{dd}-{hh}/{ext}/{id}.{ext}");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(*t->render({"f", "x.png", "png", kTime, kId}),
            "f/20240307-09/png/00112233445566778899aabbccddeeff.png");
}

TEST(KeyTemplate, FixedPrefixIsEverythingBeforeTheFirstVaryingPlaceholder) {
  EXPECT_EQ(KeyTemplate::default_template().fixed_prefix("photos"), "photos/");
  const auto t = KeyTemplate::compile("{folder}/in-box/{folder}.v2/{yyyy}/{id}");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->fixed_prefix("a/b"), "a/b/in-box/a/b.v2/");
  // Every rendered key starts with it.
  const auto key = t->render({"a/b", "x.png", "png", kTime, kId});
  ASSERT_TRUE(key);
  EXPECT_EQ(key->rfind(t->fixed_prefix("a/b"), 0), 0U) << *key;
}

TEST(KeyTemplate, CompileRefusesUnsafeTemplates) {
  for (const char* bad : {"{id}-{name}", "other/{folder}/{id}", "{folder}/{name}",
                          "{folder}/{id}/{nope}", "{folder}/{id", "{folder}//{id}",
                          "{folder}/{id}/", "{folder}/{id} {name}", "{folder}/../{id}x%"}) {
    EXPECT_FALSE(KeyTemplate::compile(bad)) << bad;
  }
}

TEST(KeyTemplate, RenderRefusesEmptyAndDotSegments) {
  const auto t = KeyTemplate::compile("{folder}/{ext}/{id}");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->render({"f", "noext", "", kTime, kId}));  // "f//id"
  EXPECT_FALSE(KeyTemplate::compile("{folder}/../{id}"));
  EXPECT_FALSE(KeyTemplate::compile("{folder}/./{id}"));
  // A segment made of placeholders that render to dots is caught at render time.
  const auto ext_only = KeyTemplate::compile("{folder}/{ext}/{id}");
  EXPECT_FALSE(ext_only->render({"f", "n", "", kTime, kId}));
}

TEST(KeyTemplate, RenderRefusesOverlongKeys) {
  const std::string folder(1000, 'a');
  EXPECT_FALSE(
      KeyTemplate::default_template().render({folder, std::string(100, 'n'), "", kTime, kId}));
}

TEST(KeyTemplate, RandomIdsDiffer) {
  std::set<std::array<std::uint8_t, 16>> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(random_id());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(WellFormedKey, Segments) {
  EXPECT_TRUE(well_formed_key("a/b/c.txt"));
  EXPECT_TRUE(well_formed_key("a/..b/c"));
  for (const char* bad : {"", "/a", "a/", "a//b", "a/./b", "a/../b", "..", ".", "a\nb", "a\x7f"}) {
    EXPECT_FALSE(well_formed_key(bad)) << bad;
  }
  EXPECT_FALSE(well_formed_key("bad\xFFutf8"));
  EXPECT_FALSE(well_formed_key(std::string(1025, 'a')));
}

// ---- principal fields --------------------------------------------------------------

auth::Principal principal(std::string id, boost::json::object claims = {}) {
  return auth::Principal{std::move(id), std::move(claims), auth::AuthMode::kJwt};
}

KeyTemplate compiled(std::string_view text) {
  auto t = KeyTemplate::compile(text);
  if (!t) ADD_FAILURE() << text << ": " << t.error();
  return std::move(*t);
}

constexpr std::string_view kHex = "00112233445566778899aabbccddeeff";

TEST(KeyTemplate, PrincipalAndClaimsRenderEscaped) {
  const auto t = compiled("{folder}/{claim.org}/{principal}/{yyyy}/{id}-{name}");
  EXPECT_TRUE(t.names_principal());
  EXPECT_FALSE(KeyTemplate::default_template().names_principal());
  const auto alice = principal("auth0|alice", {{"org", "acme/eu"}});
  const auto key = t.render({"f", "cat.png", "png", kTime, kId, &alice});
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, "f/acme_2Feu/auth0_7Calice/2024/" + std::string(kHex) + "-cat.png");
  EXPECT_EQ(t.fixed_prefix("f"), "f/");
}

TEST(KeyTemplate, RenderWithoutThePrincipalOrItsClaimSaysWhy) {
  const auto t = compiled("{folder}/{claim.tenant}/{principal}/{id}");
  const auto anonymous = t.render({"f", "a", "", kTime, kId});
  ASSERT_FALSE(anonymous);
  EXPECT_EQ(anonymous.error().reason, RenderError::Reason::no_principal);
  const auto empty_id = principal("");
  EXPECT_EQ(t.render({"f", "a", "", kTime, kId, &empty_id}).error().reason,
            RenderError::Reason::no_principal);
  // A claim that is absent, empty or not a string is missing.
  for (const boost::json::object& claims :
       {boost::json::object{}, boost::json::object{{"tenant", ""}},
        boost::json::object{{"tenant", 7}}, boost::json::object{{"tenant", {"a", "b"}}},
        boost::json::object{{"Tenant", "x"}}}) {
    const auto p = principal("bob", claims);
    const auto refused = t.render({"f", "a", "", kTime, kId, &p});
    ASSERT_FALSE(refused) << claims.size();
    EXPECT_EQ(refused.error().reason, RenderError::Reason::missing_claim);
    EXPECT_EQ(refused.error().claim, "tenant");
  }
}

TEST(KeyTemplate, ClaimNames) {
  // A namespaced claim, as Auth0 requires for custom claims.
  const auto t = compiled("{folder}/{claim.https://example.com/org}/{id}");
  const auto p = principal("u", {{"https://example.com/org", "acme"}});
  EXPECT_EQ(*t.render({"f", "a", "", kTime, kId, &p}), "f/acme/" + std::string(kHex));
  for (const char* bad :
       {"{folder}/{claim.}/{id}", "{folder}/{claim.a b}/{id}", "{folder}/{claim.a{b}/{id}",
        "{folder}/{claims.a}/{id}", "{folder}/{Principal}/{id}"}) {
    EXPECT_FALSE(KeyTemplate::compile(bad)) << bad;
  }
  EXPECT_FALSE(KeyTemplate::compile("{folder}/{claim." + std::string(129, 'a') + "}/{id}"));
  EXPECT_TRUE(KeyTemplate::compile("{folder}/{claim." + std::string(128, 'a') + "}/{id}"));
}

// ---- the matcher: render() read backwards ---------------------------------------------

TEST(KeyTemplateMatch, EveryRenderedKeyMatchesItsOwnParts) {
  const auto alice = principal("alice@example.com", {{"org", "Acme Ltd"}});
  for (const char* text :
       {"{folder}/{yyyy}/{mm}/{dd}/{id}-{name}", "{folder}/{yyyy}{mm}{dd}-{hh}/{ext}/{id}.{ext}",
        "{folder}/{principal}/{yyyy}/{mm}/{id}-{name}", "{folder}/{id}",
        "{folder}/in-box/{folder}.v2/{yyyy}/{id}", "{folder}/{claim.org}/{principal}/{id}{name}",
        "{folder}/{name}.{id}.{ext}", "{folder}/u-{principal}-{id}", "{folder}/{id}/{id}.{ext}"}) {
    const auto t = compiled(text);
    for (const auto& [name, ext] : std::vector<std::pair<std::string, std::string>>{
             {"cat.png", "png"}, {"Été 2024.tar.GZ", "gz"}, {"noext", ""}, {"a.b.c", "c"}}) {
      const auto sanitized_name = name == "Été 2024.tar.GZ" ? std::string("Été_2024.tar.GZ") : name;
      const auto key = t.render({"a/b", sanitized_name, ext, kTime, kId, &alice});
      if (!key) continue;  // e.g. an empty {ext} alone in a segment
      EXPECT_TRUE(t.match(*key, "a/b", KeyOwner::of(&alice))) << text << " " << *key;
      EXPECT_TRUE(t.match(*key, std::nullopt, KeyOwner::of(&alice))) << text << " " << *key;
      EXPECT_TRUE(t.match(*key, std::nullopt, KeyOwner::anyone())) << text << " " << *key;
      EXPECT_EQ(t.match(*key, std::nullopt, KeyOwner::anyone())->folder, "a/b") << *key;
      EXPECT_FALSE(t.match(*key, "a", KeyOwner::of(&alice))) << text;
    }
  }
}

TEST(KeyTemplateMatch, KeysUpgateDidNotMintNeverMatch) {
  const auto t = KeyTemplate::default_template();
  const std::string id(kHex);
  EXPECT_TRUE(t.match("f/2024/03/07/" + id + "-cat.png", "f", KeyOwner::anyone()));
  for (const std::string& key : std::vector<std::string>{
           "backups/db.sql",
           "f/db.sql",
           "f/2024/03/07/db.sql",
           "f/2024/03/07/" + id,                                     // no name
           "f/2024/03/07/" + id + "-",                               // empty name
           "f/2024/03/07/" + id.substr(1) + "-cat.png",              // 31 digits
           "f/2024/03/07/" + id + "0-cat.png",                       // 33 digits
           "f/2024/03/07/00112233445566778899AABBCCDDEEFF-cat.png",  // upper-case id
           "f/2024/03/07/g0112233445566778899aabbccddeeff-cat.png",  // not hex
           "f/2024/13/07/" + id + "-cat.png",                        // month 13
           "f/2024/00/07/" + id + "-cat.png",                        // month 0
           "f/2024/02/30/" + id + "-cat.png",                        // no such day
           "f/2023/02/29/" + id + "-cat.png",                        // not a leap year
           "f/24/03/07/" + id + "-cat.png",                          // short year
           "f/2024/3/07/" + id + "-cat.png",                         // short month
           "f/2024/03/07/" + id + "-cat png",                        // a space sanitising removes
           "f/2024/03/07/" + id + "-.cat",                      // a leading dot sanitising trims
           "f/2024/03/07/" + id + "-cat.png/more",              // deeper
           "f/2024/03/07/" + id + "-a\\b.png",                  // a backslash
           "f/2024/03/07/" + id + "-caf\xC3",                   // invalid UTF-8
           "f/2024/03/07/" + id + "-a\x01.png",                 // a control character
           "f/2024/03/07/" + id + "-" + std::string(129, 'n'),  // a longer name than sanitised
           "f/../f/2024/03/07/" + id + "-cat.png",
           "f/./2024/03/07/" + id + "-cat.png",
           "/f/2024/03/07/" + id + "-cat.png",
           "f//2024/03/07/" + id + "-cat.png",
           "",
       }) {
    EXPECT_FALSE(t.match(key, "f", KeyOwner::anyone())) << key;
    EXPECT_FALSE(t.match(key, std::nullopt, KeyOwner::anyone())) << key;
  }
  // Another folder is not this profile's, though a `*` profile's template matches it.
  EXPECT_FALSE(t.match("g/2024/03/07/" + id + "-cat.png", "f", KeyOwner::anyone()));
  EXPECT_TRUE(t.match("g/2024/03/07/" + id + "-cat.png", std::nullopt, KeyOwner::anyone()));
  // 29 February of a leap year is a day.
  EXPECT_TRUE(t.match("f/2024/02/29/" + id + "-cat.png", "f", KeyOwner::anyone()));
}

TEST(KeyTemplateMatch, EveryPlaceholderHasItsShape) {
  const std::string id(kHex);
  const auto hour = compiled("{folder}/{hh}/{id}");
  EXPECT_TRUE(hour.match("f/23/" + id, "f", KeyOwner::anyone()));
  EXPECT_FALSE(hour.match("f/24/" + id, "f", KeyOwner::anyone()));
  const auto ext = compiled("{folder}/{id}.{ext}");
  EXPECT_TRUE(ext.match("f/" + id + ".png", "f", KeyOwner::anyone()));
  EXPECT_TRUE(ext.match("f/" + id + ".", "f", KeyOwner::anyone()));      // no extension
  EXPECT_FALSE(ext.match("f/" + id + ".PNG", "f", KeyOwner::anyone()));  // always lower-case
  EXPECT_FALSE(ext.match("f/" + id + ".p-g", "f", KeyOwner::anyone()));
  EXPECT_FALSE(ext.match("f/" + id + "." + std::string(17, 'a'), "f", KeyOwner::anyone()));
  // {name} and {ext} must agree, as render() makes them.
  const auto both = compiled("{folder}/{ext}/{id}-{name}");
  EXPECT_TRUE(both.match("f/png/" + id + "-a.PNG", "f", KeyOwner::anyone()));
  EXPECT_FALSE(both.match("f/jpg/" + id + "-a.png", "f", KeyOwner::anyone()));
  EXPECT_FALSE(both.match("f/png/" + id + "-a", "f", KeyOwner::anyone()));
  // A repeated placeholder repeats its text.
  const auto twice = compiled("{folder}/{id}/{id}");
  EXPECT_TRUE(twice.match("f/" + id + "/" + id, "f", KeyOwner::anyone()));
  EXPECT_FALSE(twice.match("f/" + id + "/" + std::string(32, '0'), "f", KeyOwner::anyone()));
  const auto folders = compiled("{folder}/x/{folder}/{id}");
  EXPECT_TRUE(folders.match("a/b/x/a/b/" + id, std::nullopt, KeyOwner::anyone()));
  EXPECT_FALSE(folders.match("a/b/x/a/c/" + id, std::nullopt, KeyOwner::anyone()));
  // Literals are literal.
  const auto literal = compiled("{folder}/in.box/{id}");
  EXPECT_TRUE(literal.match("f/in.box/" + id, "f", KeyOwner::anyone()));
  EXPECT_FALSE(literal.match("f/inXbox/" + id, "f", KeyOwner::anyone()));
  // Any folder: only a folder check_folder_name() accepts.
  const auto any = KeyTemplate::default_template();
  const std::string tail = "/2024/03/07/" + id + "-a.png";
  EXPECT_TRUE(any.match("a/b/c/d/e/f/g/h" + tail, std::nullopt, KeyOwner::anyone()));
  EXPECT_FALSE(any.match("a/b/c/d/e/f/g/h/i" + tail, std::nullopt, KeyOwner::anyone()));
  EXPECT_FALSE(any.match("a b" + tail, std::nullopt, KeyOwner::anyone()));
  EXPECT_FALSE(any.match(std::string(65, 'a') + tail, std::nullopt, KeyOwner::anyone()));
}

TEST(KeyTemplateMatch, OwnerMustBeThePrincipalItWasMintedFor) {
  const auto t = compiled("{folder}/{principal}/{yyyy}/{mm}/{id}-{name}");
  const auto alice = principal("alice");
  const auto bob = principal("bob");
  const auto key = *t.render({"photos", "cat.png", "png", kTime, kId, &alice});
  EXPECT_EQ(key, "photos/alice/2024/03/" + std::string(kHex) + "-cat.png");
  EXPECT_TRUE(t.match(key, "photos", KeyOwner::of(&alice)));
  EXPECT_FALSE(t.match(key, "photos", KeyOwner::of(&bob)));
  EXPECT_FALSE(t.match(key, "photos", KeyOwner::of(nullptr)));  // anonymous owns nothing
  const auto empty = principal("");
  EXPECT_FALSE(t.match(key, "photos", KeyOwner::of(&empty)));
  EXPECT_TRUE(t.match(key, "photos", KeyOwner::anyone()));
  // Case matters, as in S3 keys.
  const auto upper = principal("Alice");
  EXPECT_FALSE(t.match(key, "photos", KeyOwner::of(&upper)));
  // A key with a segment no principal could have (an unescaped '_', a leading '.') is
  // nobody's.
  for (const char* segment : {"a_b", ".alice", "_2e", "a_2fb", "a_41", "a%2Fb"}) {
    const std::string forged =
        "photos/" + std::string(segment) + "/2024/03/" + std::string(kHex) + "-cat.png";
    EXPECT_FALSE(t.match(forged, "photos", KeyOwner::anyone())) << forged;
  }
  // A template without principal fields is everyone's, the anonymous caller's included.
  const auto shared = KeyTemplate::default_template();
  const std::string shared_key = "f/2024/03/07/" + std::string(kHex) + "-a.png";
  EXPECT_TRUE(shared.match(shared_key, "f", KeyOwner::of(nullptr)));
  EXPECT_TRUE(shared.match(shared_key, "f", KeyOwner::of(&bob)));
}

TEST(KeyTemplateMatch, ClaimsAreTheOwnersToo) {
  const auto t = compiled("{folder}/{claim.tenant}/{principal}/{id}");
  const auto acme_alice = principal("alice", {{"tenant", "acme"}});
  const auto other_alice = principal("alice", {{"tenant", "other"}});
  const auto no_tenant = principal("alice");
  const auto key = *t.render({"f", "a", "", kTime, kId, &acme_alice});
  EXPECT_TRUE(t.match(key, "f", KeyOwner::of(&acme_alice)));
  EXPECT_FALSE(t.match(key, "f", KeyOwner::of(&other_alice)));
  EXPECT_FALSE(t.match(key, "f", KeyOwner::of(&no_tenant)));
}

// Principals that look alike, hostile ones, and the ids that escaping must keep apart.
TEST(KeyTemplateMatch, HostilePrincipalsStayInTheirOwnSegment) {
  const auto t = compiled("{folder}/{principal}/{id}");
  const std::vector<std::string> ids = {"a/b",
                                        "a_2Fb",
                                        "a_b",
                                        "a%2Fb",
                                        "..",
                                        ".",
                                        "../../etc",
                                        "a/../b",
                                        "josé",
                                        "jose\xCC\x81",
                                        "\xE2\x80\xAE"
                                        "evil",
                                        "a b",
                                        "a\nb",
                                        "A",
                                        "a",
                                        std::string(500, 'x'),
                                        std::string(500, 'x') + "y",
                                        std::string(300, '/'),
                                        "_h",
                                        "x_h0123"};
  std::set<std::string> keys;
  for (const std::string& id : ids) {
    const auto p = principal(id);
    const auto key = t.render({"f", "n", "", kTime, kId, &p});
    ASSERT_TRUE(key) << id;
    EXPECT_TRUE(keys.insert(*key).second) << "two principals share " << *key;
    // One segment, under the folder, never a dot segment.
    EXPECT_EQ(std::count(key->begin(), key->end(), '/'), 2) << *key;
    EXPECT_TRUE(well_formed_key(*key)) << *key;
    EXPECT_TRUE(t.match(*key, "f", KeyOwner::of(&p))) << id;
    EXPECT_TRUE(t.match(*key, "f", KeyOwner::anyone())) << id;
    for (const std::string& other : ids) {
      if (other == id) continue;
      const auto q = principal(other);
      EXPECT_FALSE(t.match(*key, "f", KeyOwner::of(&q))) << id << " vs " << other;
    }
  }
}

TEST(KeyTemplateMatch, WorkIsBoundedForHostileKeys) {
  // Several variable pieces in one segment, and a long key of the characters they share.
  const auto t = compiled("{folder}/{name}{principal}{name}-{id}.{ext}{ext}");
  const std::string key = "a/b/c/d/e/f/g/h/" + std::string(900, '.') + "-" + std::string(kHex);
  EXPECT_FALSE(t.match(key, std::nullopt, KeyOwner::anyone()));
  const std::string dashes = "f/" + std::string(1000, '-');
  EXPECT_FALSE(t.match(dashes, std::nullopt, KeyOwner::anyone()));
}

}  // namespace
}  // namespace upgate::api

#include "upgate/limits/admission.hpp"

#include <gtest/gtest.h>

namespace upgate::limits {
namespace {

using std::chrono::seconds;

RateCheck rate(std::string key) {
  return RateCheck{"p", std::move(key), parse_rate("1/s").value()};
}

TEST(AdmissionProblem, WellFormedAdmissionsHaveNone) {
  Admission a;
  EXPECT_EQ(admission_problem(a), "");
  a.rates = {rate("a"), rate("b")};
  a.open_upload = OpenUploadCheck{"u", "k", OpenUploadsSpec{3}, "id", seconds(300)};
  a.quota = QuotaCheck{"q", "k", parse_quota("1 GB/day").value(), 5};
  EXPECT_EQ(admission_problem(a), "");
}

TEST(AdmissionProblem, NamesWhatIsWrong) {
  Admission a;
  a.rates = {rate("a"), rate("a")};
  EXPECT_EQ(admission_problem(a), "rate key of \"p\" checked twice");
  a.rates = std::vector<RateCheck>(9, rate("x"));
  EXPECT_EQ(admission_problem(a), "more than 8 rate checks");
  a.rates = {RateCheck{"p", "k", RateSpec{}}};
  EXPECT_EQ(admission_problem(a), "rate check \"p\" out of bounds");
  a.rates = {RateCheck{"", "k", parse_rate("1/s").value()}};
  EXPECT_EQ(admission_problem(a), "a rate check without policy or key");

  Admission u;
  u.open_upload = OpenUploadCheck{"u", "k", OpenUploadsSpec{3}, "", seconds(300)};
  EXPECT_EQ(admission_problem(u), "open-upload check \"u\" needs an upload id of 1 to 1024 bytes");
  u.open_upload->upload_id = "id";
  u.open_upload->ttl = seconds(8 * 24 * 3600);
  EXPECT_EQ(admission_problem(u), "open-upload check \"u\" needs a ttl of 1 s to 7 days");
  u.open_upload->ttl = seconds(1);
  u.open_upload->spec.max = 0;
  EXPECT_EQ(admission_problem(u), "open-upload check \"u\" out of bounds");

  Admission q;
  q.quota = QuotaCheck{"q", "k", parse_quota("1 GB/day").value(), kMaxQuotaBytes + 1};
  EXPECT_EQ(admission_problem(q), "quota check \"q\" out of bounds");
  q.quota = QuotaCheck{"q", "k", QuotaSpec{5, seconds(60)}, 1};
  EXPECT_EQ(admission_problem(q), "quota check \"q\" out of bounds");
}

}  // namespace
}  // namespace upgate::limits

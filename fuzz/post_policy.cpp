// Fuzz target: the POST policy document as the store reads it (sigv4::parse_post_policy,
// called by verify_post once the form's signature holds): the expiration, object and
// array conditions, content-length-range, under size and depth bounds. A policy that
// parses is written back (to_json) and must parse again to the same conditions.
//
// Input: the decoded policy JSON.
#include "upgate/sigv4/post_policy.hpp"
#include "fuzz_input.hpp"

using namespace upgate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto policy = sigv4::parse_post_policy(fuzz::as_text(data, size));
  if (!policy) return 0;
  (void)policy->content_length_range();
  const auto again = sigv4::parse_post_policy(policy->to_json());
  if (!again || again->conditions.size() != policy->conditions.size()) __builtin_trap();
  return 0;
}

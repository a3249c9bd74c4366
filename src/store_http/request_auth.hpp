// Internal: who sent a request and whether they may do what it asks, as S3 decides it,
// for every operation but the CORS preflight (never authenticated) and POST Object
// (authenticated by its policy, inside the form: s3_post_object_handler.cpp).
//  - SigV2 query authentication: InvalidRequest (only AWS4-HMAC-SHA256 is spoken).
//  - None at all: AccessDenied, except GetObject and HeadObject, whose handler serves
//    public-read objects to anyone. An empty Authorization header is not "none":
//    InvalidArgument (Unsupported Authorization Type).
//  - SigV4, header or presigned query: sigv4::verify against the access keys; its
//    refusals in S3's words, with the details S3 adds (StringToSign, RequestTime, ...).
//  - Authorization: the key's IAM action (iam_action()) on the bucket or bucket/key.
//    DeleteObjects is authorized key by key in its handler, as IAM does.
// On success r.auth and r.access_key are set (both empty for an anonymous read).
#pragma once

#include "s3_request.hpp"
#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::store {

Expected<void, s3::S3Error> authenticate(S3Request& r);

}  // namespace upgate::store

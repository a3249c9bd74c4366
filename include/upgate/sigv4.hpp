// The whole SigV4 library: include this, or only the header of the part you use.
#pragma once

#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/auth_error.hpp"
#include "upgate/sigv4/canonical_request.hpp"
#include "upgate/sigv4/chunked.hpp"
#include "upgate/sigv4/credentials.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/post_policy.hpp"
#include "upgate/sigv4/presign.hpp"
#include "upgate/sigv4/request.hpp"
#include "upgate/sigv4/s3_endpoint.hpp"
#include "upgate/sigv4/secret.hpp"
#include "upgate/sigv4/signature_v4.hpp"
#include "upgate/sigv4/signer.hpp"
#include "upgate/sigv4/signing_key.hpp"
#include "upgate/sigv4/uri_encoding.hpp"
#include "upgate/sigv4/verify.hpp"

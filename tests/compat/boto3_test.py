"""boto3 (Debian's python3-boto3) against a running `upgate store`.

The store must behave as S3 does for everything this client sends: header-signed requests
with a hex SHA-256 payload hash (what botocore sends over http), presigned URLs, POST
policies, flexible checksums in headers, Content-MD5, ranges, conditions, multipart uploads
and bucket CORS. Each expectation names S3's documented behaviour; a failure here is a store
that real clients would trip over.
"""
import base64
import hashlib
import os
import unittest
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import requests
from botocore.exceptions import ClientError

from store_process import start_store

MiB = 1024 * 1024
store = None


def setUpModule():
    global store
    store = start_store()
    unittest.addModuleCleanup(store.close)


def make_client(access_key_id=None, secret_access_key=None):
    return store.client(access_key_id, secret_access_key)


def unique_bucket(purpose):
    return f"{purpose}-{uuid.uuid4().hex[:12]}"


def xml_error_code(response):
    """The <Code> of S3's XML error document in a raw `requests` response."""
    try:
        return ET.fromstring(response.content).findtext("Code")
    except ET.ParseError:
        return None


def b64(digest):
    return base64.b64encode(digest).decode()


class S3TestCase(unittest.TestCase):
    bucket_purpose = "boto3"

    def setUp(self):
        self.s3 = make_client()
        self.bucket = unique_bucket(self.bucket_purpose)
        self.s3.create_bucket(Bucket=self.bucket)

    def assertS3Error(self, code, status, call, *args, **kwargs):
        with self.assertRaises(ClientError) as caught:
            call(*args, **kwargs)
        error = caught.exception.response
        self.assertEqual(error["Error"]["Code"], code, error)
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], status, error)
        return error

    def assertAbsent(self, key):
        self.assertS3Error("404", 404, self.s3.head_object, Bucket=self.bucket, Key=key)

    def object_url(self, key):
        return f"{store.endpoint}/{self.bucket}/{key}"


class BucketOperations(S3TestCase):
    bucket_purpose = "buckets"

    def test_created_bucket_is_listed_located_and_headed(self):
        names = [b["Name"] for b in self.s3.list_buckets()["Buckets"]]
        self.assertIn(self.bucket, names)
        self.s3.head_bucket(Bucket=self.bucket)
        # us-east-1 buckets report an empty LocationConstraint (GetBucketLocation docs).
        self.assertIsNone(self.s3.get_bucket_location(Bucket=self.bucket).get("LocationConstraint"))

    def test_delete_bucket_only_when_empty(self):
        self.s3.put_object(Bucket=self.bucket, Key="k", Body=b"x")
        self.assertS3Error("BucketNotEmpty", 409, self.s3.delete_bucket, Bucket=self.bucket)
        self.s3.delete_object(Bucket=self.bucket, Key="k")
        self.s3.delete_bucket(Bucket=self.bucket)
        self.assertS3Error("404", 404, self.s3.head_bucket, Bucket=self.bucket)
        self.assertS3Error("NoSuchBucket", 404, self.s3.get_object, Bucket=self.bucket, Key="k")


class ObjectOperations(S3TestCase):
    bucket_purpose = "objects"

    def test_put_get_head_keep_bytes_and_metadata(self):
        body = os.urandom(100_000)
        put = self.s3.put_object(Bucket=self.bucket, Key="dir/file.bin", Body=body,
                                 ContentType="application/x-test",
                                 ContentDisposition='attachment; filename="f.bin"',
                                 CacheControl="max-age=60", Metadata={"owner": "ann"})
        etag = f'"{hashlib.md5(body).hexdigest()}"'
        self.assertEqual(put["ETag"], etag)
        got = self.s3.get_object(Bucket=self.bucket, Key="dir/file.bin")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["ETag"], etag)
        head = self.s3.head_object(Bucket=self.bucket, Key="dir/file.bin")
        self.assertEqual(head["ContentLength"], len(body))
        self.assertEqual(head["ContentType"], "application/x-test")
        self.assertEqual(head["ContentDisposition"], 'attachment; filename="f.bin"')
        self.assertEqual(head["CacheControl"], "max-age=60")
        self.assertEqual(head["Metadata"], {"owner": "ann"})
        self.assertEqual(head["ETag"], etag)
        self.assertIn("LastModified", head)

    def test_a_and_a_slash_b_both_exist(self):
        self.s3.put_object(Bucket=self.bucket, Key="a", Body=b"file a")
        self.s3.put_object(Bucket=self.bucket, Key="a/b", Body=b"file a/b")
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="a")["Body"].read(), b"file a")
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="a/b")["Body"].read(),
                         b"file a/b")

    def test_empty_object(self):
        self.s3.put_object(Bucket=self.bucket, Key="empty", Body=b"")
        got = self.s3.get_object(Bucket=self.bucket, Key="empty")
        self.assertEqual(got["Body"].read(), b"")
        self.assertEqual(got["ETag"], '"d41d8cd98f00b204e9800998ecf8427e"')

    def test_put_if_none_match_star_refuses_an_existing_key(self):
        # Conditional writes: If-None-Match: * → 412 PreconditionFailed when the key exists.
        # This botocore predates the IfNoneMatch parameter, so the header is added by hand.
        guarded = make_client()
        guarded.meta.events.register(
            "before-sign.s3.PutObject",
            lambda request, **_: request.headers.__setitem__("If-None-Match", "*"))
        guarded.put_object(Bucket=self.bucket, Key="once", Body=b"first")
        with self.assertRaises(ClientError) as caught:
            guarded.put_object(Bucket=self.bucket, Key="once", Body=b"second")
        self.assertEqual(caught.exception.response["Error"]["Code"], "PreconditionFailed")
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 412)
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="once")["Body"].read(),
                         b"first")

    def test_get_missing_key_is_no_such_key(self):
        self.assertS3Error("NoSuchKey", 404, self.s3.get_object, Bucket=self.bucket, Key="nope")

    def test_delete_object_then_absent_and_delete_again_is_204(self):
        self.s3.put_object(Bucket=self.bucket, Key="gone", Body=b"x")
        deleted = self.s3.delete_object(Bucket=self.bucket, Key="gone")
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertAbsent("gone")
        # DeleteObject of a missing key succeeds (S3 API reference, DeleteObject).
        again = self.s3.delete_object(Bucket=self.bucket, Key="gone")
        self.assertEqual(again["ResponseMetadata"]["HTTPStatusCode"], 204)

    def test_delete_objects_reports_each_key(self):
        for key in ("d1", "d2", "keep"):
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=key.encode())
        result = self.s3.delete_objects(Bucket=self.bucket, Delete={
            "Objects": [{"Key": "d1"}, {"Key": "d2"}, {"Key": "never-existed"}]})
        # S3 reports a missing key as deleted too (DeleteObjects API reference).
        self.assertEqual(sorted(d["Key"] for d in result.get("Deleted", [])),
                         ["d1", "d2", "never-existed"])
        self.assertEqual(result.get("Errors", []), [])
        self.assertAbsent("d1")
        self.assertAbsent("d2")
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="keep")["Body"].read(), b"keep")

    def test_delete_objects_quiet_lists_nothing(self):
        self.s3.put_object(Bucket=self.bucket, Key="q", Body=b"q")
        result = self.s3.delete_objects(Bucket=self.bucket,
                                        Delete={"Objects": [{"Key": "q"}], "Quiet": True})
        self.assertEqual(result.get("Deleted", []), [])
        self.assertAbsent("q")

    def test_copy_object_keeps_bytes_and_metadata(self):
        body = b"copy me " * 1000
        self.s3.put_object(Bucket=self.bucket, Key="src", Body=body, ContentType="text/plain",
                           Metadata={"colour": "blue"})
        other = unique_bucket("copy-target")
        self.s3.create_bucket(Bucket=other)
        copied = self.s3.copy_object(Bucket=other, Key="dst",
                                     CopySource={"Bucket": self.bucket, "Key": "src"})
        self.assertEqual(copied["CopyObjectResult"]["ETag"], f'"{hashlib.md5(body).hexdigest()}"')
        got = self.s3.get_object(Bucket=other, Key="dst")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["ContentType"], "text/plain")
        self.assertEqual(got["Metadata"], {"colour": "blue"})

    def test_copy_object_replace_metadata(self):
        self.s3.put_object(Bucket=self.bucket, Key="src", Body=b"abc", Metadata={"a": "1"})
        self.s3.copy_object(Bucket=self.bucket, Key="dst", MetadataDirective="REPLACE",
                            ContentType="application/json", Metadata={"b": "2"},
                            CopySource={"Bucket": self.bucket, "Key": "src"})
        head = self.s3.head_object(Bucket=self.bucket, Key="dst")
        self.assertEqual(head["Metadata"], {"b": "2"})
        self.assertEqual(head["ContentType"], "application/json")

    def test_copy_from_missing_source_is_no_such_key(self):
        self.assertS3Error("NoSuchKey", 404, self.s3.copy_object, Bucket=self.bucket, Key="dst",
                           CopySource={"Bucket": self.bucket, "Key": "missing"})


class Listing(S3TestCase):
    bucket_purpose = "listing"
    KEYS = ["docs/readme.txt", "photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg",
            "top.txt", "with space/ü+%.txt"]

    def setUp(self):
        super().setUp()
        for key in self.KEYS:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=key.encode())

    def test_list_all_in_utf8_binary_order_with_sizes(self):
        listed = self.s3.list_objects_v2(Bucket=self.bucket)
        self.assertEqual([o["Key"] for o in listed["Contents"]], sorted(self.KEYS))
        self.assertEqual(listed["KeyCount"], len(self.KEYS))
        self.assertFalse(listed["IsTruncated"])
        for entry in listed["Contents"]:
            self.assertEqual(entry["Size"], len(entry["Key"].encode()))
            self.assertEqual(entry["ETag"], f'"{hashlib.md5(entry["Key"].encode()).hexdigest()}"')

    def test_prefix(self):
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix="photos/2024/")
        self.assertEqual([o["Key"] for o in listed["Contents"]],
                         ["photos/2024/a.jpg", "photos/2024/b.jpg"])

    def test_delimiter_rolls_up_common_prefixes(self):
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in listed["CommonPrefixes"]],
                         ["docs/", "photos/", "with space/"])
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["top.txt"])
        nested = self.s3.list_objects_v2(Bucket=self.bucket, Prefix="photos/", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in nested["CommonPrefixes"]],
                         ["photos/2024/", "photos/2025/"])
        self.assertNotIn("Contents", nested)

    def test_max_keys_pagination_with_continuation_token(self):
        seen, token, pages = [], None, 0
        while True:
            kwargs = {"ContinuationToken": token} if token else {}
            page = self.s3.list_objects_v2(Bucket=self.bucket, MaxKeys=2, **kwargs)
            pages += 1
            self.assertLessEqual(page["KeyCount"], 2)
            seen += [o["Key"] for o in page.get("Contents", [])]
            if not page["IsTruncated"]:
                break
            token = page["NextContinuationToken"]
            self.assertLess(pages, 10, "pagination does not end")
        self.assertEqual(seen, sorted(self.KEYS))
        self.assertEqual(pages, 3)

    def test_common_prefixes_count_towards_max_keys(self):
        # S3: "CommonPrefixes ... count as one key" toward MaxKeys (ListObjectsV2 reference).
        first = self.s3.list_objects_v2(Bucket=self.bucket, Delimiter="/", MaxKeys=2)
        self.assertTrue(first["IsTruncated"])
        self.assertEqual(first["KeyCount"], 2)
        self.assertEqual([p["Prefix"] for p in first["CommonPrefixes"]], ["docs/", "photos/"])
        second = self.s3.list_objects_v2(Bucket=self.bucket, Delimiter="/", MaxKeys=2,
                                         ContinuationToken=first["NextContinuationToken"])
        self.assertEqual([o["Key"] for o in second.get("Contents", [])], ["top.txt"])
        self.assertEqual([p["Prefix"] for p in second.get("CommonPrefixes", [])], ["with space/"])
        self.assertFalse(second["IsTruncated"])

    def test_start_after(self):
        listed = self.s3.list_objects_v2(Bucket=self.bucket, StartAfter="photos/2024/b.jpg")
        self.assertEqual([o["Key"] for o in listed["Contents"]],
                         ["photos/2025/c.jpg", "top.txt", "with space/ü+%.txt"])

    def test_paginator_pages_through_everything(self):
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, PaginationConfig={"PageSize": 4})
        self.assertEqual([o["Key"] for p in pages for o in p.get("Contents", [])],
                         sorted(self.KEYS))

    def test_list_objects_v1_with_delimiter_gives_next_marker(self):
        # v1 returns NextMarker only when a delimiter is given (ListObjects reference).
        first = self.s3.list_objects(Bucket=self.bucket, Delimiter="/", MaxKeys=2)
        self.assertTrue(first["IsTruncated"])
        self.assertEqual([p["Prefix"] for p in first["CommonPrefixes"]], ["docs/", "photos/"])
        self.assertEqual(first["NextMarker"], "photos/")
        second = self.s3.list_objects(Bucket=self.bucket, Delimiter="/",
                                      Marker=first["NextMarker"])
        self.assertEqual([o["Key"] for o in second["Contents"]], ["top.txt"])
        self.assertEqual([p["Prefix"] for p in second["CommonPrefixes"]], ["with space/"])
        self.assertFalse(second["IsTruncated"])

    def test_list_objects_v1_with_marker(self):
        first = self.s3.list_objects(Bucket=self.bucket, MaxKeys=3)
        self.assertTrue(first["IsTruncated"])
        keys = [o["Key"] for o in first["Contents"]]
        second = self.s3.list_objects(Bucket=self.bucket, Marker=keys[-1])
        self.assertFalse(second["IsTruncated"])
        self.assertEqual(keys + [o["Key"] for o in second["Contents"]], sorted(self.KEYS))


class RangesAndConditions(S3TestCase):
    bucket_purpose = "ranges"
    BODY = b"abcdefghijklmnopqrstuvwxyz"

    def setUp(self):
        super().setUp()
        self.etag = self.s3.put_object(Bucket=self.bucket, Key="abc", Body=self.BODY)["ETag"]

    def get(self, **kwargs):
        return self.s3.get_object(Bucket=self.bucket, Key="abc", **kwargs)

    def test_closed_range(self):
        got = self.get(Range="bytes=2-5")
        self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(got["ContentRange"], "bytes 2-5/26")
        self.assertEqual(got["ContentLength"], 4)
        self.assertEqual(got["Body"].read(), b"cdef")

    def test_open_range(self):
        got = self.get(Range="bytes=20-")
        self.assertEqual(got["ContentRange"], "bytes 20-25/26")
        self.assertEqual(got["Body"].read(), b"uvwxyz")

    def test_suffix_range(self):
        got = self.get(Range="bytes=-3")
        self.assertEqual(got["ContentRange"], "bytes 23-25/26")
        self.assertEqual(got["Body"].read(), b"xyz")

    def test_range_past_the_end_is_clamped(self):
        got = self.get(Range="bytes=24-1000")
        self.assertEqual(got["ContentRange"], "bytes 24-25/26")
        self.assertEqual(got["Body"].read(), b"yz")

    def test_unsatisfiable_range_is_416_invalid_range(self):
        self.assertS3Error("InvalidRange", 416, self.get, Range="bytes=26-")

    def test_if_none_match_current_etag_is_304(self):
        error = self.assertS3Error("304", 304, self.get, IfNoneMatch=self.etag)
        self.assertEqual(error["ResponseMetadata"]["HTTPHeaders"].get("etag"), self.etag)

    def test_if_none_match_other_etag_returns_body(self):
        self.assertEqual(self.get(IfNoneMatch='"0123"')["Body"].read(), self.BODY)

    def test_if_match_other_etag_is_412(self):
        self.assertS3Error("PreconditionFailed", 412, self.get, IfMatch='"0123"')

    def test_if_match_current_etag_returns_body(self):
        self.assertEqual(self.get(IfMatch=self.etag)["Body"].read(), self.BODY)

    def test_if_modified_since_after_last_modified_is_304(self):
        head = self.s3.head_object(Bucket=self.bucket, Key="abc")
        self.assertS3Error("304", 304, self.get, IfModifiedSince=head["LastModified"])

    def test_if_unmodified_since_before_last_modified_is_412(self):
        self.assertS3Error("PreconditionFailed", 412, self.get,
                           IfUnmodifiedSince="Mon, 01 Jan 2001 00:00:00 GMT")


class Integrity(S3TestCase):
    bucket_purpose = "integrity"

    def test_put_with_sha256_checksum_is_stored_and_returned(self):
        body = os.urandom(50_000)
        expected = b64(hashlib.sha256(body).digest())
        put = self.s3.put_object(Bucket=self.bucket, Key="summed", Body=body,
                                 ChecksumAlgorithm="SHA256")
        self.assertEqual(put.get("ChecksumSHA256"), expected)
        head = self.s3.head_object(Bucket=self.bucket, Key="summed", ChecksumMode="ENABLED")
        self.assertEqual(head.get("ChecksumSHA256"), expected)
        got = self.s3.get_object(Bucket=self.bucket, Key="summed", ChecksumMode="ENABLED")
        self.assertEqual(got.get("ChecksumSHA256"), expected)
        self.assertEqual(got["Body"].read(), body)  # botocore also validates the checksum

    def test_wrong_sha256_checksum_is_bad_digest_and_nothing_stored(self):
        wrong = b64(hashlib.sha256(b"something else").digest())
        self.assertS3Error("BadDigest", 400, self.s3.put_object, Bucket=self.bucket, Key="bad",
                           Body=b"the real body", ChecksumSHA256=wrong)
        self.assertAbsent("bad")

    def test_right_content_md5_is_accepted(self):
        body = b"md5 checked"
        self.s3.put_object(Bucket=self.bucket, Key="md5", Body=body,
                           ContentMD5=b64(hashlib.md5(body).digest()))
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="md5")["Body"].read(), body)

    def test_wrong_content_md5_is_bad_digest_and_nothing_stored(self):
        # PutObject: "BadDigest: The Content-MD5 you specified did not match what we received."
        self.assertS3Error("BadDigest", 400, self.s3.put_object, Bucket=self.bucket, Key="md5",
                           Body=b"the real body",
                           ContentMD5=b64(hashlib.md5(b"another body").digest()))
        self.assertAbsent("md5")


class RequiredChecksums(S3TestCase):
    """DeleteObjects and PutBucketCors are operations S3 requires an integrity header on
    (httpChecksumRequired in the API model). This botocore sends Content-MD5; asked for a
    flexible checksum it sends x-amz-checksum-<algorithm> instead, which S3 accepts too."""
    bucket_purpose = "checksum-required"
    CORS = {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]}
    INTEGRITY = ("content-md5", "x-amz-sdk-checksum-algorithm", "x-amz-checksum-crc32",
                 "x-amz-checksum-sha256")

    def setUp(self):
        super().setUp()
        self.sent = {}
        self.s3.meta.events.register("before-send.s3.*", self.record)

    def record(self, request, **_):
        self.sent = {k.lower(): v for k, v in request.headers.items()
                     if k.lower() in self.INTEGRITY}

    def rewrite_before_signing(self, operation, rewrite):
        """Changes the integrity headers before botocore signs them, so the signature holds."""
        def hook(request, **_):
            headers = {k.lower(): v for k, v in request.headers.items()
                       if k.lower() in self.INTEGRITY}
            for name in headers:
                del request.headers[name]
            for name, value in rewrite(headers).items():
                request.headers[name] = value
        self.s3.meta.events.register(f"before-sign.s3.{operation}", hook)

    def delete(self, keys, **kwargs):
        return self.s3.delete_objects(Bucket=self.bucket, **kwargs,
                                      Delete={"Objects": [{"Key": k} for k in keys]})

    def test_content_md5_is_what_this_client_sends(self):
        self.s3.put_object(Bucket=self.bucket, Key="a", Body=b"a")
        self.assertEqual(sorted(d["Key"] for d in self.delete(["a"])["Deleted"]), ["a"])
        self.assertEqual(list(self.sent), ["content-md5"])
        self.s3.put_bucket_cors(Bucket=self.bucket, CORSConfiguration=self.CORS)
        self.assertEqual(list(self.sent), ["content-md5"])
        self.assertAbsent("a")

    def test_a_flexible_checksum_instead_of_content_md5_is_accepted(self):
        for algorithm in ("CRC32", "SHA256"):
            with self.subTest(algorithm):
                self.s3.put_object(Bucket=self.bucket, Key="a", Body=b"a")
                self.delete(["a"], ChecksumAlgorithm=algorithm)
                self.assertNotIn("content-md5", self.sent)
                self.assertIn(f"x-amz-checksum-{algorithm.lower()}", self.sent)
                self.assertAbsent("a")
                self.s3.put_bucket_cors(Bucket=self.bucket, CORSConfiguration=self.CORS,
                                        ChecksumAlgorithm=algorithm)
                self.assertNotIn("content-md5", self.sent)

    def test_without_an_integrity_header_nothing_is_deleted_or_configured(self):
        # S3: 400 InvalidRequest "Missing required header for this request: Content-MD5".
        self.s3.put_object(Bucket=self.bucket, Key="keep", Body=b"keep")
        for operation in ("DeleteObjects", "PutBucketCors"):
            self.rewrite_before_signing(operation, lambda headers: {})
        for kwargs in ({}, {"ChecksumAlgorithm": "CRC32"}):
            error = self.assertS3Error("InvalidRequest", 400, self.delete, ["keep"], **kwargs)
            self.assertEqual(error["Error"]["Message"],
                             "Missing required header for this request: Content-MD5")
            self.assertEqual(self.sent, {})
            error = self.assertS3Error("InvalidRequest", 400, self.s3.put_bucket_cors,
                                       Bucket=self.bucket, CORSConfiguration=self.CORS, **kwargs)
            self.assertEqual(error["Error"]["Message"],
                             "Missing required header for this request: Content-MD5")
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="keep")["Body"].read(),
                         b"keep")
        self.assertS3Error("NoSuchCORSConfiguration", 404, self.s3.get_bucket_cors,
                           Bucket=self.bucket)

    def test_an_algorithm_without_its_checksum_is_invalid_request(self):
        self.rewrite_before_signing(
            "DeleteObjects", lambda headers: {"x-amz-sdk-checksum-algorithm": "CRC32"})
        error = self.assertS3Error("InvalidRequest", 400, self.delete, ["a"])
        self.assertEqual(error["Error"]["Message"],
                         "x-amz-sdk-checksum-algorithm specified, but no corresponding "
                         "x-amz-checksum-* or x-amz-trailer headers were found.")

    def test_a_wrong_checksum_is_bad_digest_and_nothing_is_deleted(self):
        self.s3.put_object(Bucket=self.bucket, Key="keep", Body=b"keep")
        wrong_md5 = b64(hashlib.md5(b"another body").digest())
        self.rewrite_before_signing("DeleteObjects", lambda headers: {
            name: (wrong_md5 if name == "content-md5" else "AAAAAA==" if name.endswith("crc32")
                   else value) for name, value in headers.items()})
        # "The Content-MD5 you specified did not match what we received."
        error = self.assertS3Error("BadDigest", 400, self.delete, ["keep"])
        self.assertEqual(error["Error"]["Message"],
                         "The Content-MD5 you specified did not match what we received.")
        error = self.assertS3Error("BadDigest", 400, self.delete, ["keep"],
                                   ChecksumAlgorithm="CRC32")
        self.assertEqual(error["Error"]["Message"],
                         "The CRC32 you specified did not match the calculated checksum.")
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="keep")["Body"].read(),
                         b"keep")

    def test_a_malformed_content_md5_is_invalid_digest(self):
        self.rewrite_before_signing("PutBucketCors", lambda headers: {"content-md5": "not-md5"})
        self.assertS3Error("InvalidDigest", 400, self.s3.put_bucket_cors, Bucket=self.bucket,
                           CORSConfiguration=self.CORS)


class MultipartUploads(S3TestCase):
    bucket_purpose = "multipart"

    def upload_parts(self, key, parts):
        upload_id = self.s3.create_multipart_upload(Bucket=self.bucket, Key=key,
                                                    ContentType="video/mp4")["UploadId"]
        etags = []
        for number, data in enumerate(parts, start=1):
            etags.append(self.s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                             PartNumber=number, Body=data)["ETag"])
        return upload_id, etags

    def test_create_upload_list_complete(self):
        parts = [os.urandom(5 * MiB), os.urandom(1000)]
        upload_id, etags = self.upload_parts("big.mp4", parts)
        self.assertEqual(etags, [f'"{hashlib.md5(p).hexdigest()}"' for p in parts])

        uploads = self.s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
        self.assertIn(("big.mp4", upload_id), [(u["Key"], u["UploadId"]) for u in uploads])
        listed = self.s3.list_parts(Bucket=self.bucket, Key="big.mp4", UploadId=upload_id)
        self.assertEqual([(p["PartNumber"], p["Size"], p["ETag"]) for p in listed["Parts"]],
                         [(1, 5 * MiB, etags[0]), (2, 1000, etags[1])])

        done = self.s3.complete_multipart_upload(
            Bucket=self.bucket, Key="big.mp4", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e}
                                       for n, e in enumerate(etags, start=1)]})
        combined = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
        self.assertEqual(done["ETag"], f'"{combined}-2"')
        got = self.s3.get_object(Bucket=self.bucket, Key="big.mp4")
        self.assertEqual(got["ETag"], f'"{combined}-2"')
        self.assertEqual(got["ContentType"], "video/mp4")
        self.assertEqual(got["Body"].read(), b"".join(parts))
        uploads = self.s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
        self.assertNotIn(upload_id, [u["UploadId"] for u in uploads])

    def test_abort_discards_the_upload(self):
        upload_id, _ = self.upload_parts("aborted", [b"x" * 1000])
        self.s3.abort_multipart_upload(Bucket=self.bucket, Key="aborted", UploadId=upload_id)
        self.assertS3Error("NoSuchUpload", 404, self.s3.list_parts, Bucket=self.bucket,
                           Key="aborted", UploadId=upload_id)
        uploads = self.s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
        self.assertNotIn(upload_id, [u["UploadId"] for u in uploads])
        self.assertAbsent("aborted")

    def test_parts_under_5_mib_except_last_are_entity_too_small(self):
        upload_id, etags = self.upload_parts("small", [b"a" * 1000, b"b" * 1000])
        self.assertS3Error("EntityTooSmall", 400, self.s3.complete_multipart_upload,
                           Bucket=self.bucket, Key="small", UploadId=upload_id,
                           MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etags[0]},
                                                      {"PartNumber": 2, "ETag": etags[1]}]})
        self.assertAbsent("small")

    def test_wrong_part_etag_is_invalid_part(self):
        upload_id, _ = self.upload_parts("wrong", [b"a" * 1000])
        self.assertS3Error("InvalidPart", 400, self.s3.complete_multipart_upload,
                           Bucket=self.bucket, Key="wrong", UploadId=upload_id,
                           MultipartUpload={"Parts": [{"PartNumber": 1,
                                                       "ETag": '"00000000000000000000000000000000"'}]})

    def test_parts_out_of_order_are_invalid_part_order(self):
        upload_id, etags = self.upload_parts("order", [os.urandom(5 * MiB), b"z" * 10])
        self.assertS3Error("InvalidPartOrder", 400, self.s3.complete_multipart_upload,
                           Bucket=self.bucket, Key="order", UploadId=upload_id,
                           MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": etags[1]},
                                                      {"PartNumber": 1, "ETag": etags[0]}]})

    def test_a_part_checksum_the_upload_did_not_declare_is_invalid_request(self):
        # UploadPart: the checksum algorithm "must be the same for all parts and it match the
        # checksum value supplied in the CreateMultipartUpload request"; S3 refuses others.
        for declared, sent in ((None, "CRC32"), ("SHA256", "CRC32"), ("CRC32", "SHA1")):
            with self.subTest(declared=declared, sent=sent):
                extra = {"ChecksumAlgorithm": declared} if declared else {}
                upload_id = self.s3.create_multipart_upload(Bucket=self.bucket, Key="sum",
                                                            **extra)["UploadId"]
                error = self.assertS3Error("InvalidRequest", 400, self.s3.upload_part,
                                           Bucket=self.bucket, Key="sum", UploadId=upload_id,
                                           PartNumber=1, Body=b"x" * 1000,
                                           ChecksumAlgorithm=sent)
                self.assertEqual(error["Error"]["Message"],
                                 "Checksum Type mismatch occurred, expected checksum Type: "
                                 f"{(declared or 'null').lower()}, actual checksum Type: "
                                 f"{sent.lower()}")
                parts = self.s3.list_parts(Bucket=self.bucket, Key="sum", UploadId=upload_id)
                self.assertEqual(parts.get("Parts", []), [])
                if declared:  # the declared one is accepted
                    done = self.s3.upload_part(Bucket=self.bucket, Key="sum", UploadId=upload_id,
                                               PartNumber=1, Body=b"x" * 1000,
                                               ChecksumAlgorithm=declared)
                    self.assertIn(f"Checksum{declared}", done)

    def test_part_number_beyond_the_objects_parts_is_invalid_part_number(self):
        # GetObject: 416 InvalidPartNumber "The requested partnumber is not satisfiable".
        upload_id, etags = self.upload_parts("two", [os.urandom(5 * MiB), b"tail"])
        self.s3.complete_multipart_upload(
            Bucket=self.bucket, Key="two", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e}
                                       for n, e in enumerate(etags, start=1)]})
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="two",
                                            PartNumber=2)["Body"].read(), b"tail")
        error = self.assertS3Error("InvalidPartNumber", 416, self.s3.get_object,
                                   Bucket=self.bucket, Key="two", PartNumber=3)
        self.assertEqual(error["Error"]["Message"], "The requested partnumber is not satisfiable")
        self.assertEqual((error["Error"].get("PartNumberRequested"),
                          error["Error"].get("ActualPartCount")), ("3", "2"))
        self.assertS3Error("416", 416, self.s3.head_object, Bucket=self.bucket, Key="two",
                           PartNumber=3)
        self.s3.put_object(Bucket=self.bucket, Key="one", Body=b"single")
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="one",
                                            PartNumber=1)["Body"].read(), b"single")
        self.assertS3Error("InvalidPartNumber", 416, self.s3.get_object, Bucket=self.bucket,
                           Key="one", PartNumber=2)

    def test_upload_part_to_unknown_upload_is_no_such_upload(self):
        self.assertS3Error("NoSuchUpload", 404, self.s3.upload_part, Bucket=self.bucket,
                           Key="k", UploadId="no-such-upload", PartNumber=1, Body=b"x")


class PresignedUrls(S3TestCase):
    bucket_purpose = "presigned"

    def test_presigned_put_with_content_type(self):
        url = self.s3.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": "up/photo.png",
                                  "ContentType": "image/png"}, ExpiresIn=300)
        body = os.urandom(30_000)
        response = requests.put(url, data=body, headers={"Content-Type": "image/png"}, timeout=30)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers.get("ETag"), f'"{hashlib.md5(body).hexdigest()}"')
        got = self.s3.get_object(Bucket=self.bucket, Key="up/photo.png")
        self.assertEqual(got["ContentType"], "image/png")
        self.assertEqual(got["Body"].read(), body)

    def test_presigned_put_with_another_content_type_is_signature_mismatch(self):
        # Content-Type is a signed header of this URL; S3 answers 403 SignatureDoesNotMatch.
        url = self.s3.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": "up/x.png",
                                  "ContentType": "image/png"}, ExpiresIn=300)
        response = requests.put(url, data=b"not a png",
                                headers={"Content-Type": "text/html"}, timeout=30)
        self.assertEqual(response.status_code, 403, response.text)
        self.assertEqual(xml_error_code(response), "SignatureDoesNotMatch", response.text)
        self.assertAbsent("up/x.png")

    def test_presigned_get(self):
        self.s3.put_object(Bucket=self.bucket, Key="dl.txt", Body=b"download me")
        url = self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "dl.txt"}, ExpiresIn=300)
        response = requests.get(url, timeout=30)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.content, b"download me")

    def test_presigned_get_with_response_overrides(self):
        self.s3.put_object(Bucket=self.bucket, Key="dl.bin", Body=b"override",
                           ContentType="application/octet-stream")
        url = self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "dl.bin",
                                  "ResponseContentType": "text/plain",
                                  "ResponseContentDisposition": "attachment; filename=x.txt"},
            ExpiresIn=300)
        response = requests.get(url, timeout=30)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers.get("Content-Type"), "text/plain")
        self.assertEqual(response.headers.get("Content-Disposition"), "attachment; filename=x.txt")

    def test_anonymous_get_is_access_denied(self):
        self.s3.put_object(Bucket=self.bucket, Key="private", Body=b"secret")
        response = requests.get(self.object_url("private"), timeout=30)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(xml_error_code(response), "AccessDenied", response.text)
        self.assertTrue(response.headers.get("x-amz-request-id"))

    def test_public_read_object_is_readable_anonymously(self):
        self.s3.put_object(Bucket=self.bucket, Key="public", Body=b"hello all", ACL="public-read")
        response = requests.get(self.object_url("public"), timeout=30)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.content, b"hello all")


class PostPolicyUploads(S3TestCase):
    bucket_purpose = "post"

    def post(self, presigned, filename, body, extra_fields=None):
        fields = dict(presigned["fields"])
        fields.update(extra_fields or {})
        return requests.post(presigned["url"], data=fields,
                             files={"file": (filename, body, "application/octet-stream")},
                             timeout=30)

    def test_post_object_default_204(self):
        presigned = self.s3.generate_presigned_post(
            Bucket=self.bucket, Key="forms/${filename}",
            Conditions=[["content-length-range", 1, 1024]], ExpiresIn=300)
        response = self.post(presigned, "hello.txt", b"hello from a form")
        self.assertEqual(response.status_code, 204, response.text)
        got = self.s3.get_object(Bucket=self.bucket, Key="forms/hello.txt")
        self.assertEqual(got["Body"].read(), b"hello from a form")

    def test_post_object_with_fields_and_status_201(self):
        presigned = self.s3.generate_presigned_post(
            Bucket=self.bucket, Key="forms/typed.txt",
            Fields={"Content-Type": "text/plain", "success_action_status": "201",
                    "x-amz-meta-origin": "form"},
            Conditions=[{"Content-Type": "text/plain"}, {"success_action_status": "201"},
                        {"x-amz-meta-origin": "form"}, ["content-length-range", 1, 1024]],
            ExpiresIn=300)
        response = self.post(presigned, "ignored.txt", b"typed body")
        self.assertEqual(response.status_code, 201, response.text)
        document = ET.fromstring(response.content)
        self.assertEqual(document.findtext("Key"), "forms/typed.txt")
        self.assertEqual(document.findtext("Bucket"), self.bucket)
        head = self.s3.head_object(Bucket=self.bucket, Key="forms/typed.txt")
        self.assertEqual(head["ContentType"], "text/plain")
        self.assertEqual(head["Metadata"], {"origin": "form"})

    def test_file_over_content_length_range_is_refused_and_not_stored(self):
        # S3 refuses a POST whose file exceeds the policy's content-length-range with
        # 400 EntityTooLarge (RESTObjectPOST / POST policy documentation).
        presigned = self.s3.generate_presigned_post(
            Bucket=self.bucket, Key="forms/limited.bin",
            Conditions=[["content-length-range", 1, 1024]], ExpiresIn=300)
        response = self.post(presigned, "limited.bin", b"x" * 2048)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(xml_error_code(response), "EntityTooLarge", response.text)
        self.assertAbsent("forms/limited.bin")

    def test_success_action_redirect_is_a_303_to_the_url_with_bucket_key_etag(self):
        # S3 redirects with 303 and appends bucket, key and etag to the URL (POST Object docs).
        target = "https://app.example.com/done"
        presigned = self.s3.generate_presigned_post(
            Bucket=self.bucket, Key="forms/redirected.txt",
            Fields={"success_action_redirect": target},
            Conditions=[{"success_action_redirect": target}], ExpiresIn=300)
        fields = dict(presigned["fields"])
        response = requests.post(presigned["url"], data=fields, allow_redirects=False,
                                 files={"file": ("r.txt", b"redirect me", "text/plain")},
                                 timeout=30)
        self.assertEqual(response.status_code, 303, response.text)
        location = urllib.parse.urlsplit(response.headers["Location"])
        self.assertEqual(f"{location.scheme}://{location.netloc}{location.path}", target)
        query = dict(urllib.parse.parse_qsl(location.query))
        self.assertEqual(query.get("bucket"), self.bucket)
        self.assertEqual(query.get("key"), "forms/redirected.txt")
        self.assertEqual(query.get("etag"), f'"{hashlib.md5(b"redirect me").hexdigest()}"')

    def test_key_outside_the_starts_with_condition_is_refused(self):
        # 403 AccessDenied "Invalid according to Policy: Policy Condition failed".
        presigned = self.s3.generate_presigned_post(
            Bucket=self.bucket, Key="forms/${filename}", ExpiresIn=300)
        response = self.post(presigned, "x.txt", b"x", {"key": "elsewhere/x.txt"})
        self.assertEqual(response.status_code, 403, response.text)
        self.assertEqual(xml_error_code(response), "AccessDenied", response.text)
        self.assertAbsent("elsewhere/x.txt")

    def test_expired_policy_is_refused(self):
        # 403 AccessDenied "Invalid according to Policy: Policy expired."
        presigned = self.s3.generate_presigned_post(
            Bucket=self.bucket, Key="forms/late.txt", ExpiresIn=-60)
        response = self.post(presigned, "late.txt", b"too late")
        self.assertEqual(response.status_code, 403, response.text)
        self.assertEqual(xml_error_code(response), "AccessDenied", response.text)
        self.assertAbsent("forms/late.txt")

    def test_field_not_covered_by_policy_is_refused(self):
        # Every form field must be covered by a policy condition (POST policy docs):
        # 403 AccessDenied "Invalid according to Policy: Extra input fields".
        presigned = self.s3.generate_presigned_post(
            Bucket=self.bucket, Key="forms/extra.txt", ExpiresIn=300)
        response = self.post(presigned, "extra.txt", b"x", {"x-amz-meta-sneaky": "1"})
        self.assertEqual(response.status_code, 403, response.text)
        self.assertEqual(xml_error_code(response), "AccessDenied", response.text)
        self.assertAbsent("forms/extra.txt")


class Credentials(S3TestCase):
    bucket_purpose = "credentials"

    def test_wrong_secret_is_signature_does_not_match(self):
        impostor = make_client(secret_access_key="not-the-secret-at-all-000000000000000000")
        self.assertS3Error("SignatureDoesNotMatch", 403, impostor.put_object,
                           Bucket=self.bucket, Key="k", Body=b"x")
        self.assertAbsent("k")

    def test_unknown_key_id_is_invalid_access_key_id(self):
        stranger = make_client(access_key_id="AKIANOTAKNOWNKEY0000")
        self.assertS3Error("InvalidAccessKeyId", 403, stranger.list_objects_v2, Bucket=self.bucket)


class BucketCors(S3TestCase):
    bucket_purpose = "cors"
    RULES = [{"AllowedOrigins": ["http://localhost:8080", "https://*.example.com"],
              "AllowedMethods": ["PUT", "GET"], "AllowedHeaders": ["*"],
              "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000}]

    def setUp(self):
        super().setUp()
        self.s3.put_bucket_cors(Bucket=self.bucket, CORSConfiguration={"CORSRules": self.RULES})

    def preflight(self, origin, method="PUT", headers="content-type,x-amz-meta-a"):
        return requests.options(self.object_url("uploads/a.png"), timeout=30, headers={
            "Origin": origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers})

    def test_get_returns_what_was_put(self):
        rules = self.s3.get_bucket_cors(Bucket=self.bucket)["CORSRules"]
        self.assertEqual(len(rules), 1)
        rule = rules[0]
        for field, value in self.RULES[0].items():
            self.assertEqual(rule.get(field), value, field)

    def test_preflight_allowed(self):
        response = self.preflight("http://localhost:8080")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers.get("Access-Control-Allow-Origin"),
                         "http://localhost:8080")
        methods = [m.strip() for m in response.headers.get("Access-Control-Allow-Methods", "").split(",")]
        self.assertIn("PUT", methods)
        allowed = response.headers.get("Access-Control-Allow-Headers", "").lower()
        self.assertIn("content-type", allowed)
        self.assertIn("x-amz-meta-a", allowed)
        self.assertEqual(response.headers.get("Access-Control-Max-Age"), "3000")
        self.assertIn("origin", response.headers.get("Vary", "").lower())

    def test_preflight_wildcard_origin(self):
        response = self.preflight("https://app.example.com")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers.get("Access-Control-Allow-Origin"),
                         "https://app.example.com")

    def test_preflight_from_unknown_origin_is_403(self):
        # S3: 403 "CORSResponse: This CORS request is not allowed."
        response = self.preflight("https://evil.test")
        self.assertEqual(response.status_code, 403, response.text)
        self.assertIsNone(response.headers.get("Access-Control-Allow-Origin"))

    def test_preflight_for_a_method_not_allowed_is_403(self):
        response = self.preflight("http://localhost:8080", method="DELETE")
        self.assertEqual(response.status_code, 403, response.text)

    def test_actual_request_gets_cors_headers(self):
        self.s3.put_object(Bucket=self.bucket, Key="uploads/a.png", Body=b"png")
        url = self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "uploads/a.png"}, ExpiresIn=300)
        response = requests.get(url, headers={"Origin": "http://localhost:8080"}, timeout=30)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers.get("Access-Control-Allow-Origin"),
                         "http://localhost:8080")
        self.assertEqual(response.headers.get("Access-Control-Expose-Headers"), "ETag")
        self.assertIn("origin", response.headers.get("Vary", "").lower())

    def test_error_responses_carry_cors_headers_too(self):
        # A browser can read S3's 403 body (Uppy looks for "Request has expired" in it) only
        # because S3 applies the bucket's CORS rules to error responses as well.
        url = self.s3.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": "uploads/a.png",
                                  "ContentType": "image/png"}, ExpiresIn=300)
        response = requests.put(url, data=b"x", timeout=30, headers={
            "Content-Type": "text/plain", "Origin": "http://localhost:8080"})
        self.assertEqual(response.status_code, 403, response.text)
        self.assertEqual(xml_error_code(response), "SignatureDoesNotMatch", response.text)
        self.assertEqual(response.headers.get("Access-Control-Allow-Origin"),
                         "http://localhost:8080")

    def test_delete_bucket_cors(self):
        self.s3.delete_bucket_cors(Bucket=self.bucket)
        self.assertS3Error("NoSuchCORSConfiguration", 404, self.s3.get_bucket_cors,
                           Bucket=self.bucket)
        self.assertEqual(self.preflight("http://localhost:8080").status_code, 403)


if __name__ == "__main__":
    unittest.main(verbosity=2)

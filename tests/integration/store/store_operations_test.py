"""The embedded store's S3 operations, driven by boto3 and by raw requests where the exact
header or status matters."""
import base64
import datetime
import hashlib
import os
import unittest
import urllib.parse

import requests
from botocore.exceptions import ClientError

import store_harness as h

MIB = 1024 * 1024


def error_code(e):
    return e.response["Error"]["Code"]


class StoreOperationsTest(h.StoreTestCase):
    buckets = ("ops",)

    def assertS3Error(self, code, fn, *args, **kwargs):
        with self.assertRaises(ClientError) as ctx:
            fn(*args, **kwargs)
        self.assertEqual(error_code(ctx.exception), code, ctx.exception.response)
        return ctx.exception.response

    # -- buckets ---------------------------------------------------------------------------
    def test_bucket_lifecycle(self):
        s3 = self.s3
        s3.create_bucket(Bucket="life-cycle")
        self.assertIn("life-cycle", [b["Name"] for b in s3.list_buckets()["Buckets"]])
        s3.head_bucket(Bucket="life-cycle")
        self.assertIsNone(s3.get_bucket_location(Bucket="life-cycle").get("LocationConstraint"))
        s3.create_bucket(Bucket="life-cycle")  # us-east-1: re-creating your own bucket is 200
        self.assertS3Error("IllegalLocationConstraintException", s3.create_bucket,
                           Bucket="elsewhere", CreateBucketConfiguration={
                               "LocationConstraint": "eu-west-1"})
        s3.put_object(Bucket="life-cycle", Key="k", Body=b"x")
        self.assertS3Error("BucketNotEmpty", s3.delete_bucket, Bucket="life-cycle")
        s3.delete_object(Bucket="life-cycle", Key="k")
        s3.delete_bucket(Bucket="life-cycle")
        self.assertS3Error("404", s3.head_bucket, Bucket="life-cycle")
        self.assertS3Error("NoSuchBucket", s3.list_objects_v2, Bucket="life-cycle")
        self.assertS3Error("InvalidBucketName", s3.create_bucket, Bucket="Bad_Name")

    # -- objects ---------------------------------------------------------------------------
    def test_put_get_head_delete_with_headers_and_metadata(self):
        s3 = self.s3
        body = os.urandom(100_000)
        put = s3.put_object(Bucket="ops", Key="dir/file.bin", Body=body,
                            ContentType="application/x-test", ContentDisposition="attachment",
                            ContentEncoding="identity", CacheControl="max-age=60",
                            ContentLanguage="fr", Metadata={"Owner": "me", "n": "1"})
        self.assertEqual(put["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        got = s3.get_object(Bucket="ops", Key="dir/file.bin")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["ContentType"], "application/x-test")
        self.assertEqual(got["ContentDisposition"], "attachment")
        self.assertEqual(got["ContentEncoding"], "identity")
        self.assertEqual(got["CacheControl"], "max-age=60")
        self.assertEqual(got["ContentLanguage"], "fr")
        self.assertEqual(got["Metadata"], {"owner": "me", "n": "1"})
        self.assertEqual(got["AcceptRanges"], "bytes")
        head = s3.head_object(Bucket="ops", Key="dir/file.bin")
        self.assertEqual(head["ContentLength"], len(body))
        self.assertEqual(head["ETag"], put["ETag"])
        s3.delete_object(Bucket="ops", Key="dir/file.bin")
        self.assertS3Error("NoSuchKey", s3.get_object, Bucket="ops", Key="dir/file.bin")
        self.assertS3Error("404", s3.head_object, Bucket="ops", Key="dir/file.bin")
        s3.delete_object(Bucket="ops", Key="dir/file.bin")  # deleting a missing key is fine

    def test_default_content_type_and_empty_object(self):
        self.s3.put_object(Bucket="ops", Key="empty", Body=b"")
        got = self.s3.get_object(Bucket="ops", Key="empty")
        self.assertEqual(got["Body"].read(), b"")
        self.assertEqual(got["ETag"], '"d41d8cd98f00b204e9800998ecf8427e"')

    def test_a_and_a_slash_b_and_dot_dot_keys_coexist(self):
        keys = ["a", "a/b", "../../etc/passwd", "x/../y", "ünïcødé/ключ", "sp ace+plus%percent"]
        for k in keys:
            self.s3.put_object(Bucket="ops", Key=k, Body=k.encode())
        for k in keys:
            self.assertEqual(self.s3.get_object(Bucket="ops", Key=k)["Body"].read(), k.encode())
        for f in self.store.blob_files():
            self.assertTrue(os.path.realpath(f).startswith(os.path.realpath(self.store.data_dir)))

    def test_if_none_match_star(self):
        url = f"{self.store.endpoint}/ops/once.txt"
        first = h.send_url(url, "PUT", h.sign("PUT", url, {"If-None-Match": "*"}, b"1"), b"1")
        self.assertEqual(first.status, 200, first)
        second = h.send_url(url, "PUT", h.sign("PUT", url, {"If-None-Match": "*"}, b"2"), b"2")
        self.assertEqual((second.status, second.code), (412, "PreconditionFailed"))
        self.assertEqual(self.s3.get_object(Bucket="ops", Key="once.txt")["Body"].read(), b"1")

    def test_ranges(self):
        body = bytes(range(256)) * 4
        self.s3.put_object(Bucket="ops", Key="range.bin", Body=body)
        url = f"{self.store.endpoint}/ops/range.bin"

        def get(range_value):
            return h.send_url(url, "GET", h.sign("GET", url, {"Range": range_value}))

        r = get("bytes=10-19")
        self.assertEqual((r.status, r.body), (206, body[10:20]))
        self.assertEqual(r.header("Content-Range"), f"bytes 10-19/{len(body)}")
        r = get("bytes=1000-")
        self.assertEqual((r.status, r.body), (206, body[1000:]))
        r = get("bytes=-5")
        self.assertEqual((r.status, r.body), (206, body[-5:]))
        r = get("bytes=5000-")
        self.assertEqual((r.status, r.code), (416, "InvalidRange"))
        self.assertEqual(r.header("Content-Range"), f"bytes */{len(body)}")
        r = get("bytes=20-10")  # ignored, as S3 does
        self.assertEqual((r.status, len(r.body)), (200, len(body)))
        r = get("bytes=0-1,5-6")
        self.assertEqual(r.status, 200)

    def test_conditional_gets(self):
        put = self.s3.put_object(Bucket="ops", Key="cond.txt", Body=b"v1")
        etag = put["ETag"]
        url = f"{self.store.endpoint}/ops/cond.txt"

        def get(headers):
            return h.send_url(url, "GET", h.sign("GET", url, headers))

        self.assertEqual(get({"If-Match": etag}).status, 200)
        self.assertEqual(get({"If-Match": '"nope"'}).status, 412)
        r = get({"If-None-Match": etag})
        self.assertEqual((r.status, r.body), (304, b""))
        self.assertEqual(r.header("ETag"), etag)
        self.assertEqual(get({"If-None-Match": '"other"'}).status, 200)
        future = "Sun, 06 Nov 2044 08:49:37 GMT"
        past = "Sun, 06 Nov 1994 08:49:37 GMT"
        self.assertEqual(get({"If-Modified-Since": past}).status, 200)
        self.assertEqual(get({"If-Unmodified-Since": past}).status, 412)
        self.assertEqual(get({"If-Unmodified-Since": future}).status, 200)
        now = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
        self.assertEqual(
            get({"If-Modified-Since": now.strftime("%a, %d %b %Y %H:%M:%S GMT")}).status, 200)

    def test_response_overrides_on_signed_get(self):
        self.s3.put_object(Bucket="ops", Key="override.txt", Body=b"x", ContentType="text/plain")
        url = self.s3.generate_presigned_url("get_object", Params={
            "Bucket": "ops", "Key": "override.txt", "ResponseContentType": "application/json",
            "ResponseContentDisposition": 'attachment; filename="a b.txt"'})
        r = requests.get(url)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.headers["Content-Type"], "application/json")
        self.assertEqual(r.headers["Content-Disposition"], 'attachment; filename="a b.txt"')

    def test_entity_too_large_before_the_body(self):
        url = f"{self.store.endpoint}/ops/huge.bin"
        headers = h.sign("PUT", url, {"Content-Length": str(5 * 1024 ** 3 + 1)}, b"",
                         payload_hash="UNSIGNED-PAYLOAD")
        r = h.send_url(url, "PUT", headers)  # no body is sent: the answer must come first
        self.assertEqual((r.status, r.code), (400, "EntityTooLarge"))

    def test_metadata_too_large(self):
        self.assertS3Error("MetadataTooLarge", self.s3.put_object, Bucket="ops", Key="meta",
                           Body=b"x", Metadata={"big": "v" * 2100})

    # -- listings --------------------------------------------------------------------------
    def test_list_objects_v2_and_v1(self):
        self.s3.create_bucket(Bucket="listing")
        keys = [f"photos/2024/{i:03}.jpg" for i in range(25)] + ["photos/readme", "top.txt",
                                                                   "zz/été"]
        for k in keys:
            self.s3.put_object(Bucket="listing", Key=k, Body=b"x")
        everything = []
        token = None
        while True:
            kw = {"Bucket": "listing", "MaxKeys": 7}
            if token:
                kw["ContinuationToken"] = token
            page = self.s3.list_objects_v2(**kw)
            everything += [o["Key"] for o in page.get("Contents", [])]
            if not page["IsTruncated"]:
                break
            token = page["NextContinuationToken"]
        self.assertEqual(everything, sorted(keys))
        page = self.s3.list_objects_v2(Bucket="listing", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in page["CommonPrefixes"]], ["photos/", "zz/"])
        self.assertEqual([o["Key"] for o in page["Contents"]], ["top.txt"])
        page = self.s3.list_objects_v2(Bucket="listing", Prefix="photos/", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in page["CommonPrefixes"]], ["photos/2024/"])
        page = self.s3.list_objects_v2(Bucket="listing", StartAfter="photos/readme")
        self.assertEqual([o["Key"] for o in page["Contents"]], ["top.txt", "zz/été"])
        page = self.s3.list_objects_v2(Bucket="listing", Prefix="zz/", EncodingType="url")
        # Asked for explicitly, boto3 hands back the encoded form S3 sent.
        self.assertEqual(page["Contents"][0]["Key"], "zz/%C3%A9t%C3%A9")
        v1 = self.s3.list_objects(Bucket="listing", Marker="photos/2024/020.jpg", MaxKeys=3)
        self.assertEqual([o["Key"] for o in v1["Contents"]],
                         ["photos/2024/021.jpg", "photos/2024/022.jpg", "photos/2024/023.jpg"])
        self.assertTrue(v1["IsTruncated"])
        self.assertS3Error("InvalidArgument", self.s3.list_objects_v2, Bucket="listing",
                           MaxKeys=-1)

    # -- copy and batch delete ---------------------------------------------------------------
    def test_copy_object(self):
        self.s3.put_object(Bucket="ops", Key="src.txt", Body=b"source", ContentType="text/plain",
                           Metadata={"a": "1"})
        self.s3.copy_object(Bucket="ops", Key="dst.txt", CopySource={"Bucket": "ops",
                                                                      "Key": "src.txt"})
        got = self.s3.get_object(Bucket="ops", Key="dst.txt")
        self.assertEqual((got["Body"].read(), got["Metadata"]), (b"source", {"a": "1"}))
        self.s3.copy_object(Bucket="ops", Key="dst.txt", CopySource="ops/src.txt",
                            MetadataDirective="REPLACE", Metadata={"b": "2"},
                            ContentType="text/csv")
        got = self.s3.head_object(Bucket="ops", Key="dst.txt")
        self.assertEqual((got["Metadata"], got["ContentType"]), ({"b": "2"}, "text/csv"))
        self.assertS3Error("InvalidRequest", self.s3.copy_object, Bucket="ops", Key="src.txt",
                           CopySource="ops/src.txt")
        self.assertS3Error("PreconditionFailed", self.s3.copy_object, Bucket="ops", Key="d2",
                           CopySource="ops/src.txt", CopySourceIfMatch='"nope"')
        self.assertS3Error("NoSuchKey", self.s3.copy_object, Bucket="ops", Key="d3",
                           CopySource="ops/missing")

    def test_delete_objects(self):
        for k in ("del/1", "del/2", "del/3"):
            self.s3.put_object(Bucket="ops", Key=k, Body=b"x")
        result = self.s3.delete_objects(Bucket="ops", Delete={"Objects": [
            {"Key": "del/1"}, {"Key": "del/2"}, {"Key": "del/never"}]})
        self.assertEqual(sorted(d["Key"] for d in result["Deleted"]),
                         ["del/1", "del/2", "del/never"])
        left = [o["Key"] for o in self.s3.list_objects_v2(Bucket="ops", Prefix="del/")["Contents"]]
        self.assertEqual(left, ["del/3"])
        quiet = self.s3.delete_objects(Bucket="ops", Delete={"Objects": [{"Key": "del/3"}],
                                                             "Quiet": True})
        self.assertEqual(quiet.get("Deleted", []), [])

    # -- multipart ---------------------------------------------------------------------------
    def test_multipart_upload(self):
        s3 = self.s3
        created = s3.create_multipart_upload(Bucket="ops", Key="big.bin", ContentType="video/mp4",
                                             Metadata={"m": "1"})
        upload_id = created["UploadId"]
        parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(1234)]
        etags = []
        for n, data in enumerate(parts, 1):
            etags.append(s3.upload_part(Bucket="ops", Key="big.bin", UploadId=upload_id,
                                        PartNumber=n, Body=data)["ETag"])
        listed = s3.list_parts(Bucket="ops", Key="big.bin", UploadId=upload_id)
        self.assertEqual([p["PartNumber"] for p in listed["Parts"]], [1, 2, 3])
        uploads = s3.list_multipart_uploads(Bucket="ops")["Uploads"]
        self.assertIn(upload_id, [u["UploadId"] for u in uploads])
        self.assertS3Error("InvalidPartOrder", s3.complete_multipart_upload, Bucket="ops",
                           Key="big.bin", UploadId=upload_id, MultipartUpload={"Parts": [
                               {"PartNumber": 2, "ETag": etags[1]},
                               {"PartNumber": 1, "ETag": etags[0]}]})
        self.assertS3Error("InvalidPart", s3.complete_multipart_upload, Bucket="ops",
                           Key="big.bin", UploadId=upload_id, MultipartUpload={"Parts": [
                               {"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]})
        done = s3.complete_multipart_upload(
            Bucket="ops", Key="big.bin", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e}
                                       for n, e in enumerate(etags, 1)]})
        digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
        self.assertEqual(done["ETag"], f'"{digest}-3"')
        got = s3.get_object(Bucket="ops", Key="big.bin")
        self.assertEqual(got["Body"].read(), b"".join(parts))
        self.assertEqual((got["ContentType"], got["Metadata"]), ("video/mp4", {"m": "1"}))
        part2 = s3.get_object(Bucket="ops", Key="big.bin", PartNumber=2)
        self.assertEqual(part2["Body"].read(), parts[1])
        self.assertEqual(part2["PartsCount"], 3)
        self.assertS3Error("NoSuchUpload", s3.upload_part, Bucket="ops", Key="big.bin",
                           UploadId=upload_id, PartNumber=1, Body=b"x")

    def test_multipart_too_small_abort_and_part_copy(self):
        s3 = self.s3
        upload_id = s3.create_multipart_upload(Bucket="ops", Key="small.bin")["UploadId"]
        e1 = s3.upload_part(Bucket="ops", Key="small.bin", UploadId=upload_id, PartNumber=1,
                            Body=b"a" * 100)["ETag"]
        e2 = s3.upload_part(Bucket="ops", Key="small.bin", UploadId=upload_id, PartNumber=2,
                            Body=b"b" * 100)["ETag"]
        self.assertS3Error("EntityTooSmall", s3.complete_multipart_upload, Bucket="ops",
                           Key="small.bin", UploadId=upload_id, MultipartUpload={"Parts": [
                               {"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
        s3.abort_multipart_upload(Bucket="ops", Key="small.bin", UploadId=upload_id)
        self.assertS3Error("NoSuchUpload", s3.list_parts, Bucket="ops", Key="small.bin",
                           UploadId=upload_id)
        s3.put_object(Bucket="ops", Key="copy-src", Body=b"0123456789")
        upload_id = s3.create_multipart_upload(Bucket="ops", Key="copied.bin")["UploadId"]
        part = s3.upload_part_copy(Bucket="ops", Key="copied.bin", UploadId=upload_id,
                                   PartNumber=1, CopySource="ops/copy-src",
                                   CopySourceRange="bytes=2-5")
        s3.complete_multipart_upload(Bucket="ops", Key="copied.bin", UploadId=upload_id,
                                     MultipartUpload={"Parts": [{
                                         "PartNumber": 1,
                                         "ETag": part["CopyPartResult"]["ETag"]}]})
        self.assertEqual(s3.get_object(Bucket="ops", Key="copied.bin")["Body"].read(), b"2345")

    # -- CORS ------------------------------------------------------------------------------
    def test_bucket_cors_preflight_and_actual_requests(self):
        s3 = self.s3
        s3.create_bucket(Bucket="cors-bucket")
        self.assertS3Error("NoSuchCORSConfiguration", s3.get_bucket_cors, Bucket="cors-bucket")
        rules = [{"AllowedOrigins": ["http://*.example.com", "http://localhost:8080"],
                  "AllowedMethods": ["PUT", "GET"], "AllowedHeaders": ["content-*", "x-amz-*"],
                  "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]
        s3.put_bucket_cors(Bucket="cors-bucket", CORSConfiguration={"CORSRules": rules})
        got = s3.get_bucket_cors(Bucket="cors-bucket")["CORSRules"]
        self.assertEqual(got[0]["AllowedOrigins"], rules[0]["AllowedOrigins"])
        target = "/cors-bucket/some/key.txt"
        ok = h.send(self.store.endpoint, "OPTIONS", target, {
            "Origin": "http://app.example.com", "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "Content-Type, X-Amz-Date"})
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(ok.header("Access-Control-Allow-Origin"), "http://app.example.com")
        self.assertEqual(ok.header("Access-Control-Allow-Headers"), "content-type, x-amz-date")
        self.assertEqual(ok.header("Access-Control-Max-Age"), "600")
        self.assertIn("Origin", ok.header("Vary"))
        refused = h.send(self.store.endpoint, "OPTIONS", target, {
            "Origin": "http://evil.test", "Access-Control-Request-Method": "PUT"})
        self.assertEqual((refused.status, refused.code), (403, "AccessForbidden"))
        self.assertEqual(h.send(self.store.endpoint, "OPTIONS", target, {
            "Access-Control-Request-Method": "PUT"}).status, 400)
        # An actual request: CORS headers on success and on errors.
        url = f"{self.store.endpoint}{target}"
        presigned = h.presign("PUT", url, {"Content-Type": "text/plain"})
        r = h.send_url(presigned, "PUT", {"Content-Type": "text/plain",
                                          "Origin": "http://localhost:8080"}, b"x")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "http://localhost:8080")
        self.assertEqual(r.header("Access-Control-Expose-Headers"), "ETag")
        expired = h.presign("PUT", url, {}, expires=1, when=datetime.datetime(2020, 1, 1))
        r = h.send_url(expired, "PUT", {"Origin": "http://localhost:8080"}, b"x")
        self.assertEqual((r.status, r.element("Message")), (403, "Request has expired"))
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "http://localhost:8080")
        r = h.send_url(presigned, "PUT", {"Content-Type": "text/plain",
                                          "Origin": "http://evil.test"}, b"x")
        self.assertIsNone(r.header("Access-Control-Allow-Origin"))
        s3.delete_bucket_cors(Bucket="cors-bucket")
        self.assertS3Error("NoSuchCORSConfiguration", s3.get_bucket_cors, Bucket="cors-bucket")
        refused = h.send(self.store.endpoint, "OPTIONS", target, {
            "Origin": "http://app.example.com", "Access-Control-Request-Method": "PUT"})
        self.assertEqual(refused.status, 403)

    def test_malformed_cors_document(self):
        body = b"<CORSConfiguration>"
        md5 = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}
        r = h.send_url(f"{self.store.endpoint}/ops?cors", "PUT",
                       h.sign("PUT", f"{self.store.endpoint}/ops?cors", md5, body), body)
        self.assertEqual((r.status, r.code), (400, "MalformedXML"))

    # -- POST Object -------------------------------------------------------------------------
    def test_post_object_with_policy(self):
        post = self.s3.generate_presigned_post(
            "ops", "uploads/${filename}",
            Fields={"Content-Type": "image/png", "success_action_status": "201"},
            Conditions=[{"Content-Type": "image/png"}, {"success_action_status": "201"},
                        ["content-length-range", 1, 1000]], ExpiresIn=300)
        r = requests.post(post["url"], data=post["fields"],
                          files={"file": ("pic.png", b"\x89PNG" + b"x" * 100, "image/png")})
        self.assertEqual(r.status_code, 201, r.text)
        self.assertIn("<Key>uploads/pic.png</Key>", r.text)
        got = self.s3.get_object(Bucket="ops", Key="uploads/pic.png")
        self.assertEqual(got["ContentType"], "image/png")
        # A file outside content-length-range is refused and not stored.
        r = requests.post(post["url"], data=post["fields"],
                          files={"file": ("big.png", b"x" * 1001, "image/png")})
        self.assertEqual(r.status_code, 400, r.text)
        self.assertIn("EntityTooLarge", r.text)
        self.assertS3Error("404", self.s3.head_object, Bucket="ops", Key="uploads/big.png")
        # A field the policy does not cover is refused.
        fields = dict(post["fields"], **{"x-amz-meta-extra": "1"})
        r = requests.post(post["url"], data=fields,
                          files={"file": ("c.png", b"x", "image/png")})
        self.assertEqual(r.status_code, 403, r.text)
        # A tampered policy signature is refused.
        fields = dict(post["fields"])
        fields["x-amz-signature"] = "0" * 64
        r = requests.post(post["url"], data=fields, files={"file": ("d.png", b"x", "image/png")})
        self.assertEqual(r.status_code, 403, r.text)
        self.assertS3Error("404", self.s3.head_object, Bucket="ops", Key="uploads/d.png")

    def test_post_object_redirect_and_default_status(self):
        post = self.s3.generate_presigned_post(
            "ops", "form/${filename}", Fields={"success_action_redirect": "http://app.test/done"},
            Conditions=[{"success_action_redirect": "http://app.test/done"}])
        r = requests.post(post["url"], data=post["fields"],
                          files={"file": ("r.txt", b"hi", "text/plain")}, allow_redirects=False)
        self.assertEqual(r.status_code, 303, r.text)
        location = urllib.parse.urlsplit(r.headers["Location"])
        query = urllib.parse.parse_qs(location.query)
        self.assertEqual(query["key"], ["form/r.txt"])
        self.assertEqual(query["bucket"], ["ops"])
        post = self.s3.generate_presigned_post("ops", "form/plain.txt")
        r = requests.post(post["url"], data=post["fields"],
                          files={"file": ("plain.txt", b"hi", "text/plain")})
        self.assertEqual(r.status_code, 204, r.text)

    # -- every response ----------------------------------------------------------------------
    def test_request_id_on_every_response(self):
        for method, target in (("GET", "/"), ("GET", "/ops/nope"), ("OPTIONS", "/ops/x"),
                               ("DELETE", "/"), ("GET", "/Bad_Bucket/x")):
            r = h.send(self.store.endpoint, method, target)
            self.assertTrue(r.header("x-amz-request-id"), (method, target, r))


if __name__ == "__main__":
    unittest.main()

// The current AWS JavaScript SDK v3 (@aws-sdk/client-s3, lib-storage, s3-request-presigner
// from npm) against a running `upgate store`.
//
// This SDK is what browsers and Node services use today, and it sends what older clients do
// not: flexible checksums by default (x-amz-checksum-crc32 in a header for buffered bodies,
// and for streamed bodies an aws-chunked body with STREAMING-UNSIGNED-PAYLOAD-TRAILER and the
// checksum in a trailer), checksummed multipart parts, and presigned URLs that carry a
// checksum query parameter. Each test records the request headers the SDK actually sent, so
// a test that claims to cover a payload mode proves it did.
//
// Run by tests/support/store_process.py, which starts the store and passes it in
// UPGATE_STORE_ENDPOINT, UPGATE_STORE_ACCESS_KEY_ID, UPGATE_STORE_SECRET_ACCESS_KEY and
// UPGATE_STORE_REGION.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";

import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

const MiB = 1024 * 1024;
const endpoint = process.env.UPGATE_STORE_ENDPOINT;
const region = process.env.UPGATE_STORE_REGION || "us-east-1";
const credentials = {
  accessKeyId: process.env.UPGATE_STORE_ACCESS_KEY_ID,
  secretAccessKey: process.env.UPGATE_STORE_SECRET_ACCESS_KEY,
};
assert.ok(endpoint, "UPGATE_STORE_ENDPOINT is not set: run me through store_process.py");

// Headers of every request as it left the SDK (after checksums and signing).
const sent = [];
const s3 = new S3Client({ endpoint, region, credentials, forcePathStyle: true, maxAttempts: 1 });
s3.middlewareStack.add(
  (next) => async (args) => {
    sent.push({ ...args.request.headers });
    return next(args);
  },
  { step: "deserialize", name: "recordSentHeaders", priority: "low" },
);
const lastSent = () => sent[sent.length - 1];
const bucket = `js-sdk-${randomBytes(6).toString("hex")}`;

const md5Hex = (bytes) => createHash("md5").update(bytes).digest("hex");
const sha256Hex = (bytes) => createHash("sha256").update(bytes).digest("hex");

// CRC-32 (IEEE), base64 of the big-endian value, as S3 reports x-amz-checksum-crc32.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32Base64(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString("base64");
}

async function getBytes(key, extra = {}) {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  return { got, bytes: Buffer.from(await got.Body.transformToByteArray()) };
}

before(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

after(() => s3.destroy());

test("PutObject of a buffer sends x-amz-checksum-crc32 in a header; GetObject returns the bytes", async () => {
  const body = randomBytes(70_000);
  const put = await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: "buffered.bin", Body: body, ContentType: "application/x-test" }),
  );
  assert.equal(lastSent()["x-amz-checksum-crc32"], crc32Base64(body));
  assert.equal(put.ETag, `"${md5Hex(body)}"`);
  assert.equal(put.ChecksumCRC32, crc32Base64(body));

  const { got, bytes } = await getBytes("buffered.bin", { ChecksumMode: "ENABLED" });
  assert.equal(sha256Hex(bytes), sha256Hex(body));
  assert.equal(got.ContentType, "application/x-test");
  assert.equal(got.ChecksumCRC32, crc32Base64(body)); // the SDK validated it too
});

test("PutObject of a stream sends STREAMING-UNSIGNED-PAYLOAD-TRAILER with a crc32 trailer", async () => {
  const body = randomBytes(300_000);
  const put = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: "streamed/trailer.bin",
      Body: Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]),
      ContentLength: body.length,
    }),
  );
  const headers = lastSent();
  assert.equal(headers["x-amz-content-sha256"], "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
  assert.equal(headers["x-amz-trailer"], "x-amz-checksum-crc32");
  assert.match(headers["content-encoding"], /aws-chunked/);
  assert.equal(headers["x-amz-decoded-content-length"], String(body.length));
  assert.equal(put.ETag, `"${md5Hex(body)}"`);
  assert.equal(put.ChecksumCRC32, crc32Base64(body));

  const { got, bytes } = await getBytes("streamed/trailer.bin", { ChecksumMode: "ENABLED" });
  assert.equal(bytes.length, body.length);
  assert.equal(sha256Hex(bytes), sha256Hex(body));
  assert.equal(got.ChecksumCRC32, crc32Base64(body));
  // aws-chunked is a transfer detail: S3 does not keep it as the object's Content-Encoding.
  assert.notEqual(got.ContentEncoding, "aws-chunked");
});

test("HeadObject, ListObjectsV2 and DeleteObject", async () => {
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: "list/a.txt", Body: "a", Metadata: { owner: "js" } }),
  );
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "list/b.txt", Body: "bb" }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "list/a.txt" }));
  assert.equal(head.ContentLength, 1);
  assert.deepEqual(head.Metadata, { owner: "js" });

  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "list/" }));
  assert.deepEqual(
    listed.Contents.map((o) => [o.Key, o.Size]),
    [
      ["list/a.txt", 1],
      ["list/b.txt", 2],
    ],
  );

  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "list/a.txt" }));
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "list/a.txt" })), (error) => {
    assert.equal(error.$metadata.httpStatusCode, 404);
    return true;
  });
  await assert.rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "list/a.txt" })), (error) => {
    assert.equal(error.name, "NoSuchKey");
    assert.equal(error.$metadata.httpStatusCode, 404);
    return true;
  });
});

test("lib-storage Upload of 12 MiB goes multipart and comes back identical", async () => {
  const body = randomBytes(12 * MiB);
  const partSize = 5 * MiB;
  const sentBefore = sent.length;
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: "multipart/big.bin", Body: body, ContentType: "video/mp4" },
    partSize,
    queueSize: 2,
  });
  const result = await upload.done();

  const partRequests = sent.slice(sentBefore).filter((h) => h["content-length"] && Number(h["content-length"]) >= MiB);
  assert.equal(partRequests.length, 3, "12 MiB in 5 MiB parts is 3 UploadPart requests");
  const partMd5s = [0, 1, 2].map((i) => createHash("md5").update(body.subarray(i * partSize, (i + 1) * partSize)).digest());
  const expectedEtag = `"${createHash("md5").update(Buffer.concat(partMd5s)).digest("hex")}-3"`;
  assert.equal(result.ETag, expectedEtag);

  const { got, bytes } = await getBytes("multipart/big.bin");
  assert.equal(got.ETag, expectedEtag);
  assert.equal(got.ContentType, "video/mp4");
  assert.equal(bytes.length, body.length);
  assert.equal(sha256Hex(bytes), sha256Hex(body));
});

test("a presigned PUT from getSignedUrl works with fetch", async () => {
  const url = await getSignedUrl(
    s3,
    new PutObjectCommand({ Bucket: bucket, Key: "presigned/photo.png", ContentType: "image/png" }),
    { expiresIn: 300 },
  );
  assert.match(url, /X-Amz-Signature=/);
  // This SDK puts the CRC32 of an empty body in the query; S3 ignores it there, so must we.
  assert.match(url, /x-amz-checksum-crc32=/);
  const body = randomBytes(40_000);
  const response = await fetch(url, { method: "PUT", body, headers: { "Content-Type": "image/png" } });
  assert.equal(response.status, 200, await response.text());
  assert.equal(response.headers.get("etag"), `"${md5Hex(body)}"`);

  const { got, bytes } = await getBytes("presigned/photo.png");
  assert.equal(got.ContentType, "image/png");
  assert.equal(sha256Hex(bytes), sha256Hex(body));
});

test("a presigned PUT that signs Content-Type refuses another Content-Type (SignatureDoesNotMatch)", async () => {
  // getSignedUrl signs only `host` unless asked: signableHeaders makes Content-Type binding,
  // as the upload API does for its profiles.
  const url = await getSignedUrl(
    s3,
    new PutObjectCommand({ Bucket: bucket, Key: "presigned/refused.png", ContentType: "image/png" }),
    { expiresIn: 300, signableHeaders: new Set(["content-type"]) },
  );
  assert.match(url, /X-Amz-SignedHeaders=content-type%3Bhost/);
  const good = await fetch(url, { method: "PUT", body: "png", headers: { "Content-Type": "image/png" } });
  assert.equal(good.status, 200, await good.text());
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "presigned/refused.png" }));

  const response = await fetch(url, { method: "PUT", body: "<html>", headers: { "Content-Type": "text/html" } });
  const text = await response.text();
  assert.equal(response.status, 403, text);
  assert.match(text, /<Code>SignatureDoesNotMatch<\/Code>/);
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "presigned/refused.png" })));
});

test("a presigned GET from getSignedUrl works with fetch", async () => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "presigned/get.txt", Body: "fetch me" }));
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: "presigned/get.txt" }), {
    expiresIn: 300,
  });
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "fetch me");
});

test("an expired presigned URL is refused with AccessDenied 'Request has expired'", async () => {
  // Uppy and other clients look for this exact message to ask for a fresh URL.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "presigned/old.txt", Body: "old" }));
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: "presigned/old.txt" }), {
    expiresIn: 60,
    signingDate: new Date(Date.now() - 3600 * 1000),
  });
  const response = await fetch(url);
  const text = await response.text();
  assert.equal(response.status, 403, text);
  assert.match(text, /<Code>AccessDenied<\/Code>/);
  assert.match(text, /<Message>Request has expired<\/Message>/);
});

test("DeleteObjects and PutBucketCors carry a CRC32 checksum instead of Content-MD5", async () => {
  // Operations that require a checksum get x-amz-checksum-crc32 from this SDK, no Content-MD5;
  // S3 accepts either, and stores that insist on Content-MD5 break here.
  for (const key of ["del/1", "del/2", "del/3"]) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  }
  const deleted = await s3.send(
    new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "del/1" }, { Key: "del/2" }] } }),
  );
  assert.ok(lastSent()["x-amz-checksum-crc32"], "the SDK sent a CRC32 of the XML body");
  assert.equal(lastSent()["content-md5"], undefined);
  assert.deepEqual(deleted.Deleted.map((d) => d.Key).sort(), ["del/1", "del/2"]);
  const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "del/" }));
  assert.deepEqual(left.Contents.map((o) => o.Key), ["del/3"]);

  const rules = [
    { AllowedOrigins: ["http://localhost:8080"], AllowedMethods: ["PUT"], AllowedHeaders: ["*"], MaxAgeSeconds: 600 },
  ];
  await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: rules } }));
  assert.ok(lastSent()["x-amz-checksum-crc32"]);
  const cors = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
  assert.deepEqual(cors.CORSRules[0].AllowedOrigins, ["http://localhost:8080"]);
  assert.equal(cors.CORSRules[0].MaxAgeSeconds, 600);
});

test("CopyObject, ranged GetObject and the ListObjectsV2 paginator", async () => {
  const body = Buffer.from("0123456789abcdef");
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "pages/source", Body: body }));
  const copied = await s3.send(
    new CopyObjectCommand({ Bucket: bucket, Key: "pages/copy", CopySource: `${bucket}/pages/source` }),
  );
  assert.equal(copied.CopyObjectResult.ETag, `"${md5Hex(body)}"`);

  const { got, bytes } = await getBytes("pages/copy", { Range: "bytes=4-7" });
  assert.equal(got.$metadata.httpStatusCode, 206);
  assert.equal(got.ContentRange, "bytes 4-7/16");
  assert.equal(bytes.toString(), "4567");

  for (let i = 0; i < 5; i++) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `pages/n${i}`, Body: String(i) }));
  }
  const keys = [];
  let pages = 0;
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 3 }, { Bucket: bucket, Prefix: "pages/" })) {
    pages += 1;
    keys.push(...(page.Contents ?? []).map((o) => o.Key));
  }
  assert.equal(pages, 3);
  assert.deepEqual(keys, ["pages/copy", "pages/n0", "pages/n1", "pages/n2", "pages/n3", "pages/n4", "pages/source"]);
});

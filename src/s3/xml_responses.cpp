#include "upgate/s3/xml_responses.hpp"

#include "upgate/s3/dates.hpp"
#include "upgate/s3/naming.hpp"
#include "upgate/s3/xml_writer.hpp"

namespace upgate::s3 {
namespace {

std::string encoded(std::string_view value, EncodingType encoding) {
  return encoding == EncodingType::Url ? url_encode_key(value) : std::string(value);
}

const char* boolean(bool b) {
  return b ? "true" : "false";
}

void write_owner(XmlWriter& w, std::string_view element, const Owner& owner) {
  w.open(element);
  w.element("ID", owner.id);
  if (!owner.display_name.empty()) w.element("DisplayName", owner.display_name);
  w.close();
}

void write_checksums(XmlWriter& w, const Checksums& c) {
  if (c.crc32) w.element("ChecksumCRC32", *c.crc32);
  if (c.crc32c) w.element("ChecksumCRC32C", *c.crc32c);
  if (c.crc64nvme) w.element("ChecksumCRC64NVME", *c.crc64nvme);
  if (c.sha1) w.element("ChecksumSHA1", *c.sha1);
  if (c.sha256) w.element("ChecksumSHA256", *c.sha256);
  if (c.type) w.element("ChecksumType", *c.type);
}

void write_object(XmlWriter& w, const ObjectEntry& o, EncodingType encoding) {
  w.open("Contents");
  w.element("Key", encoded(o.key, encoding));
  w.element("LastModified", format_iso8601_ms(o.last_modified));
  w.element("ETag", quote_etag(o.etag));
  if (!o.checksum_algorithm.empty()) w.element("ChecksumAlgorithm", o.checksum_algorithm);
  w.element("Size", std::to_string(o.size));
  if (o.owner) write_owner(w, "Owner", *o.owner);
  w.element("StorageClass", o.storage_class);
  w.close();
}

void write_common_prefixes(XmlWriter& w, const std::vector<std::string>& prefixes,
                           EncodingType encoding) {
  for (const auto& p : prefixes) {
    w.open("CommonPrefixes");
    w.element("Prefix", encoded(p, encoding));
    w.close();
  }
}

template <class Listing>
void write_listing(XmlWriter& w, const Listing& r) {
  w.element("MaxKeys", std::to_string(r.max_keys));
  if (!r.delimiter.empty()) w.element("Delimiter", encoded(r.delimiter, r.encoding));
  if (r.encoding == EncodingType::Url) w.element("EncodingType", "url");
  w.element("IsTruncated", boolean(r.is_truncated));
  for (const auto& o : r.contents) write_object(w, o, r.encoding);
  write_common_prefixes(w, r.common_prefixes, r.encoding);
}

// ListObjects v1 and v2 answer with one document that differs only in its paging
// elements, which `paging` writes in S3's element order.
template <class Listing, class Paging>
std::string render_listing(const Listing& r, Paging paging) {
  return xml_document("ListBucketResult", kS3XmlNamespace, [&](XmlWriter& w) {
    w.element("Name", r.name);
    w.element("Prefix", encoded(r.prefix, r.encoding));
    paging(w);
    write_listing(w, r);
  });
}

}  // namespace

std::string quote_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') return std::string(etag);
  return "\"" + std::string(etag) + "\"";
}

std::string render_list_buckets(const ListAllMyBucketsResult& r) {
  return xml_document("ListAllMyBucketsResult", kS3XmlNamespace, [&](XmlWriter& w) {
    write_owner(w, "Owner", r.owner);
    w.open("Buckets");
    for (const auto& b : r.buckets) {
      w.open("Bucket");
      w.element("Name", b.name);
      w.element("CreationDate", format_iso8601_ms(b.creation_date));
      if (!b.region.empty()) w.element("BucketRegion", b.region);
      w.close();
    }
    w.close();
  });
}

std::string render_list_objects_v2(const ListObjectsV2Result& r) {
  return render_listing(r, [&](XmlWriter& w) {
    if (r.start_after) w.element("StartAfter", encoded(*r.start_after, r.encoding));
    // Continuation tokens are opaque and never URL-encoded.
    if (r.continuation_token) w.element("ContinuationToken", *r.continuation_token);
    if (r.next_continuation_token) w.element("NextContinuationToken", *r.next_continuation_token);
    w.element("KeyCount", std::to_string(r.contents.size() + r.common_prefixes.size()));
  });
}

std::string render_list_objects_v1(const ListObjectsV1Result& r) {
  return render_listing(r, [&](XmlWriter& w) {
    w.element("Marker", encoded(r.marker, r.encoding));
    if (r.next_marker) w.element("NextMarker", encoded(*r.next_marker, r.encoding));
  });
}

std::string render_initiate_multipart_upload(const InitiateMultipartUploadResult& r) {
  return xml_document("InitiateMultipartUploadResult", kS3XmlNamespace, [&](XmlWriter& w) {
    w.element("Bucket", r.bucket);
    w.element("Key", r.key);
    w.element("UploadId", r.upload_id);
  });
}

std::string render_complete_multipart_upload(const CompleteMultipartUploadResult& r) {
  return xml_document("CompleteMultipartUploadResult", kS3XmlNamespace, [&](XmlWriter& w) {
    w.element("Location", r.location);
    w.element("Bucket", r.bucket);
    w.element("Key", r.key);
    w.element("ETag", quote_etag(r.etag));
    write_checksums(w, r.checksums);
  });
}

std::string render_list_parts(const ListPartsResult& r) {
  return xml_document("ListPartsResult", kS3XmlNamespace, [&](XmlWriter& w) {
    w.element("Bucket", r.bucket);
    w.element("Key", r.key);
    w.element("UploadId", r.upload_id);
    write_owner(w, "Initiator", r.initiator);
    write_owner(w, "Owner", r.owner);
    w.element("StorageClass", r.storage_class);
    w.element("PartNumberMarker", std::to_string(r.part_number_marker));
    if (r.next_part_number_marker) {
      w.element("NextPartNumberMarker", std::to_string(*r.next_part_number_marker));
    }
    w.element("MaxParts", std::to_string(r.max_parts));
    w.element("IsTruncated", boolean(r.is_truncated));
    for (const auto& p : r.parts) {
      w.open("Part");
      w.element("PartNumber", std::to_string(p.part_number));
      w.element("LastModified", format_iso8601_ms(p.last_modified));
      w.element("ETag", quote_etag(p.etag));
      w.element("Size", std::to_string(p.size));
      write_checksums(w, p.checksums);
      w.close();
    }
  });
}

std::string render_list_multipart_uploads(const ListMultipartUploadsResult& r) {
  return xml_document("ListMultipartUploadsResult", kS3XmlNamespace, [&](XmlWriter& w) {
    w.element("Bucket", r.bucket);
    w.element("KeyMarker", encoded(r.key_marker, r.encoding));
    w.element("UploadIdMarker", r.upload_id_marker);
    if (r.next_key_marker) w.element("NextKeyMarker", encoded(*r.next_key_marker, r.encoding));
    if (r.next_upload_id_marker) w.element("NextUploadIdMarker", *r.next_upload_id_marker);
    if (!r.delimiter.empty()) w.element("Delimiter", encoded(r.delimiter, r.encoding));
    if (!r.prefix.empty()) w.element("Prefix", encoded(r.prefix, r.encoding));
    if (r.encoding == EncodingType::Url) w.element("EncodingType", "url");
    w.element("MaxUploads", std::to_string(r.max_uploads));
    w.element("IsTruncated", boolean(r.is_truncated));
    for (const auto& u : r.uploads) {
      w.open("Upload");
      w.element("Key", encoded(u.key, r.encoding));
      w.element("UploadId", u.upload_id);
      write_owner(w, "Initiator", u.initiator);
      write_owner(w, "Owner", u.owner);
      w.element("StorageClass", u.storage_class);
      w.element("Initiated", format_iso8601_ms(u.initiated));
      w.close();
    }
    write_common_prefixes(w, r.common_prefixes, r.encoding);
  });
}

namespace {
std::string render_copy(std::string_view root, const CopyResult& r) {
  return xml_document(root, kS3XmlNamespace, [&](XmlWriter& w) {
    w.element("LastModified", format_iso8601_ms(r.last_modified));
    w.element("ETag", quote_etag(r.etag));
    write_checksums(w, r.checksums);
  });
}
}  // namespace

std::string render_copy_object_result(const CopyResult& r) {
  return render_copy("CopyObjectResult", r);
}

std::string render_copy_part_result(const CopyResult& r) {
  return render_copy("CopyPartResult", r);
}

std::string render_delete_result(const DeleteResult& r) {
  return xml_document("DeleteResult", kS3XmlNamespace, [&](XmlWriter& w) {
    if (!r.quiet) {
      for (const auto& d : r.deleted) {
        w.open("Deleted");
        w.element("Key", d.key);
        if (!d.version_id.empty()) w.element("VersionId", d.version_id);
        w.close();
      }
    }
    for (const auto& e : r.errors) {
      w.open("Error");
      w.element("Key", e.key);
      if (!e.version_id.empty()) w.element("VersionId", e.version_id);
      w.element("Code", e.code);
      w.element("Message", e.message);
      w.close();
    }
  });
}

std::string render_location_constraint(std::string_view region) {
  XmlWriter w;
  w.element_ns("LocationConstraint", kS3XmlNamespace, region == "us-east-1" ? "" : region);
  return std::move(w).finish();
}

std::string render_cors_configuration(const CorsConfiguration& config) {
  return cors_to_xml(config);
}

std::string render_versioning_configuration() {
  return xml_document("VersioningConfiguration", kS3XmlNamespace, [](XmlWriter&) {});
}

namespace {

std::string grant_xml(std::string_view grantee, std::string_view permission) {
  return "<Grant>" + std::string(grantee) + "<Permission>" + std::string(permission) +
         "</Permission></Grant>";
}

// <Grantee> carries xsi:type attributes, which XmlWriter does not write.
std::string grantee_xml(std::string_view type, std::string_view content) {
  return "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"" +
         std::string(type) + "\">" + std::string(content) + "</Grantee>";
}

}  // namespace

std::string render_access_control_policy(const Owner& owner, std::string_view canned_acl) {
  const std::string owner_xml = "<ID>" + xml_escape(owner.id) + "</ID><DisplayName>" +
                                xml_escape(owner.display_name) + "</DisplayName>";
  auto group = [](std::string_view uri) {
    return grantee_xml("Group", "<URI>" + std::string(uri) + "</URI>");
  };
  constexpr std::string_view kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
  constexpr std::string_view kAuthenticated =
      "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
  std::string grants = grant_xml(grantee_xml("CanonicalUser", owner_xml), "FULL_CONTROL");
  if (canned_acl == "public-read" || canned_acl == "public-read-write") {
    grants += grant_xml(group(kAllUsers), "READ");
  }
  if (canned_acl == "public-read-write") grants += grant_xml(group(kAllUsers), "WRITE");
  if (canned_acl == "authenticated-read") grants += grant_xml(group(kAuthenticated), "READ");
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy xmlns=\"" +
         std::string(kS3XmlNamespace) + "\"><Owner>" + owner_xml + "</Owner><AccessControlList>" +
         grants + "</AccessControlList></AccessControlPolicy>";
}

std::string render_post_object_result(const PostObjectResult& r) {
  return xml_document("PostResponse", {}, [&](XmlWriter& w) {
    w.element("Location", r.location);
    w.element("Bucket", r.bucket);
    w.element("Key", r.key);
    w.element("ETag", quote_etag(r.etag));
  });
}

}  // namespace upgate::s3

// Internal: a request body streamed into a BlobWriter with the socket, the hashing
// and the file writes all working at once.
//
// stream_into_blob() cycles a small ring of buffers through three stages:
//   1. this connection's I/O thread fills a buffer from the socket;
//   2. the digest lane decodes it (aws-chunked framing, chunk signatures, the
//      payload's SHA-256) and hashes the decoded bytes (MD5 for the ETag, any
//      requested checksum): BlobWriter::digest();
//   3. the write lane hands those decoded bytes, still in the same buffer, to the
//      temp file: BlobWriter::write(), which keeps the upload's page cache small
//      and its pace the disk's (write-behind, see blob_store.hpp).
// MD5 is the slowest stage and cannot be split, so the design goal is that the
// digest lane never waits: the lanes are strands on the blocking pool, each
// taking buffer after buffer in stream order on one thread without a hop back
// to the I/O thread, and the socket reads ahead as far as the ring allows.
// An upload holds at most `buffers` x `buffer_bytes` (allocated as the body
// needs them) plus one record per decoded piece, whatever its size. Nothing
// here blocks the I/O thread, and no lane job waits for another.
//
// On the first failure (the decoder, the size limit, a write, the socket) no
// further buffer is read, the buffers in flight drain, and the failure earliest
// in the stream is returned; the caller then discards the writer. An exception
// thrown by the decoder or the writer is rethrown here, after the drain.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstddef>

#include "payload_decoder.hpp"
#include "store/blob_store.hpp"
#include "upgate/expected.hpp"
#include "upgate/http/exchange.hpp"
#include "upgate/s3/errors.hpp"

namespace upgate::store {

struct BodyPipelineOptions {
  std::size_t buffer_bytes = 512 * 1024;
  std::size_t buffers = 4;  // at least 3 keep all three stages busy; more absorb jitter
};

// Streams the rest of the request body through `decoder` into `writer` (see the
// file comment). The decoder and the writer must not be used by anyone else until
// this returns; decoder.finish() and the writer's finish()/commit() are the
// caller's.
boost::asio::awaitable<Expected<void, s3::S3Error>> stream_into_blob(http::Exchange& exchange,
                                                                     PayloadDecoder& decoder,
                                                                     BlobWriter& writer,
                                                                     BodyPipelineOptions options);

// The S3 error for a failed body read (RequestTimeout, IncompleteBody, ...).
s3::S3Error body_read_error(http::BodyError e);

}  // namespace upgate::store

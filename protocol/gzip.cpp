#include "protocol/gzip.h"

#include <zlib.h>

namespace tillid::report {
namespace {

// windowBits 15 + 16 selects the gzip wrapper (RFC 1952) in zlib.
constexpr int kGzipWindowBits = 15 + 16;
constexpr size_t kChunk = size_t{64} * 1024;

Status invalid(const std::string& message) {
  return Status::error(ErrorCode::kInvalidArgument, message);
}

}  // namespace

Result<std::string> gzipCompress(const std::string& data) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::error(ErrorCode::kInternal, "zlib cannot start compressing (out of memory?)");
  }
  std::string out;
  out.resize(deflateBound(&stream, static_cast<uLong>(data.size())) + 32);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  const size_t written = out.size() - stream.avail_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END)
    return Status::error(ErrorCode::kInternal, "zlib did not finish compressing");
  out.resize(written);
  return out;
}

Result<std::string> gzipDecompress(const std::string& data, size_t maxBytes) {
  z_stream stream{};
  if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) {
    return Status::error(ErrorCode::kInternal, "zlib inflateInit2 failed");
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[kChunk];
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buffer, sizeof buffer - stream.avail_out);
    if (out.size() > maxBytes) {
      inflateEnd(&stream);
      return invalid("the body expands beyond " + std::to_string(maxBytes) + " bytes");
    }
  }
  const uInt leftover = stream.avail_in;
  inflateEnd(&stream);
  if (rc == Z_BUF_ERROR) return invalid("truncated gzip data (no end-of-stream marker)");
  if (rc != Z_STREAM_END) return invalid("not valid gzip data");
  if (leftover != 0) return invalid("trailing bytes after the gzip data");
  return out;
}

}  // namespace tillid::report

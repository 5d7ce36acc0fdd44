#pragma once
// How the agent talks to the collector: one HTTPS request at a time. The interface keeps
// the uploader and enrollment independent of libcurl, so tests and other transports can
// stand in.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace tillid::report {

struct HttpRequest {
  std::string method = "POST";  // "GET" or "POST"
  std::string path;             // e.g. "/v1/reports"; appended to the server URL
  std::string contentType;      // POST only
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::optional<std::chrono::seconds> retryAfter;  // from a Retry-After header
  uint64_t bytesSent = 0;                          // request bytes on the wire (before TLS)
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends the request and returns the collector's answer, whatever its status code.
  // Errors: kUnavailable when the collector cannot be reached, kPermission when the TLS
  // handshake is refused (untrusted or pinned-key mismatch, wrong host name, protocol).
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

}  // namespace tillid::report

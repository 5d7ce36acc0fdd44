#pragma once
// Transport over libcurl with OpenSSL: the collector's CA pinned (no system roots), an
// optional sha256// public-key pin list, host name verification, TLS 1.2 at least, the
// device's client certificate, and the configured or environment proxy.
// Not thread-safe: one CurlTransport per thread (it reuses its connection).

#include <atomic>
#include <memory>
#include <string>

#include "protocol/transport.h"

namespace tillid::report {

struct TlsClientOptions {
  std::string serverUrl;         // "https://collector.example:8443"
  std::string caFile;            // PEM; the only trusted root
  std::string certificateFile;   // client certificate (PEM); empty: none (enrollment)
  std::string privateKeyFile;    // its key (PEM)
  std::string pinnedPublicKeys;  // "sha256//BASE64;sha256//BASE64" or empty
  std::string proxy;             // empty: libcurl's environment (https_proxy, no_proxy)
  std::chrono::seconds timeout{60};
  // When set, a transfer in progress ends (kUnavailable) soon after *abort turns true:
  // long polls use it to stop promptly. The flag must outlive the transport.
  const std::atomic<bool>* abort = nullptr;
};

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(TlsClientOptions options);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  struct Handle;
  TlsClientOptions options_;
  std::unique_ptr<Handle> handle_;
};

// Applies the TLS settings above to a libcurl easy handle (CURL*), so that other
// libcurl users (the benchmark's multi client) configure TLS the same way.
void applyTlsOptions(void* curlEasy, const TlsClientOptions& options);

}  // namespace tillid::report

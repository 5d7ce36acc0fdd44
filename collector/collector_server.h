#pragma once
// The HTTPS front of the collector: a Poco TCPServer with its own HTTP connection loop (so
// that a request Poco cannot read still gets an answer) on a SecureServerSocket with mutual
// TLS (TLS 1.2 and 1.3 only, the configured cipher list, client certificates verified
// against the CA when presented). Reads each body with a size cap, takes the verified
// client certificate's common name, and hands both to CollectorService. A revoked client
// certificate (collector/certificate_revocation.h) is refused with 403 on every route.

#include <cstdint>
#include <memory>
#include <string>

#include "collector/certificate_revocation.h"
#include "collector/collector_service.h"
#include "common/config.h"

namespace tillid::collector {

class CollectorServer {
 public:
  // Binds and starts serving. `service` and `revocation` must outlive the server.
  static Result<std::unique_ptr<CollectorServer>> start(const Config& config,
                                                        CollectorService& service,
                                                        const CertificateRevocation& revocation);
  ~CollectorServer();
  CollectorServer(const CollectorServer&) = delete;
  CollectorServer& operator=(const CollectorServer&) = delete;

  uint16_t port() const { return port_; }
  // Stops accepting and waits for requests in progress. Idempotent.
  void stop();

 private:
  CollectorServer() = default;

  struct Parts;
  std::unique_ptr<Parts> parts_;
  uint16_t port_ = 0;
};

}  // namespace tillid::collector

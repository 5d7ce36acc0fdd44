#include "collector/collector_server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <openssl/ssl.h>

#include <mutex>

#include "agent/core/logging.h"
#include "agent/core/untrusted_text.h"

namespace tillid::collector {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// The verified client certificate's CN and OU, or the refusal of a revoked one (on every
// route, before anything else reads the request). The handshake already refused
// certificates that do not chain to the CA, so a certificate present here is trusted
// unless revoked.
std::optional<ApiResponse> readClientCertificate(HTTPServerRequest& request, ApiRequest& api,
                                                 const CertificateRevocation& revocation) {
  auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
  if (impl == nullptr) return std::nullopt;
  Poco::Net::SecureStreamSocket socket(impl->socket());
  if (!socket.havePeerCertificate()) return std::nullopt;
  const Poco::Net::X509Certificate certificate = socket.peerCertificate();
  auto revoked = revocation.revoked(const_cast<X509*>(certificate.certificate()));
  if (!revoked) return storageFailure(revoked.status());
  if (revoked->has_value()) {
    logger("collector")
        .warning("refused client certificate CN=" +
                 escapeControlCharacters(certificate.commonName()) + ": " + **revoked);
    return errorResponse(403, "certificate_revoked", **revoked);
  }
  api.clientCommonName = certificate.commonName();
  api.clientOrganizationalUnit =
      certificate.subjectName(Poco::Crypto::X509Certificate::NID_ORGANIZATION_UNIT_NAME);
  return std::nullopt;
}

enum class BodyRead { kOk, kTooLarge };

BodyRead readBody(HTTPServerRequest& request, size_t maxBytes, std::string& body) {
  const auto declared = request.getContentLength64();
  if (declared != HTTPServerRequest::UNKNOWN_CONTENT_LENGTH &&
      static_cast<uint64_t>(declared) > maxBytes) {
    return BodyRead::kTooLarge;
  }
  std::istream& in = request.stream();
  char buffer[16384];
  while (in) {
    in.read(buffer, sizeof buffer);
    body.append(buffer, static_cast<size_t>(in.gcount()));
    if (body.size() > maxBytes) return BodyRead::kTooLarge;
  }
  return BodyRead::kOk;
}

// The response speaks HTTP/1.0 to a 1.0 client and HTTP/1.1 to every other, whatever
// version text the request line carried.
void answerVersion(const HTTPServerRequest& request, HTTPServerResponse& response) {
  response.setVersion(request.getVersion() == Poco::Net::HTTPMessage::HTTP_1_0
                          ? Poco::Net::HTTPMessage::HTTP_1_0
                          : Poco::Net::HTTPMessage::HTTP_1_1);
}

void send(HTTPServerResponse& response, const ApiResponse& api) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(api.status));
  response.setContentType("application/json");
  if (api.retryAfterSeconds > 0) response.set("Retry-After", std::to_string(api.retryAfterSeconds));
  std::ostringstream body;
  api.body->stringify(body);
  body << "\n";
  const std::string text = body.str();
  response.sendBuffer(text.data(), text.size());
}

class ApiHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  ApiHandler(CollectorService& service, const CertificateRevocation& revocation,
             size_t maxBodyBytes)
      : service_(service), revocation_(revocation), maxBodyBytes_(maxBodyBytes) {}

  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    answerVersion(request, response);
    try {
      ApiRequest api;
      api.method = request.getMethod();
      const Poco::URI uri(request.getURI());
      api.path = uri.getPath();
      api.query = uri.getRawQuery();
      api.contentType = request.getContentType();
      api.contentEncoding = request.get("Content-Encoding", "");
      api.idempotencyKey = request.get("Idempotency-Key", "");
      if (auto refusal = readClientCertificate(request, api, revocation_)) {
        response.setKeepAlive(false);
        send(response, *refusal);
        return;
      }
      if (readBody(request, maxBodyBytes_, api.body) == BodyRead::kTooLarge) {
        response.setKeepAlive(false);
        send(response,
             errorResponse(413, "payload_too_large",
                           "the body is larger than " + std::to_string(maxBodyBytes_) + " bytes"));
        return;
      }
      send(response, service_.handle(api));
    } catch (const Poco::Exception& e) {
      // Malformed HTTP (bad URI, broken chunking) is the client's fault; answer if we can.
      if (!response.sent()) {
        response.setKeepAlive(false);
        send(response, errorResponse(400, "malformed", e.displayText()));
      }
    }
  }

 private:
  CollectorService& service_;
  const CertificateRevocation& revocation_;
  const size_t maxBodyBytes_;
};

class ApiHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  ApiHandlerFactory(CollectorService& service, const CertificateRevocation& revocation,
                    size_t maxBodyBytes)
      : service_(service), revocation_(revocation), maxBodyBytes_(maxBodyBytes) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new ApiHandler(service_, revocation_, maxBodyBytes_);
  }

 private:
  CollectorService& service_;
  const CertificateRevocation& revocation_;
  const size_t maxBodyBytes_;
};

Result<Poco::Net::Context::Ptr> serverContext(const Config& config) {
  static std::once_flag sslInit;
  std::call_once(sslInit, [] { Poco::Net::initializeSSL(); });
  try {
    Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_SERVER_USE, config.string("tls.private_key"),
        config.string("tls.certificate"), config.string("tls.ca"),
        Poco::Net::Context::VERIFY_RELAXED, 4, false, config.string("tls.ciphers"));
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    context->enableExtendedCertificateVerification(false);
    context->preferServerCiphers();
    // Clients resume TLS sessions (libcurl does); with client verification on, OpenSSL
    // refuses to resume without a session id context and aborts the handshake.
    static const unsigned char kSessionContext[] = "tillid-collector";
    SSL_CTX_set_session_id_context(context->sslContext(), kSessionContext,
                                   sizeof kSessionContext - 1);
    Poco::Net::SSLManager::instance().initializeServer(
        nullptr, new Poco::Net::RejectCertificateHandler(true), context);
    return context;
  } catch (const Poco::Exception& e) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "TLS setup failed: " + e.displayText() +
                             " (check tls.certificate, tls.private_key and tls.ca)");
  }
}

}  // namespace

struct CollectorServer::Parts {
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  bool stopped = false;
};

Result<std::unique_ptr<CollectorServer>> CollectorServer::start(
    const Config& config, CollectorService& service, const CertificateRevocation& revocation) {
  auto context = serverContext(config);
  if (!context) return context.status();
  std::unique_ptr<CollectorServer> server(new CollectorServer);
  server->parts_ = std::make_unique<Parts>();
  try {
    const Poco::Net::SocketAddress address(config.string("listen.address"),
                                           static_cast<uint16_t>(config.integer("listen.port")));
    // The accept backlog: a whole fleet reconnecting at once (after a restart) must not
    // overflow it, or connections wait for SYN retries.
    // Reusing the address (a port in TIME_WAIT after a restart) but not the port: a second
    // collector on a port in use must fail, not share the uploads.
    Poco::Net::SecureServerSocket socket(*context);
    socket.bind(address, true, false);
    socket.listen(static_cast<int>(config.integer("listen.max_queued")));
    server->port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    const int threads = static_cast<int>(config.integer("listen.max_threads"));
    params->setMaxThreads(threads);
    params->setMaxQueued(static_cast<int>(config.integer("listen.max_queued")));
    params->setKeepAlive(config.boolean("listen.keep_alive"));
    params->setTimeout(Poco::Timespan(30, 0));
    params->setServerName("tillid-collector");
    server->parts_->pool = std::make_unique<Poco::ThreadPool>(2, threads + 1);
    server->parts_->server = std::make_unique<Poco::Net::HTTPServer>(
        new ApiHandlerFactory(service, revocation,
                              static_cast<size_t>(config.integer("limits.max_body_bytes"))),
        *server->parts_->pool, socket, params);
    server->parts_->server->start();
  } catch (const Poco::Exception& e) {
    return Status::error(ErrorCode::kUnavailable,
                         "cannot listen on " + config.string("listen.address") + ":" +
                             std::to_string(config.integer("listen.port")) + ": " +
                             e.displayText() +
                             " (is another collector running there? choose listen.port)");
  }
  return server;
}

CollectorServer::~CollectorServer() {
  stop();
}

void CollectorServer::stop() {
  if (!parts_ || !parts_->server || parts_->stopped) return;  // never started: nothing to stop
  parts_->stopped = true;
  parts_->server->stopAll(false);
  parts_->pool->joinAll();
}

}  // namespace tillid::collector

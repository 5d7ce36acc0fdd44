#include "collector/collector_server.h"

#include <Poco/BasicEvent.h>
#include <Poco/Delegate.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketStream.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "common/logging.h"
#include "common/untrusted_text.h"

namespace tillid::collector {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// The connection `request` came on (every request of this server has one).
Poco::Net::StreamSocket* socketOf(HTTPServerRequest& request) {
  auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
  return impl != nullptr ? &impl->socket() : nullptr;
}

// The verified client certificate's CN and OU, or the refusal of a revoked one (on every
// route, before anything else reads the request). The handshake already refused
// certificates that do not chain to the CA, so a certificate present here is trusted
// unless revoked.
std::optional<ApiResponse> readClientCertificate(HTTPServerRequest& request, ApiRequest& api,
                                                 const CertificateRevocation& revocation) {
  Poco::Net::StreamSocket* connection = socketOf(request);
  if (connection == nullptr) return std::nullopt;
  Poco::Net::SecureStreamSocket socket(*connection);
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

bool isByteCount(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The refusal of a Content-Length that is not a plain decimal byte count (Poco reads "-5",
// "+5" and "1,000" as numbers) or that declares more than `maxBytes`.
std::optional<ApiResponse> contentLengthRefusal(const std::string& text, size_t maxBytes) {
  if (!isByteCount(text)) {
    return errorResponse(400, "malformed", "Content-Length is not a number of bytes");
  }
  // Longer than 19 digits does not fit in 64 bits, and is more than any limit.
  if (text.size() > 19 || std::stoull(text) > maxBytes) {
    return errorResponse(413, "payload_too_large",
                         "the body is larger than " + std::to_string(maxBytes) + " bytes");
  }
  return std::nullopt;
}

// Reads and drops what the client is still sending before the connection closes after an
// early answer: closing with unread data resets the connection, and the client would lose
// the answer before reading it. Bounded (1 MiB, 1 s) so that a client cannot hold the
// thread; `socket` is the one `in` reads from, for the timeouts.
void discardUnreadBody(std::istream& in, Poco::Net::StreamSocket& socket) {
  constexpr size_t kMaxBytes = 1 << 20;
  constexpr Poco::Timestamp::TimeDiff kMaxMicroseconds = 1'000'000;
  const Poco::Timestamp start;
  size_t discarded = 0;
  char buffer[16384];
  try {
    while (in && discarded < kMaxBytes) {
      const Poco::Timestamp::TimeDiff left = kMaxMicroseconds - start.elapsed();
      if (left <= 0) break;
      socket.setReceiveTimeout(Poco::Timespan(left));
      in.read(buffer, static_cast<std::streamsize>(std::min(sizeof buffer, kMaxBytes - discarded)));
      discarded += static_cast<size_t>(in.gcount());
    }
  } catch (const Poco::Exception&) {
    // A timeout or reset: nothing more to wait for.
  }
}

// After an early answer: drops the rest of the body, read as declared where it can be.
void discardBodyOf(HTTPServerRequest& request) {
  Poco::Net::StreamSocket* socket = socketOf(request);
  if (socket == nullptr) return;
  const std::string length = request.get("Content-Length", "");
  if (request.getChunkedTransferEncoding() || (isByteCount(length) && length != "0")) {
    discardUnreadBody(request.stream(), *socket);
  } else if (!length.empty() && !isByteCount(length)) {
    Poco::Net::SocketInputStream raw(*socket);
    discardUnreadBody(raw, *socket);
  }
}

enum class BodyRead { kOk, kTooLarge };

// REQUIRES: a declared Content-Length passed contentLengthRefusal.
BodyRead readBody(HTTPServerRequest& request, size_t maxBytes, std::string& body) {
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
  // Through send()'s stream rather than sendBuffer(), which writes no body for a response
  // without a parsed request (the answer to a request Poco could not read).
  response.setContentLength64(static_cast<Poco::Int64>(text.size()));
  response.send() << text << std::flush;
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
      std::optional<ApiResponse> refusal = readClientCertificate(request, api, revocation_);
      if (!refusal && request.has("Content-Length")) {
        refusal = contentLengthRefusal(request.get("Content-Length"), maxBodyBytes_);
      }
      if (!refusal && readBody(request, maxBodyBytes_, api.body) == BodyRead::kTooLarge) {
        refusal =
            errorResponse(413, "payload_too_large",
                          "the body is larger than " + std::to_string(maxBodyBytes_) + " bytes");
      }
      if (refusal) {
        response.setKeepAlive(false);
        send(response, *refusal);
        discardBodyOf(request);
        return;
      }
      send(response, service_.handle(api));
    } catch (const Poco::Exception& e) {
      // Malformed HTTP (bad URI, broken chunking) is the client's fault; answer if we can.
      if (!response.sent()) {
        response.setKeepAlive(false);
        send(response, errorResponse(400, "malformed", e.displayText()));
        discardBodyOf(request);
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
  // Raised when the server stops; `true` to abort requests in progress.
  Poco::BasicEvent<const bool> stopping;

 private:
  CollectorService& service_;
  const CertificateRevocation& revocation_;
  const size_t maxBodyBytes_;
};

// Serves one connection's requests as Poco's HTTPServerConnection does, and in addition
// answers a request whose Content-Length Poco cannot read as a 64-bit number: Poco throws
// while reading the header, before any handler runs, and would close without an answer.
class ApiConnection final : public Poco::Net::TCPServerConnection {
 public:
  ApiConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                ApiHandlerFactory& handlers)
      : TCPServerConnection(socket), params_(std::move(params)), handlers_(handlers) {
    handlers_.stopping += Poco::delegate(this, &ApiConnection::onServerStopped);
  }
  ~ApiConnection() override {
    try {
      handlers_.stopping -= Poco::delegate(this, &ApiConnection::onServerStopped);
    } catch (...) {
      // The server is going away as well; nothing to undo.
    }
  }

  void run() override {
    Poco::Net::HTTPServerSession session(socket(), params_);
    while (!stopped_ && session.hasMoreRequests()) {
      std::lock_guard lock(mutex_);
      if (stopped_) break;
      try {
        serve(session);
      } catch (const Poco::Net::NoMessageException&) {
        break;  // the client closed between requests
      } catch (const Poco::Net::MessageException& e) {
        refuse(session, errorResponse(400, "malformed", e.displayText()));
        break;
      } catch (const Poco::SyntaxException& e) {
        // Only the Content-Length is read as a number with the header; Poco's message ends
        // with its text. All digits: a count too large for 64 bits.
        const std::string& message = e.message();
        const auto colon = message.rfind(": ");
        refuse(session,
               contentLengthRefusal(colon == std::string::npos ? "" : message.substr(colon + 2), 0)
                   .value());
        break;
      }
    }
  }

 private:
  void serve(Poco::Net::HTTPServerSession& session) {
    Poco::Net::HTTPServerResponseImpl response(session);
    Poco::Net::HTTPServerRequestImpl request(response, session, params_.get());
    response.setDate(Poco::Timestamp());
    response.setKeepAlive(params_->getKeepAlive() && request.getKeepAlive() &&
                          session.canKeepAlive());
    std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(handlers_.createRequestHandler(request));
    if (request.getExpectContinue() && response.getStatus() == HTTPServerResponse::HTTP_OK) {
      response.sendContinue();
    }
    handler->handleRequest(request, response);
    session.setKeepAlive(params_->getKeepAlive() && response.getKeepAlive() &&
                         session.canKeepAlive());
  }

  // Answers a request Poco could not read, and closes after dropping what is still coming.
  void refuse(Poco::Net::HTTPServerSession& session, const ApiResponse& answer) {
    try {
      Poco::Net::HTTPServerResponseImpl response(session);
      response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
      response.setKeepAlive(false);
      send(response, answer);
      session.setKeepAlive(false);
      Poco::Net::SocketInputStream raw(socket());
      discardUnreadBody(raw, socket());
    } catch (const Poco::Exception&) {
      // The client is gone; there is nobody to answer.
    }
  }

  // Lets the request in progress finish, then ends the connection.
  void onServerStopped(const bool&) {
    stopped_ = true;
    std::lock_guard lock(mutex_);
    try {
      socket().shutdown();
    } catch (const Poco::Exception&) {
      // Already closed by the client.
    }
  }

  Poco::Net::HTTPServerParams::Ptr params_;
  ApiHandlerFactory& handlers_;
  std::atomic<bool> stopped_ = false;
  std::mutex mutex_;
};

class ApiConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  ApiConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, ApiHandlerFactory& handlers)
      : params_(std::move(params)), handlers_(handlers) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new ApiConnection(socket, params_, handlers_);
  }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  ApiHandlerFactory& handlers_;
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
  std::unique_ptr<ApiHandlerFactory> handlers;
  std::unique_ptr<Poco::Net::TCPServer> server;
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
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    const int threads = static_cast<int>(config.integer("listen.max_threads"));
    params->setMaxThreads(threads);
    params->setMaxQueued(static_cast<int>(config.integer("listen.max_queued")));
    params->setKeepAlive(config.boolean("listen.keep_alive"));
    params->setTimeout(Poco::Timespan(30, 0));
    params->setServerName("tillid-collector");
    server->parts_->pool = std::make_unique<Poco::ThreadPool>(2, threads + 1);
    server->parts_->handlers = std::make_unique<ApiHandlerFactory>(
        service, revocation, static_cast<size_t>(config.integer("limits.max_body_bytes")));
    server->parts_->server = std::make_unique<Poco::Net::TCPServer>(
        new ApiConnectionFactory(params, *server->parts_->handlers), *server->parts_->pool, socket,
        params);
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
  parts_->server->stop();
  const bool abortCurrent = false;
  parts_->handlers->stopping.notify(this, abortCurrent);
  parts_->pool->joinAll();
}

}  // namespace tillid::collector

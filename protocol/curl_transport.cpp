#include "protocol/curl_transport.h"

#include <curl/curl.h>

#include <mutex>

namespace tillid::report {
namespace {

size_t appendBody(char* data, size_t size, size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

Status curlError(CURLcode code, const char* detail) {
  const std::string message =
      std::string(curl_easy_strerror(code)) + (detail[0] != '\0' ? ": " + std::string(detail) : "");
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return Status::error(ErrorCode::kPermission, "TLS refused: " + message);
    default:
      return Status::error(ErrorCode::kUnavailable, message);
  }
}

int abortIfAsked(void* flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(flag)->load() ? 1 : 0;
}

}  // namespace

struct CurlTransport::Handle {
  CURL* curl = nullptr;
};

void applyTlsOptions(void* curlEasy, const TlsClientOptions& options) {
  CURL* curl = static_cast<CURL*>(curlEasy);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_CAINFO, options.caFile.c_str());
  curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
  if (!options.certificateFile.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, options.certificateFile.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, options.privateKeyFile.c_str());
  }
  if (!options.pinnedPublicKeys.empty()) {
    curl_easy_setopt(curl, CURLOPT_PINNEDPUBLICKEY, options.pinnedPublicKeys.c_str());
  }
  if (!options.proxy.empty()) curl_easy_setopt(curl, CURLOPT_PROXY, options.proxy.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
  if (options.abort != nullptr) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abortIfAsked);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, options.abort);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
}

CurlTransport::CurlTransport(TlsClientOptions options)
    : options_(std::move(options)), handle_(std::make_unique<Handle>()) {
  static std::once_flag globalInit;
  std::call_once(globalInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  handle_->curl = curl_easy_init();
}

CurlTransport::~CurlTransport() {
  if (handle_->curl != nullptr) curl_easy_cleanup(handle_->curl);
}

Result<HttpResponse> CurlTransport::send(const HttpRequest& request) {
  CURL* curl = handle_->curl;
  if (curl == nullptr) return Status::error(ErrorCode::kInternal, "curl_easy_init failed");
  curl_easy_reset(curl);
  applyTlsOptions(curl, options_);
  const std::string url = options_.serverUrl + request.path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  if (request.method == "POST") {
    headers = curl_slist_append(headers, ("Content-Type: " + request.contentType).c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  headers = curl_slist_append(headers, "Accept: application/json");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  HttpResponse response;
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  char errorText[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorText);

  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) return curlError(code, errorText);

  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_off_t retryAfter = 0;
  if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retryAfter) == CURLE_OK && retryAfter > 0) {
    response.retryAfter = std::chrono::seconds(retryAfter);
  }
  curl_off_t uploaded = 0;
  if (curl_easy_getinfo(curl, CURLINFO_SIZE_UPLOAD_T, &uploaded) == CURLE_OK) {
    response.bytesSent = static_cast<uint64_t>(uploaded);
  }
  return response;
}

}  // namespace tillid::report

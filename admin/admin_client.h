#pragma once
// tillid-admin's connection to the collector: the administrator's client certificate
// (whose OU is their role) over mutual TLS, JSON in and out, refusals as Status with the
// collector's reason. Not thread-safe (one transport).

#include <Poco/JSON/Object.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/command_line.h"
#include "protocol/curl_transport.h"

namespace tillid::admin {

class AdminClient final {
 public:
  // From the global options --server --cert --key --ca.
  static Result<AdminClient> fromArgs(const ParsedArgs& args);

  Result<Poco::JSON::Object::Ptr> get(const std::string& path);
  Result<Poco::JSON::Object::Ptr> post(const std::string& path,
                                       const Poco::JSON::Object::Ptr& body);

 private:
  explicit AdminClient(report::TlsClientOptions tls)
      : transport_(std::make_shared<report::CurlTransport>(std::move(tls))) {}
  Result<Poco::JSON::Object::Ptr> send(const report::HttpRequest& request);

  std::shared_ptr<report::CurlTransport> transport_;
};

// Prints rows as a table with columns as wide as their widest cell, control characters
// escaped (escapeControlCharacters).
void printTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// A JSON value as one table cell ("" for absent keys).
std::string cell(const Poco::JSON::Object::Ptr& o, const std::string& key);

// One table row made from one element of an answer's array.
using RowMaker = std::function<std::vector<std::string>(const Poco::JSON::Object::Ptr&)>;

// GETs `path` and prints the answer as printListAnswer does. Returns the exit code.
int printList(const ParsedArgs& args, const std::string& path, const std::string& key,
              const std::vector<std::string>& headers, const RowMaker& rowOf);

// Prints `answer`: whole with --json, else the array `key` as a table of `headers`, one
// row per element made by `rowOf`; a failed answer as the error. Returns the exit code.
int printListAnswer(const ParsedArgs& args, const Result<Poco::JSON::Object::Ptr>& answer,
                    const std::string& key, const std::vector<std::string>& headers,
                    const RowMaker& rowOf);

}  // namespace tillid::admin

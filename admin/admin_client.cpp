#include "admin/admin_client.h"

#include <Poco/JSON/Array.h>

#include <iomanip>
#include <iostream>

#include "common/canonical_json.h"
#include "common/cli_app.h"
#include "common/untrusted_text.h"

namespace tillid::admin {

using Poco::JSON::Object;

Result<AdminClient> AdminClient::fromArgs(const ParsedArgs& args) {
  const auto server = args.value("server");
  const auto cert = args.value("cert");
  const auto key = args.value("key");
  const auto ca = args.value("ca");
  if (!server || !cert || !key || !ca) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "needs --server URL --cert FILE --key FILE --ca FILE");
  }
  report::TlsClientOptions tls;
  tls.serverUrl = *server;
  while (!tls.serverUrl.empty() && tls.serverUrl.back() == '/') tls.serverUrl.pop_back();
  tls.certificateFile = *cert;
  tls.privateKeyFile = *key;
  tls.caFile = *ca;
  tls.timeout = std::chrono::seconds(120);
  return AdminClient(std::move(tls));
}

Result<Object::Ptr> AdminClient::get(const std::string& path) {
  return send({"GET", path, "", {}, ""});
}

Result<Object::Ptr> AdminClient::post(const std::string& path, const Object::Ptr& body) {
  return send({"POST", path, "application/json", {}, canonicalJson(body)});
}

Result<Object::Ptr> AdminClient::send(const report::HttpRequest& request) {
  auto response = transport_->send(request);
  if (!response) return response.status();
  auto body = parseJsonObject(response->body);
  if (!body) {
    return Status::error(ErrorCode::kUnavailable,
                         "HTTP " + std::to_string(response->status) + ": not JSON");
  }
  if (response->status >= 300) {
    const Object::Ptr error = (*body)->getObject("error");
    return Status::error(ErrorCode::kPermission,
                         "the collector answered HTTP " + std::to_string(response->status) +
                             (error ? ": " + error->optValue<std::string>("message", "") : ""));
  }
  return body;
}

void printTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  // Cells hold what devices reported: escaped, a cell cannot move the cursor or start a
  // row of its own.
  std::vector<std::vector<std::string>> shown{{}};
  for (const auto& c : header) shown[0].push_back(escapeControlCharacters(c));
  for (const auto& row : rows) {
    shown.emplace_back();
    for (const auto& c : row) shown.back().push_back(escapeControlCharacters(c));
  }
  std::vector<size_t> width(header.size());
  for (const auto& row : shown) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  for (const auto& row : shown) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c + 1 < row.size()) {
        std::cout << std::left << std::setw(static_cast<int>(width[c])) << row[c] << "  ";
      } else {
        std::cout << row[c] << "\n";
      }
    }
  }
}

std::string cell(const Object::Ptr& o, const std::string& key) {
  if (!o || !o->has(key) || o->isNull(key)) return "";
  const auto value = o->get(key);
  return value.isString() ? value.toString() : canonicalJson(value);
}

int printList(const ParsedArgs& args, const std::string& path, const std::string& key,
              const std::vector<std::string>& headers, const RowMaker& rowOf) {
  auto client = AdminClient::fromArgs(args);
  if (!client) return fail("tillid-admin", client.status().message(), kExitUsage);
  return printListAnswer(args, client->get(path), key, headers, rowOf);
}

int printListAnswer(const ParsedArgs& args, const Result<Poco::JSON::Object::Ptr>& answer,
                    const std::string& key, const std::vector<std::string>& headers,
                    const RowMaker& rowOf) {
  if (!answer) return fail("tillid-admin", answer.status().message());
  if (args.has("json")) {
    std::cout << canonicalJson(*answer) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  const Poco::JSON::Array::Ptr list = (*answer)->getArray(key);
  for (unsigned i = 0; list && i < list->size(); ++i) rows.push_back(rowOf(list->getObject(i)));
  printTable(headers, rows);
  return kExitOk;
}

}  // namespace tillid::admin

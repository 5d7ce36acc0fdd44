// tillid-admin: the administrators' CLI. Talks to the collector's /v1/admin endpoints
// over mutual TLS with the administrator's client certificate.

#include <Poco/JSON/Array.h>

#include <iomanip>
#include <iostream>

#include "agent/core/canonical_json.h"
#include "agent/core/cli_app.h"
#include "agent/report/curl_transport.h"
#include "collector/admin_task_commands.h"

namespace tillid::admin {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kProgram = "tillid-admin";

// GET `path` from the collector; the parsed answer or the reason there is none.
Result<Object::Ptr> fetch(const ParsedArgs& args, const std::string& path) {
  report::TlsClientOptions tls;
  const auto server = args.value("server");
  const auto cert = args.value("cert");
  const auto key = args.value("key");
  const auto ca = args.value("ca");
  if (!server || !cert || !key || !ca) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "needs --server URL --cert FILE --key FILE --ca FILE");
  }
  tls.serverUrl = *server;
  while (!tls.serverUrl.empty() && tls.serverUrl.back() == '/') tls.serverUrl.pop_back();
  tls.certificateFile = *cert;
  tls.privateKeyFile = *key;
  tls.caFile = *ca;
  tls.timeout = std::chrono::seconds(30);
  report::CurlTransport transport(tls);
  auto response = transport.send({"GET", path, "", {}, ""});
  if (!response) return response.status();
  auto body = parseJsonObject(response->body);
  if (!body) {
    return Status::error(ErrorCode::kUnavailable,
                         "HTTP " + std::to_string(response->status) + ": not JSON");
  }
  if (response->status != 200) {
    const Object::Ptr error = (*body)->getObject("error");
    return Status::error(ErrorCode::kPermission,
                         "the collector answered HTTP " + std::to_string(response->status) +
                             (error ? ": " + error->optValue<std::string>("message", "") : ""));
  }
  return body;
}

// Prints rows as a table with columns as wide as their widest cell.
void printTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  auto print = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < row.size(); ++c) {
      std::cout << std::left << std::setw(static_cast<int>(width[c])) << row[c]
                << (c + 1 < row.size() ? "  " : "\n");
    }
  };
  print(header);
  for (const auto& row : rows) print(row);
}

std::string field(const Object::Ptr& o, const std::string& key) {
  return o->has(key) ? o->get(key).toString() : "";
}

int devices(const ParsedArgs& args) {
  auto answer = fetch(args, "/v1/admin/devices");
  if (!answer) return fail(kProgram, answer.status().message());
  if (args.has("json")) {
    std::cout << canonicalJson(*answer) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  const Array::Ptr list = (*answer)->getArray("devices");
  for (unsigned i = 0; list && i < list->size(); ++i) {
    const Object::Ptr d = list->getObject(i);
    rows.push_back({field(d, "id"), field(d, "hostname"), field(d, "enrolled_at").substr(0, 19),
                    field(d, "last_seen").empty() ? "never" : field(d, "last_seen").substr(0, 19),
                    field(d, "batches"), field(d, "records"),
                    field(d, "certificate_expires").substr(0, 10)});
  }
  printTable({"DEVICE", "HOSTNAME", "ENROLLED", "LAST SEEN", "BATCHES", "RECORDS", "CERT UNTIL"},
             rows);
  return kExitOk;
}

int usage(const ParsedArgs& args) {
  if (args.words.size() != 1) return fail(kProgram, "usage needs one DEVICE id", kExitUsage);
  std::string path = "/v1/admin/devices/" + args.words[0] + "/usage";
  if (auto limit = args.value("limit")) path += "?limit=" + *limit;
  auto answer = fetch(args, path);
  if (!answer) return fail(kProgram, answer.status().message());
  if (args.has("json")) {
    std::cout << canonicalJson(*answer) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  const Array::Ptr list = (*answer)->getArray("usage");
  for (unsigned i = 0; list && i < list->size(); ++i) {
    const Object::Ptr u = list->getObject(i);
    rows.push_back({field(u, "hour").substr(0, 16), field(u, "user"), field(u, "application"),
                    field(u, "destination"), field(u, "service"), field(u, "category"),
                    field(u, "connections"), field(u, "bytes_in"), field(u, "bytes_out"),
                    field(u, "active_seconds")});
  }
  printTable({"HOUR", "USER", "APPLICATION", "DESTINATION", "SERVICE", "CATEGORY", "CONNS",
              "BYTES IN", "BYTES OUT", "ACTIVE S"},
             rows);
  return kExitOk;
}

}  // namespace
}  // namespace tillid::admin

int main(int argc, char** argv) {
  using namespace tillid;
  CliProgram program{
      admin::kProgram,
      "Tillid administrators' CLI: what the collector has received, over mutual TLS with\n"
      "the administrator's client certificate.",
      {{"server", "URL", "the collector, e.g. https://localhost:8443"},
       {"cert", "FILE", "the administrator's client certificate (PEM)"},
       {"key", "FILE", "its private key (PEM)"},
       {"ca", "FILE", "the CA that signed the collector's certificate (PEM)"},
       {"json", "", "print JSON instead of a table"}},
      {{"devices", "devices", "list enrolled devices", {}, admin::devices},
       {"usage",
        "usage DEVICE",
        "hourly usage a device reported, newest first",
        {{"limit", "N", "at most N rows (default 1000)"}},
        admin::usage}}};
  for (auto& command : admin::taskCommands()) program.commands.push_back(std::move(command));
  return runCli(program, argc, argv);
}

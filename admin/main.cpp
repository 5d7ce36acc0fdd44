// tillid-admin: the administrators' CLI. Talks to the collector's /v1/admin endpoints
// over mutual TLS with the administrator's client certificate.

#include <Poco/JSON/Array.h>

#include <iostream>

#include "admin/admin_client.h"
#include "admin/offboard_commands.h"
#include "admin/task_commands.h"
#include "common/canonical_json.h"
#include "common/cli_app.h"
#include "common/untrusted_text.h"

namespace tillid::admin {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kProgram = "tillid-admin";

// GET `path` from the collector as the administrator named by the global options.
Result<Object::Ptr> fetch(const ParsedArgs& args, const std::string& path) {
  auto client = AdminClient::fromArgs(args);
  if (!client) return client.status();
  return client->get(path);
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
    rows.push_back({cell(d, "id"), cell(d, "hostname"), cell(d, "enrolled_at").substr(0, 19),
                    cell(d, "last_seen").empty() ? "never" : cell(d, "last_seen").substr(0, 19),
                    cell(d, "batches"), cell(d, "records"),
                    cell(d, "certificate_expires").substr(0, 10)});
  }
  printTable({"DEVICE", "HOSTNAME", "ENROLLED", "LAST SEEN", "BATCHES", "RECORDS", "CERT UNTIL"},
             rows);
  return kExitOk;
}

// POSTs `body` to `path` and prints the answer's fields.
int change(const ParsedArgs& args, const std::string& path, const Object::Ptr& body) {
  auto client = AdminClient::fromArgs(args);
  if (!client) return fail(kProgram, client.status().message());
  auto answer = client->post(path, body);
  if (!answer) return fail(kProgram, answer.status().message());
  if (args.has("json")) {
    std::cout << canonicalJson(*answer) << "\n";
    return kExitOk;
  }
  std::vector<std::string> names;
  (*answer)->getNames(names);
  for (const auto& name : names) {
    std::cout << name << ": " << escapeControlCharacters(cell(*answer, name)) << "\n";
  }
  return kExitOk;
}

int retire(const ParsedArgs& args) {
  if (args.words.size() != 1) return fail(kProgram, "retire needs one DEVICE id", kExitUsage);
  Object::Ptr body = new Object;
  body->set("reason", args.value("reason").value_or(""));
  return change(args, "/v1/admin/devices/" + args.words[0] + "/retire", body);
}

int revoke(const ParsedArgs& args) {
  if (args.words.size() != 1) {
    return fail(kProgram, "revoke needs one certificate SERIAL (hex)", kExitUsage);
  }
  Object::Ptr body = new Object;
  body->set("serial", args.words[0]);
  body->set("reason", args.value("reason").value_or(""));
  if (auto device = args.value("device")) body->set("device_id", *device);
  return change(args, "/v1/admin/revocations", body);
}

int revocations(const ParsedArgs& args) {
  return printList(args, "/v1/admin/revocations", "revocations",
                   {"SERIAL", "DEVICE", "REVOKED", "REASON"},
                   [](const Object::Ptr& r) -> std::vector<std::string> {
                     return {cell(r, "serial"), cell(r, "device_id"),
                             cell(r, "revoked_at").substr(0, 19), cell(r, "reason")};
                   });
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
       {"retire",
        "retire DEVICE",
        "retire a device: off the device list, its certificate revoked, its data kept until "
        "retention removes it (offboarding role)",
        {{"reason", "TEXT", "why, for the access log"}},
        admin::retire},
       {"revoke",
        "revoke SERIAL",
        "revoke a certificate (a device's or an administrator's) by its serial in hex; the "
        "collector refuses it on every route (offboarding role)",
        {{"reason", "TEXT", "why, for the access log"},
         {"device", "DEVICE", "the device the certificate is of, if any"}},
        admin::revoke},
       {"revocations",
        "revocations",
        "the revoked certificates, newest first",
        {},
        admin::revocations}}};
  for (auto& command : admin::taskCommands()) program.commands.push_back(std::move(command));
  for (auto& command : admin::offboardCommands()) program.commands.push_back(std::move(command));
  return runCli(program, argc, argv);
}

#include "admin/offboard_commands.h"

#include <Poco/FileStream.h>
#include <Poco/JSON/Array.h>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "admin/admin_client.h"
#include "admin/task_commands.h"
#include "common/canonical_json.h"
#include "common/html.h"
#include "common/progress_text.h"

namespace tillid::admin {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kProgram = "tillid-admin";
// An offboarding order stays valid for a day: the laptop may be switched off when it is
// queued. Its nonce still makes it single-use.
constexpr int64_t kOrderMinutes = int64_t{24} * 60;

// "2026-11-25T19:59:50.123456Z" -> "2026-11-25 19:59:50 UTC"
std::string when(const std::string& timestamp) {
  if (timestamp.size() < 19) return timestamp;
  return timestamp.substr(0, 10) + " " + timestamp.substr(11, 8) + " UTC";
}

double number(const Object::Ptr& o, const char* key) {
  return o && o->has(key) && !o->isNull(key) ? o->get(key).convert<double>() : -1;
}

// "45.2%  612.3 MB/s  0:03:12 left" for a step that moves bytes; "" for others.
std::string progressText(const Object::Ptr& step) {
  const double percent = number(step, "percent");
  if (percent < 0) return "";
  return tillid::progressText(percent, number(step, "bytes_per_second"),
                              number(step, "eta_seconds"));
}

int createOrder(const ParsedArgs& args) {
  if (args.words.size() != 1) {
    return fail(kProgram, "offboard needs one DEVICE (or: offboard status DEVICE)", kExitUsage);
  }
  const std::string& device = args.words[0];
  const auto caseRef = args.value("case");
  const auto profile = args.value("profile");
  if (!caseRef || caseRef->empty()) {
    return fail(kProgram, "offboard needs --case REF (the HR or IT case of the leaving employee)",
                kExitUsage);
  }
  if (!profile || (*profile != "user-data" && *profile != "full")) {
    return fail(kProgram,
                "offboard needs --profile user-data (device reused) or full (device leaves "
                "service)",
                kExitUsage);
  }
  if (args.value("order-key").value_or("").empty()) {
    return fail(kProgram, "offboard needs --order-key FILE (your Ed25519 offboarding key)",
                kExitUsage);
  }
  auto client = AdminClient::fromArgs(args);
  if (!client) return fail(kProgram, client.status().message(), kExitUsage);
  Object::Ptr params = new Object;
  params->set("profile", *profile);
  const std::string reason = args.value("reason").value_or("departure");
  if (reason != "departure" && reason != "lost" && reason != "stolen") {
    return fail(kProgram, "offboard --reason is departure, lost or stolen", kExitUsage);
  }
  params->set("reason", reason);
  if (const auto notice = args.value("notice-hours")) {
    char* end = nullptr;
    const double hours = std::strtod(notice->c_str(), &end);
    if (notice->empty() || *end != '\0' || !(hours >= 0)) {
      return fail(kProgram, "offboard --notice-hours needs a number of hours, 0 or more",
                  kExitUsage);
    }
    params->set("notice_hours", hours);
  }
  auto order = signedOrder(*client, args, device, "offboard", "offboarding", *caseRef, params,
                           kOrderMinutes);
  if (!order) return fail(kProgram, "no order sent: " + order.status().message());
  Object::Ptr body = new Object;
  body->set("device", device);
  body->set("type", "offboard");
  body->set("purpose", "offboarding");
  body->set("case", *caseRef);
  body->set("params", params);
  body->set("order", *order);
  auto created = client->post("/v1/admin/tasks", body);
  if (!created) return fail(kProgram, "order refused: " + created.status().message());
  const std::string taskId = cell(*created, "id");
  const Object::Ptr signedPart = (*order)->getObject("order");
  if (!args.has("json")) {
    std::cout << "offboarding order for " << device << " (profile " << *profile << ", case "
              << *caseRef << ") signed by " << cell(signedPart, "issued_by") << " with key "
              << cell(*order, "key_id") << ", valid until " << cell(signedPart, "expires")
              << "\ntask " << taskId << " queued; waiting for the device to check the order\n";
  }
  auto task =
      client->get("/v1/admin/tasks/" + taskId + "?wait=" + args.value("wait").value_or("60"));
  if (!task) return fail(kProgram, task.status().message());
  const std::string state = cell(*task, "state");
  if (args.has("json")) {
    std::cout << canonicalJson(*task) << "\n";
  } else if (state == "answered") {
    std::cout << "the device accepted the order and is carrying out the reset now\n"
              << "  follow it:        tillid-admin offboard status " << device << "\n"
              << "  the certificate:  tillid-admin certificate " << device
              << " --html certificate.html (once the run completed)\n";
  } else if (state == "queued" || state == "delivered") {
    std::cout << "the device has not answered yet (it takes the order when it is next online, "
                 "until the order expires)\n  follow it: tillid-admin offboard status "
              << device << "\n";
  }
  if (state == "refused" || state == "failed") {
    return fail(kProgram, "the device refused the order: " + cell(*task, "reason"));
  }
  return kExitOk;
}

int showStatus(const ParsedArgs& args) {
  if (args.words.size() != 2) return fail(kProgram, "offboard status needs DEVICE", kExitUsage);
  const std::string& device = args.words[1];
  auto client = AdminClient::fromArgs(args);
  if (!client) return fail(kProgram, client.status().message(), kExitUsage);
  auto answer = client->get("/v1/admin/offboard/" + device);
  if (!answer) return fail(kProgram, answer.status().message());
  if (args.has("json")) {
    std::cout << canonicalJson(*answer) << "\n";
    return kExitOk;
  }
  const Object::Ptr order = (*answer)->getObject("order");
  if (!order) {
    std::cout << "device " << device << ": no offboarding order\n";
    return kExitOk;
  }
  std::cout << "device " << device << ": order " << cell(order, "task") << " "
            << cell(order, "state");
  if (!cell(order, "reason").empty()) std::cout << " (" << cell(order, "reason") << ")";
  std::cout << "\n  profile " << cell(order, "profile") << ", case " << cell(order, "case")
            << ", signed by " << cell(order, "signed_by") << ", requested by "
            << cell(order, "requested_by") << " at " << when(cell(order, "created")) << "\n";
  const Object::Ptr run = (*answer)->getObject("run");
  if (!run) {
    std::cout << "run: no progress reported yet\n";
  } else {
    const Array::Ptr steps = run->getArray("steps");
    std::cout << "run: " << cell(run, "state") << ", " << cell(run, "steps_verified") << " of "
              << (steps ? steps->size() : 0) << " steps verified (reported "
              << when(cell(run, "reported")) << ")\n";
    std::vector<std::vector<std::string>> rows;
    for (unsigned i = 0; steps && i < steps->size(); ++i) {
      const Object::Ptr s = steps->getObject(i);
      std::string detail = progressText(s);
      if (!cell(s, "error").empty()) detail = "error: " + cell(s, "error");
      rows.push_back(
          {std::to_string(i + 1), cell(s, "state"), cell(s, "kind"), cell(s, "target"), detail});
    }
    printTable({"#", "STATE", "STEP", "TARGET", "PROGRESS"}, rows);
  }
  const Object::Ptr certificate = (*answer)->getObject("certificate");
  if (certificate && certificate->optValue<bool>("received", false)) {
    std::cout << "certificate: received, signature "
              << (certificate->optValue<bool>("signature_verified", false) ? "verified"
                                                                           : "NOT verified")
              << " by the collector at " << when(cell(certificate, "checked_at"))
              << ", verification " << cell(certificate, "verification_result")
              << "\n  show it: tillid-admin certificate " << device << "\n";
  } else {
    std::cout << "certificate: not received yet\n";
  }
  return kExitOk;
}

int offboard(const ParsedArgs& args) {
  if (!args.words.empty() && args.words[0] == "status") return showStatus(args);
  return createOrder(args);
}

// The certificate in the order a reader checks it: facts as labelled lines, then the
// media table. Both the text and the HTML form are made from this.
struct CertificateView {
  std::string title;
  std::vector<std::pair<std::string, std::string>> facts;
  std::vector<std::string> mediaHeader;
  std::vector<std::vector<std::string>> media;
  bool verified = false;
};

std::string orUnknown(const std::string& value) {
  return value.empty() ? "not reported" : value;
}

CertificateView viewOf(const Object::Ptr& answer) {
  const Object::Ptr wire = answer->getObject("signed");
  const Object::Ptr c = wire ? wire->getObject("certificate") : nullptr;
  const Object::Ptr check = wire ? wire->getObject("collector_verification") : nullptr;
  const Object::Ptr person = c ? c->getObject("person_performing_sanitization") : nullptr;
  const Object::Ptr device = c ? c->getObject("device") : nullptr;
  const Object::Ptr order = c ? c->getObject("order") : nullptr;
  const Object::Ptr tool = c ? c->getObject("tool") : nullptr;
  CertificateView v;
  v.title = "Certificate of sanitization";
  v.verified = check && check->optValue<bool>("signature_valid", false);
  std::string standards;
  const Array::Ptr list = c ? c->getArray("standards") : nullptr;
  for (unsigned i = 0; list && i < list->size(); ++i) {
    standards += (i ? ", " : "") + list->getElement<std::string>(i);
  }
  v.facts = {
      {"Standards", standards},
      {"Signature", v.verified ? "verified by the collector (" + cell(wire, "algorithm") +
                                     ", device certificate serial " +
                                     cell(check, "device_certificate_serial") + ", checked " +
                                     when(cell(check, "checked_at")) + ")"
                               : "NOT verified"},
      {"Performed by", cell(person, "name")},
      {"Ordered by", cell(order, "signer") + " (key " + cell(order, "key_id") + ")"},
      {"Case", cell(order, "case")},
      {"Profile", cell(order, "profile")},
      {"Order nonce", cell(order, "nonce")},
      {"Order accepted", when(cell(order, "accepted"))},
      {"Device id", cell(device, "device_id")},
      {"Hostname", cell(device, "hostname")},
      {"Manufacturer", orUnknown(cell(device, "manufacturer"))},
      {"Model", orUnknown(cell(device, "model"))},
      {"Serial number", orUnknown(cell(device, "serial"))},
      {"Method", cell(c, "method_type")},
      {"Verification result", cell(c, "verification_result")},
      {"Started", when(cell(c, "started"))},
      {"Completed", when(cell(c, "completed"))},
      {"Tool", cell(tool, "name") + " " + cell(tool, "version") +
                   (cell(tool, "libcryptsetup").empty()
                        ? ""
                        : ", libcryptsetup " + cell(tool, "libcryptsetup"))},
      {"After sanitization", cell(c, "media_destination")},
      {"Verification sampling", cell(c, "verification_sampling_reference")},
      {"Validated by", cell(c ? c->getObject("person_validating") : nullptr, "status")},
  };
  v.mediaHeader = {"#",      "STEP",      "MEDIA TYPE",   "TARGET", "SERIAL",
                   "METHOD", "TECHNIQUE", "VERIFICATION", "RESULT", "FINISHED"};
  const Array::Ptr media = c ? c->getArray("media") : nullptr;
  for (unsigned i = 0; media && i < media->size(); ++i) {
    const Object::Ptr m = media->getObject(i);
    v.media.push_back(
        {std::to_string(i + 1), cell(m, "step"), cell(m, "media_type"), cell(m, "target"),
         cell(m, "serial_number").empty() ? "-" : cell(m, "serial_number"), cell(m, "method_type"),
         cell(m, "method_used"), cell(m, "verification_method"), cell(m, "verification_result"),
         when(cell(m, "finished"))});
  }
  return v;
}

void printView(const CertificateView& v) {
  std::cout << v.title << "\n";
  size_t width = 0;
  for (const auto& [label, value] : v.facts) width = std::max(width, label.size());
  for (const auto& [label, value] : v.facts) {
    std::cout << "  " << label << ":" << std::string(width + 1 - label.size(), ' ') << value
              << "\n";
  }
  std::cout << "\nMedia (" << v.media.size() << ")\n";
  printTable(v.mediaHeader, v.media);
}

std::string htmlOf(const CertificateView& v) {
  std::ostringstream out;
  out << R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>)"
      << escapeHtml(v.title) << R"(</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #1b1b1b;
       line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .3em; }
h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 2px solid #2b5d8a; padding-bottom: .2em; }
.seal { display: inline-block; padding: .3em .8em; border-radius: .3em; font-weight: bold; }
.ok { background: #e3f3e6; color: #1d6b2c; border: 1px solid #1d6b2c; }
.bad { background: #fbe6e6; color: #9b1c1c; border: 1px solid #9b1c1c; }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #d8dde3; vertical-align: top; }
th { background: #f3f5f7; }
table.facts th { width: 14em; background: none; font-weight: 600; }
td { word-break: break-word; }
table.media td:first-child, table.media td:nth-child(2), table.media td:last-child {
  white-space: nowrap; word-break: normal; }
footer { margin-top: 2em; color: #555; font-size: .85em; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
</style></head><body>
)";
  out << "<h1>" << escapeHtml(v.title) << "</h1>\n<p><span class=\"seal "
      << (v.verified ? "ok\">Signature verified" : "bad\">Signature NOT verified")
      << "</span></p>\n<h2>Sanitization</h2>\n<table class=\"facts\">\n";
  for (const auto& [label, value] : v.facts) {
    out << "<tr><th>" << escapeHtml(label) << "</th><td>" << escapeHtml(value) << "</td></tr>\n";
  }
  out << "</table>\n<h2>Media</h2>\n<table class=\"media\">\n<tr>";
  for (const auto& h : v.mediaHeader) out << "<th>" << escapeHtml(h) << "</th>";
  out << "</tr>\n";
  for (const auto& row : v.media) {
    out << "<tr>";
    for (const auto& c : row) out << "<td>" << escapeHtml(c) << "</td>";
    out << "</tr>\n";
  }
  out << "</table>\n<footer>Made by tillid-admin from the certificate the device signed with its "
         "enrollment key; the collector checked the signature against the device certificate "
         "its CA issued.</footer>\n</body></html>\n";
  return out.str();
}

int certificate(const ParsedArgs& args) {
  if (args.words.size() != 1) return fail(kProgram, "certificate needs DEVICE", kExitUsage);
  auto client = AdminClient::fromArgs(args);
  if (!client) return fail(kProgram, client.status().message(), kExitUsage);
  auto answer = client->get("/v1/admin/certificates/" + args.words[0]);
  if (!answer) return fail(kProgram, answer.status().message());
  const CertificateView view = viewOf(*answer);
  if (auto file = args.value("html")) {
    try {
      Poco::FileOutputStream out(*file);
      out << htmlOf(view);
      out.close();
    } catch (const Poco::Exception& e) {
      return fail(kProgram, "cannot write " + *file + ": " + e.displayText());
    }
    std::cout << "wrote " << *file << "\n";
    return view.verified ? kExitOk : kExitFailure;
  }
  if (args.has("json")) {
    std::cout << canonicalJson(*answer) << "\n";
  } else {
    printView(view);
  }
  return view.verified ? kExitOk : kExitFailure;
}

}  // namespace

std::vector<Command> offboardCommands() {
  return {
      {"offboard",
       "offboard DEVICE --case REF --profile P --order-key FILE | offboard status DEVICE",
       "order the verified reset of a device (signed with your offboarding key), or follow it",
       {{"case", "REF", "the case reference of the leaving employee"},
        {"profile", "P", "user-data (the device is reused) or full (it leaves service)"},
        {"reason", "R", "departure (default), lost or stolen"},
        {"notice-hours", "H",
         "how long the user is told before the reset starts (default: the device's "
         "offboard.notice_hours, 24); 0 only with --reason lost or stolen"},
        {"order-key", "FILE",
         "your Ed25519 offboarding key (tillid-admin keygen --role "
         "offboarding)"},
        {"valid-minutes", "N", "the order expires after N minutes (1440)"},
        {"wait", "SECONDS", "how long to wait for the device to accept (60)"}},
       offboard},
      {"certificate",
       "certificate DEVICE",
       "the device's certificate of sanitization, as the collector verified it",
       {{"html", "FILE", "write a self-contained printable page"}},
       certificate},
  };
}

}  // namespace tillid::admin

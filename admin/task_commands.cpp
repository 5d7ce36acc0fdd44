#include "admin/task_commands.h"

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/NumberParser.h>

#include <cctype>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <utility>

#include "admin/admin_client.h"
#include "common/canonical_json.h"
#include "common/files.h"
#include "common/untrusted_text.h"
#include "platform/private_files.h"
#include "protocol/purpose_rules.h"
#include "protocol/signed_order.h"
#include "protocol/trusted_keys.h"

namespace tillid::admin {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kProgram = "tillid-admin";

void printJson(const Object::Ptr& o) {
  std::cout << canonicalJson(o) << "\n";
}

// Prints an answer: its scalar fields as "key: value" lines, then each list of objects
// as a table whose columns are the first row's keys.
void printAnswer(const Object::Ptr& result) {
  std::vector<std::string> names;
  result->getNames(names);
  for (const auto& name : names) {
    if (result->getArray(name) || result->getObject(name)) continue;
    std::cout << name << ": " << escapeControlCharacters(cell(result, name)) << "\n";
  }
  for (const auto& name : names) {
    if (const Object::Ptr nested = result->getObject(name)) {
      std::cout << name << ": " << canonicalJson(nested) << "\n";
    }
  }
  for (const auto& name : names) {
    const Array::Ptr list = result->getArray(name);
    if (!list) continue;
    std::cout << "\n" << name << " (" << list->size() << ")\n";
    if (list->size() == 0) continue;
    const Object::Ptr first = list->getObject(0);
    if (!first) continue;
    std::vector<std::string> columns;
    first->getNames(columns);
    std::vector<std::vector<std::string>> rows;
    for (unsigned i = 0; i < list->size(); ++i) {
      const Object::Ptr row = list->getObject(i);
      std::vector<std::string> cells;
      for (const auto& c : columns) cells.push_back(cell(row, c));
      rows.push_back(std::move(cells));
    }
    std::vector<std::string> header;
    for (auto c : columns) {
      for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      header.push_back(c);
    }
    printTable(header, rows);
  }
}

// Waits for the task's answer and prints it. Exit code: ok when answered.
int waitAndPrint(AdminClient& client, const ParsedArgs& args, const std::string& taskId) {
  const std::string wait = args.value("wait").value_or("60");
  auto task = client.get("/v1/admin/tasks/" + taskId + "?wait=" + wait);
  if (!task) return fail(kProgram, task.status().message());
  if (args.has("json")) {
    printJson(*task);
  } else {
    const std::string state = cell(*task, "state");
    std::cout << "task " << taskId << " on " << cell(*task, "device") << ": " << state;
    if (!cell(*task, "reason").empty()) std::cout << " (" << cell(*task, "reason") << ")";
    std::cout << "\n";
    if (state == "answered" && (*task)->getObject("result")) {
      printAnswer((*task)->getObject("result"));
    }
  }
  const std::string state = cell(*task, "state");
  if (state == "answered") return kExitOk;
  if (state == "queued" || state == "delivered") {
    std::cerr << kProgram << ": no answer yet; see `tillid-admin tasks --device "
              << cell(*task, "device") << "`\n";
  }
  return kExitFailure;
}

Result<Object::Ptr> paramsFrom(const ParsedArgs& args) {
  Object::Ptr params = new Object;
  for (const auto& pair : args.values("param")) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::error(ErrorCode::kInvalidArgument, "--param wants KEY=VALUE, got " + pair);
    }
    int64_t number = 0;
    const std::string value = pair.substr(eq + 1);
    if (Poco::NumberParser::tryParse64(value, number)) {
      params->set(pair.substr(0, eq), number);
    } else {
      params->set(pair.substr(0, eq), value);
    }
  }
  return params;
}

int keygen(const ParsedArgs& args) {
  const auto out = args.value("out");
  const auto name = args.value("name");
  const auto role = args.value("role");
  if (!out || !name || !role) {
    return fail(kProgram, "keygen needs --out FILE --name NAME --role ROLE", kExitUsage);
  }
  if (*role != tasks::kRoleInvestigator && *role != tasks::kRoleOffboarding) {
    return fail(kProgram, "--role must be investigator or offboarding", kExitUsage);
  }
  if (Poco::File(*out).exists()) return fail(kProgram, *out + " exists; not overwritten");
  auto key = tasks::OrderSigningKey::generate();
  if (!key) return fail(kProgram, key.status().message());
  if (Status written = platform::writePrivateFile(*out, key->privateKeyPem()); !written) {
    return fail(kProgram, written.message());
  }
  Object::Ptr entry = new Object;
  entry->set("id", key->keyId());
  entry->set("name", *name);
  entry->set("role", *role);
  entry->set("public_key", key->publicKeyBase64());
  // The line to add to the collector's tasks.order_keys_file.
  printJson(entry);
  return kExitOk;
}

int query(const ParsedArgs& args) {
  if (args.words.size() != 2) return fail(kProgram, "query needs DEVICE NAME", kExitUsage);
  auto client = AdminClient::fromArgs(args);
  if (!client) return fail(kProgram, client.status().message(), kExitUsage);
  const std::string& device = args.words[0];
  const std::string& name = args.words[1];
  const std::string purpose = args.value("purpose").value_or(tasks::kPurposeDeviceCheck);
  const std::string caseRef = args.value("case").value_or("");
  auto params = paramsFrom(args);
  if (!params) return fail(kProgram, params.status().message(), kExitUsage);
  Object::Ptr body = new Object;
  body->set("device", device);
  body->set("type", name);
  body->set("purpose", purpose);
  body->set("case", caseRef);
  body->set("params", *params);
  if (purpose == "investigation" || args.has("order-key")) {
    auto order = signedOrder(*client, args, device, name, purpose, caseRef, *params, 15);
    if (!order) return fail(kProgram, order.status().message());
    body->set("order", *order);
  }
  auto created = client->post("/v1/admin/tasks", body);
  if (!created) return fail(kProgram, created.status().message());
  return waitAndPrint(*client, args, cell(*created, "id"));
}

int spotCheck(const ParsedArgs& args) {
  auto client = AdminClient::fromArgs(args);
  if (!client) return fail(kProgram, client.status().message(), kExitUsage);
  Object::Ptr body = new Object;
  int64_t count = 1;
  if (!Poco::NumberParser::tryParse64(args.value("count").value_or("1"), count) || count < 1) {
    return fail(kProgram, "--count must be a positive number", kExitUsage);
  }
  body->set("count", count);
  body->set("type", args.value("query").value_or("usage-summary"));
  auto drawn = client->post("/v1/admin/spot-checks", body);
  if (!drawn) return fail(kProgram, drawn.status().message());
  const Array::Ptr list = (*drawn)->getArray("tasks");
  if (!args.has("json")) {
    std::cout << "drew " << (list ? list->size() : 0) << " of " << cell(*drawn, "population")
              << " devices, draw " << cell(*drawn, "draw") << " with seed " << cell(*drawn, "seed")
              << " (logged)\n";
  } else {
    printJson(*drawn);
  }
  int exit = kExitOk;
  for (unsigned i = 0; list && i < list->size(); ++i) {
    if (!args.has("json")) std::cout << "\n";
    if (waitAndPrint(*client, args, cell(list->getObject(i), "id")) != kExitOk) {
      exit = kExitFailure;
    }
  }
  return exit;
}

// Reads `what` of DEVICE from the collector's copies (POST /v1/admin/reads): a spot check
// with --draw, an investigation with --case and --order-key (the order is signed for
// `what`), and prints the answer's array `key`.
int readAtCollector(const ParsedArgs& args, const std::string& what, const std::string& key,
                    const std::vector<std::string>& headers, const RowMaker& rowOf) {
  if (args.words.size() != 1) return fail(kProgram, what + " needs one DEVICE id", kExitUsage);
  auto client = AdminClient::fromArgs(args);
  if (!client) return fail(kProgram, client.status().message(), kExitUsage);
  const std::string& device = args.words[0];
  auto params = paramsFrom(args);
  if (!params) return fail(kProgram, params.status().message(), kExitUsage);
  if (auto limit = args.value("limit")) {
    int64_t n = 0;
    if (!Poco::NumberParser::tryParse64(*limit, n)) {
      return fail(kProgram, "--limit must be a number", kExitUsage);
    }
    (*params)->set("limit", n);
  }
  Object::Ptr body = new Object;
  body->set("device", device);
  body->set("what", what);
  body->set("params", *params);
  if (auto draw = args.value("draw")) {
    body->set("purpose", tasks::kPurposeSpotCheck);
    body->set("draw", *draw);
  } else if (auto caseRef = args.value("case")) {
    body->set("purpose", tasks::kPurposeInvestigation);
    body->set("case", *caseRef);
    auto order = signedOrder(*client, args, device, what, tasks::kPurposeInvestigation, *caseRef,
                             new Object, 15);
    if (!order) return fail(kProgram, order.status().message());
    body->set("order", *order);
  } else {
    return fail(kProgram,
                what +
                    " is personal data: give --draw ID (a spot check's draw) or --case REF "
                    "with --order-key FILE (an investigation)",
                kExitUsage);
  }
  return printListAnswer(args, client->post("/v1/admin/reads", body), key, headers, rowOf);
}

int usage(const ParsedArgs& args) {
  if (args.has("draw")) {
    return readAtCollector(args, "usage-summary", "volumes",
                           {"CATEGORY", "SERVICE", "CONNS", "BYTES IN", "BYTES OUT", "ACTIVE S"},
                           [](const Object::Ptr& v) -> std::vector<std::string> {
                             return {cell(v, "category"),    cell(v, "service"),
                                     cell(v, "connections"), cell(v, "bytes_in"),
                                     cell(v, "bytes_out"),   cell(v, "active_seconds")};
                           });
  }
  return readAtCollector(
      args, "usage-detail", "rows",
      {"HOUR", "USER", "APPLICATION", "DESTINATION", "SERVICE", "CATEGORY", "CONNS", "BYTES IN",
       "BYTES OUT", "ACTIVE S"},
      [](const Object::Ptr& u) -> std::vector<std::string> {
        return {cell(u, "hour").substr(0, 16), cell(u, "user"),     cell(u, "application"),
                cell(u, "destination"),        cell(u, "service"),  cell(u, "category"),
                cell(u, "connections"),        cell(u, "bytes_in"), cell(u, "bytes_out"),
                cell(u, "active_seconds")};
      });
}

int flags(const ParsedArgs& args) {
  return readAtCollector(
      args, "flags", "records", {"KIND", "SERVICE", "START", "DURATION S", "AVG MBIT/S", "STATE"},
      [](const Object::Ptr& r) -> std::vector<std::string> {
        const Object::Ptr f = r->getObject("payload");
        return {cell(f, "kind"),       cell(f, "service"),  cell(f, "start").substr(0, 19),
                cell(f, "duration_s"), cell(f, "avg_mbps"), cell(f, "state")};
      });
}

// Compares every anchor the device uploaded with the entry at that position in the
// chain the device holds now: a rewritten or truncated log no longer matches. When
// retention deleted the log's oldest entries, the chain starts at a checkpoint, which must
// be one of the anchors: anchors before it are gone legitimately, a checkpoint that is no
// anchor is a cut chain.
int auditCheck(const ParsedArgs& args) {
  if (args.words.size() != 1) return fail(kProgram, "audit-check needs DEVICE", kExitUsage);
  auto client = AdminClient::fromArgs(args);
  if (!client) return fail(kProgram, client.status().message(), kExitUsage);
  const std::string& device = args.words[0];
  auto anchors = client->get("/v1/admin/records?kind=anchor&limit=100000&device=" + device);
  if (!anchors) return fail(kProgram, anchors.status().message());
  // The device answers at most kAuditPage entries per task: page through the whole log,
  // each page continuing after the last seq received, and check that every entry's
  // prev_hash is the hash of the one before it, across pages too.
  constexpr int64_t kAuditPage = 5000;
  std::map<int64_t, std::string> chain;
  Object::Ptr result;
  std::string seamProblem;
  int64_t lastSeq = 0;
  std::string lastHash;
  std::optional<std::pair<int64_t, std::string>> checkpoint;
  for (;;) {
    Object::Ptr body = new Object;
    body->set("device", device);
    body->set("type", "audit-log");
    body->set("purpose", "audit-check");
    Object::Ptr params = new Object;
    params->set("after_seq", lastSeq);
    params->set("limit", kAuditPage);
    body->set("params", params);
    auto created = client->post("/v1/admin/tasks", body);
    if (!created) return fail(kProgram, created.status().message());
    auto task = client->get("/v1/admin/tasks/" + cell(*created, "id") +
                            "?wait=" + args.value("wait").value_or("60"));
    if (!task) return fail(kProgram, task.status().message());
    if (cell(*task, "state") != "answered") {
      return fail(kProgram, "the device did not answer: " + cell(*task, "state") + " " +
                                cell(*task, "reason"));
    }
    const Object::Ptr page = (*task)->getObject("result");
    if (!result && page && page->has("checkpoint")) {
      // The first kept entry must continue the checkpoint.
      const Object::Ptr cp = page->getObject("checkpoint");
      checkpoint.emplace(cp->getValue<int64_t>("seq"), cell(cp, "hash"));
      lastSeq = checkpoint->first;
      lastHash = checkpoint->second;
    }
    // The first page's verdict on the whole chain stands unless a later page finds a problem.
    if (!result || (page && !page->optValue<bool>("intact", false))) result = page;
    const Array::Ptr entries = page ? page->getArray("entries") : nullptr;
    const unsigned size = entries ? entries->size() : 0;
    for (unsigned i = 0; i < size; ++i) {
      const Object::Ptr e = entries->getObject(i);
      const int64_t seq = e->getValue<int64_t>("seq");
      if (seamProblem.empty() && lastSeq > 0 &&
          (seq != lastSeq + 1 || cell(e, "prev_hash") != lastHash)) {
        seamProblem =
            "entry " + std::to_string(seq) + " does not continue entry " + std::to_string(lastSeq);
      }
      chain[seq] = cell(e, "hash");
      lastSeq = seq;
      lastHash = cell(e, "hash");
    }
    if (size < static_cast<unsigned>(kAuditPage)) break;
  }
  std::vector<std::vector<std::string>> rows;
  int matched = 0;
  int broken = 0;
  int retired = 0;  // anchors of entries deleted under retention
  bool checkpointAnchored = false;
  const Array::Ptr list = (*anchors)->getArray("records");
  for (unsigned i = 0; list && i < list->size(); ++i) {
    const Object::Ptr a = list->getObject(i)->getObject("payload");
    if (!a || !a->has("seq")) continue;
    const int64_t seq = a->getValue<int64_t>("seq");
    const auto it = chain.find(seq);
    std::string verdict;
    if (checkpoint && seq < checkpoint->first) {
      verdict = "before the checkpoint (deleted under retention)";
      ++retired;
    } else if (checkpoint && seq == checkpoint->first) {
      checkpointAnchored = cell(a, "hash") == checkpoint->second;
      verdict = checkpointAnchored ? "matches the checkpoint" : "DIFFERS from the checkpoint";
      ++(checkpointAnchored ? matched : broken);
    } else if (it == chain.end()) {
      verdict = "MISSING from the chain";
      ++broken;
    } else if (it->second != cell(a, "hash")) {
      verdict = "DIFFERS: the log was rewritten";
      ++broken;
    } else {
      verdict = "matches";
      ++matched;
    }
    rows.push_back({std::to_string(seq), cell(list->getObject(i), "time").substr(0, 19),
                    cell(a, "hash").substr(0, 16), verdict});
  }
  if (checkpoint && !checkpointAnchored && seamProblem.empty()) {
    seamProblem = "the chain starts at entry " + std::to_string(checkpoint->first + 1) +
                  " but no anchor vouches for its checkpoint: entries were cut";
  }
  const bool intact = result && result->optValue<bool>("intact", false) && seamProblem.empty();
  const std::string problem = !seamProblem.empty() ? seamProblem
                                                   : "at entry " + cell(result, "problem_seq") +
                                                         ": " + cell(result, "problem");
  if (args.has("json")) {
    Object::Ptr out = new Object;
    out->set("device", device);
    out->set("chain_intact", intact);
    if (!intact) out->set("problem", problem);
    out->set("chain_entries", result ? result->get("total") : Poco::Dynamic::Var(0));
    out->set("anchors_matched", matched);
    out->set("anchors_broken", broken);
    out->set("anchors_before_checkpoint", retired);
    if (checkpoint) out->set("checkpoint_seq", checkpoint->first);
    printJson(out);
  } else {
    std::cout << "device " << device << ": chain of " << cell(result, "total") << " entries";
    if (checkpoint) std::cout << " from checkpoint " << checkpoint->first;
    std::cout << ", " << (intact ? "intact" : "BROKEN: " + problem) << "\n";
    printTable({"SEQ", "ANCHORED", "HASH", "VERDICT"}, rows);
    std::cout << matched << " anchors match, " << broken << " do not";
    if (retired > 0) std::cout << ", " << retired << " before the checkpoint";
    std::cout << "\n";
  }
  return intact && broken == 0 ? kExitOk : kExitFailure;
}

int listTasks(const ParsedArgs& args) {
  std::string path = "/v1/admin/tasks";
  if (auto device = args.value("device")) path += "?device=" + *device;
  return printList(
      args, path, "tasks",
      {"TASK", "DEVICE", "QUERY", "PURPOSE", "CASE", "BY", "CREATED", "STATE", "REASON"},
      [](const Object::Ptr& t) -> std::vector<std::string> {
        return {cell(t, "id"),
                cell(t, "device"),
                cell(t, "type"),
                cell(t, "purpose"),
                cell(t, "case"),
                cell(t, "requested_by"),
                cell(t, "created").substr(0, 19),
                cell(t, "state"),
                cell(t, "reason")};
      });
}

int accessLog(const ParsedArgs& args) {
  std::string path = "/v1/admin/access-log";
  if (auto device = args.value("device")) path += "?device=" + *device;
  return printList(args, path, "access_log",
                   {"TIME", "WHO", "ROLE", "ACTION", "DEVICE", "PURPOSE", "CASE", "DETAILS"},
                   [](const Object::Ptr& r) -> std::vector<std::string> {
                     return {cell(r, "time").substr(0, 19),
                             cell(r, "actor"),
                             cell(r, "role"),
                             cell(r, "action"),
                             cell(r, "device"),
                             cell(r, "purpose"),
                             cell(r, "case"),
                             cell(r, "details")};
                   });
}

}  // namespace

Result<Object::Ptr> signedOrder(AdminClient& client, const ParsedArgs& args,
                                const std::string& device, const std::string& type,
                                const std::string& purpose, const std::string& caseRef,
                                const Object::Ptr& params, int64_t defaultMinutes) {
  const auto keyFile = args.value("order-key");
  if (!keyFile) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "purpose " + purpose + " needs --order-key FILE (your Ed25519 key)");
  }
  auto pem = readWholeFile(*keyFile);
  if (!pem) return pem.status();
  auto key = tasks::OrderSigningKey::fromPem(*pem);
  if (!key) return key.status().withContext(*keyFile);
  auto known = client.get("/v1/admin/order-keys");
  if (!known) return known.status();
  auto keys = tasks::TrustedKeys::fromJson(*known);
  if (!keys) return keys.status();
  const tasks::TrustedKey* mine = keys->find(key->keyId());
  if (mine == nullptr) {
    return Status::error(ErrorCode::kPermission,
                         "key " + key->keyId() + " is not among the collector's order keys");
  }
  int64_t minutes = defaultMinutes;
  if (auto valid = args.value("valid-minutes");
      valid && (!Poco::NumberParser::tryParse64(*valid, minutes) || minutes < 1)) {
    return Status::error(ErrorCode::kInvalidArgument, "--valid-minutes must be a positive number");
  }
  tasks::Order order;
  order.device = device;
  order.type = type;
  order.purpose = purpose;
  order.caseRef = caseRef;
  auto nonce = tasks::newNonce();
  if (!nonce) return nonce.status();
  order.nonce = *nonce;
  order.expires = formatTimestamp(WallClock::now() + std::chrono::minutes(minutes));
  order.issuedBy = mine->name;
  order.params = params;
  auto signedOrder = key->sign(order);
  if (!signedOrder) return signedOrder.status();
  return tasks::signedOrderToJson(*signedOrder);
}

std::vector<Command> taskCommands() {
  const OptionSpec wait{"wait", "SECONDS", "how long to wait for the device's answer (60)"};
  const std::vector<OptionSpec> reads = {
      {"draw", "ID", "a spot check: the draw (tillid-admin spot-check) that drew the device"},
      {"case", "REF", "an investigation: the case reference"},
      {"order-key", "FILE", "your Ed25519 key: signs the investigation's order"},
      {"valid-minutes", "N", "the signed order expires after N minutes (15)"},
      {"param", "KEY=VALUE", "since=, until= (the period), user= (usage rows of one user)"},
      {"limit", "N", "at most N rows (default 1000)"}};
  return {
      {"keygen",
       "keygen --out FILE --name NAME --role ROLE",
       "make an Ed25519 order-signing key; prints the entry for the collector's key file",
       {{"out", "FILE", "where the private key goes (0600)"},
        {"name", "NAME", "the administrator's name, shown to devices and employees"},
        {"role", "ROLE", "investigator or offboarding"}},
       keygen},
      {"query",
       "query DEVICE NAME",
       "ask one device a named query (status, inventory, usage-summary, usage-detail, flags, "
       "sessions, audit-log)",
       {{"purpose", "PURPOSE",
         "device-check (default; status and inventory), investigation or audit-check; a spot "
         "check is drawn (spot-check)"},
        {"case", "REF", "the case reference (investigations)"},
        {"order-key", "FILE", "your Ed25519 key: signs the order an investigation needs"},
        {"valid-minutes", "N", "the signed order expires after N minutes (15)"},
        {"param", "KEY=VALUE", "a query parameter, e.g. since=2026-11-01 or user=1000"},
        wait},
       query},
      {"spot-check",
       "spot-check --count N",
       "draw N devices at random (the collector draws the seed; the draw is logged) and "
       "query them",
       {{"count", "N", "how many devices"},
        {"query", "NAME", "usage-summary (default), flags, audit-log, status, inventory"},
        wait},
       spotCheck},
      {"usage", "usage DEVICE (--draw ID | --case REF --order-key FILE)",
       "the collector's copy of a device's usage: volumes per category for a spot check's "
       "draw, hourly rows with destinations for an investigation (logged; the employee sees it)",
       reads, usage},
      {"flags", "flags DEVICE (--draw ID | --case REF --order-key FILE)",
       "the heavy-streaming flags a device reported (logged; the employee sees it)", reads, flags},
      {"audit-check",
       "audit-check DEVICE",
       "compare the security-log anchors a device uploaded with its chain now",
       {wait},
       auditCheck},
      {"tasks",
       "tasks [--device D]",
       "recent queries and orders with their state",
       {{"device", "ID", "only this device"}},
       listTasks},
      {"access-log",
       "access-log [--device D]",
       "the collector's log of administrators' requests (who, when, purpose, case)",
       {{"device", "ID", "only this device"}},
       accessLog},
  };
}

}  // namespace tillid::admin

// `tillid-agent audit verify|show`: check the security log's hash chain, or list it.

#include <Poco/JSON/Object.h>

#include <iostream>

#include "agent/audit/audit_log.h"
#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "store/database.h"

namespace tillid::cli {
namespace {

int verify(store::Database& db, bool json) {
  auto result = audit::verify(db);
  if (!result) return fail(kProgram, result.status().message());
  if (json) {
    Poco::JSON::Object out;
    out.set("intact", !result->firstProblem.has_value());
    out.set("entries", result->entries);
    if (result->checkpoint) {
      out.set("checkpoint_seq", result->checkpoint->seq);
      out.set("checkpoint_hash", result->checkpoint->hash);
    }
    if (result->firstProblem) {
      out.set("problem", audit::tamperName(result->firstProblem->kind));
      out.set("seq", result->firstProblem->seq);
      out.set("message", result->firstProblem->message);
    } else if (result->head) {
      out.set("head_seq", result->head->seq);
      out.set("head_hash", result->head->hash);
    }
    out.stringify(std::cout);
    std::cout << "\n";
  } else if (result->firstProblem) {
    std::cout << "security log BROKEN: " << result->firstProblem->message << "\n";
  } else {
    std::cout << "security log intact: " << result->entries << " entries";
    if (result->checkpoint) {
      std::cout << " from checkpoint " << result->checkpoint->seq << " "
                << result->checkpoint->hash;
    }
    if (result->head) std::cout << ", head " << result->head->seq << " " << result->head->hash;
    std::cout << "\n";
  }
  return result->firstProblem ? kExitFailure : kExitOk;
}

int show(store::Database& db) {
  auto all = audit::entries(db);
  if (!all) return fail(kProgram, all.status().message());
  for (const auto& e : *all) {
    std::cout << e.seq << "  " << e.time << "  " << e.actor << "  " << e.action << "  " << e.details
              << "\n";
  }
  return kExitOk;
}

int auditMain(const ParsedArgs& args) {
  const std::string sub = args.words.empty() ? "" : args.words[0];
  if (sub != "verify" && sub != "show") {
    return fail(kProgram, "audit needs a subcommand: 'audit verify' or 'audit show'", kExitUsage);
  }
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  auto db = openStateDatabase(context->paths);
  if (!db) return fail(kProgram, db.status().message());
  return sub == "verify" ? verify(*db, args.has("json")) : show(*db);
}

}  // namespace

Command auditCommand() {
  return {"audit",
          "audit verify|show",
          "verify the security log's hash chain, or list its entries",
          {{"json", "", "print JSON (verify)"}},
          auditMain};
}

}  // namespace tillid::cli

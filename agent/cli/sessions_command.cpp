// `tillid-agent sessions [--json]`: the Citrix sessions the agent has seen.

#include <Poco/JSON/Array.h>

#include <cstdio>
#include <iostream>

#include "agent/citrix/citrix_store.h"
#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "common/time.h"

namespace tillid::cli {
namespace {

int sessionsMain(const ParsedArgs& args) {
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  auto db = openStateDatabase(context->paths);
  if (!db) return fail(kProgram, db.status().message());
  auto sessions = citrix::readSessions(*db);
  if (!sessions) return fail(kProgram, sessions.status().message());
  if (args.has("json")) {
    Poco::JSON::Array out;
    for (const auto& session : *sessions) out.add(citrix::sessionJson(session));
    out.stringify(std::cout);
    std::cout << "\n";
    return kExitOk;
  }
  if (sessions->empty()) {
    std::cout << "no Citrix sessions\n";
    return kExitOk;
  }
  for (const auto& s : *sessions) {
    char figures[96];
    std::snprintf(figures, sizeof figures, "%.1f MB down  %.1f MB up  peak %.2f Mbit/s",
                  static_cast<double>(s.bytesFromServer) / 1e6,
                  static_cast<double>(s.bytesToServer) / 1e6, s.peakMbps);
    std::cout << formatTimestamp(fromMicros(s.startMicros)) << " - "
              << (s.endMicros > 0 ? formatTimestamp(fromMicros(s.endMicros)) : "open") << "  "
              << s.user << "  " << (s.server.empty() ? "-" : s.server) << "  (" << s.sources
              << ")  " << figures << "  id " << s.id << "\n";
  }
  return kExitOk;
}

}  // namespace

Command sessionsCommand() {
  return {"sessions",
          "sessions",
          "list the Citrix sessions seen, newest first",
          {{"json", "", "print JSON"}},
          sessionsMain};
}

}  // namespace tillid::cli

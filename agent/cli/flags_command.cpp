// `tillid-agent flags [--json]`: the heavy-streaming flags raised on Citrix sessions.

#include <Poco/JSON/Array.h>

#include <cstdio>
#include <iostream>

#include "agent/citrix/citrix_store.h"
#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "common/time.h"

namespace tillid::cli {
namespace {

std::string fixed(double value, const char* format = "%.2f") {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

int flagsMain(const ParsedArgs& args) {
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  auto db = openStateDatabase(context->paths);
  if (!db) return fail(kProgram, db.status().message());
  auto flags = citrix::readFlags(*db);
  if (!flags) return fail(kProgram, flags.status().message());
  if (args.has("json")) {
    Poco::JSON::Array out;
    for (const auto& flag : *flags) out.add(citrix::flagJson(flag));
    out.stringify(std::cout);
    std::cout << "\n";
    return kExitOk;
  }
  if (flags->empty()) {
    std::cout << "no streaming flags\n";
    return kExitOk;
  }
  for (const auto& f : *flags) {
    std::cout << formatTimestamp(fromMicros(f.startMicros)) << "  " << f.user << "  "
              << citrix::flagKindName(f.kind) << (f.service.empty() ? "" : " " + f.service) << "  "
              << f.durationSeconds() / 60 << " min  avg " << fixed(f.avgMbps) << " Mbit/s  peak "
              << fixed(f.peakMbps) << " Mbit/s  "
              << fixed(static_cast<double>(f.bytes) / 1e6, "%.1f") << " MB  "
              << (f.open ? "ongoing" : "ended") << "  session " << f.sessionId << "  id " << f.id
              << "\n";
  }
  return kExitOk;
}

}  // namespace

Command flagsCommand() {
  return {"flags",
          "flags",
          "list the heavy-streaming flags raised on Citrix sessions, newest first",
          {{"json", "", "print JSON (with the per-minute evidence)"}},
          flagsMain};
}

}  // namespace tillid::cli

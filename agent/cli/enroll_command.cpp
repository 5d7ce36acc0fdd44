// `tillid-agent enroll --server URL --token TOKEN --ca FILE`: make the device's key, have
// the collector sign its certificate, and keep both in the state directory. A running
// agent starts uploading at its next start.

#include <Poco/Environment.h>

#include <iostream>

#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "protocol/enrollment.h"

namespace tillid::cli {
namespace {

int enroll(const ParsedArgs& args) {
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  const auto server = args.value("server");
  const auto token = args.value("token");
  const auto ca = args.value("ca");
  if (!server || !token || !ca) {
    return fail(kProgram, "enroll needs --server URL --token TOKEN --ca FILE", kExitUsage);
  }
  if (server->rfind("https://", 0) != 0) {
    return fail(kProgram, "--server must be an https:// URL", kExitUsage);
  }
  const report::EnrollmentFiles files{context->paths.root};
  auto existing = report::loadEnrollment(files);
  if (existing && existing->has_value() && !args.has("force")) {
    return fail(kProgram,
                "already enrolled as " + (*existing)->deviceId + " with " + (*existing)->server +
                    " (use --force to enroll again)",
                kExitUsage);
  }
  report::EnrollRequest request;
  request.server = *server;
  while (!request.server.empty() && request.server.back() == '/') request.server.pop_back();
  request.token = *token;
  request.caFile = *ca;
  request.hostname = Poco::Environment::nodeName();
  request.pinnedPublicKeys = context->config.string("report.pinned_public_keys");
  request.proxy = context->config.string("report.proxy");
  auto enrolled = report::enroll(request, files);
  if (!enrolled) return fail(kProgram, "enrollment failed: " + enrolled.status().message());
  std::cout << "enrolled as " << enrolled->deviceId << " with " << enrolled->server
            << "; certificate valid until " << enrolled->certificateExpires << "\n";
  return kExitOk;
}

}  // namespace

Command enrollCommand() {
  return {"enroll",
          "enroll",
          "enroll this device with the collector (makes its key and certificate)",
          {{"server", "URL", "the collector, e.g. https://collector.example:8443"},
           {"token", "TOKEN", "the enrollment token from the administrator"},
           {"ca", "FILE", "the collector's CA certificate (PEM); pinned from now on"},
           {"force", "", "enroll again even if already enrolled"}},
          enroll};
}

}  // namespace tillid::cli

// `tillid-agent offboard plan|status|accept|execute`: the verified device reset.
//   plan [--profile P]  dry run: every step, target and method for this device; erases nothing
//   status [--json]     the run's steps with progress (a bar on a terminal)
//   accept --order F    verify a signed order (signature, role, device, nonce, expiry) and
//                       record the run; the task channel does the same for orders it carries
//   execute             carry out (or resume) the accepted run

#include <Poco/JSON/Parser.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "agent/offboard/offboard_engine.h"
#include "agent/offboard/offboard_executor.h"
#include "agent/offboard/offboard_order.h"
#include "agent/offboard/run_status.h"
#include "agent/service/schema.h"
#include "common/canonical_json.h"
#include "common/files.h"
#include "common/progress_text.h"
#include "common/time.h"
#include "platform/account_manager.h"
#include "platform/block_overwriter.h"
#include "platform/instance_lock.h"
#include "platform/terminal.h"
#include "platform/volume_crypto_eraser.h"
#include "protocol/enrollment.h"
#include "store/store.h"

namespace tillid::cli {
namespace {

using offboard::StepRecord;

std::string fixed(double value, const char* format) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

int planMain(const ParsedArgs& args) {
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  auto profile = offboard::parseProfile(args.value("profile").value_or("user-data"));
  if (!profile) return fail(kProgram, profile.status().message(), kExitUsage);
  const auto settings = offboard::offboardSettings(context->config);
  auto accounts = platform::discoverAccounts(offboard::accountSources(settings));
  if (!accounts) return fail(kProgram, accounts.status().message());
  auto built = offboard::buildPlan(settings, *profile, *accounts, context->paths.database());
  if (!built) return fail(kProgram, built.status().message(), kExitUsage);
  const auto& plan = *built;
  std::cout << "DRY RUN: offboarding plan, profile " << offboard::profileName(*profile)
            << " (nothing is erased; a signed order is needed to run it)\n";
  if (accounts->unreadableEntries > 0) {
    std::cout << "note: " << accounts->unreadableEntries
              << " account cache records or home entries could not be read\n";
  }
  for (size_t i = 0; i < plan.size(); ++i) {
    const auto& step = plan[i];
    std::cout << i + 1 << ". " << offboard::stepKindName(step.kind) << "  " << step.target
              << "\n   " << step.method << "\n";
    if (step.kind == offboard::StepKind::kOverwriteBlock) {
      auto medium = context->platform.blockDevices->describe(step.target);
      std::cout << "   medium: "
                << (medium ? fixed(static_cast<double>(medium->sizeBytes) / 1e9, "%.2f") + " GB" +
                                 (medium->model.empty() ? "" : ", " + medium->model)
                           : medium.status().message())
                << "\n";
    }
    if (step.kind == offboard::StepKind::kCryptoEraseLuks) {
      auto info = context->platform.volumeCryptoEraser->inspect(step.target);
      std::cout << "   volume: "
                << (info ? info->type + " " + info->uuid + ", " +
                               std::to_string(info->activeKeyslots) + " active keyslots"
                         : info.status().message())
                << "\n";
    }
  }
  return kExitOk;
}

std::string progressLine(const StepRecord& s, bool terminal) {
  if (s.progressTotal <= 0) return "";
  const double fraction =
      static_cast<double>(s.progressDone) / static_cast<double>(s.progressTotal);
  std::string line;
  if (terminal) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    line = "[" + std::string(static_cast<size_t>(filled), '#') +
           std::string(static_cast<size_t>(kWidth - filled), '.') + "] ";
  }
  const double secondsLeft =
      s.bytesPerSecond > 0
          ? static_cast<double>(s.progressTotal - s.progressDone) / s.bytesPerSecond
          : -1;
  return line + progressText(fraction * 100, s.bytesPerSecond, secondsLeft);
}

int statusMain(const ParsedArgs& args) {
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  auto db = openStateDatabase(context->paths);
  if (!db) return fail(kProgram, db.status().message());
  auto run = offboard::loadRun(*db);
  if (!run) return fail(kProgram, run.status().message());
  if (!run->has_value()) {
    std::cout << "no offboarding order has been accepted\n";
    return kExitOk;
  }
  auto steps = offboard::loadSteps(*db);
  if (!steps) return fail(kProgram, steps.status().message());
  const auto& r = **run;
  if (args.has("json")) {
    Poco::JSON::Object::Ptr out = offboard::runStatusJson(r, *steps);
    if (!r.certificate.empty()) out->set("certificate", *parseJsonObject(r.certificate));
    std::cout << canonicalJson(out) << "\n";
    return kExitOk;
  }
  int verified = 0;
  for (const auto& s : *steps) verified += s.state == offboard::kStepVerified ? 1 : 0;
  std::cout << "offboarding " << r.state << ": profile " << offboard::profileName(r.profile)
            << ", case " << r.caseRef << ", ordered by " << r.signer << ", accepted "
            << r.acceptedAt << "\n"
            << verified << " of " << steps->size() << " steps verified\n";
  const bool terminal = platform::stdoutIsTerminal();
  for (const auto& s : *steps) {
    std::cout << "  " << s.index + 1 << ". " << s.state << "  "
              << offboard::stepKindName(s.step.kind) << "  " << s.step.target;
    if (s.state == offboard::kStepRunning || s.state == offboard::kStepDone) {
      const std::string line = progressLine(s, terminal);
      if (!line.empty()) {
        std::cout << "\n     " << (s.state == offboard::kStepDone ? "verifying " : "") << line;
      }
    }
    if (!s.error.empty()) std::cout << "\n     error: " << s.error;
    std::cout << "\n";
  }
  if (!r.certificate.empty()) std::cout << "certificate of sanitization signed and queued\n";
  return kExitOk;
}

int acceptMain(const ParsedArgs& args) {
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  const auto orderFile = args.value("order");
  if (!orderFile) return fail(kProgram, "offboard accept needs --order FILE", kExitUsage);
  auto text = readWholeFile(*orderFile);
  if (!text) return fail(kProgram, text.status().message(), kExitUsage);
  auto opened = store::openStore(context->paths.database(), agentSchemaModules());
  if (!opened) return fail(kProgram, opened.status().message());
  auto accepted = offboard::acceptOrderText(*text, offboard::offboardSettings(context->config),
                                            tasks::orderValidityLimits(context->config),
                                            context->paths.root, std::move(opened->db));
  if (!accepted) return fail(kProgram, "order refused: " + accepted.status().message());
  std::cout << "order accepted: profile " << offboard::profileName(accepted->profile) << ", case "
            << accepted->caseRef << ", signed by " << accepted->signer << "\n";
  if (offboard::offboardSettings(context->config).executor == offboard::Executor::kResetService) {
    offboard::RunRecord run;
    run.caseRef = accepted->caseRef;
    run.profile = accepted->profile;
    run.acceptedAt = formatTimestamp(WallClock::now());
    Status requested = offboard::writeResetRequest(context->paths.root, run);
    if (!requested) return fail(kProgram, "cannot request the reset: " + requested.message());
    std::cout << "requested from tillid-reset.service ("
              << offboard::resetRequestPath(context->paths.root) << ")\n";
  }
  return kExitOk;
}

int executeMain(const ParsedArgs& args) {
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  // One process carries out the run: never beside another execute or the agent's runner.
  auto lock =
      context->platform.instanceLocks->acquire(offboard::offboardLockPath(context->paths.root));
  if (!lock) return fail(kProgram, lock.status().message());
  auto opened = store::openStore(context->paths.database(), agentSchemaModules());
  if (!opened) return fail(kProgram, opened.status().message());
  auto run = offboard::loadRun(opened->db);
  if (!run) return fail(kProgram, run.status().message());
  if (!run->has_value()) {
    // A request without an accepted order (the database is the authority) is dropped,
    // so that the path unit does not start the service again for it.
    if (Status removed = offboard::removeResetRequest(context->paths.root); !removed) {
      return fail(kProgram, removed.message());
    }
    return fail(kProgram, "no offboarding order has been accepted: nothing to execute");
  }
  offboard::EngineSettings settings{offboard::offboardSettings(context->config),
                                    context->paths.root,
                                    /*awaitCertificateUpload=*/args.has("await-upload")};
  settings.platform = context->platform;
  auto engine = offboard::OffboardEngine::open(std::move(settings), std::move(opened->db));
  const Status done = engine->run();
  if (!done) return fail(kProgram, "offboarding stopped: " + done.message());
  // Completed: nothing is left to start the reset service for.
  if (Status removed = offboard::removeResetRequest(context->paths.root); !removed) {
    return fail(kProgram, removed.message());
  }
  std::cout << "offboarding completed: every step verified; "
            << (args.has("await-upload") ? "the collector has the certificate\n"
                                         : "the running agent uploads the certificate\n");
  return kExitOk;
}

int offboardMain(const ParsedArgs& args) {
  const std::string sub = args.words.empty() ? "" : args.words[0];
  if (sub == "plan") return planMain(args);
  if (sub == "status") return statusMain(args);
  if (sub == "accept") return acceptMain(args);
  if (sub == "execute") return executeMain(args);
  return fail(kProgram, "offboard needs one of: plan, status, accept, execute", kExitUsage);
}

}  // namespace

Command offboardCommand() {
  return {"offboard",
          "offboard plan|status|accept|execute",
          "verified device reset: dry-run plan, progress, accepting a signed order, running it",
          {{"profile", "P", "plan: user-data (default) or full"},
           {"json", "", "status: print JSON"},
           {"order", "FILE", "accept: the signed order (JSON)"},
           {"await-upload", "",
            "execute: wait in the certificate step until the running agent has uploaded it"}},
          offboardMain};
}

}  // namespace tillid::cli

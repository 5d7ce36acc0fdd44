// tillid-collector: the central collector. `run` serves the API (docs/protocol.md) until
// SIGTERM/SIGINT; `status` asks a running collector for its health.

#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/Path.h>
#include <Poco/Util/ServerApplication.h>

#include <iostream>

#include "collector/collector_config.h"
#include "collector/collector_retention.h"
#include "collector/collector_server.h"
#include "collector/collector_stores.h"
#include "collector/offboard_service.h"
#include "collector/personal_data_reads.h"
#include "collector/revocation_service.h"
#include "collector/task_service.h"
#include "collector/tokens_file.h"
#include "common/cli_app.h"
#include "common/logging.h"
#include "platform/system_log.h"
#include "protocol/curl_transport.h"

namespace tillid::collector {
namespace {

constexpr const char* kProgram = "tillid-collector";

struct Context {
  Config config;
  std::string stateDir;  // absolute
  std::string portFile() const { return stateDir + "/collector.port"; }
};

Result<Context> loadContext(const ParsedArgs& args) {
  auto config = loadCollectorConfig(args.value("config"), args.values("set"));
  if (!config) return config.status();
  Poco::Path dir(args.value("state-dir").value_or(config->string("state_dir")));
  dir.makeAbsolute();
  std::string root = dir.toString();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return Context{std::move(*config), root};
}

class CollectorApp final : public Poco::Util::ServerApplication {
 public:
  explicit CollectorApp(Context context) : context_(std::move(context)) {}

 protected:
  int main(const std::vector<std::string>&) override {
    const Config& config = context_.config;
    setupLogging(config.string("log.target"), config.string("log.level"), kProgram,
                 platform::systemLogChannel);
    auto stores = openCollectorStores(config, context_.stateDir);
    if (!stores) {
      return fail(
          kProgram, "cannot open storage: " + stores.status().message(),
          stores.status().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure);
    }
    const std::unique_ptr<Storage>* storage = &stores->storage;
    const std::unique_ptr<TaskStore>* taskStore = &stores->tasks;
    if (const std::string tokens = config.string("enrollment.tokens_file"); !tokens.empty()) {
      auto list = readTokensFile(tokens);
      if (!list) return fail(kProgram, list.status().message(), kExitUsage);
      Status imported = (*storage)->importTokens(*list);
      if (!imported) return fail(kProgram, "cannot import tokens: " + imported.message());
    }
    auto ca = CertificateAuthority::load(config.string("tls.ca"), config.string("tls.ca_key"));
    if (!ca) return fail(kProgram, ca.status().message() + " (see docs/operations.md)", kExitUsage);
    ServiceSettings settings;
    settings.maxBatchBytes = static_cast<size_t>(config.integer("limits.max_batch_bytes"));
    settings.maxBatchRecords = static_cast<size_t>(config.integer("limits.max_batch_records"));
    settings.deviceReportsPerMinute = config.integer("limits.device_reports_per_minute");
    settings.deviceReportBurst = config.integer("limits.device_report_burst");
    settings.certificateDays = static_cast<int>(config.integer("enrollment.certificate_days"));
    settings.renewalGraceDays = static_cast<int>(config.integer("enrollment.renewal_grace_days"));
    const std::string orderKeysFile = config.string("tasks.order_keys_file");
    if (!orderKeysFile.empty() && !Poco::File(orderKeysFile).exists()) {
      return fail(kProgram, "tasks.order_keys_file " + orderKeysFile + " does not exist",
                  kExitUsage);
    }
    auto orderKeys = tasks::TrustedKeys::load(orderKeysFile);
    if (!orderKeys) return fail(kProgram, orderKeys.status().message(), kExitUsage);
    if (!orderKeysFile.empty()) settings.orderKeys = orderKeys->toJson();
    const AdministratorGate administrators(config.strings("admin.common_names"));
    CollectorService service(**storage, *ca, administrators, settings);
    const TaskServiceSettings taskSettings = taskServiceSettings(config);
    TaskService taskService(**storage, **taskStore, administrators, *orderKeys, taskSettings);
    service.addRoutes(taskService);
    PersonalDataReads reads(**storage, **taskStore, taskService, administrators, *orderKeys,
                            taskSettings.orderValidity);
    service.addRoutes(reads);
    OffboardService offboardService(**storage, **taskStore, *ca, administrators);
    service.addRoutes(offboardService);
    service.addRecordCheck(offboardService);
    RevocationService revocationService(**storage, **taskStore, administrators);
    service.addRoutes(revocationService);
    auto revocation =
        CertificateRevocation::open(**storage, config.string("tls.crl"), config.string("tls.ca"));
    if (!revocation) return fail(kProgram, revocation.status().message(), kExitUsage);
    auto server = CollectorServer::start(config, service, **revocation);
    if (!server) return fail(kProgram, server.status().message());
    {
      // Written after the bind, so a reader of the file can connect at once.
      const std::string temp = context_.portFile() + ".tmp";
      Poco::FileOutputStream out(temp);
      out << (*server)->port() << "\n";
      out.close();
      Poco::File(temp).renameTo(context_.portFile());
    }
    tillid::logger("collector")
        .information("listening on " + config.string("listen.address") + ":" +
                     std::to_string((*server)->port()));
    const CollectorRetention retention(**storage, **taskStore, collectorRetentionSettings(config));
    waitForTerminationRequest();
    taskService.shutdown();
    (*server)->stop();
    Poco::File(context_.portFile()).remove();
    tillid::logger("collector").information("stopped");
    return kExitOk;
  }

 private:
  Context context_;
};

int run(const ParsedArgs& args) {
  auto context = loadContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  try {
    Poco::File(context->stateDir).createDirectories();
  } catch (const Poco::Exception& e) {
    return fail(kProgram, "cannot create the state directory " + context->stateDir + ": " +
                              e.displayText() + " (choose another with --state-dir)");
  }
  std::vector<std::string> serverArgs{kProgram};
  if (args.has("daemon")) serverArgs.emplace_back("--daemon");
  if (auto pidfile = args.value("pidfile")) serverArgs.push_back("--pidfile=" + *pidfile);
  CollectorApp app(std::move(*context));
  return app.run(serverArgs);
}

int status(const ParsedArgs& args) {
  auto context = loadContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  Poco::FileInputStream in(context->portFile());
  int port = 0;
  if (!Poco::File(context->portFile()).exists() || !(in >> port)) {
    std::cout << "running:  no (no " << context->portFile() << ")\n";
    return kExitNotRunning;
  }
  std::string host = context->config.string("listen.address");
  if (host == "0.0.0.0" || host == "::") host = "localhost";
  report::TlsClientOptions tls;
  tls.serverUrl = "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                  ":" + std::to_string(port);
  tls.caFile = context->config.string("tls.ca");
  tls.timeout = std::chrono::seconds(10);
  report::CurlTransport transport(tls);
  auto response = transport.send({"GET", "/v1/health", "", {}, ""});
  if (!response) {
    std::cout << "running:  port " << port << " but no answer: " << response.status().message()
              << "\n";
    return kExitFailure;
  }
  std::cout << "running:  yes, " << tls.serverUrl << "\nhealth:   " << response->body;
  return response->status == 200 ? kExitOk : kExitFailure;
}

}  // namespace
}  // namespace tillid::collector

int main(int argc, char** argv) {
  using namespace tillid;
  const CliProgram program{
      collector::kProgram,
      "Tillid collector: receives the agents' reports over mutual TLS, enrolls devices and\n"
      "answers administrators (tillid-admin).",
      {{"config", "FILE", "configuration file (JSON; keys override the built-in defaults)"},
       {"state-dir", "DIR", "where the database and the port file live"},
       {"set", "KEY=VALUE", "override one configuration key, e.g. --set listen.port=0"}},
      {{"run",
        "run",
        "serve until SIGTERM/SIGINT (in the foreground unless --daemon)",
        {{"daemon", "", "detach and run in the background"},
         {"pidfile", "FILE", "with --daemon: write the process id to FILE"}},
        collector::run},
       {"status", "status", "ask the running collector for its health", {}, collector::status}}};
  return runCli(program, argc, argv);
}

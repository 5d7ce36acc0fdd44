// `tillid-agent replay FILE...`: runs capture files (pcap, pcapng) through the same usage
// pipeline as live capture, into the store of the state directory. The evaluation and
// test path: what a replay records is what the agent would have recorded live, except
// that no process or user can be known ("unknown"). With --start TIME each file's first
// frame is placed at TIME (all its frames moved by the same amount), so that a capture
// can stand for any hour.

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <iostream>
#include <optional>

#include "agent/citrix/citrix_monitor.h"
#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "agent/service/agent.h"
#include "agent/usage/usage_aggregator.h"
#include "agent/usage/usage_pipeline.h"
#include "common/logging.h"
#include "common/time.h"
#include "platform/packet_source.h"
#include "platform/system_log.h"

namespace tillid::cli {
namespace {

using Poco::JSON::Object;

constexpr std::chrono::milliseconds kNoWait{0};

struct FileResult {
  std::string path;
  uint64_t frames = 0;
  std::string error;  // empty: read to its end
};

// Hands frames on with their capture time moved so that the first one is at `startMicros`;
// the spacing between frames stays as captured.
class TimeShift final : public platform::FrameSink {
 public:
  TimeShift(platform::FrameSink& next, int64_t startMicros)
      : next_(next), startMicros_(startMicros) {}
  void onFrame(const platform::CapturedFrame& frame) override {
    if (!offset_) offset_ = startMicros_ - frame.timeMicros;
    platform::CapturedFrame moved = frame;
    moved.timeMicros += *offset_;
    next_.onFrame(moved);
  }

 private:
  platform::FrameSink& next_;
  const int64_t startMicros_;
  std::optional<int64_t> offset_;
};

// Reads one file to its end (or to the damage) into the pipeline, then ends its flows.
// `startMicros`: where its first frame is placed (nullopt: at its own capture time).
FileResult replayFile(platform::PacketSources& sources, const std::string& path,
                      usage::UsagePipeline& pipeline, std::optional<int64_t> startMicros) {
  FileResult result;
  result.path = path;
  auto source = sources.openFile(path);
  if (!source) {
    result.error = source.status().message();
    return result;
  }
  std::optional<TimeShift> shifted;
  if (startMicros) shifted.emplace(pipeline, *startMicros);
  platform::FrameSink& sink = shifted ? static_cast<platform::FrameSink&>(*shifted) : pipeline;
  while (!(*source)->finished()) {
    auto delivered = (*source)->dispatch(sink, kNoWait);
    if (!delivered) {
      result.error = delivered.status().message();
      break;
    }
    result.frames += *delivered;
  }
  pipeline.finish(0);
  return result;
}

Object::Ptr statsJson(const usage::UsagePipelineStats& stats,
                      const std::vector<FileResult>& files) {
  Object::Ptr out = new Object;
  Poco::JSON::Array::Ptr fileList = new Poco::JSON::Array;
  for (const auto& f : files) {
    Object::Ptr item = new Object;
    item->set("path", f.path);
    item->set("frames", f.frames);
    if (!f.error.empty()) item->set("error", f.error);
    fileList->add(item);
  }
  out->set("files", fileList);
  out->set("frames", stats.frames);
  out->set("packets", stats.packets);
  out->set("bytes", stats.bytes);
  out->set("flows", stats.flows.created);
  out->set("flows_evicted", stats.flows.evicted);
  out->set("tcp_control_without_flow", stats.flows.controlWithoutFlow);
  out->set("not_recorded", stats.notRecorded);
  out->set("flows_not_inspected", stats.notInspected);
  out->set("dns_responses", stats.dns.dnsResponses);
  out->set("dns_malformed", stats.dns.dnsMalformed);
  Object::Ptr skipped = new Object;
  for (size_t i = 1; i < usage::kParseOutcomeCount; ++i) {
    skipped->set(std::string(usage::parseOutcomeName(static_cast<usage::ParseOutcome>(i))),
                 stats.skipped[i]);
  }
  out->set("skipped", skipped);
  out->set("skipped_total", stats.skippedTotal());
  return out;
}

void printText(const usage::UsagePipelineStats& stats, const std::vector<FileResult>& files) {
  for (const auto& f : files) {
    std::cout << f.path << ": " << f.frames << " frames"
              << (f.error.empty() ? "" : " (stopped: " + f.error + ")") << "\n";
  }
  std::cout << "frames:   " << stats.frames << "\n"
            << "packets:  " << stats.packets << " (" << stats.bytes << " bytes)\n"
            << "flows:    " << stats.flows.created << " (" << stats.flows.evicted
            << " evicted when the flow table was full)\n"
            << "dns:      " << stats.dns.dnsResponses << " responses (" << stats.dns.dnsMalformed
            << " malformed)\n"
            << "skipped:  " << stats.skippedTotal() << " frames";
  for (size_t i = 1; i < usage::kParseOutcomeCount; ++i) {
    if (stats.skipped[i] == 0) continue;
    std::cout << ", " << usage::parseOutcomeName(static_cast<usage::ParseOutcome>(i)) << " "
              << stats.skipped[i];
  }
  std::cout << "\n";
  if (stats.flows.controlWithoutFlow > 0) {
    std::cout << "          " << stats.flows.controlWithoutFlow
              << " TCP control packets of already ended flows\n";
  }
  if (stats.notRecorded > 0) {
    std::cout << "          " << stats.notRecorded
              << " packets before monitoring.effective_from (not recorded)\n";
  }
}

int replay(const ParsedArgs& args) {
  if (args.words.empty()) {
    return fail(kProgram, "replay needs at least one capture file (pcap or pcapng)", kExitUsage);
  }
  std::optional<int64_t> startMicros;
  if (const auto start = args.value("start")) {
    auto time = parseTimestamp(*start);
    if (!time) {
      return fail(kProgram, "--start " + *start + ": " + time.status().message(), kExitUsage);
    }
    startMicros = toMicros(*time);
  }
  ParsedArgs effective = args;
  effective.add("set", "capture.enabled=false");  // a replay never starts a live capture
  auto context = loadAgentContext(effective);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  setupLogging(context->config.string("log.target"), context->config.string("log.level"), kProgram,
               platform::systemLogChannel);
  auto privacy = usage::PrivacyFilter::fromConfig(context->config);
  if (!privacy) return fail(kProgram, privacy.status().message(), kExitUsage);
  auto pipeline =
      usage::UsagePipeline::create(usage::usagePipelineOptions(context->config), *privacy, nullptr);
  if (!pipeline) return fail(kProgram, pipeline.status().message());

  try {
    Poco::File(context->paths.root).createDirectories();
  } catch (const Poco::Exception& e) {
    return fail(kProgram, "cannot create the state directory " + context->paths.root + ": " +
                              e.displayText() + " (choose another with --state-dir)");
  }
  auto agent =
      Agent::start(context->config, context->paths, context->platform, AgentScope::kRecordingOnly);
  if (!agent) {
    return fail(kProgram, "cannot open the store: " + agent.status().message(),
                agent.status().code() == ErrorCode::kConflict ? kExitUsage : kExitFailure);
  }
  usage::UsageAggregator aggregator((*agent)->writer(), *privacy, context->config);
  (*pipeline)->addObserver(&aggregator);
  citrix::CitrixMonitor citrix(context->config, (*agent)->writer(), nullptr);
  for (auto* observer : citrix.observers()) (*pipeline)->addObserver(observer);

  std::vector<FileResult> files;
  for (const auto& path : args.words) {
    files.push_back(replayFile(*context->platform.packetSources, path, **pipeline, startMicros));
    citrix.finish();  // each file is its own timeline: its sessions and streams end with it
  }
  aggregator.flush();

  const usage::UsagePipelineStats stats = (*pipeline)->stats();
  Object::Ptr summary = statsJson(stats, files);
  // The security log says that usage was recorded from files, not from this device.
  (*agent)->audit("agent", "usage.replay", summary);
  (*agent)->stop("replay finished");

  if (args.has("json")) {
    summary->stringify(std::cout);
    std::cout << "\n";
  } else {
    printText(stats, files);
  }
  const bool anyFailed =
      std::any_of(files.begin(), files.end(), [](const FileResult& f) { return !f.error.empty(); });
  return anyFailed ? kExitFailure : kExitOk;
}

}  // namespace

Command replayCommand() {
  return {"replay",
          "replay [--start TIME] FILE...",
          "run capture files (pcap, pcapng) through the usage pipeline into the store",
          {{"json", "", "print the counts as JSON"},
           {"start", "TIME",
            "place each file's first frame at TIME (UTC, YYYY-MM-DDTHH:MM:SSZ), the rest "
            "as far after it as captured"}},
          replay};
}

}  // namespace tillid::cli

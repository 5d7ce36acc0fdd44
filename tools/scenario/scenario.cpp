#include "tools/scenario/scenario.h"

#include <Poco/JSON/Parser.h>

#include <fstream>
#include <sstream>

#include "common/time.h"

namespace tillid::scenario {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Status bad(const std::string& what) {
  return Status::error(ErrorCode::kInvalidArgument, "scenario: " + what);
}

Result<Pattern> patternOf(const std::string& name) {
  if (name == "steady") return Pattern::kSteady;
  if (name == "chunked") return Pattern::kChunked;
  if (name == "office") return Pattern::kOffice;
  if (name == "idle") return Pattern::kIdle;
  return bad("unknown pattern '" + name + "' (steady, chunked, office, idle)");
}

Result<Segment> segmentOf(const Object& o, const Segment& defaults) {
  Segment s = defaults;
  s.startS = o.optValue<double>("start_s", defaults.startS);
  s.endS = o.optValue<double>("end_s", defaults.endS);
  s.downMbps = o.optValue<double>("down_mbps", defaults.downMbps);
  s.upMbps = o.optValue<double>("up_mbps", defaults.upMbps);
  if (o.has("pattern")) {
    auto p = patternOf(o.getValue<std::string>("pattern"));
    if (!p) return p.status();
    s.pattern = *p;
  }
  if (s.endS <= s.startS || s.downMbps < 0 || s.upMbps < 0) {
    return bad("a segment needs start_s < end_s and non-negative rates");
  }
  return s;
}

Result<FlowSpec> flowOf(const Object& o, double duration) {
  FlowSpec f;
  const std::string kind = o.optValue<std::string>("kind", "");
  const std::map<std::string, std::pair<FlowKind, uint16_t>> kinds = {
      {"ica", {FlowKind::kIca, 1494}},
      {"cgp", {FlowKind::kCgp, 2598}},
      {"tls", {FlowKind::kTls, 443}},
      {"quic", {FlowKind::kQuic, 443}},
      {"udp", {FlowKind::kUdp, 0}}};
  auto it = kinds.find(kind);
  if (it == kinds.end()) return bad("unknown flow kind '" + kind + "' (ica, cgp, tls, quic, udp)");
  f.kind = it->second.first;
  f.port = static_cast<uint16_t>(o.optValue<int>("port", it->second.second));
  f.udp = f.kind == FlowKind::kQuic || f.kind == FlowKind::kUdp ||
          o.optValue<std::string>("transport", "tcp") == "udp";
  f.server = o.optValue<std::string>("server", "");
  f.sni = o.optValue<std::string>("sni", "");
  if (f.server.empty() || f.port == 0) return bad(kind + " flow needs a server and a port");
  if ((f.kind == FlowKind::kTls || f.kind == FlowKind::kQuic) && f.sni.empty()) {
    return bad(kind + " flow needs an sni");
  }
  Segment defaults;
  defaults.startS = 0;
  defaults.endS = duration;
  auto whole = segmentOf(o, defaults);
  if (!whole) return whole.status();
  if (o.has("segments")) {
    for (const auto& item : *o.getArray("segments")) {
      auto s = segmentOf(*item.extract<Object::Ptr>(), *whole);
      if (!s) return s.status();
      f.segments.push_back(*s);
    }
  } else {
    f.segments.push_back(*whole);
  }
  for (size_t i = 1; i < f.segments.size(); ++i) {
    if (f.segments[i].startS < f.segments[i - 1].endS) return bad("segments overlap");
  }
  return f;
}

}  // namespace

Result<Scenario> parseScenario(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    const Object::Ptr root = parser.parse(json).extract<Object::Ptr>();
    Scenario s;
    s.description = root->optValue<std::string>("description", "");
    auto start = parseTimestamp(root->optValue<std::string>("start", "2026-11-23T09:00:00Z"));
    if (!start) return start.status();
    s.startMicros = toMicros(*start);
    s.durationS = root->optValue<double>("duration_s", 0);
    if (s.durationS <= 0) return bad("duration_s must be positive");
    s.client = root->optValue<std::string>("client", s.client);
    s.seed = root->optValue<uint32_t>("seed", s.seed);
    s.segmentBytes = root->optValue<uint32_t>("segment_bytes", s.segmentBytes);
    if (s.segmentBytes < 100 || s.segmentBytes > 65000) return bad("segment_bytes: 100..65000");
    if (!root->has("flows")) return bad("no flows");
    for (const auto& item : *root->getArray("flows")) {
      auto f = flowOf(*item.extract<Object::Ptr>(), s.durationS);
      if (!f) return f.status();
      s.flows.push_back(std::move(*f));
    }
    if (root->has("expect")) {
      for (const auto& item : *root->getArray("expect")) {
        const Object::Ptr e = item.extract<Object::Ptr>();
        s.expect.push_back({e->getValue<std::string>("kind"),
                            e->optValue<std::string>("service", ""), e->getValue<double>("start_s"),
                            e->getValue<double>("end_s"), e->optValue<bool>("by_volume", false)});
      }
    }
    return s;
  } catch (const Poco::Exception& e) {
    return bad(e.displayText());
  } catch (const std::exception& e) {
    return bad(e.what());
  }
}

Result<Scenario> loadScenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::error(ErrorCode::kNotFound, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto s = parseScenario(text.str());
  if (!s) return s.status().withContext(path);
  return s;
}

}  // namespace tillid::scenario

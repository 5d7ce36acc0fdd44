// tillid-scenario: synthetic captures for the streaming detector's tests and benchmark.
//   tillid-scenario SCENARIO.json OUT.pcap          write the scenario's capture
//   tillid-scenario score SCENARIO.json FLAGS.json  score `tillid-agent flags --json`
//                                                   against the scenario's "expect" (JSON)

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "tools/scenario/scenario.h"
#include "tools/scenario/scenario_score.h"
#include "tools/scenario/traffic_generator.h"

namespace {

int failed(const std::string& message, int code) {
  std::cerr << "tillid-scenario: " << message << "\n";
  return code;
}

int score(const std::string& scenarioPath, const std::string& flagsPath) {
  auto scenario = tillid::scenario::loadScenario(scenarioPath);
  if (!scenario) return failed(scenario.status().message(), 2);
  std::ifstream in(flagsPath);
  std::ostringstream text;
  text << in.rdbuf();
  auto flags = tillid::scenario::parseFlags(text.str());
  if (!flags) return failed(flags.status().message(), 2);
  const auto s = tillid::scenario::scoreFlags(*scenario, *flags);
  Poco::JSON::Object out;
  out.set("expected", s.expected);
  out.set("detected", s.detected);
  out.set("flags", s.flags);
  out.set("right_flags", s.rightFlags);
  Poco::JSON::Array delays;
  for (double d : s.delaysS) delays.add(d);
  out.set("delays_s", delays);
  Poco::JSON::Array problems;
  for (const auto& p : s.problems) problems.add(p);
  out.set("problems", problems);
  out.stringify(std::cout);
  std::cout << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "score") return score(argv[2], argv[3]);
  if (argc != 3) {
    return failed("usage: tillid-scenario SCENARIO.json OUT.pcap | score SCENARIO.json FLAGS.json",
                  2);
  }
  auto scenario = tillid::scenario::loadScenario(argv[1]);
  if (!scenario) return failed(scenario.status().message(), 2);
  auto stats = tillid::scenario::writeCapture(*scenario, argv[2]);
  if (!stats) return failed(stats.status().message(), 1);
  std::cout << argv[2] << ": " << stats->frames << " frames, " << stats->wireBytes / 1000000
            << " MB on the wire, " << scenario->durationS << " s\n";
  return 0;
}

// tillid-scenario: writes the capture file of a traffic scenario (tests/scenarios/*.json)
// for the streaming detector's tests and benchmark.
//   tillid-scenario SCENARIO.json OUT.pcap

#include <iostream>

#include "tools/scenario/scenario.h"
#include "tools/scenario/traffic_generator.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: tillid-scenario SCENARIO.json OUT.pcap\n";
    return 2;
  }
  auto scenario = tillid::scenario::loadScenario(argv[1]);
  if (!scenario) {
    std::cerr << "tillid-scenario: " << scenario.status().message() << "\n";
    return 2;
  }
  auto stats = tillid::scenario::writeCapture(*scenario, argv[2]);
  if (!stats) {
    std::cerr << "tillid-scenario: " << stats.status().message() << "\n";
    return 1;
  }
  std::cout << argv[2] << ": " << stats->frames << " frames, "
            << stats->wireBytes / 1000000 << " MB on the wire, "
            << scenario->durationS << " s\n";
  return 0;
}

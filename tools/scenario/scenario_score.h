#pragma once
// Scores the flags an agent raised for a scenario against the scenario's "expect" list:
// which expected streams were flagged (recall), which flags were right (precision), and
// how long after the stream's start each was raised (delay).

#include <string>
#include <vector>

#include "common/result.h"
#include "tools/scenario/scenario.h"

namespace tillid::scenario {

struct RaisedFlag {
  std::string kind;
  std::string service;
  int64_t startMicros = 0;
  int64_t endMicros = 0;
  int64_t raisedMicros = 0;
};

// Parses the output of `tillid-agent flags --json`.
Result<std::vector<RaisedFlag>> parseFlags(const std::string& json);

struct Score {
  int expected = 0;
  int detected = 0;  // expected streams with at least one matching flag
  int flags = 0;
  int rightFlags = 0;                 // flags that match an expected stream
  std::vector<double> delaysS;        // raise time - expected start, for detected streams
                                      // that are not flagged by volume
  std::vector<std::string> problems;  // one sentence per miss or false flag
};

// A flag matches an expected stream when kind and service (if the expectation names one)
// agree and their times overlap.
Score scoreFlags(const Scenario& scenario, const std::vector<RaisedFlag>& flags);

}  // namespace tillid::scenario

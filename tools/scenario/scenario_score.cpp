#include "tools/scenario/scenario_score.h"

#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include "common/time.h"

namespace tillid::scenario {
namespace {

bool matches(const ExpectedFlag& e, const RaisedFlag& f, int64_t scenarioStart) {
  const auto at = [&](double s) { return scenarioStart + static_cast<int64_t>(s * 1e6); };
  if (e.kind != f.kind) return false;
  if (!e.service.empty() && Poco::icompare(e.service, f.service) != 0) return false;
  return f.startMicros < at(e.endS) && f.endMicros > at(e.startS);
}

}  // namespace

Result<std::vector<RaisedFlag>> parseFlags(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    const auto items = parser.parse(json).extract<Poco::JSON::Array::Ptr>();
    std::vector<RaisedFlag> out;
    for (const auto& item : *items) {
      const auto o = item.extract<Poco::JSON::Object::Ptr>();
      RaisedFlag f;
      f.kind = o->getValue<std::string>("kind");
      f.service = o->getValue<std::string>("service");
      for (auto [field, target] : {std::pair{"start", &f.startMicros},
                                   {"end", &f.endMicros},
                                   {"raised_at", &f.raisedMicros}}) {
        auto t = parseTimestamp(o->getValue<std::string>(field));
        if (!t) return t.status();
        *target = toMicros(*t);
      }
      out.push_back(f);
    }
    return out;
  } catch (const Poco::Exception& e) {
    return Status::error(ErrorCode::kInvalidArgument, "flags JSON: " + e.displayText());
  }
}

Score scoreFlags(const Scenario& scenario, const std::vector<RaisedFlag>& flags) {
  Score score;
  score.expected = static_cast<int>(scenario.expect.size());
  score.flags = static_cast<int>(flags.size());
  for (const auto& e : scenario.expect) {
    const RaisedFlag* first = nullptr;
    for (const auto& f : flags) {
      if (matches(e, f, scenario.startMicros) &&
          (first == nullptr || f.raisedMicros < first->raisedMicros)) {
        first = &f;
      }
    }
    if (first == nullptr) {
      score.problems.push_back("missed: " + e.kind + " " + e.service + " from " +
                               std::to_string(static_cast<int>(e.startS)) + " s");
      continue;
    }
    ++score.detected;
    if (!e.byVolume) {
      score.delaysS.push_back(
          static_cast<double>(first->raisedMicros - scenario.startMicros) / 1e6 - e.startS);
    }
  }
  for (const auto& f : flags) {
    bool right = false;
    for (const auto& e : scenario.expect) right = right || matches(e, f, scenario.startMicros);
    if (right) {
      ++score.rightFlags;
    } else {
      score.problems.push_back("false flag: " + f.kind + " " + f.service + " at " +
                               formatTimestamp(fromMicros(f.startMicros)));
    }
  }
  return score;
}

}  // namespace tillid::scenario

#include "agent/offboard/run_status.h"

#include <Poco/JSON/Array.h>

#include "common/canonical_json.h"

namespace tillid::offboard {
Poco::JSON::Object::Ptr runStatusJson(const RunRecord& run, const std::vector<StepRecord>& steps) {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
  out->set("device", run.deviceId);
  out->set("profile", profileName(run.profile));
  out->set("case", run.caseRef);
  out->set("signer", run.signer);
  out->set("state", run.state);
  out->set("accepted", run.acceptedAt);
  out->set("finished", run.finishedAt);
  out->set("reason", run.reason);
  out->set("notice_seconds", run.noticeSeconds);
  out->set("reset_starts", run.noticeEndsAt);
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  int verified = 0;
  for (const auto& s : steps) {
    verified += s.state == kStepVerified ? 1 : 0;
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("index", s.index);
    o->set("kind", stepKindName(s.step.kind));
    o->set("target", s.step.target);
    o->set("state", s.state);
    o->set("started", s.startedAt);
    o->set("finished", s.finishedAt);
    o->set("progress_done", s.progressDone);
    o->set("progress_total", s.progressTotal);
    double percent = -1;
    double eta = -1;
    if (s.progressTotal > 0) {
      percent = 100.0 * static_cast<double>(s.progressDone) / static_cast<double>(s.progressTotal);
      if (s.bytesPerSecond > 0) {
        eta = static_cast<double>(s.progressTotal - s.progressDone) / s.bytesPerSecond;
      }
    }
    o->set("percent", percent);
    o->set("bytes_per_second", s.bytesPerSecond);
    o->set("eta_seconds", eta);
    o->set("error", s.error);
    o->set("result", parsedOrEmpty(s.resultJson));
    o->set("verification", parsedOrEmpty(s.verificationJson));
    list->add(o);
  }
  out->set("steps", list);
  out->set("steps_verified", verified);
  out->set("certificate_signed", !run.certificate.empty());
  return out;
}

}  // namespace tillid::offboard

// tillid-wipe-bench: the offboarding erasers on an image file the benchmark made, timed.
//   tillid-wipe-bench overwrite FILE zeros|random BUFFER_MIB
//       -> seconds bytes_written direct|buffered checkpoints
//   tillid-wipe-bench verify FILE zeros|random BUFFER_MIB full|sample -> seconds bytes_read
//   tillid-wipe-bench luks FILE
//       -> erase_seconds verify_seconds keyslots_destroyed header_bytes
// The random pattern's key is 32 bytes of 0x5a (so `openssl enc -aes-256-ctr` with that key
// and a zero IV writes the same bytes). Only FILE is ever touched (the whole target list).

#include <chrono>
#include <cstdio>
#include <string>

#include "platform/block_overwriter.h"
#include "platform/volume_crypto_eraser.h"

namespace {

using namespace tillid;
using namespace tillid::platform;

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int usage() {
  std::fprintf(stderr,
               "usage: tillid-wipe-bench overwrite FILE zeros|random BUFFER_MIB\n"
               "       tillid-wipe-bench verify FILE zeros|random BUFFER_MIB full|sample\n"
               "       tillid-wipe-bench luks FILE\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string command = argv[1];
  const std::string file = argv[2];
  auto targets = TargetList::create({file});
  if (!targets) {
    std::fprintf(stderr, "%s\n", targets.status().message().c_str());
    return 1;
  }
  OverwriteSpec spec;
  spec.path = file;
  spec.key.fill(0x5a);
  const auto start = std::chrono::steady_clock::now();
  if (command == "luks") {
    auto eraser = makeVolumeCryptoEraser();
    auto info = eraser->inspect(file);
    if (!info) {
      std::fprintf(stderr, "%s\n", info.status().message().c_str());
      return 1;
    }
    spec.pattern = OverwritePattern::kRandom;
    auto erased = eraser->cryptoErase(spec, info->headerBytes, *targets);
    const double eraseSeconds = secondsSince(start);
    const auto verifyStart = std::chrono::steady_clock::now();
    auto verified = eraser->verifyErased(spec, info->headerBytes, *targets);
    if (!erased || !verified || !verified->passed) {
      std::fprintf(stderr, "crypto-erase failed\n");
      return 1;
    }
    std::printf("%.6f %.6f %d %llu\n", eraseSeconds, secondsSince(verifyStart),
                erased->keyslotsDestroyed, static_cast<unsigned long long>(info->headerBytes));
    return 0;
  }
  if (argc < 5) return usage();
  spec.pattern =
      std::string(argv[3]) == "zeros" ? OverwritePattern::kZeros : OverwritePattern::kRandom;
  spec.bufferBytes = static_cast<size_t>(std::stoul(argv[4])) << 20;
  if (command == "overwrite") {
    // As in the agent, every durable checkpoint is reported (the engine stores it).
    int checkpoints = 0;
    auto report = overwriteMedium(spec, *targets, 0, [&](uint64_t, uint64_t) { ++checkpoints; });
    if (!report) {
      std::fprintf(stderr, "%s\n", report.status().message().c_str());
      return 1;
    }
    std::printf("%.6f %llu %s %d\n", secondsSince(start),
                static_cast<unsigned long long>(report->bytesWritten),
                report->directIo ? "direct" : "buffered", checkpoints);
    return 0;
  }
  if (command == "verify" && argc >= 6) {
    const auto mode =
        std::string(argv[5]) == "full" ? VerificationMode::kFull : VerificationMode::kSample;
    auto report = verifyMedium(spec, *targets, mode, 1, nullptr);
    if (!report || !report->passed) {
      std::fprintf(stderr, "verification failed\n");
      return 1;
    }
    std::printf("%.6f %llu\n", secondsSince(start),
                static_cast<unsigned long long>(report->bytesRead));
    return 0;
  }
  return usage();
}

// libFuzzer target: the packet parser on arbitrary frames of every link type. Each frame
// is copied to a buffer of exactly its length, so ASan sees any read past its end.

#include <cstring>
#include <memory>

#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tillid;
  fuzz::forEachFrame(
      data, size, [](usage::LinkType type, const uint8_t* frame, size_t length, uint32_t) {
        std::unique_ptr<uint8_t[]> copy(new uint8_t[length + 1]);
        std::memcpy(copy.get(), frame, length);
        usage::ParsedPacket packet;
        if (usage::parsePacket(type, copy.get(), length, packet) == usage::ParseOutcome::kOk) {
          // Everything the parser points at must lie within the frame.
          if (packet.ip < copy.get() || packet.ip + packet.ipLength > copy.get() + length ||
              packet.payload + packet.payloadLength > copy.get() + length) {
            __builtin_trap();
          }
          (void)usage::formatAddress(packet.source, packet.ipVersion);
        }
      });
  return 0;
}

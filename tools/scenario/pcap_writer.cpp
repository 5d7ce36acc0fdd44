#include "tools/scenario/pcap_writer.h"

#include <cstring>

namespace tillid::scenario {
namespace {

constexpr uint32_t kMagicMicros = 0xa1b2c3d4;
constexpr uint32_t kLinkTypeEthernet = 1;
constexpr uint32_t kSnapLen = 65535;

template <typename T>
void put(std::ofstream& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // the file is in the writer's byte order
  out.write(bytes, sizeof(T));
}

}  // namespace

Result<PcapWriter> PcapWriter::create(const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::error(ErrorCode::kIo, "cannot write " + path);
  put<uint32_t>(out, kMagicMicros);
  put<uint16_t>(out, 2);
  put<uint16_t>(out, 4);
  put<int32_t>(out, 0);
  put<uint32_t>(out, 0);
  put<uint32_t>(out, kSnapLen);
  put<uint32_t>(out, kLinkTypeEthernet);
  return PcapWriter(std::move(out));
}

void PcapWriter::write(int64_t timeMicros, const std::vector<uint8_t>& captured,
                       uint32_t wireLength) {
  put<uint32_t>(out_, static_cast<uint32_t>(timeMicros / 1000000));
  put<uint32_t>(out_, static_cast<uint32_t>(timeMicros % 1000000));
  put<uint32_t>(out_, static_cast<uint32_t>(captured.size()));
  put<uint32_t>(out_, wireLength);
  out_.write(reinterpret_cast<const char*>(captured.data()),
             static_cast<std::streamsize>(captured.size()));
  ++frames_;
}

Status PcapWriter::close() {
  out_.close();
  if (!out_) return Status::error(ErrorCode::kIo, "writing the capture failed");
  return Status::ok();
}

}  // namespace tillid::scenario

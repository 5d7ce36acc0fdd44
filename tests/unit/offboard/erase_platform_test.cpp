// The destructive platform primitives on what the tests create: a temporary root with its
// own etc/ and home directories, and image files. Each primitive is shown to do its job
// and to refuse everything outside its explicit target list.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "platform/account_manager.h"
#include "platform/block_overwriter.h"
#include "platform/file_eraser.h"
#include "platform/session_terminator.h"
#include "platform/target_list.h"
#include "tests/support/child_process.h"
#include "tests/support/skip.h"
#include "tests/support/temp_dir.h"

namespace tillid::platform {
namespace {

namespace fs = std::filesystem;
using test::readFile;
using test::TempDir;
using test::writeFile;

TargetList targets(const std::vector<std::string>& paths) {
  auto list = TargetList::create(paths);
  REQUIRE(list.isOk());
  return *list;
}

void writeImage(const std::string& path, uint64_t bytes, char fill) {
  std::ofstream out(path, std::ios::binary);
  const std::string chunk(1 << 16, fill);
  for (uint64_t done = 0; done < bytes; done += chunk.size()) {
    out.write(chunk.data(),
              static_cast<std::streamsize>(std::min<uint64_t>(chunk.size(), bytes - done)));
  }
}

TEST_CASE("target lists refuse system roots and paths outside them", "[offboard]") {
  TempDir dir;
  for (const char* root :
       {"/", "/home", "/etc", "/usr", "/home/", "/home/../etc", "/var", "/usr/bin",
        "/usr/lib/x86_64-linux-gnu", "/lib/modules", "/boot/efi", "/proc/1"}) {
    INFO(root);
    // kInvalidArgument, or kPermission where the path is a link (merged /usr: /lib).
    CHECK(!TargetList::create({root}).isOk());
  }
  CHECK(!TargetList::create({"relative/path"}).isOk());
  fs::create_directories(dir.file("home/alice"));
  fs::create_directories(dir.file("home/bob"));
  auto list = targets({dir.file("home/alice")});
  CHECK(list.permits(dir.file("home/alice")).isOk());
  CHECK(list.permits(dir.file("home/alice/.ssh/id_ed25519")).isOk());
  CHECK(list.permits(dir.file("home/bob")).code() == ErrorCode::kPermission);
  CHECK(list.permits(dir.file("home/alice/../bob")).code() == ErrorCode::kPermission);
  CHECK(list.permits(dir.file("home/alicex")).code() == ErrorCode::kPermission);
  CHECK(list.permitsExactly(dir.file("home/alice/x")).code() == ErrorCode::kPermission);
  // A symlink inside the target that leads outside it is not inside the target.
  fs::create_directory_symlink(dir.file("home/bob"), dir.file("home/alice/escape"));
  CHECK(list.permits(dir.file("home/alice/escape/file")).code() == ErrorCode::kPermission);
}

TEST_CASE("eraseTree overwrites, verifies and removes a home without following links",
          "[offboard]") {
  TempDir dir;
  const std::string home = dir.file("root/home/alice");
  fs::create_directories(home + "/.ssh");
  fs::create_directories(home + "/.mozilla/firefox/abc.default/cache");
  writeFile(home + "/.ssh/id_ed25519", std::string(5000, 'k'));
  writeFile(home + "/.mozilla/firefox/abc.default/cookies.sqlite", std::string(300000, 'c'));
  writeFile(home + "/empty", "");
  // Outside the target: must survive, though links inside the home point at them.
  const std::string outside = dir.file("outside.txt");
  writeFile(outside, "keep me");
  fs::create_directories(dir.file("outside-dir"));
  writeFile(dir.file("outside-dir/data"), "keep this too");
  fs::create_symlink(outside, home + "/link-to-file");
  fs::create_directory_symlink(dir.file("outside-dir"), home + "/link-to-dir");
  // A hard link to an outside file: unlinked, never overwritten.
  const std::string hardOutside = dir.file("hard-outside");
  writeFile(hardOutside, "shared content");
  fs::create_hard_link(hardOutside, home + "/hardlink");

  auto report = eraseTree(home, targets({home}));
  REQUIRE(report.isOk());
  CHECK(report->files == 3);
  CHECK(report->bytesOverwritten == 305000);
  CHECK(report->symlinks == 2);
  CHECK(report->hardLinkedFiles == 1);
  CHECK(report->directories == 6);
  CHECK(verifyErased(home).isOk());
  CHECK(readFile(outside) == "keep me");
  CHECK(readFile(dir.file("outside-dir/data")) == "keep this too");
  CHECK(readFile(hardOutside) == "shared content");
  CHECK(fs::exists(dir.file("root/home")));

  // Running it again (a resumed step) finds nothing and succeeds.
  auto again = eraseTree(home, targets({home}));
  REQUIRE(again.isOk());
  CHECK(again->files == 0);
}

TEST_CASE("eraseTree overwrites file content before unlinking it", "[offboard]") {
  TempDir dir;
  const std::string file = dir.file("secret");
  writeFile(file, std::string(10000, 's'));
  // A second open descriptor sees the inode after the unlink: its content must be zeros.
  std::ifstream held(file, std::ios::binary);
  REQUIRE(eraseTree(file, targets({file})).isOk());
  std::string content((std::istreambuf_iterator<char>(held)), std::istreambuf_iterator<char>());
  CHECK(content == std::string(10000, '\0'));
  CHECK(verifyErased(file).isOk());
}

TEST_CASE("eraseTree refuses targets outside its list and symlinked targets", "[offboard]") {
  TempDir dir;
  fs::create_directories(dir.file("home/alice"));
  fs::create_directories(dir.file("home/bob"));
  writeFile(dir.file("home/bob/file"), "bob");
  CHECK(eraseTree(dir.file("home/bob"), targets({dir.file("home/alice")})).status().code() ==
        ErrorCode::kPermission);
  // A target that is a symlink to somewhere else, listed or reached through the link.
  fs::create_directory_symlink(dir.file("home/bob"), dir.file("home/carol"));
  CHECK(TargetList::create({dir.file("home/carol")}).status().code() == ErrorCode::kPermission);
  CHECK(TargetList::create({dir.file("home/carol/x")}).status().code() == ErrorCode::kPermission);
  CHECK(eraseTree(dir.file("home/carol"), targets({dir.file("home/bob")})).status().code() ==
        ErrorCode::kPermission);
  CHECK(readFile(dir.file("home/bob/file")) == "bob");
  CHECK(verifyErased(dir.file("home/bob")).code() == ErrorCode::kCorrupt);
}

void writeEtc(const TempDir& dir) {
  fs::create_directories(dir.file("etc"));
  writeFile(dir.file("etc/passwd"),
            "root:x:0:0:root:/root:/bin/bash\n"
            "it-admin:x:1000:1000:IT:/home/it-admin:/bin/bash\n"
            "alice:x:1001:1001:Alice:/home/alice:/bin/bash\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
  writeFile(dir.file("etc/shadow"),
            "root:$y$root:19000:0:99999:7:::\n"
            "it-admin:$y$it:19000:0:99999:7:::\n"
            "alice:$y$alice:19000:0:99999:7:::\n"
            "nobody:*:19000:0:99999:7:::\n");
  writeFile(dir.file("etc/group"),
            "root:x:0:\nsudo:x:27:it-admin,alice\nit-admin:x:1000:\nalice:x:1001:\n");
  writeFile(dir.file("etc/gshadow"), "sudo:!:alice:it-admin,alice\nalice:!::\n");
  ::chmod(dir.file("etc/shadow").c_str(), 0640);
}

TEST_CASE("accounts: list, lock and remove only listed people", "[offboard]") {
  TempDir dir;
  writeEtc(dir);
  auto manager = makeAccountManager(dir.path(), {"alice"});
  auto accounts = manager->list();
  REQUIRE(accounts.isOk());
  REQUIRE(accounts->size() == 4);
  CHECK((*accounts)[1].person);
  CHECK(!(*accounts)[0].person);
  CHECK(!(*accounts)[3].person);

  CHECK(manager->lock("it-admin").code() == ErrorCode::kPermission);
  CHECK(manager->remove("root").code() == ErrorCode::kPermission);
  REQUIRE(manager->lock("alice").isOk());
  REQUIRE(manager->lock("alice").isOk());  // idempotent
  CHECK(readFile(dir.file("etc/shadow")).find("alice:!$y$alice:19000:0:99999:7::1:") !=
        std::string::npos);
  accounts = manager->list();
  REQUIRE(accounts.isOk());
  CHECK((*accounts)[2].locked);

  REQUIRE(manager->remove("alice").isOk());
  REQUIRE(manager->remove("alice").isOk());  // idempotent
  CHECK(readFile(dir.file("etc/passwd")).find("alice") == std::string::npos);
  CHECK(readFile(dir.file("etc/shadow")).find("alice") == std::string::npos);
  CHECK(readFile(dir.file("etc/group")) == "root:x:0:\nsudo:x:27:it-admin\nit-admin:x:1000:\n");
  CHECK(readFile(dir.file("etc/gshadow")) == "sudo:!::it-admin\n");
  CHECK((fs::status(dir.file("etc/shadow")).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
  CHECK(readFile(dir.file("etc/passwd")).find("it-admin:x:1000") != std::string::npos);
}

TEST_CASE("sessions: the listed users' processes are killed, nobody else's", "[offboard]") {
  TempDir dir;
  CHECK(!makeSessionTerminator(dir.path(), {{"0"}}).isOk());
  CHECK(!makeSessionTerminator(dir.path(), {{"S-1-5-21-1004"}}).isOk());  // not a uid
  CHECK(!makeSessionTerminator(dir.path(), {{std::to_string(::getuid())}}).isOk());
  // A proc directory the test builds: a real child process presented as uid 4242, and
  // another presented as uid 4343.
  test::ChildProcess victim("/bin/sleep", {"600"});
  test::ChildProcess bystander("/bin/sleep", {"600"});
  fs::create_directories(dir.file(std::to_string(victim.pid())));
  fs::create_directories(dir.file(std::to_string(bystander.pid())));
  writeFile(dir.file(std::to_string(victim.pid()) + "/status"),
            "Name:\tsleep\nState:\tS (sleeping)\nUid:\t4242\t4242\t4242\t4242\n");
  writeFile(dir.file(std::to_string(bystander.pid()) + "/status"),
            "Name:\tsleep\nState:\tS (sleeping)\nUid:\t4343\t4343\t4343\t4343\n");
  auto terminator = makeSessionTerminator(dir.path(), {{"4242"}});
  REQUIRE(terminator.isOk());
  CHECK((*terminator)->remaining().value() == 1);
  // The test's proc entry outlives the process, so SIGKILL follows after the grace; the
  // grace lets SIGTERM be the signal that ended it.
  auto ended = (*terminator)->terminate(std::chrono::milliseconds(500));
  REQUIRE(ended.isOk());
  CHECK(ended->terminated == 1);
  CHECK(victim.wait() == 128 + SIGTERM);
  CHECK(bystander.running());
  // The test's proc entry stays; mark it as the zombie-free gone state a real proc has.
  fs::remove_all(dir.file(std::to_string(victim.pid())));
  CHECK((*terminator)->remaining().value() == 0);
}

TEST_CASE("sessions: SIGTERM first, SIGKILL only to a process still alive after the grace",
          "[offboard]") {
  if (::geteuid() != 0 || !fs::exists("/usr/bin/setpriv")) {
    ::tillid::test::skipTest("needs root and setpriv to run processes as other users");
  }
  // Real processes of other users, found in the real /proc: one ends on SIGTERM, one
  // ignores it (as do its children, which inherit the ignored signal).
  auto runAs = [](uint32_t uid, const std::string& script) {
    const std::string id = std::to_string(uid);
    return std::make_unique<test::ChildProcess>(
        "/usr/bin/setpriv", std::vector<std::string>{"--reuid=" + id, "--regid=" + id,
                                                     "--clear-groups", "/bin/sh", "-c", script});
  };
  auto polite = runAs(4242, "trap 'exit 7' TERM; echo ready; while :; do sleep 0.05; done");
  auto stubborn = runAs(4343, "trap '' TERM; echo ready; while :; do sleep 0.05; done");
  auto bystander = runAs(4444, "echo ready; while :; do sleep 0.05; done");
  for (auto* child : {polite.get(), stubborn.get(), bystander.get()}) {
    REQUIRE(test::waitUntil([&] { return child->out().find("ready") != std::string::npos; },
                            std::chrono::seconds(10)));
  }
  auto terminator = makeSessionTerminator("/proc", {{"4242"}, {"4343"}});
  REQUIRE(terminator.isOk());
  const auto grace = std::chrono::milliseconds(1500);
  const auto start = std::chrono::steady_clock::now();
  auto ended = (*terminator)->terminate(grace);
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(ended.isOk());
  CHECK(ended->terminated >= 2);
  CHECK(ended->killed >= 1);
  CHECK(took >= grace);
  CHECK(polite->wait() == 7);  // its own SIGTERM handler ran
  CHECK(stubborn->wait() == 128 + SIGKILL);
  CHECK(bystander->running());
  CHECK(test::waitUntil([&] { return (*terminator)->remaining().value() == 0; },
                        std::chrono::seconds(5)));
  bystander->signal(SIGKILL);
  bystander->wait();
}

TEST_CASE("block overwrite: zeros and random patterns verified in full and by sampling",
          "[offboard]") {
  TempDir dir;
  const std::string image = dir.file("disk.img");
  const uint64_t size = 96ull << 20;          // large enough for 1,000 sampled subsections
  writeImage(image, size + 4096 + 512, 'x');  // an odd tail beyond the aligned part
  const auto list = targets({image});
  for (const auto pattern : {OverwritePattern::kZeros, OverwritePattern::kRandom}) {
    INFO(overwritePatternName(pattern));
    OverwriteSpec spec;
    spec.path = image;
    spec.pattern = pattern;
    spec.key.fill(7);
    spec.bufferBytes = 1 << 20;
    uint64_t lastDone = 0;
    auto written = overwriteMedium(spec, list, 0, [&](uint64_t done, uint64_t total) {
      CHECK(done > lastDone);
      CHECK(total == size + 4608);
      lastDone = done;
    });
    REQUIRE(written.isOk());
    CHECK(written->bytesWritten == size + 4608);
    CHECK(lastDone == size + 4608);
    auto full = verifyMedium(spec, list, VerificationMode::kFull, 1, nullptr);
    REQUIRE(full.isOk());
    CHECK(full->passed);
    CHECK(full->bytesRead == size + 4608);
    auto sample = verifyMedium(spec, list, VerificationMode::kSample, 1, nullptr);
    REQUIRE(sample.isOk());
    CHECK(sample->passed);
    CHECK(sample->mode == VerificationMode::kSample);
    CHECK(sample->subsections >= 1000);
    CHECK(sample->bytesRead >= size / 10);
    CHECK(sample->bytesRead < size / 5);
  }
  const std::string content = readFile(image);
  CHECK(content.find(std::string(64, 'x')) == std::string::npos);
}

TEST_CASE("block verification finds what the overwrite missed", "[offboard]") {
  TempDir dir;
  const std::string image = dir.file("disk.img");
  writeImage(image, 4 << 20, 'x');
  const auto list = targets({image});
  OverwriteSpec spec;
  spec.path = image;
  spec.bufferBytes = 1 << 20;
  REQUIRE(overwriteMedium(spec, list, 0, nullptr).isOk());
  {
    std::fstream poke(image, std::ios::in | std::ios::out | std::ios::binary);
    poke.seekp(3 << 20);
    poke.write("left", 4);
  }
  auto full = verifyMedium(spec, list, VerificationMode::kFull, 1, nullptr);
  REQUIRE(full.isOk());
  CHECK(!full->passed);
  CHECK(full->detail.find(std::to_string(3 << 20)) != std::string::npos);
  // The last block is always sampled, and a small medium is read in full anyway.
  auto sample = verifyMedium(spec, list, VerificationMode::kSample, 1, nullptr);
  REQUIRE(sample.isOk());
  CHECK(!sample->passed);
}

TEST_CASE("block overwrite resumes from a checkpoint and refuses unlisted media", "[offboard]") {
  TempDir dir;
  const std::string image = dir.file("disk.img");
  const std::string other = dir.file("other.img");
  writeImage(image, 8 << 20, 'x');
  writeImage(other, 1 << 20, 'o');
  OverwriteSpec spec;
  spec.path = image;
  spec.pattern = OverwritePattern::kRandom;
  spec.key.fill(3);
  spec.bufferBytes = 1 << 20;
  const auto list = targets({image});
  auto resumed = overwriteMedium(spec, list, (5 << 20) + 100, nullptr);
  REQUIRE(resumed.isOk());
  CHECK(resumed->bytesWritten == 3u << 20);
  auto partial = verifyMedium(spec, list, VerificationMode::kFull, 1, nullptr);
  REQUIRE(partial.isOk());
  CHECK(!partial->passed);  // the first 5 MiB still hold the old data
  REQUIRE(overwriteMedium(spec, list, 0, nullptr).isOk());
  CHECK(verifyMedium(spec, list, VerificationMode::kFull, 1, nullptr)->passed);

  OverwriteSpec wrong = spec;
  wrong.path = other;
  CHECK(overwriteMedium(wrong, list, 0, nullptr).status().code() == ErrorCode::kPermission);
  CHECK(readFile(other) == std::string(1 << 20, 'o'));
  CHECK(TargetList::create({dir.path()})->permitsExactly(image).code() == ErrorCode::kPermission);
}

std::string hex(const std::vector<uint8_t>& bytes) {
  std::string out;
  for (const uint8_t b : bytes) {
    constexpr const char* kDigits = "0123456789abcdef";
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

// Flips the bits of the byte at `offset` (twice restores it).
void flipByte(const std::string& path, uint64_t offset) {
  std::fstream poke(path, std::ios::in | std::ios::out | std::ios::binary);
  poke.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  poke.read(&byte, 1);
  byte = static_cast<char>(~byte);
  poke.seekp(static_cast<std::streamoff>(offset));
  poke.write(&byte, 1);
}

TEST_CASE("the random pattern is AES-256-CTR with the counter at offset/16, at any offset",
          "[offboard]") {
  OverwriteSpec spec;
  spec.pattern = OverwritePattern::kRandom;
  spec.key.fill(7);
  // Known answers from `openssl enc -aes-256-ctr -K 0707...07 -iv <offset/16> -nosalt`
  // on zeros: the pattern must never change, or resumed runs would not verify.
  std::vector<uint8_t> start(16);
  REQUIRE(fillPattern(spec, 0, start.data(), start.size()).isOk());
  CHECK(hex(start) == "0a4dee87e76ce0d47c6e1cdfc76d20a3");
  std::vector<uint8_t> at16MiB(16);
  REQUIRE(fillPattern(spec, 16 << 20, at16MiB.data(), at16MiB.size()).isOk());
  CHECK(hex(at16MiB) == "50fc8986dc930f44ae64a05cdd102be1");
  // A range regenerated in two pieces equals the range generated at once.
  std::vector<uint8_t> whole(3 << 20);
  REQUIRE(fillPattern(spec, 1 << 20, whole.data(), whole.size()).isOk());
  std::vector<uint8_t> pieces(whole.size());
  REQUIRE(fillPattern(spec, 1 << 20, pieces.data(), 1 << 20).isOk());
  REQUIRE(fillPattern(spec, 2 << 20, pieces.data() + (1 << 20), 2 << 20).isOk());
  CHECK(pieces == whole);
  OverwriteSpec zeros;
  std::vector<uint8_t> zeroed(4096, 0xff);
  REQUIRE(fillPattern(zeros, 4096, zeroed.data(), zeroed.size()).isOk());
  CHECK(zeroed == std::vector<uint8_t>(4096, 0));
}

TEST_CASE("verification catches one flipped byte in the first, a middle and the last block",
          "[offboard]") {
  TempDir dir;
  const std::string image = dir.file("disk.img");
  const uint64_t size = (96ull << 20) + 4096 + 512;  // sampled; an odd tail
  writeImage(image, size, 'x');
  const auto list = targets({image});
  for (const auto pattern : {OverwritePattern::kZeros, OverwritePattern::kRandom}) {
    INFO(overwritePatternName(pattern));
    OverwriteSpec spec;
    spec.path = image;
    spec.pattern = pattern;
    spec.key.fill(9);
    spec.bufferBytes = 1 << 20;
    std::vector<uint64_t> checkpoints;
    REQUIRE(overwriteMedium(spec, list, 0, [&](uint64_t done, uint64_t) {
              checkpoints.push_back(done);
            }).isOk());
    // The first buffer is checkpointed at once; every checkpoint is a buffer boundary.
    REQUIRE(!checkpoints.empty());
    CHECK(checkpoints.front() == spec.bufferBytes);
    for (const uint64_t done : checkpoints) CHECK((done % spec.bufferBytes == 0 || done == size));
    REQUIRE(verifyMedium(spec, list, VerificationMode::kFull, 1, nullptr)->passed);
    // The middle of the first buffer, of a middle buffer, of the last whole buffer, the
    // aligned tail's middle, and the medium's very last byte.
    for (const uint64_t offset :
         {uint64_t{1} << 19, (uint64_t{50} << 20) + 12345, (uint64_t{95} << 20) + (1 << 19),
          (uint64_t{96} << 20) + 2048, size - 1}) {
      INFO(offset);
      flipByte(image, offset);
      auto full = verifyMedium(spec, list, VerificationMode::kFull, 1, nullptr);
      REQUIRE(full.isOk());
      CHECK(!full->passed);
      CHECK(full->detail ==
            "byte at offset " + std::to_string(offset) + " differs from the pattern");
      CHECK(full->bytesRead == offset - offset % spec.bufferBytes);
      flipByte(image, offset);
    }
    // Sampling always reads the first and the last block.
    const auto sampled = verifyMedium(spec, list, VerificationMode::kSample, 3, nullptr);
    REQUIRE(sampled.isOk());
    REQUIRE(sampled->passed);
    REQUIRE(sampled->subsections >= 1000);
    for (const uint64_t offset : {uint64_t{2048}, size - 2048}) {
      INFO(offset);
      flipByte(image, offset);
      auto sample = verifyMedium(spec, list, VerificationMode::kSample, 3, nullptr);
      REQUIRE(sample.isOk());
      CHECK(!sample->passed);
      CHECK(sample->detail.find(std::to_string(offset)) != std::string::npos);
      flipByte(image, offset);
    }
    CHECK(verifyMedium(spec, list, VerificationMode::kFull, 1, nullptr)->passed);
  }
}

}  // namespace
}  // namespace tillid::platform

#!/usr/bin/env bash
# The platform line: only platform/<os>/ includes operating-system headers; common/,
# protocol/, store/, agent/, collector/ and admin/ never do. Such code lives behind the
# interfaces in platform/*.h, which name accounts by platform::AccountId, never by a uid or
# gid of one system, and start no program by a path of one system. Fails listing offenders.
set -euo pipefail
root=${1:?usage: platform_line.sh PROJECT_ROOT}
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*<(sys/|unistd\.h|netinet/|arpa/|linux/|pcap|fcntl\.h|signal\.h|csignal|pwd\.h|grp\.h|dirent\.h|net/|ifaddrs\.h|systemd/|libcryptsetup|poll\.h|termios\.h|dlfcn\.h|sched\.h|spawn\.h|windows\.h|mach/|CoreFoundation/)'
if offenders=$(grep -rnE "$pattern" "$root"/{common,protocol,store,agent,collector,admin}); then
  echo "operating-system headers above the platform line (move this code to platform/):"
  echo "$offenders"
  exit 1
fi
if offenders=$(grep -nE '\b(uid_t|gid_t|mode_t|pid_t)\b|[A-Za-z_]+ (uid|gid)s?( = |;|,|\))' \
  "$root"/platform/*.h); then
  echo "operating-system ids in the OS-neutral interfaces (use platform::AccountId):"
  echo "$offenders"
  exit 1
fi
if offenders=$(grep -rnE '"/bin/(sh|bash)"|Process::launch' "$root"/{common,protocol,store,agent,collector,admin}); then
  echo "a program started above the platform line (use platform::CommandRunner):"
  echo "$offenders"
  exit 1
fi
echo "platform line intact"

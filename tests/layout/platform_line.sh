#!/usr/bin/env bash
# The platform line: only platform/<os>/ includes operating-system headers; common/,
# protocol/, store/, agent/, collector/ and admin/ never do. Such code lives behind the
# interfaces in platform/*.h. Fails listing offenders.
set -euo pipefail
root=${1:?usage: platform_line.sh PROJECT_ROOT}
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*<(sys/|unistd\.h|netinet/|arpa/|linux/|pcap|fcntl\.h|signal\.h|csignal|pwd\.h|grp\.h|dirent\.h|net/|ifaddrs\.h|systemd/|libcryptsetup|poll\.h|termios\.h|dlfcn\.h|sched\.h|spawn\.h|windows\.h|mach/|CoreFoundation/)'
if offenders=$(grep -rnE "$pattern" "$root"/{common,protocol,store,agent,collector,admin}); then
  echo "operating-system headers above the platform line (move this code to platform/):"
  echo "$offenders"
  exit 1
fi
echo "platform line intact"

#!/usr/bin/env bash
# The platform line: agent/ and collector/ never include operating-system headers; such
# code lives in platform/<os>/ behind interfaces in platform/*.h. Fails listing offenders.
set -euo pipefail
root=${1:?usage: platform_line.sh PROJECT_ROOT}
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*<(sys/|unistd\.h|netinet/|arpa/|linux/|pcap|fcntl\.h|signal\.h|csignal|pwd\.h|grp\.h|dirent\.h|net/|ifaddrs\.h|systemd/|libcryptsetup|poll\.h|termios\.h|dlfcn\.h|sched\.h|spawn\.h|windows\.h|mach/|CoreFoundation/)'
if offenders=$(grep -rnE "$pattern" "$root/agent" "$root/collector"); then
  echo "operating-system headers above the platform line (move this code to platform/):"
  echo "$offenders"
  exit 1
fi
echo "platform line intact"

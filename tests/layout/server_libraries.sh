#!/usr/bin/env bash
# The collector and the administrators' CLI need none of the device's libraries: packet
# capture, LUKS, nDPI and systemd stay out of what they load (ldd lists every shared
# library a program loads, those its libraries load included). Fails naming the library.
set -euo pipefail
status=0
for program in "$@"; do
  if loaded=$(ldd "$program" | grep -E 'lib(pcap|cryptsetup|ndpi|systemd)\.so'); then
    echo "$(basename "$program") loads a device library:"
    echo "$loaded"
    status=1
  fi
done
[[ $status == 0 ]] && echo "the collector and tillid-admin load no device library"
exit $status

#!/usr/bin/env bash
# The collector and the administrators' CLI need none of the device's libraries: packet
# capture, LUKS, nDPI and systemd stay out of what they load (ldd lists every shared
# library a program loads, those its libraries load included). Fails naming the library;
# exits 77 (skipped) without ldd.
set -euo pipefail
(($# > 0)) || { echo "usage: server_libraries.sh PROGRAM..." >&2; exit 2; }
command -v ldd >/dev/null || { echo "ldd is missing: skipped"; exit 77; }
status=0
for program in "$@"; do
  listed=$(ldd "$program")
  if loaded=$(grep -E 'lib(pcap|cryptsetup|ndpi|systemd)\.so' <<<"$listed"); then
    echo "$(basename "$program") loads a device library:"
    echo "$loaded"
    status=1
  fi
done
if ((status == 0)); then echo "the collector and tillid-admin load no device library"; fi
exit $status

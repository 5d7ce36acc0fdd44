#!/usr/bin/env bash
# The layers (docs/architecture.md): every #include "dir/..." of a Tillid header points
# down or sideways within its own layer, never up:
#   common/ -> platform/ -> protocol/ + store/ -> agent/, collector/, admin/
# Fails listing each include that points elsewhere.
set -euo pipefail
root=${1:?usage: layers.sh PROJECT_ROOT}
cd "$root"
declare -A allowed=(
  [common]="common"
  [platform]="common platform"
  [protocol]="common platform protocol"
  [store]="common platform store"
  [agent]="common platform protocol store agent"
  [collector]="common platform protocol store collector"
  [admin]="common platform protocol admin"
)
status=0
for layer in "${!allowed[@]}"; do
  [[ -d $layer ]] || { echo "missing layer directory $layer/"; status=1; continue; }
  while IFS= read -r line; do
    file=${line%%:*}
    target=$(sed -E 's/^[^:]*:[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*"([^/"]+)\/.*/\1/' <<<"$line")
    [[ $target == "$line" ]] && continue  # an include without a directory: same folder
    if [[ ! -d $target ]]; then continue; fi  # not a Tillid layer (e.g. "generated" headers)
    if ! grep -qw -- "$target" <<<"${allowed[$layer]}"; then
      echo "$layer/ may not include $target/: $line"
      status=1
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"/]+/' "$layer" \
             --include='*.h' --include='*.cpp' || true)
done
[[ $status -eq 0 ]] && echo "layers point down only"
exit $status

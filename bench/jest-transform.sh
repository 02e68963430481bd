#!/usr/bin/env bash
# Which jest transform to use: runs the unit tests cold (no cache) with @swc/jest and with ts-jest, a few
# times each, and prints the median wall time of each and the ratio ts-jest / swc, measured in this run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
tsjest_config=$(mktemp --suffix .js)
trap 'rm -f "$tsjest_config"' EXIT
cat > "$tsjest_config" <<JS
const base = require('$PWD/jest.config.js');
module.exports = { ...base, rootDir: '$PWD', transform: { '^.+\\\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }], '^.+\\\\.m?js$': base.transform['^.+\\\\.(t|j|mj)s\$'] } };
JS
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_run() {
  local start end
  start=$(date +%s%N)
  SLUICE_SKIP_STACK=1 npx jest test/unit --no-cache --silent "$@" >/dev/null 2>&1 || { echo "jest failed: $*" >&2; exit 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
swc=$(for _ in $(seq "$runs"); do time_run; done | median)
tsjest=$(for _ in $(seq "$runs"); do time_run --config "$tsjest_config"; done | median)
echo "jest transform, unit tests, no cache, median of $runs runs:"
echo "  @swc/jest  ${swc} ms"
echo "  ts-jest    ${tsjest} ms"
awk -v a="$tsjest" -v b="$swc" 'BEGIN {printf "  ratio ts-jest / swc = %.2f\n", a / b}'

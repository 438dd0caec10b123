#!/bin/sh
# Time from starting `calsync --sandbox` in a fresh tmux window (80x24, its own tmux server)
# to its first screen being visible there, sandbox start included. Prints every run and
# the median and slowest.
#   scripts/first-screen-tmux.sh [BINARY] [RUNS]     (default target/release/calsync, 10)
# The time includes polling the pane every 2 ms with `tmux capture-pane`.
set -eu
bin=$(realpath "${1:-target/release/calsync}")
runs=${2:-10}
socket="calsync-first-screen-$$"
work=$(mktemp -d)
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
i=0
while [ "$i" -lt "$runs" ]; do
  i=$((i + 1))
  rm -rf "$work/state" && mkdir -p "$work/state"
  start=$(date +%s%N)
  tmux -L "$socket" -f /dev/null new-session -d -s "run$i" -x 80 -y 24 \
    "env CALSYNC_SANDBOX_STATE=$work/state/sandbox.json CALSYNC_STATE_DIR=$work/state $bin --sandbox"
  until tmux -L "$socket" capture-pane -p -t "run$i" 2>/dev/null | grep -q "What do you want to do?"; do
    sleep 0.002
  done
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 )) >> "$work/times"
  tmux -L "$socket" kill-session -t "run$i"
done
sort -n "$work/times" | awk '{ t[NR] = $1; printf "run: %d ms\n", $1 } END { printf "median %d ms, slowest %d ms, of %d runs\n", t[int((NR + 1) / 2)], t[NR], NR }'

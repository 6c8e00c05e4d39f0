#!/bin/sh
# Peak power per subject, as one CSV: a command stage needs no more than a shell.
set -eu
echo "subject,peak_time,peak_power" > "$REPRISE_OUTPUTS/peaks.csv"
for f in "$REPRISE_INPUTS"/power/*-power.csv; do
  subject=$(basename "$f" -power.csv)
  tail -n +2 "$f" | sort -t, -k2 -g | tail -n 1 | sed "s/^/$subject,/" >> "$REPRISE_OUTPUTS/peaks.csv"
done

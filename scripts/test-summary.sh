#!/bin/sh
# Prints "N passed, M failed, K skipped" over the meson test logs of the
# given build folders (one JSON object per line in meson-logs/testlog.json)
# or log files (a run's --logbase NAME: meson-logs/NAME.json).
ok=0 bad=0 skip=0
for dir in "$@"; do
    case $dir in
        *.json) log=$dir ;;
        *) log="$dir/meson-logs/testlog.json" ;;
    esac
    [ -f "$log" ] || continue
    o=$(grep -c '"result": "OK"' "$log" || true)
    x=$(grep -c '"result": "EXPECTEDFAIL"' "$log" || true)
    s=$(grep -c '"result": "SKIP"' "$log" || true)
    f=$(grep -Ec '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS|INTERRUPT)"' "$log" || true)
    ok=$((ok + o + x)) bad=$((bad + f)) skip=$((skip + s))
done
echo "$ok passed, $bad failed, $skip skipped"

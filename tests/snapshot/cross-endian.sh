#!/bin/sh
# cross-endian.sh WORKDIR PROG.wasm [ARGS...]: a snapshot must resume on a
# host of the other byte order (and word size) and print what an
# unmigrated run prints. Runs PROG on each route of hosts below, pausing
# it after SNAP_MS ms on each host but the last, and compares stdout and
# exit status with a plain run on the first host of $HOSTS.
#
# A host is a command that runs arts-wasm, given by variables:
#   ARTS_X86 (default: arts-wasm), ARTS_S390X, ARTS_MIPS, e.g.
#   ARTS_S390X="qemu-s390x-static -L /usr/s390x-linux-gnu /tmp/s390x/arts-wasm"
# ROUTES lists the routes, hosts joined by '-' (default: x86-s390x
# s390x-x86 x86-mips mips-x86 x86-s390x-mips-x86). SNAP_MS defaults to 300.
# With IMAGE_MS (below SNAP_MS) each host that pauses first writes a memory
# image after IMAGE_MS ms and then a delta snapshot against it, and the
# next host resumes from both (pre-copy).
# meson's suite hetero runs it (tests/hetero/meson.build) when the cross
# stages of scripts/test.sh set ARTS_S390X and ARTS_MIPS to their engines
# under qemu; without them it skips (77).
set -u
if [ -z "${ARTS_S390X:-}" ] || [ -z "${ARTS_MIPS:-}" ]; then
  echo "SKIP: ARTS_S390X and ARTS_MIPS (engines of the other byte order) not set"
  exit 77
fi
work=$1 prog=$2
shift 2
: "${ARTS_X86:=arts-wasm}" "${SNAP_MS:=300}"
: "${ROUTES:=x86-s390x s390x-x86 x86-mips mips-x86 x86-s390x-mips-x86}"
mkdir -p "$work"
name=$(basename "$prog" .wasm)

host_cmd() {
  case $1 in
  x86) echo "$ARTS_X86" ;;
  s390x) echo "${ARTS_S390X:?ARTS_S390X is not set}" ;;
  mips) echo "${ARTS_MIPS:?ARTS_MIPS is not set}" ;;
  *) echo "unknown host $1" >&2; exit 2 ;;
  esac
}

$ARTS_X86 run "$prog" "$@" > "$work/$name.want" 2>/dev/null
want_rc=$?
fails=0
for route in $ROUTES; do
  hosts=$(echo "$route" | tr '-' ' ')
  out=$work/$name.$route.out snap=$work/$name.$route
  : > "$out"
  : > "$out.err"
  rm -f "$snap".*.snap "$snap".*.img
  i=0 rc=0 n=$(echo "$hosts" | wc -w)
  for h in $hosts; do
    i=$((i + 1))
    cmd=$(host_cmd "$h")
    pause=""
    [ "$i" -lt "$n" ] && pause="--snapshot-after-ms $SNAP_MS --snapshot-file $snap.$i.snap"
    [ "$i" -lt "$n" ] && [ -n "${IMAGE_MS:-}" ] &&
      pause="$pause --image-after-ms $IMAGE_MS --image-file $snap.$i.img"
    if [ "$i" -eq 1 ]; then
      $cmd run $pause "$prog" "$@" >> "$out" 2>> "$out.err"
    else
      image=""
      [ -n "${IMAGE_MS:-}" ] && image="--image $snap.$((i - 1)).img"
      $cmd resume $image $pause "$snap.$((i - 1)).snap" >> "$out" 2>> "$out.err"
    fi
    rc=$?
    if [ "$i" -lt "$n" ] && [ ! -f "$snap.$i.snap" ]; then
      echo "$name $route: ended on $h before the snapshot (raise the work)"
      rc=-1
      break
    fi
  done
  if [ "$rc" = "$want_rc" ] && cmp -s "$out" "$work/$name.want"; then
    echo "$name $route: ok ($(wc -c < "$out") bytes, status $rc)"
  else
    echo "$name $route: FAILED (status $rc, want $want_rc; see $out, $out.err)"
    fails=$((fails + 1))
  fi
done
exit $((fails > 0))

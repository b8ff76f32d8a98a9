#!/usr/bin/env bash
# examples/linux-xen/run.sh — the whole linux-xen job through pvpatch, on a fresh Debian 12 machine.
#
#   0. tools, apt lists, a probe of the Debian mirror              (exit 77 when it is unreachable)
#   1. pick the drops      the pinned ones, else the oldest / newest linux-source-6.12 on the mirror
#   2. import both drops   pvpatch upstream import deb:linux-source-6.12=V --version … --paths …
#   3. apply + build OLD   pvpatch apply --drop OLD; pvpatch build (kbuild recipe: Debian headers)
#   4. for comparison      OLD without the patches (a workspace with an empty series), built alike
#   5. objdump identity    on debian-6.12: patched == unpatched, both built at the same path
#   6. rebase OLD -> NEW   pvpatch rebase --onto NEW; stale guards printed (review --json), then
#                          resolved as reviewed (resolve ID --reviewed) and rebase --continue;
#                          a conflict fails the run
#   7. same guards         every hunk carried; GNU patch of the old series onto NEW gives the tree
#                          pvpatch apply gives from the rebased series
#   8. apply + build NEW   and objdump identity on NEW
#   9. views + check       pvpatch view --kernel K == unifdef (KERNEL_VERSION() as numbers);
#                          pvpatch check has no error
#
# Everything happens in a copy of this workspace, $OUT/ws (default examples/linux-xen/out/ws, ignored
# by git), so drops.json, upstream/, out/, .pvpatch/ and the rebased patches never touch the
# committed example. Downloads are cached by pvpatch in ${PVPATCH_CACHE:-~/.cache/pvpatch}.
#
# Environment: OLD_DROP / NEW_DROP (Debian versions, default 6.12.107-1~deb12u1 / 6.12.117-1~deb12u1),
# PVPATCH_EXAMPLE_OUT (default examples/linux-xen/out), PVPATCH_CACHE.
# Exit 0: every check passed. 1: a check failed. 77: SKIPPED, the Debian mirror is unreachable.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=$(mkdir -p "${PVPATCH_EXAMPLE_OUT:-$HERE/out}" && cd "${PVPATCH_EXAMPLE_OUT:-$HERE/out}" && pwd)
WS=$OUT/ws            # the example workspace, copied
REF=$OUT/ws-upstream  # the same drops with an empty series: the unpatched reference
SRC_PKG=linux-source-6.12
OLD_DROP=${OLD_DROP:-6.12.107-1~deb12u1}
NEW_DROP=${NEW_DROP:-6.12.117-1~deb12u1}
TRACKED=drivers/block/xen-blkfront.c,drivers/net/xen-netfront.c,drivers/pci/xen-pcifront.c,drivers/input/misc/xen-kbdfront.c,drivers/char/tpm/xen-tpmfront.c,drivers/char/tpm/tpm.h
MODULES=(drivers/block/xen-blkfront drivers/net/xen-netfront drivers/pci/xen-pcifront
         drivers/input/misc/xen-kbdfront drivers/char/tpm/xen-tpmfront)
REQUIRED=(drivers/block/xen-blkfront drivers/net/xen-netfront drivers/pci/xen-pcifront)
IDENTITY_KERNEL=debian-6.12
FAILURES=0
TIMINGS=()

pv() { node "$REPO/dist/cli.js" -C "$WS" "$@"; }
pvref() { node "$REPO/dist/cli.js" -C "$REF" "$@"; }
helper() { node "$HERE/helpers.mjs" "$@"; }
say() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; FAILURES=$((FAILURES + 1)); }
die() { printf 'FAIL: %s\n' "$*"; printf '\nexamples/linux-xen: stopped (exit 1)\n'; exit 1; }
now_ms() { date +%s%3N; }
T0=$(now_ms); STEP_T0=$T0; STEP_NAME=""
step() { # label heading: ends the previous step's clock, starts this one's, prints the heading
  local t; t=$(now_ms)
  [ -z "$STEP_NAME" ] || TIMINGS+=("$(printf '%-34s %6.1fs' "$STEP_NAME" "$(( t - STEP_T0 ))e-3")")
  STEP_NAME=$1; STEP_T0=$t
  [ "$1" = end ] || say "$2"
}
skip() {
  {
    echo
    echo "################################################################################"
    echo "#  SKIPPED: examples/linux-xen needs the Debian mirror, and it is unreachable:"
    echo "#  $*"
    echo "#  Nothing was checked. (exit 77)"
    echo "################################################################################"
  } >&2
  exit 77
}
# Run pvpatch; a download that failed because the mirror is unreachable is a skip, not a failure.
NET_RE='apt-get download .*(Failed to fetch|Could not resolve|Temporary failure|Unable to connect|Connection (failed|refused|timed out)|Network is unreachable|timed out)'
pv_net() { # pv args… : like pv, with stderr kept in $OUT/last.err
  local rc=0
  pv "$@" 2>"$OUT/last.err" || rc=$?
  cat "$OUT/last.err" >&2
  if [ $rc -ne 0 ] && grep -qE "$NET_RE" "$OUT/last.err"; then skip "$(grep -m1 -E "$NET_RE" "$OUT/last.err")"; fi
  return $rc
}

# ---------------------------------------------------------------------------------------------
step "0 tools, apt, mirror probe" "0. tools, package lists, the mirror"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
need=()
for t in apt-get apt-cache dpkg-deb tar xz make objdump unifdef patch perl; do command -v "$t" >/dev/null || need+=("$t"); done
if [ ${#need[@]} -gt 0 ]; then
  pkgs=(); for t in "${need[@]}"; do case $t in xz) pkgs+=(xz-utils) ;; objdump) pkgs+=(binutils) ;; *) pkgs+=("$t") ;; esac; done
  echo "installing ${pkgs[*]}"
  $SUDO apt-get update -qq || skip "apt-get update failed"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
[ -f "$REPO/dist/cli.js" ] || (cd "$REPO" && npm run build --silent)
if [ -z "$(apt-cache madison "$SRC_PKG" 2>/dev/null)" ]; then
  echo "apt does not know $SRC_PKG yet: apt-get update"
  $SUDO apt-get update -qq 2>&1 | tail -3 || true
  [ -n "$(apt-cache madison "$SRC_PKG" 2>/dev/null)" ] || skip "apt-cache madison $SRC_PKG is empty after apt-get update (bookworm-security not reachable or not in the sources)"
fi
# The lists can be there while the mirror is not: fetch one small package (25 kB) the way apt does.
probe=$(mktemp -d)
if ! (cd "$probe" && timeout 60 apt-get download -q -o APT::Sandbox::User=root linux-base >/dev/null 2>"$probe/err"); then
  msg=$(grep -v '^W:' "$probe/err" | head -1); rm -rf "$probe"; skip "apt-get download linux-base: ${msg:-timed out}"
fi
rm -rf "$probe"
echo "the mirror answers (apt-get download linux-base)"

# A fresh copy of the example workspace: kernels.json and patches/ only.
rm -rf "$WS" "$REF" "$OUT/views" "$OUT/objdump" "$OUT/gnu-patch" "$OUT"/*.json "$OUT"/*.md "$OUT"/*.txt
mkdir -p "$WS" "$REF/patches" "$OUT/objdump"
cp "$HERE/kernels.json" "$WS/"; cp -r "$HERE/patches" "$WS/patches"
cp "$HERE/kernels.json" "$REF/"; : >"$REF/patches/series"

# ---------------------------------------------------------------------------------------------
step "1 pick the drops" "1. drops: $SRC_PKG"
OLD=$(helper resolve "$REPO/dist" "$SRC_PKG" "$OLD_DROP" oldest) || die "cannot resolve $SRC_PKG=$OLD_DROP"
NEW=$(helper resolve "$REPO/dist" "$SRC_PKG" "$NEW_DROP" newest) || die "cannot resolve $SRC_PKG=$NEW_DROP"
OLD_V=$(helper upstream "$REPO/dist" "$OLD"); NEW_V=$(helper upstream "$REPO/dist" "$NEW")
echo "the mirror has: $(apt-cache madison "$SRC_PKG" | awk -F'|' '$3 !~ /Sources/ {gsub(/ /, "", $2); print $2}' | paste -sd' ')"
echo "old drop: $SRC_PKG=$OLD ($OLD_V)"
echo "new drop: $SRC_PKG=$NEW ($NEW_V)"
[ "$OLD_V" != "$NEW_V" ] || die "old and new drop are both $OLD_V: the mirror offers a single $SRC_PKG version, nothing to rebase across"

# ---------------------------------------------------------------------------------------------
step "2 upstream import (2 drops)" "2. import the drops (pvpatch upstream import deb:…)"
echo "\$ pvpatch upstream import deb:$SRC_PKG=$OLD --version $OLD_V --paths $TRACKED"
pv_net upstream import "deb:$SRC_PKG=$OLD" --version "$OLD_V" --paths "$TRACKED" || die "import of $OLD_V failed"
echo "\$ pvpatch upstream import deb:$SRC_PKG=$NEW --version $NEW_V"
pv_net upstream import "deb:$SRC_PKG=$NEW" --version "$NEW_V" || die "import of $NEW_V failed"
pv upstream list
echo "upstream changes between the drops (pvpatch upstream diff):"
changes=$(pv upstream diff "$OLD_V" "$NEW_V" | grep -E '^(\+\+\+|@@)' | cut -c1-98 || true)
if [ -n "$changes" ]; then sed 's/^/  /' <<<"$changes"; else echo "  (none in the tracked files)"; fi
cp -r "$WS/upstream" "$REF/upstream"

# ---------------------------------------------------------------------------------------------
build_matrix() { # label ws-fn tree-arg… : pvpatch build --json into $OUT/build-<label>.json, prints the matrix
  local label=$1 fn=$2 rc=0; shift 2
  $fn build --json "$@" >"$OUT/build-$label.json" 2>"$OUT/last.err" || rc=$?
  cat "$OUT/last.err" >&2
  if [ $rc -ne 0 ] && grep -qE "$NET_RE" "$OUT/last.err"; then skip "$(grep -m1 -E "$NET_RE" "$OUT/last.err")"; fi
  [ -s "$OUT/build-$label.json" ] && node -e 'JSON.parse(require("fs").readFileSync(process.argv[1]))' "$OUT/build-$label.json" 2>/dev/null \
    || die "pvpatch build ($label) gave no result: $(head -3 "$OUT/last.err")"
  helper matrix "$OUT/build-$label.json" "${MODULES[@]}" | tee "$OUT/matrix-$label.md"
  return $rc
}
require_modules() { # label: the required modules must be ok for every kernel
  local kernel unit ok m
  while read -r kernel unit ok; do
    for m in "${REQUIRED[@]}"; do
      [ "$unit" = "$m.ko" ] && [ "$ok" != ok ] && fail "$1: $(basename "$m").ko does not build for $kernel"
    done
  done < <(helper cells "$OUT/build-$1.json")
  return 0
}

step "3 apply + build $OLD_V" "3. apply the series onto $OLD_V and build it for every kernel"
pv apply --drop "$OLD_V" || die "the series does not apply onto $OLD_V"
build_matrix "$OLD_V" pv || true
require_modules "$OLD_V"
echo "headers used:"
for k in $(helper kernels "$WS/kernels.json" | awk '{print $1}'); do helper headers "$WS/out/.pvpatch/build/$k.log"; done | sed 's/^/  /' | tee "$OUT/headers.txt"

step "4 build $OLD_V unpatched" "4. for comparison: $OLD_V without the patches"
pvref apply --drop "$OLD_V" --out out >/dev/null
build_matrix "upstream-$OLD_V" pvref || true

# ---------------------------------------------------------------------------------------------
# The same tree path for both builds: an out-of-tree module's __FILE__ strings hold the absolute
# path, which would otherwise move .rodata offsets in the relocations.
identity() { # drop
  local side unit d="$OUT/objdump/$1"
  mkdir -p "$d"
  for side in patched upstream; do
    if [ $side = patched ]; then pv apply --drop "$1" --out identity >/dev/null || die "apply --drop $1 failed"
    else pvref apply --drop "$1" --out "$WS/identity" >/dev/null || die "apply of the empty series to $1 failed"; fi
    pv_net build --kernel "$IDENTITY_KERNEL" --out identity --json >"$OUT/identity-$1-$side.json" \
      || { fail "identity: the $side $1 tree does not build for $IDENTITY_KERNEL"; return 0; }
    for unit in $(helper cells "$OUT/identity-$1-$side.json" | awk '{print $2}'); do
      objdump -dr "$WS/identity/.pvpatch/build/$IDENTITY_KERNEL/tree/$unit" | tail -n +3 >"$d/$side-$(basename "$unit" .ko).txt"
    done
  done
  for unit in "${MODULES[@]}"; do
    local m; m=$(basename "$unit")
    if [ -s "$d/patched-$m.txt" ] && cmp -s "$d/patched-$m.txt" "$d/upstream-$m.txt"; then
      echo "  $1 $m.ko: identical ($(wc -l <"$d/patched-$m.txt") lines of objdump -dr)" | tee -a "$OUT/identity.txt"
    else
      fail "$1 $m.ko on $IDENTITY_KERNEL: the patched module's code differs from upstream's"
      echo "  $1 $m.ko: DIFFERENT (diff $d/upstream-$m.txt $d/patched-$m.txt)" >>"$OUT/identity.txt"
    fi
  done
}
step "5 objdump identity $OLD_V" "5. objdump identity on $IDENTITY_KERNEL: $OLD_V patched == $OLD_V unpatched"
identity "$OLD_V"

# ---------------------------------------------------------------------------------------------
step "6 rebase (+ review, continue)" "6. rebase the series from $OLD_V onto $NEW_V"
echo "\$ pvpatch rebase --onto $NEW_V"
rc=0; pv rebase --onto "$NEW_V" --no-review </dev/null || rc=$?
if [ $rc = 1 ]; then
  pv review --json >"$OUT/review.json"
  echo; echo "\$ pvpatch review --json   (rendered)"
  helper review "$OUT/review.json" | sed 's/^/  /'
  conflicts=$(helper ids "$OUT/review.json" conflict)
  [ -z "$conflicts" ] || { pv rebase --abort >/dev/null; die "the rebase onto $NEW_V has conflicts: $(echo $conflicts)"; }
  # Stale guards merged cleanly but upstream changed lines next to them. The one this example knows
  # (blkfront/mark-disk-dead-capacity after upstream's `if (info->gd)` rewrite) was reviewed by a
  # maintainer: the capacity must still be zeroed before 6.2. They are printed above, then accepted.
  for id in $(helper ids "$OUT/review.json" stale); do
    echo "\$ pvpatch resolve $id --reviewed"; pv resolve "$id" --reviewed
    echo "$id" >>"$OUT/stale-reviewed.txt"
  done
  echo "\$ pvpatch rebase --continue"
  pv rebase --continue --no-review </dev/null || die "rebase --continue did not complete"
elif [ $rc != 0 ]; then
  die "pvpatch rebase --onto $NEW_V failed (exit $rc)"
fi
cp "$WS/.pvpatch/reports/rebase-$OLD_V-$NEW_V.md" "$OUT/rebase-report.md" 2>/dev/null || true

# ---------------------------------------------------------------------------------------------
step "7 hunks, GNU patch reference" "7. every hunk carried, the same guards as adding them to $NEW_V directly"
total_old=0; total_new=0
while read -r p; do
  [ -n "$p" ] || continue
  a=$(grep -c '^@@' "$HERE/patches/$p"); b=$(grep -c '^@@' "$WS/patches/$p" 2>/dev/null || echo 0)
  total_old=$((total_old + a)); total_new=$((total_new + b))
  [ "$a" = "$b" ] || fail "$p: $a hunks before the rebase, $b after"
  # the lines each patch adds (its guards and compat code) are the same, in the same order
  cmp -s <(grep '^+' "$HERE/patches/$p" | grep -v '^+++ ') <(grep '^+' "$WS/patches/$p" | grep -v '^+++ ') \
    || fail "$p: the rebased patch adds other lines than the original"
done <"$HERE/patches/series"
echo "hunks carried: $total_new of $total_old" | tee "$OUT/hunks.txt"
# The reference: GNU patch puts the original patches (fuzz 2) onto the new drop directly.
mkdir -p "$OUT/gnu-patch"; cp -r "$WS/upstream/$NEW_V" "$OUT/gnu-patch/tree"
while read -r p; do
  [ -n "$p" ] || continue
  (cd "$OUT/gnu-patch/tree" && patch -p1 --fuzz=2 --no-backup-if-mismatch -s <"$HERE/patches/$p") >>"$OUT/gnu-patch/log" 2>&1 \
    || fail "GNU patch: $p does not apply to $NEW_V"
done <"$HERE/patches/series"
pv apply --drop "$NEW_V" --no-annotate --out rebased-plain >/dev/null || die "the rebased series does not apply onto $NEW_V"
if diff -r -x .pvpatch "$OUT/gnu-patch/tree" "$WS/rebased-plain" >"$OUT/gnu-patch/diff"; then
  echo "pvpatch apply of the rebased series == GNU patch of the original series onto $NEW_V (every file byte-identical)" | tee -a "$OUT/hunks.txt"
else
  fail "the rebased tree differs from GNU patch of the original series onto $NEW_V (see $OUT/gnu-patch/diff)"
fi

# ---------------------------------------------------------------------------------------------
step "8 apply + build $NEW_V" "8. apply the rebased series onto $NEW_V and build it for every kernel"
pv apply --drop "$NEW_V" || die "the rebased series does not apply onto $NEW_V"
build_matrix "$NEW_V" pv || true
require_modules "$NEW_V"
step "8b objdump identity $NEW_V" "8b. objdump identity on $IDENTITY_KERNEL: $NEW_V patched == $NEW_V unpatched"
identity "$NEW_V"

# ---------------------------------------------------------------------------------------------
step "9 view vs unifdef, check" "9. views (pvpatch view --kernel K vs unifdef) and pvpatch check"
while read -r name version code defines; do
  # shellcheck disable=SC2086 # defines: zero or more -DNAME=VALUE words
  pv view --kernel "$name" --tree "$WS/out" --out "$OUT/views/$name/pvpatch" 2>/dev/null >/dev/null || { fail "pvpatch view --kernel $name failed"; continue; }
  same=0; differ=0
  while read -r f; do
    mkdir -p "$(dirname "$OUT/views/$name/unifdef/$f")"
    perl -pe 's/KERNEL_VERSION\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)/$1*65536+$2*256+($3>255?255:$3)/ge' "$WS/out/$f" \
      | { unifdef -DLINUX_VERSION_CODE="$code" $defines || [ $? -eq 1 ]; } >"$OUT/views/$name/unifdef/$f"
    if cmp -s "$OUT/views/$name/unifdef/$f" "$OUT/views/$name/pvpatch/$f"; then same=$((same + 1)); else differ=$((differ + 1)); fail "view --kernel $name of $f differs from unifdef"; fi
  done < <(cd "$WS/out" && find . -path ./.pvpatch -prune -o -type f -print | sed 's#^\./##' | sort)
  echo "  $name ($version, LINUX_VERSION_CODE $code${defines:+, $defines}): $same files equal unifdef's, $differ differ" | tee -a "$OUT/views.txt"
done < <(helper kernels "$WS/kernels.json")
# The newest kernel takes every #else: its view is upstream plus the <linux/version.h> include.
if [ -d "$OUT/views/$IDENTITY_KERNEL/pvpatch" ]; then
  extra=$(diff -r -x .pvpatch "$WS/upstream/$NEW_V" "$OUT/views/$IDENTITY_KERNEL/pvpatch" | grep '^[<>]' | grep -vc '^> #include <linux/version.h>' || true)
  [ "$extra" = 0 ] && echo "  $IDENTITY_KERNEL view == upstream $NEW_V except #include <linux/version.h>" | tee -a "$OUT/views.txt" \
    || fail "$IDENTITY_KERNEL view differs from upstream $NEW_V beyond <linux/version.h>"
fi
echo "\$ pvpatch check"
rc=0; pv check --json >"$OUT/check.json" || rc=$?
pv check 2>&1 | sed 's/^/  /' || true
errors=?; warnings=?; notes=?
read -r errors warnings notes < <(helper check "$OUT/check.json" 2>/dev/null) || true
echo "check: $errors errors, $warnings warnings, $notes notes (exit $rc)" | tee "$OUT/check.txt"
[ "$rc" = 0 ] && [ "$errors" = 0 ] || fail "pvpatch check reports $errors error(s)"

# ---------------------------------------------------------------------------------------------
step end
{
  echo "## Result of examples/linux-xen/run.sh ($(date -u +%Y-%m-%d), $(nproc) cores)"
  echo
  echo "Drops: $OLD_V ($SRC_PKG=$OLD) -> $NEW_V ($SRC_PKG=$NEW)"
  echo
  echo "Headers:"; sed 's/^  /- /' "$OUT/headers.txt"
  echo
  echo "Patched $OLD_V (the series):"; echo; cat "$OUT/matrix-$OLD_V.md"
  echo
  echo "Patched $NEW_V (the rebased series):"; echo; cat "$OUT/matrix-$NEW_V.md"
  echo
  echo "Upstream $OLD_V without the patches:"; echo; cat "$OUT/matrix-upstream-$OLD_V.md"
  echo
  echo "Rebase: $(cat "$OUT/hunks.txt" | paste -sd';' | sed 's/;/; /')"
  [ -f "$OUT/stale-reviewed.txt" ] && echo "Stale guards shown and resolved as reviewed: $(paste -sd' ' "$OUT/stale-reviewed.txt")"
  echo
  echo "objdump identity on $IDENTITY_KERNEL:"; sed 's/^  /- /' "$OUT/identity.txt"
  echo
  echo "Views:"; sed 's/^  /- /' "$OUT/views.txt"
  echo
  cat "$OUT/check.txt"
  echo
  echo "Timings:"; printf '    %s\n' "${TIMINGS[@]}"
  printf '    %-34s %6.1fs\n' "total" "$(( $(now_ms) - T0 ))e-3"
} >"$OUT/summary.md"
say "result"
cat "$OUT/summary.md"
echo
if [ "$FAILURES" -gt 0 ]; then echo "examples/linux-xen: $FAILURES check(s) FAILED"; exit 1; fi
echo "examples/linux-xen: all checks passed (workspace: $WS)"

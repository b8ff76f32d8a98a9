#!/usr/bin/env bash
# examples/linux-xen/run.sh — the whole linux-xen job on a fresh Debian 12 machine, with plain tools.
#
#   1. pick the drops        apt-cache madison                 (pvpatch upstream import resolves them)
#   2. import two drops      apt-get download + tar            -> pvpatch upstream import deb:... --paths ...
#   3. apply the series      quilt push -a                     -> pvpatch apply --drop OLD
#   4. kernel headers        apt-get download + dpkg-deb -x    -> pvpatch build (kbuild recipe)
#   5. build the matrix      make -C <headers> M=<tree>        -> pvpatch build
#   6. rebase OLD -> NEW     quilt push + refresh              -> pvpatch rebase --onto NEW
#   7. apply + build NEW     quilt push -a, make               -> pvpatch apply, pvpatch build
#   8. objdump identity      objdump -dr on 6.12               (acceptance check)
#   9. views                 unifdef per kernel                -> pvpatch view --kernel K
#
# Caches downloads under ${PVPATCH_CACHE:-~/.cache/pvpatch}; writes upstream/<version>/ and out/ (both
# ignored by git). Exit 0: every check passed. Exit 1: a check failed. Exit 77: SKIPPED because the
# Debian mirror is unreachable (said loudly on stderr).
#
# Drops: 6.12.107 and 6.12.117 by default (OLD_DROP / NEW_DROP override, as Debian versions); when a
# pinned version is gone from the mirror, the oldest / newest linux-source-6.12 the mirror has is taken.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
CACHE=${PVPATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pvpatch}
OUT=$HERE/out
SRC_PKG=linux-source-6.12
OLD_DROP=${OLD_DROP:-6.12.107-1~deb12u1}
NEW_DROP=${NEW_DROP:-6.12.117-1~deb12u1}
TRACKED=(drivers/block/xen-blkfront.c drivers/net/xen-netfront.c drivers/pci/xen-pcifront.c
         drivers/input/misc/xen-kbdfront.c drivers/char/tpm/xen-tpmfront.c drivers/char/tpm/tpm.h)
MODULES=(drivers/block/xen-blkfront drivers/net/xen-netfront drivers/pci/xen-pcifront
         drivers/input/misc/xen-kbdfront drivers/char/tpm/xen-tpmfront)
JOBS=$(nproc 2>/dev/null || echo 2)
FAILURES=0

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; FAILURES=$((FAILURES + 1)); }
now_ms() { date +%s%3N; }
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
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

# ---------------------------------------------------------------------------------------------
say "0. tools and the package lists"
need=()
for t in apt-get apt-cache dpkg-deb tar xz make quilt unifdef objdump node; do command -v "$t" >/dev/null || need+=("$t"); done
if [ ${#need[@]} -gt 0 ]; then
  pkgs=(); for t in "${need[@]}"; do case $t in xz) pkgs+=(xz-utils) ;; objdump) pkgs+=(binutils) ;; *) pkgs+=("$t") ;; esac; done
  echo "installing ${pkgs[*]}"
  $SUDO apt-get update -qq || skip "apt-get update failed"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
if [ -z "$(apt-cache madison "$SRC_PKG" 2>/dev/null)" ]; then
  echo "apt does not know $SRC_PKG yet: apt-get update"
  $SUDO apt-get update -qq 2>&1 | tail -3 || true
  [ -n "$(apt-cache madison "$SRC_PKG" 2>/dev/null)" ] || skip "apt-cache madison $SRC_PKG is empty after apt-get update"
fi
mkdir -p "$CACHE/debs" "$OUT"

# Debian versions of a package, oldest first.
versions_of() { apt-cache madison "$1" | awk -F'|' '$3 !~ /Sources/ {gsub(/ /, "", $2); print $2}' | sort -u | sort -V; }
# The pinned version if the mirror has it, else the oldest/newest it has.
pick_drop() { # pkg pinned oldest|newest
  local all; all=$(versions_of "$1")
  if grep -qxF "$2" <<<"$all"; then echo "$2"; return; fi
  echo "NOTE: $1=$2 is not on the mirror (any more); the mirror has: $(tac <<<"$all" | paste -sd' ')" >&2
  if [ "$3" = oldest ]; then head -1 <<<"$all"; else tail -1 <<<"$all"; fi
}
# apt-get download into the cache unless the .deb is already there; prints the file.
fetch_deb() { # pkg version
  local f; f=$(ls "$CACHE/debs/$1_${2/:/%3a}_"*.deb 2>/dev/null | head -1 || true)
  if [ -z "$f" ]; then
    (cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User=root "$1=$2" >/dev/null 2>"$CACHE/debs/.err") \
      || skip "apt-get download $1=$2: $(grep -v '^W:' "$CACHE/debs/.err" | head -1)"
    f=$(ls "$CACHE/debs/$1_${2/:/%3a}_"*.deb | head -1)
  fi
  echo "$f"
}

# ---------------------------------------------------------------------------------------------
say "1. drops: $SRC_PKG"
OLD=$(pick_drop "$SRC_PKG" "$OLD_DROP" oldest)
NEW=$(pick_drop "$SRC_PKG" "$NEW_DROP" newest)
OLD_V=${OLD%%-*}; NEW_V=${NEW%%-*}
echo "old drop: $SRC_PKG=$OLD ($OLD_V)"
echo "new drop: $SRC_PKG=$NEW ($NEW_V)"
[ "$OLD" != "$NEW" ] || fail "the mirror offers a single $SRC_PKG version: nothing to rebase across"

# ---------------------------------------------------------------------------------------------
# later: pvpatch upstream import deb:$SRC_PKG=$OLD --version $OLD_V --paths "${TRACKED[@]}"
import_drop() { # debian-version upstream-version
  local t0 deb tmp member; t0=$(now_ms)
  deb=$(fetch_deb "$SRC_PKG" "$1")
  tmp=$(mktemp -d)
  member=$(dpkg-deb -c "$deb" | awk '{print $NF}' | grep -E '^\./usr/src/linux-source-[^/]*\.tar\.xz$' | head -1)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --strip-components=3 "$member"
  rm -rf "upstream/$2"; mkdir -p "upstream/$2"
  tar -I 'xz -T0' -x -f "$tmp/$(basename "$member")" -C "upstream/$2" --strip-components=1 --wildcards \
    "${TRACKED[@]/#/$(basename "$member" .tar.xz)/}"
  rm -rf "$tmp"
  echo "upstream/$2: $(cd "upstream/$2" && find . -type f | wc -l) files from $(basename "$deb") in $(( ($(now_ms) - t0) / 1000 ))s"
}
say "2. import the drops (apt-get download, tar -I 'xz -T0' of the tracked paths)"
import_drop "$OLD" "$OLD_V"
import_drop "$NEW" "$NEW_V"
echo "upstream changes between the drops:"
(diff -ru "upstream/$OLD_V" "upstream/$NEW_V" || true) | grep -E '^(\+\+\+|@@)' | sed 's/^/  /' | cut -c1-100

# ---------------------------------------------------------------------------------------------
# later: pvpatch apply --drop $OLD_V --out out/$OLD_V
apply_series() { # drop-version patches-dir out-dir -> prints quilt's report
  local r rc=0
  rm -rf "$3"; cp -r "upstream/$1" "$3"
  r=$(cd "$3" && QUILT_PATCHES="$2" QUILT_PC=.pc quilt push -a --fuzz=2 2>&1) || rc=$?
  rm -rf "$3/.pc"
  grep -E '^(Applying|Hunk|FAILED)' <<<"$r" | sed -e 's/^/  /' -e "s#$2/##" || true
  [ $rc = 0 ] || fail "the series does not apply onto $1"
}
say "3. apply patches/series onto $OLD_V"
apply_series "$OLD_V" "$HERE/patches" "$OUT/tree-$OLD_V"

# ---------------------------------------------------------------------------------------------
# later: pvpatch build (kbuild recipe of kernels.json)
KERNELS=$(node -e 'const k=require(process.argv[1]).kernels;for(const e of k)console.log(e.name,e.build.headers,e.version)' "$HERE/kernels.json")
declare -A HDIR=()
prepare_headers() { # name glob -> sets HDIR[name]
  local name=$1 glob=$2 re flavour ver deps common kbuild kver root t0; t0=$(now_ms)
  re="^$(sed -e 's/[.+]/\\&/g' -e 's/\*/[a-z0-9.+~]*/g' <<<"$glob")\$"
  flavour=$(apt-cache pkgnames "${glob%%\**}" | grep -E "$re" | sort -rV | while read -r p; do if [ -n "$(versions_of "$p")" ]; then echo "$p"; break; fi; done) || true
  [ -n "$flavour" ] || { fail "$name: no package matches $glob"; return 1; }
  ver=$(versions_of "$flavour" | tail -1)
  deps=$(apt-cache show "$flavour=$ver" | sed -n 's/^Depends: //p' | head -1 | tr ',' '\n' | sed 's/^ *//')
  common=$(grep -E '^linux-headers-.*-common(-rt)? ' <<<"$deps" | awk '{print $1}') || true
  kbuild=$(grep -E '^linux-kbuild-' <<<"$deps" | awk '{print $1}') || true
  [ -n "$common" ] && [ -n "$kbuild" ] || { fail "$name: $flavour=$ver depends on no -common headers or linux-kbuild"; return 1; }
  kver=$(versions_of "$kbuild" | grep -xF "$ver" || versions_of "$kbuild" | tail -1)
  root="$CACHE/kernels/$name/root"
  # same stamp as src/io/build/kbuild.ts: one package=version per line
  local stamp; stamp=$(printf '%s\n' "$flavour=$ver" "$common=$ver" "$kbuild=$kver")
  if [ "$(cat "$CACHE/kernels/$name/packages" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$CACHE/kernels/$name"; mkdir -p "$root"
    for pv in "$flavour=$ver" "$common=$ver" "$kbuild=$kver"; do dpkg-deb -x "$(fetch_deb "${pv%%=*}" "${pv#*=}")" "$root"; done
    # the flavour Makefile includes the -common one by absolute path: point it into the cache
    sed -i -E "s#^include /usr/src/#include $root/usr/src/#" "$root/usr/src/$flavour/Makefile"
    echo "$stamp" > "$CACHE/kernels/$name/packages"
  fi
  HDIR[$name]="$root/usr/src/$flavour"
  # tools linux-kbuild needs that are not installed (pahole, for module BTF on 6.12)
  for tool in $(apt-cache show "$kbuild=$kver" | sed -n 's/^Depends: //p' | head -1 | tr ',' '\n' | awk '{print $1}' | grep -vE '^(lib|zlib)'); do
    command -v "$tool" >/dev/null && continue
    local tv; tv=$(versions_of "$tool" | tail -1)
    [ -e "$CACHE/tools/$tool=$tv" ] || { mkdir -p "$CACHE/tools/root"; dpkg-deb -x "$(fetch_deb "$tool" "$tv")" "$CACHE/tools/root"; touch "$CACHE/tools/$tool=$tv"; }
    export PATH="$CACHE/tools/root/usr/bin:$PATH"
  done
  local cc; cc=$(sed -nE 's/^CC = .*(gcc-[0-9]+)$/\1/p' "${HDIR[$name]}/.kernelvariables")
  command -v "$cc" >/dev/null || command -v "x86_64-linux-gnu-$cc" >/dev/null || { fail "$name: the headers want $cc: apt-get install $cc"; return 1; }
  local code; code=$(sed -n 's/^#define LINUX_VERSION_CODE //p' "${HDIR[$name]}/include/generated/uapi/linux/version.h")
  echo "$name: $flavour=$ver (+ $common, $kbuild=$kver), $cc, LINUX_VERSION_CODE $code ($((code >> 16)).$(((code >> 8) & 255)).$((code & 255))) in $(( ($(now_ms) - t0) / 1000 ))s"
}
say "4. kernel headers (apt-get download, dpkg-deb -x into $CACHE/kernels)"
while read -r name glob version; do
  prepare_headers "$name" "$glob" || true
  [ -n "${HDIR[$name]:-}" ] && grep -q "^#define LINUX_VERSION_CODE $(node -e 'const [a,b,c=0]=process.argv[1].split(".").map(Number);console.log(a*65536+b*256+Math.min(c,255))' "$version")\$" \
    "${HDIR[$name]}/include/generated/uapi/linux/version.h" || echo "  note: kernels.json says $name is $version; guards only use x.y.0, so the matrix is unaffected"
done <<<"$KERNELS"

# One make per kernel and module, so that one module's failure does not hide the others.
# -Werror through ccflags-y; any 'warning:' line or modpost 'undefined!' is a failure too.
declare -A CELL=()
build_tree() { # label tree
  local label=$1 tree=$2 name mod dir log
  while read -r name _; do
    for mod in "${MODULES[@]}"; do
      dir="$OUT/build/$label/$name/$(basename "$mod")"; log="$dir.log"
      rm -rf "$dir"; mkdir -p "$dir/$(dirname "$mod")"
      cp "$tree/$mod.c" "$dir/$mod.c"
      [ "$mod" = drivers/char/tpm/xen-tpmfront ] && cp "$tree/drivers/char/tpm/tpm.h" "$dir/drivers/char/tpm/"
      echo "obj-m += $mod.o" > "$dir/Kbuild"
      if [ -z "${HDIR[$name]:-}" ]; then CELL[$label,$name,$mod]="no headers"; continue; fi
      if make -C "${HDIR[$name]}" M="$dir" -j"$JOBS" modules ccflags-y=-Werror >"$log" 2>&1 \
        && ! grep -qE 'warning:|WARNING: modpost: .* undefined!' "$log" && [ -f "$dir/$mod.ko" ]; then
        CELL[$label,$name,$mod]=ok
      else
        CELL[$label,$name,$mod]="FAIL: $(grep -m1 -E 'error:|undefined!|warning:' "$log" | sed "s#$dir/##" | cut -c1-110 || true)"
      fi
    done
  done <<<"$KERNELS"
}
print_matrix() { # label
  local name mod hdr="| module |"
  while read -r name _; do hdr+=" $name |"; done <<<"$KERNELS"
  echo "$hdr"; echo "$hdr" | sed 's/[^|]/-/g'
  for mod in "${MODULES[@]}"; do
    local row="| $(basename "$mod").ko |"
    while read -r name _; do local c=${CELL[$1,$name,$mod]}; row+=" ${c%%:*} |"; done <<<"$KERNELS"
    echo "$row"
  done
  for mod in "${MODULES[@]}"; do while read -r name _; do
    local c=${CELL[$1,$name,$mod]}; [ "$c" = ok ] || echo "  $name $(basename "$mod"): $c"
  done <<<"$KERNELS"; done
}
say "5. build $OLD_V + patches for every kernel"
t0=$(now_ms); build_tree "$OLD_V" "$OUT/tree-$OLD_V"; echo "built in $(( ($(now_ms) - t0) / 1000 ))s"
print_matrix "$OLD_V" | tee "$OUT/matrix-$OLD_V.md"
say "5b. for comparison: upstream $OLD_V without the patches"
build_tree "upstream-$OLD_V" "upstream/$OLD_V"; print_matrix "upstream-$OLD_V" | tee "$OUT/matrix-upstream-$OLD_V.md"

# ---------------------------------------------------------------------------------------------
# later: pvpatch rebase --onto $NEW_V
say "6. rebase the series from $OLD_V onto $NEW_V (quilt push + refresh per patch)"
rm -rf "$OUT/patches-$NEW_V" "$OUT/rebase"; cp -r "$HERE/patches" "$OUT/patches-$NEW_V"; cp -r "upstream/$NEW_V" "$OUT/rebase"
(
  cd "$OUT/rebase"; export QUILT_PATCHES="$OUT/patches-$NEW_V" QUILT_PC=.pc
  while read -r p; do
    [ -n "$p" ] || continue
    if r=$(quilt push --fuzz=2 2>&1); then
      how=$(grep -oE 'with fuzz [0-9]+|offset -?[0-9]+ lines?' <<<"$r" | sort -u | paste -sd, -) || true
      quilt refresh -p ab --no-timestamps --no-index >/dev/null
      echo "  $p: ${how:-exact}"
    else
      echo "  $p: DOES NOT APPLY"; echo "$r" | sed 's/^/    /'; exit 1
    fi
  done <"$QUILT_PATCHES/series"
) || fail "rebase onto $NEW_V stopped at a conflict"
rm -rf "$OUT/rebase"
for p in $(cat "$HERE/patches/series"); do
  a=$(grep -c '^@@' "$HERE/patches/$p"); b=$(grep -c '^@@' "$OUT/patches-$NEW_V/$p")
  [ "$a" = "$b" ] || fail "$p: $a hunks before the rebase, $b after"
done
echo "hunks carried: $(cat "$OUT"/patches-"$NEW_V"/*/*.patch | grep -c '^@@') of $(cat "$HERE"/patches/*/*.patch | grep -c '^@@')"

# ---------------------------------------------------------------------------------------------
say "7. apply the rebased series onto $NEW_V and build"
apply_series "$NEW_V" "$OUT/patches-$NEW_V" "$OUT/tree-$NEW_V"
t0=$(now_ms); build_tree "$NEW_V" "$OUT/tree-$NEW_V"; echo "built in $(( ($(now_ms) - t0) / 1000 ))s"
print_matrix "$NEW_V" | tee "$OUT/matrix-$NEW_V.md"
for label in "$OLD_V" "$NEW_V"; do
  for mod in drivers/block/xen-blkfront drivers/net/xen-netfront drivers/pci/xen-pcifront; do
    while read -r name _; do
      [ "${CELL[$label,$name,$mod]}" = ok ] || fail "$label: $(basename "$mod").ko does not build for $name"
    done <<<"$KERNELS"
  done
done

# ---------------------------------------------------------------------------------------------
say "8. objdump identity on debian-6.12: patched == upstream"
# Both builds happen at the same path: __FILE__ (WARN/BUG strings) of an out-of-tree module holds the
# absolute path, which would otherwise move .rodata offsets in the relocations.
identity() { # drop
  local k=debian-6.12 mod side d
  [ -n "${HDIR[$k]:-}" ] || { fail "identity: no $k headers"; return; }
  for mod in "${MODULES[@]}"; do
    for side in upstream patched; do
      d="$OUT/identity"; rm -rf "$d"; mkdir -p "$d/$(dirname "$mod")"
      if [ $side = upstream ]; then src="upstream/$1"; else src="$OUT/tree-$1"; fi
      cp "$src/$mod.c" "$d/$mod.c"; [ "$mod" = drivers/char/tpm/xen-tpmfront ] && cp "$src/drivers/char/tpm/tpm.h" "$d/drivers/char/tpm/"
      echo "obj-m += $mod.o" >"$d/Kbuild"
      make -C "${HDIR[$k]}" M="$d" -j"$JOBS" modules ccflags-y=-Werror >/dev/null 2>&1 || { fail "identity: $side $mod does not build"; continue 2; }
      objdump -dr "$d/$mod.ko" | tail -n +3 >"$OUT/objdump-$1-$side-$(basename "$mod").txt"
    done
    if cmp -s "$OUT/objdump-$1-upstream-$(basename "$mod").txt" "$OUT/objdump-$1-patched-$(basename "$mod").txt"; then
      echo "  $1 $(basename "$mod").ko: identical ($(wc -l <"$OUT/objdump-$1-patched-$(basename "$mod").txt") lines of objdump -dr)"
    else
      fail "$1 $(basename "$mod").ko: the patched module's code differs from upstream"
    fi
  done
  rm -rf "$OUT/identity"
}
identity "$OLD_V"; identity "$NEW_V"

# ---------------------------------------------------------------------------------------------
# later: pvpatch view --kernel K ; pvpatch check
say "9. views (unifdef with KERNEL_VERSION() replaced by numbers)"
while read -r name _; do
  [ -n "${HDIR[$name]:-}" ] || continue
  code=$(sed -n 's/^#define LINUX_VERSION_CODE //p' "${HDIR[$name]}/include/generated/uapi/linux/version.h")
  rt=$(grep -q '^#define CONFIG_PREEMPT_RT 1' "${HDIR[$name]}/include/generated/autoconf.h" && echo -DCONFIG_PREEMPT_RT=1 || echo -UCONFIG_PREEMPT_RT)
  mkdir -p "$OUT/view-$NEW_V/$name"
  for mod in "${MODULES[@]}"; do
    mkdir -p "$OUT/view-$NEW_V/$name/$(dirname "$mod")"
    perl -pe 's/KERNEL_VERSION\((\d+),\s*(\d+),\s*(\d+)\)/$1*65536+$2*256+($3>255?255:$3)/ge' "$OUT/tree-$NEW_V/$mod.c" \
      | { unifdef -DLINUX_VERSION_CODE="$code" "$rt" || [ $? -eq 1 ]; } >"$OUT/view-$NEW_V/$name/$mod.c"
  done
  left=$(cat "$OUT/view-$NEW_V/$name"/drivers/*/*.c "$OUT/view-$NEW_V/$name"/drivers/*/*/*.c | grep -c 'LINUX_VERSION_CODE' || true)
  echo "  $name: out/view-$NEW_V/$name/ ($left version guards left)"
  [ "$left" = 0 ] || fail "$name: unifdef left $left version guards"
done <<<"$KERNELS"
if [ -d "$OUT/view-$NEW_V/debian-6.12" ]; then
  for mod in "${MODULES[@]}"; do
    d=$(diff "upstream/$NEW_V/$mod.c" "$OUT/view-$NEW_V/debian-6.12/$mod.c" | grep -c '^[<>]' || true)
    extra=$(diff "upstream/$NEW_V/$mod.c" "$OUT/view-$NEW_V/debian-6.12/$mod.c" | grep '^[<>]' | grep -vc '^> #include <linux/version.h>$' || true)
    echo "  debian-6.12 view of $(basename "$mod").c vs upstream: $d line(s) differ$([ "$d" != 0 ] && echo ' (the #include <linux/version.h>)')"
    [ "$extra" = 0 ] || fail "debian-6.12 view of $mod.c differs from upstream beyond <linux/version.h>"
  done
fi

# ---------------------------------------------------------------------------------------------
say "result"
echo "drops: $OLD_V ($SRC_PKG=$OLD) -> $NEW_V ($SRC_PKG=$NEW); matrices in out/matrix-*.md"
if [ "$FAILURES" -gt 0 ]; then echo "$FAILURES check(s) FAILED"; exit 1; fi
echo "all checks passed"

#!/bin/sh
# Checks that the crate compiles, and passes clippy, for the platforms this machine does not
# build: x86_64-pc-windows-msvc and x86_64-apple-darwin (`cargo check` and
# `cargo clippy -D warnings`, of the library and of its tests). Nothing is linked or run.
#
#   scripts/check-targets.sh              both targets
#   scripts/check-targets.sh <triple>...  only these
#
# A target whose standard library rustup has not installed is skipped with a message
# (`rustup target add <triple>` adds it). The build scripts of `stacker` and `psm` compile C
# and assembly for the target even for a check, which the machine's own C compiler cannot do
# (on a Mac, Apple's can for the Mac): `zig cc` does it, found on PATH, as the Python package
# `ziglang`, or where `scripts/build.js` installs it (node_modules/.cache); without zig, the
# default C compiler is tried. For Windows, zig compiles with its MinGW headers (it has no
# Windows SDK) and archives with `zig lib`: the objects are only checked, never linked.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

[ $# -gt 0 ] || set -- x86_64-pc-windows-msvc x86_64-apple-darwin

find_zig() {
  if command -v zig >/dev/null 2>&1; then
    echo zig
  elif python3 -c 'import ziglang' >/dev/null 2>&1; then
    echo "python3 -m ziglang"
  else
    for zig in node_modules/.cache/ziglang-*/ziglang/zig; do
      if [ -x "$zig" ]; then
        echo "$root/$zig"
        return
      fi
    done
  fi
}

zig=$(find_zig)
# Kept at one path, so that cargo does not run the build scripts again on every check.
wrappers=$root/target/check-targets
mkdir -p "$wrappers"

# A C compiler for the target: zig cc, without the arguments cc-rs passes for Apple's clang or
# for MSVC that zig does not take (-arch <arch>, -mmacosx-version-min=..., --target=...).
c_compiler() {
  wrapper="$wrappers/cc-$1"
  cat >"$wrapper" <<EOF
#!/bin/sh
skip=
for arg do
  shift
  if [ -n "\$skip" ]; then skip=; continue; fi
  case \$arg in
    -arch) skip=1; continue ;;
    -mmacosx-version-min=*|--target=*) continue ;;
  esac
  set -- "\$@" "\$arg"
done
exec $zig cc -target $1 "\$@"
EOF
  chmod +x "$wrapper"
  echo "$wrapper"
}

# An archiver that takes MSVC's lib.exe arguments, which cc-rs passes for an MSVC target.
msvc_archiver() {
  wrapper="$wrappers/lib"
  printf '#!/bin/sh\nexec %s lib "$@"\n' "$zig" >"$wrapper"
  chmod +x "$wrapper"
  echo "$wrapper"
}

if ! command -v rustup >/dev/null 2>&1; then
  echo "check-targets: skipping $*: rustup, which installs the targets' standard libraries, is not installed"
  exit 0
fi

status=0
for target in "$@"; do
  if ! rustup target list --installed | grep -qx "$target"; then
    echo "check-targets: skipping $target: its standard library is not installed (rustup target add $target)"
    continue
  fi
  case $target in
    x86_64-apple-darwin) zig_target=x86_64-macos ;;
    x86_64-pc-windows-msvc) zig_target=x86_64-windows-gnu ;;
    *) zig_target= ;;
  esac
  suffix=$(echo "$target" | tr - _)
  if [ -n "$zig" ] && [ -n "$zig_target" ]; then
    export "CC_$suffix=$(c_compiler "$zig_target")"
    case $target in
      *-msvc) export "AR_$suffix=$(msvc_archiver)" ;;
    esac
  else
    echo "check-targets: no zig found for $target's C code; using the default C compiler"
  fi
  echo "check-targets: cargo check --all-targets --target $target"
  cargo check --all-targets --locked --target "$target" || status=1
  echo "check-targets: cargo clippy --all-targets --target $target -- -D warnings"
  cargo clippy --all-targets --locked --target "$target" -- -D warnings || status=1
done
exit $status

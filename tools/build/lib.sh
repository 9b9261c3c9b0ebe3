# Sourced by build.sh and the scripts of tools/build/: the paths, the
# version, messages, and the check that keeps a step from redoing its work
# when none of its inputs changed (make's rule, over a list of files).
# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS=$ROOT/tools/build
BUILD=$ROOT/build
CACHE=$BUILD/cache
STAMPS=$BUILD/stamps
# The running script, by the path the stamps name it by.
SCRIPT=$TOOLS/${0##*/}
PY=/usr/bin/python3
# Time stamp of every file in the initramfs and the test disk, so that the
# same inputs give the same bytes.
EPOCH=${SOURCE_DATE_EPOCH:-1704067200} # 2024-01-01 00:00:00 UTC
# The version every program of one build reports (build.sh exports it so
# that the scripts it runs agree).
VERSION_BASE=0.1.0
if [[ -z ${HYP_VERSION:-} ]]; then
	HYP_VERSION=$VERSION_BASE$(git -C "$ROOT" describe --always --dirty 2>/dev/null | sed 's/^/-g/' || true)
	export HYP_VERSION
fi

say() { printf '==> %s\n' "$*"; }
die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# signature KEY FILE...: KEY, then the path, size and modification time of
# each FILE (nothing for a FILE that is missing).
signature() {
	printf '%s\n' "$1"
	shift
	stat -L -c '%n %s %y' -- "$@" 2>/dev/null || true
}

# up_to_date STAMP KEY FILE...: whether build/stamps/STAMP records KEY and
# FILEs (a step's inputs, its own script and its outputs) as they are now.
up_to_date() {
	local stamp=$STAMPS/$1
	shift
	[[ -f $stamp && $(signature "$@") == "$(<"$stamp")" ]]
}

# record STAMP KEY FILE...: notes KEY and FILEs, once the step has made its
# outputs, for up_to_date.
record() {
	local stamp=$STAMPS/$1
	shift
	mkdir -p "$STAMPS"
	signature "$@" >"$stamp"
}

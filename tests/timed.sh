#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# timed.sh NAME COMMAND [ARGS...]: run COMMAND, then say how long it took
# in wall-clock seconds, and append "NAME SECONDS" to $RESULTS/times when
# RESULTS is set (tests/total.sh prints them). Its status is COMMAND's.
set -u
name=$1
shift
start=$(date +%s)
"$@"
rc=$?
took=$(($(date +%s) - start))
echo "# make $name took $took s"
[ -z "${RESULTS:-}" ] || echo "$name $took" >>"$RESULTS/times"
exit $rc

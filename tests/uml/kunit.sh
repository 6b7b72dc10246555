#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit.sh VERSION...: for each kernel version, build (or reuse) the UML
# kernel, build liteauth.ko and liteauth_test.ko against it with W=1,
# check that liteauth.ko holds no test, boot the kernel, load and unload
# liteauth.ko, then load liteauth_test.ko (which runs the KUnit suites)
# beside it, and count the results: every KUnit case, each insmod and
# rmmod, and a console free of warnings. Prints the
# KTAP and a closing line per kernel and in total; writes each kernel's
# closing line to $RESULTS/kunit-VERSION when RESULTS is set.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
trap uml_cleanup EXIT INT TERM
# Every suite defined beside the module's code must run in every kernel.
suites=$(sed -n 's/^\t\.name = "\(liteauth_[a-z_]*\)",/\1/p' "$top"/kmod/*_test.c)
[ $# -gt 0 ] || set -- 6.1 6.12
# insmod and rmmod run inside UML from the host's root.
"$top/tools/build/need-debs.sh" kmod || exit 1

total_p=0 total_f=0 total_s=0
for ver in "$@"; do
	out=$top/build/uml-$ver
	mkdir -p "$out"
	log=$out/kunit.log
	: >"$log"
	echo "== KUnit on UML $ver"
	{
		kdir=$("$here/kernel.sh" "$ver") || {
			echo "not ok - UML $ver: kernel build failed"
			kdir=
		}
		if [ -n "$kdir" ]; then
			if ko=$(uml_build_module "$ver" "$kdir"); then
				if grep -q 'warning:' "$out/kmod-build.log"; then
					echo "not ok - UML $ver: liteauth.ko builds with W=1 without warnings"
					grep 'warning:' "$out/kmod-build.log" | sed 's/^/#   /'
				else
					echo "ok - UML $ver: liteauth.ko builds with W=1 without warnings"
				fi
				# The shipped module: no suite, no benchmark parameter.
				tko=${ko%/*}/liteauth_test.ko
				secs=$(readelf -SW "$ko" | grep -c kunit)
				parms=$(modinfo -F parm "$ko" | wc -l)
				if [ -f "$tko" ] && [ "$secs" -eq 0 ] && [ "$parms" -eq 0 ] &&
				   readelf -SW "$tko" | grep -q kunit_test_suites; then
					echo "ok - UML $ver: the KUnit suites are in liteauth_test.ko, none in liteauth.ko"
				else
					echo "not ok - UML $ver: the KUnit suites are in liteauth_test.ko, none in liteauth.ko"
					echo "#   liteauth.ko: $secs kunit sections, $parms parameters; liteauth_test.ko: $(ls "$tko" 2>&1)"
				fi
			else
				echo "not ok - UML $ver: liteauth.ko build failed"
				tail -n 20 "$out/kmod-build.log" | sed 's/^/#   /'
				ko=
			fi
		fi
		if [ -n "$kdir" ] && [ -n "$ko" ]; then
			init=$out/kunit-init.sh
			{
				uml_init_preamble
				cat <<EOS
if insmod $ko; then
	echo "ok - UML $ver: insmod liteauth.ko"
	if rmmod liteauth; then
		echo "ok - UML $ver: rmmod liteauth"
	else
		echo "not ok - UML $ver: rmmod liteauth"
	fi
else
	echo "not ok - UML $ver: insmod liteauth.ko"
fi
# The suites, with liteauth.ko loaded beside them: they share no symbol.
insmod $ko
if insmod $tko; then
	echo "ok - UML $ver: insmod liteauth_test.ko beside liteauth.ko"
	rmmod liteauth_test && echo "ok - UML $ver: rmmod liteauth_test" ||
		echo "not ok - UML $ver: rmmod liteauth_test"
else
	echo "not ok - UML $ver: insmod liteauth_test.ko beside liteauth.ko"
fi
rmmod liteauth
EOS
				uml_init_poweroff
			} >"$init"
			chmod +x "$init"
			uml_boot "$kdir" "$init" "$out/console.log"
			cat "$out/console.log"
			uml_console_check "$out/console.log" "UML $ver"
		fi
	} 2>&1 | tee -a "$log" | grep -E '^ *(KTAP|#|[0-9]+\.\.|(not )?ok)|^  \[uml'
	ktap_result "$log" "$suites" "kunit $ver" "kunit-$ver"
done
ktap_total kunit

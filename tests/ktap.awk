# SPDX-License-Identifier: GPL-2.0
#
# Counts test results in KTAP output (from KUnit in a kernel, from the
# userspace KUnit runner, or from a test script) and prints the closing line
# "N passed, N failed[, N skipped]". What is counted:
#   - the cases of every suite named in `suites` (a space-separated list):
#     lines "ok N name" / "not ok N name" nested inside "# Subtest: <suite>",
#     "# SKIP" marking a skip;
#   - unnumbered top-level results "ok - text" / "not ok - text", which
#     scripts print for checks of their own.
# A suite in `suites` that never started counts as one failure.
# Usage: awk -v suites="liteauth_proto" -v label="unit" -f tests/ktap.awk
BEGIN {
	n = split(suites, want, " ")
	for (i = 1; i <= n; i++)
		wanted[want[i]] = 1
	pass = fail = skip = 0
	depth_in = -1
}

{ sub(/\r$/, "") }

/# Subtest: / {
	name = $0
	sub(/.*# Subtest: /, "", name)
	ind = match($0, /[^ ]/) - 1
	if (name in wanted) {
		seen[name] = 1
		depth_in = ind
		current = name
	}
	next
}

depth_in >= 0 && /^ *(not )?ok [0-9]+ / {
	ind = match($0, /[^ ]/) - 1
	if (ind < depth_in) {		# the suite's own result line
		depth_in = -1
		next
	}
	if (ind > depth_in)		# a parameterised case's sub-results
		next
	line = $0
	sub(/^ */, "", line)
	if (line ~ /# SKIP/)
		skip++
	else if (line ~ /^not ok/) {
		fail++
		failed_list = failed_list "\n  " current ": " line
	} else
		pass++
	next
}

/^(not )?ok - / {
	if ($0 ~ /# SKIP/)
		skip++
	else if ($0 ~ /^not ok/) {
		fail++
		failed_list = failed_list "\n  " $0
	} else
		pass++
}

END {
	for (i = 1; i <= n; i++)
		if (!(want[i] in seen)) {
			fail++
			failed_list = failed_list "\n  suite " want[i] \
				" did not run"
		}
	if (failed_list != "")
		print label ": failures:" failed_list
	line = pass " passed, " fail " failed"
	if (skip)
		line = line ", " skip " skipped"
	print line
}

#!/bin/bash
# The man page against the binary (issue 8): it renders without warnings,
# and the commands and options of --help / help COMMAND are exactly those
# of the man page, command by command; --version; help of an unknown
# command; every environment variable the code reads is documented.
. "$(dirname "$0")/../lib.sh"
need man
MAN=$TOP/contrib/agentcred.1
export MANWIDTH=80 COLUMNS=80 LC_ALL=C.UTF-8 MANPAGER=cat PAGER=cat

# ---- rendering
run man --warnings -l "$MAN"
t_eq "man page renders without warnings" "" "$ERR"
t_eq "man exit 0" 0 "$RC"
t_contains "man page has a NAME section" "$OUT" "agentcred"
if command -v mandoc >/dev/null 2>&1; then
	run mandoc -T lint -W warning "$MAN"
	t_eq "mandoc lint clean" "" "$OUT$ERR"
fi
# wide, unhyphenated, plain ASCII text for the comparisons below
LC_ALL=C MANWIDTH=1000 man --nh --nj -l "$MAN" 2>/dev/null | col -bx >"$T/man.txt"

# ---- --version, --help, help COMMAND
VERSION=$(sed -n 's/^VERSION *= *//p' "$TOP/Makefile")
t_ok "--version" "$AC" --version
t_eq "--version prints the version" "agentcred $VERSION" "$OUT"
t_ok "--help" "$AC" --help
"$AC" --help >"$T/help.txt" 2>&1
t_exit "help nosuch: exit 2" 2 "$AC" help nosuch
t_contains "help nosuch: says so" "$ERR" "no such command: nosuch"
t_eq "help nosuch: nothing on stdout" "" "$OUT"
t_exit "unknown command: exit 2" 2 "$AC" nosuch
t_exit "unknown global option: exit 2" 2 "$AC" --nosuch status
t_exit "no command: exit 2" 2 "$AC"
t_ok "help without a command" "$AC" help
t_eq "help = --help" "$(cat "$T/help.txt")" "$OUT"

# commands of --help: the indented table before "global options"
HELP_CMDS=$(sed -n '/^$/,/^global options/p' "$T/help.txt" |
	sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' | sort -u)
# commands of the man page: the tags of its COMMANDS section
MAN_CMDS=$(sed -n '/^COMMANDS/,/^[A-Z]/p' "$T/man.txt" |
	sed -n 's/^     \([a-z][a-z-]*\).*/\1/p' | sort -u)
t_match "--help lists commands" "$HELP_CMDS" '^profile$'
t_eq "--help and man page list the same commands" "$HELP_CMDS" "$MAN_CMDS"

# options: --long and -x words (lower case; --KEY and curl's -K are
# placeholders, not options)
opts() { grep -oE -- '(^|[^A-Za-z0-9_-])--?[a-z][a-z0-9-]*' | grep -oE -- '--?[a-z][a-z0-9-]*' | sort -u; }
# man_section NAME: one top-level section of the rendered page
man_section() { sed -n "/^$1/,/^[A-Z]/p" "$T/man.txt" | sed '$d'; }
# man_entry CMD: the COMMANDS entries of one command (tag lines and bodies)
man_entry() {
	man_section COMMANDS | awk -v c="$1" '
		/^     [a-z]/ { split($0, w, " "); on = (w[1] == c) }
		on { print }'
}

# global options: --help's "global options" block and usage line vs. the
# man page's SYNOPSIS and DESCRIPTION (where the global options are listed)
HELP_GLOBAL=$(sed -n '1p;/^global options/,/^$/p' "$T/help.txt" | opts)
MAN_GLOBAL=$( { man_section SYNOPSIS; man_section DESCRIPTION; } | opts)
t_eq "global options: --help = man page" "$HELP_GLOBAL" "$MAN_GLOBAL"

for c in $HELP_CMDS; do
	run "$AC" help "$c"
	t_eq "help $c: exit 0" 0 "$RC"
	t_match "help $c: usage line" "$OUT" "^usage: agentcred $c( |$)"
	t_eq "help $c: options = man page entry" "$(printf '%s\n' "$OUT" | opts)" "$(man_entry "$c" | opts)"
done

# ---- environment variables the code reads are documented
# tracked sources only (a local untracked stub is not the product)
SRC=$(cd "$TOP" && git ls-files 'helper/*.c' 'backends/*.c' 'keyring/*.c' 2>/dev/null) ||
	SRC=$(cd "$TOP" && ls helper/*.c backends/*.c keyring/*.c)
CODE_ENV=$(cd "$TOP" && cat $SRC |
	grep -oE 'getenv\("[A-Z_]+"\)' | grep -oE '[A-Z_]{2,}' | sort -u |
	grep -v '^AGENTCRED_TEST_')	# test-build hooks are no interface
ENVSEC=$(man_section ENVIRONMENT)
for v in $CODE_ENV; do
	t_contains "ENVIRONMENT documents $v" "$ENVSEC" "$v"
done

# ---- exit statuses: --help and the man page agree with README.md, "Design: exit status"
EXITSEC=$(man_section 'EXIT STATUS')
for n in 0 1 2 3 4 5 6; do
	t_match "man page: exit status $n" "$EXITSEC" "^     $n( |$)"
	t_match "--help: exit status $n" "$(sed -n '/^exit status/,$p' "$T/help.txt")" "(^|[ :])$n [a-z]"
done

# ---- files and sections a man page needs
for s in NAME SYNOPSIS DESCRIPTION COMMANDS ENVIRONMENT FILES 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
	t_match "section $s" "$(cat "$T/man.txt")" "^$s\$"
done
t_contains "FILES: config.json" "$(man_section FILES)" "agentcred/config.json"

# ---- status --json fields are the documented ones (no keyring needed:
# a secret_env profile reads no keyring)
printf '{"profiles": {"doc-%s": {"type": "client-credentials", "token_url": "https://127.0.0.1:1/t", "client_id": "c", "secret_env": "DOC_SECRET"}}}\n' "$UNIQ" \
	>"$T/doc.json"
run "$AC" --config "$T/doc.json" status --json
t_eq "status --json: exit 0" 0 "$RC"
DOC_FIELDS=$(man_entry status | sed -n "s/^ *'\([a-z_]*\)'  .*/\1/p" | sort -u)
t_match "man page documents status fields" "$DOC_FIELDS" '^secret$'
# (per-profile fields, and top-level ones beside config and profiles)
JSON_FIELDS=$(json_get "$OUT" '"\n".join(sorted(set(j["profiles"][0]) | {"expires"} | (set(j) - {"config", "profiles"})))')
t_eq "status --json fields = man page (expires: foundationallm only)" "$DOC_FIELDS" "$JSON_FIELDS"
t_eq "status --json secret env" "env" "$(json_get "$OUT" 'j["profiles"][0]["secret"]')"

t_done

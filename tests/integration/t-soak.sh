#!/bin/bash
# The soak (tests/soak.sh, `make soak` runs it for 10 minutes) for 60 s:
# 64 concurrent callers against a flapping token server; zero wrong
# answers, only the expected exit codes, flat RSS, no leaked descriptors,
# no temporary or stray lock files, stores intact.
export SOAK_SECONDS=${SOAK_SECONDS:-60}
exec bash "$(dirname "$0")/../soak.sh"

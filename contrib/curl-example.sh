#!/bin/bash
# curl with a token from agentcred, without the token ever appearing in
# a command line (README.md, "Design: front-end protocols").
#
#   curl-example.sh PROFILE URL [CURL-ARGS...]
#
# Two equivalent ways; the first is safer because it runs no curl at all
# when no token can be had (exit status 2-6, see agentcred --help):
#
#   agentcred curl PROFILE -- [CURL-ARGS...] URL
#       curl gets `-K /dev/fd/N`, a pipe with the header lines;
#   curl -K <(agentcred curl-config PROFILE) [CURL-ARGS...] URL
#       if agentcred fails here, curl still runs, unauthenticated.
#
# The headers are "Authorization: Bearer <token>" (X-AGENT-ACCESS-TOKEN for
# FoundationaLLM) and the profile's own, e.g. AI-Resource-Group for SAP AI
# Core.  $AGENTCRED overrides the agentcred binary.
set -eu
if [ $# -lt 2 ]; then
	echo "usage: $0 PROFILE URL [CURL-ARGS...]" >&2
	exit 2
fi
profile=$1 url=$2
shift 2
exec "${AGENTCRED:-agentcred}" curl "$profile" -- -sS --fail "$@" "$url"

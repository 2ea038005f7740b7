/*
 * The answer of a managed identity endpoint (IMDS, App Service, Container
 * Apps): pure, no I/O, unit-tested and fuzzed.
 *
 * Rules: an OAuth-shaped answer goes through oauth_parse_response() (so
 * errors read like every other rejection); the lifetime is expires_in,
 * else expires_on (unix seconds: App Service's 2019-08-01 answer has no
 * expires_in), else the JWT exp, else an hour; 401/403 are a refusal of
 * the caller (exit 4), 404/410/429/5xx a server failure (exit 5).
 */
#ifndef AGENTCRED_MIPROTO_H
#define AGENTCRED_MIPROTO_H

#include <stddef.h>

#include "../helper/lib/err.h"
#include "backend.h"

enum ac_err mi_parse_response(long status, const char *body, size_t len,
			      long long now, struct token *out);

#endif

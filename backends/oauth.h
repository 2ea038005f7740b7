/*
 * The one place where token endpoint answers are understood (RFC 6749 §5,
 * Entra's error shape) and where the retry policy lives:
 *   - 2xx with a JSON body holding access_token → a token;
 *     expires_in number or numeric string, else JWT exp, else 3600 s;
 *   - 4xx with a JSON "error" → AC_REJECTED, message with error, AADSTS
 *     code and first line of error_description, correlation id, and for
 *     interaction_required the claims challenge;
 *   - anything else (not JSON, no access_token, 3xx, 5xx, over 1 MiB) →
 *     AC_NETWORK;
 *   - 429/503 with Retry-After: wait and retry once if it fits in the
 *     deadline, else fail at once saying when to retry;
 *     5xx or time-out without Retry-After: retry once after 1 s;
 *     other 4xx are never retried.
 */
#ifndef AGENTCRED_OAUTH_H
#define AGENTCRED_OAUTH_H

#include <stddef.h>

#include "../helper/config.h"
#include "../helper/lib/sbuf.h"
#include "backend.h"

/* Parse one answer; pure, no I/O (unit-tested and fuzzed). */
enum ac_err oauth_parse_response(long status, const char *body, size_t len,
				 long long now, struct token *out);

/*
 * POST form (already encoded) to url for profile p, with optional extra
 * header lines (e.g. "Authorization: Basic …"), applying the retry policy.
 */
enum ac_err oauth_post_form(const struct profile *p, const char *url,
			    const struct sbuf *form,
			    const char *const *extra_headers, size_t nextra,
			    struct token *out);

/*
 * The retry policy for one answer; pure (unit-tested).  failed: the
 * transfer itself failed (timed_out: with a time-out); else status and
 * retry_after (seconds, -1 when absent) describe the answer.  left_ms is
 * the time left before the request's deadline.
 *   RETRY_WAIT  try again after *wait_ms (only after the first attempt, and
 *               only when one more try still fits in the deadline);
 *   RETRY_BUSY  the server asked for a wait that does not fit: fail now
 *               saying when to retry;
 *   RETRY_NONE  use the answer (or the failure) as it is.
 */
enum oauth_retry { RETRY_NONE, RETRY_WAIT, RETRY_BUSY };

struct oauth_attempt {
	int attempt;		/* 0 for the first request */
	int failed, timed_out;
	long status;
	long retry_after;
	long long left_ms;
};

enum oauth_retry oauth_retry_decide(const struct oauth_attempt *a, long long *wait_ms);

/*
 * The same POST over mutual TLS: the client certificate (PEM, leaf first)
 * and its private key (PEM, a secret) are handed to the transport from
 * memory; the caller wipes them after the call.
 */
struct oauth_client_cert {
	const char *cert;
	size_t cert_len;
	const char *key;
	size_t key_len;
};

enum ac_err oauth_post_form_mtls(const struct profile *p, const char *url,
				 const struct sbuf *form,
				 const struct oauth_client_cert *cc,
				 struct token *out);

/*
 * "Authorization: Basic base64(form(id) ":" form(secret))" appended to out
 * (client_secret_basic, RFC 6749 §2.3.1); out holds the secret: release it.
 */
void oauth_basic_header(const char *id, const char *secret, struct sbuf *out);

/* The optional client-credentials parameters: scope, audience, resource. */
void oauth_form_cc_params(struct sbuf *form, const struct profile *p,
			  const char *scope);

#endif

/*
 * Token endpoint answers and the retry policy (see oauth.h).
 *
 * Rules: the answer is hostile input (at most 1 MiB, enforced by http.c;
 * every field bounded and checked); what is reported comes only from the
 * OAuth error fields, sanitised to one line; the access token never
 * appears in a message or a log line; the whole exchange, retries and
 * waits included, ends within the profile's deadline.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "jwt.h"
#include "../helper/lib/log.h"
#include "../helper/lib/secmem.h"
#include "../helper/lib/util.h"
#include "http.h"
#include "oauth.h"

#define MAX_ACCESS_TOKEN (64 * 1024)
#define MAX_TOKEN_TYPE 64
#define DEFAULT_LIFETIME 3600LL
/*
 * A lifetime over a year is clamped, not refused: the token itself may be
 * fine, but we will not cache anything longer than a year on a server's
 * word (and the arithmetic stays far from overflow).
 */
#define MAX_LIFETIME (366LL * 24 * 3600)
#define CONNECT_MS 10000L
/* a retried request needs at least this much of the deadline left */
#define MIN_TRY_MS 500LL
/* Wait before retrying a time-out or a 5xx without Retry-After. */
#define RETRY_MS 1000LL

/* A server-provided string cut to one clean line that fits in dst. */
static void clean_copy(char *dst, size_t dstlen, const char *src)
{
	size_t n = strcspn(src, "\r\n");

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	sanitize_line(dst, n);
}

static const char *json_string(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(item) && item->valuestring ? item->valuestring : NULL;
}

/*
 * RFC 6749 A.12: access_token = 1*VSCHAR.  Anything else (control
 * characters, line breaks, bytes over 0x7E) could split the header lines
 * and config files the token is written into.
 */
static int vschar_only(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* expires_in as a number or a string of digits; AC_NETWORK otherwise. */
static enum ac_err parse_expires_in(const cJSON *item, long long *secs)
{
	if (cJSON_IsNumber(item)) {
		double d = item->valuedouble;

		if (!isfinite(d) || d < 1)
			return ac_fail(AC_NETWORK, "the token answer has an invalid expires_in (%.0f) — a server failure, try again later",
				       isfinite(d) ? d : 0.0);
		*secs = d > (double)MAX_LIFETIME ? MAX_LIFETIME : (long long)d;
		return AC_OK;
	}
	if (cJSON_IsString(item) && item->valuestring) {
		const char *s = item->valuestring;
		size_t n = strlen(s);

		if (n == 0 || strspn(s, "0123456789") != n)
			return ac_fail(AC_NETWORK, "the token answer has a non-numeric expires_in — a server failure, try again later");
		/* more than 15 digits is more than a year anyway */
		*secs = n > 15 ? MAX_LIFETIME : strtoll(s, NULL, 10);
		if (*secs < 1)
			return ac_fail(AC_NETWORK, "the token answer has an invalid expires_in (0) — a server failure, try again later");
		if (*secs > MAX_LIFETIME)
			*secs = MAX_LIFETIME;
		return AC_OK;
	}
	return ac_fail(AC_NETWORK, "the token answer has an invalid expires_in — a server failure, try again later");
}

static enum ac_err parse_token(const cJSON *root, long long now, struct token *out)
{
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(root, "access_token");
	const cJSON *tt = cJSON_GetObjectItemCaseSensitive(root, "token_type");
	const cJSON *ei = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
	long long lifetime = DEFAULT_LIFETIME, exp = 0;
	enum ac_err err;
	size_t n;

	if (!cJSON_IsString(at) || !at->valuestring) {
		const char *e = json_string(root, "error");
		char error[64];

		if (e) {
			clean_copy(error, sizeof(error), e);
			return ac_fail(AC_NETWORK, "the token answer has no access_token (error: %s) — a server failure, try again later",
				       error);
		}
		return ac_fail(AC_NETWORK, "the token answer has no access_token — check the token URL");
	}
	n = strlen(at->valuestring);
	if (n == 0 || n > MAX_ACCESS_TOKEN || !vschar_only(at->valuestring))
		return ac_fail(AC_NETWORK, "the token answer has an unusable access_token (%s) — a server failure, try again later",
			       n == 0 ? "empty" : n > MAX_ACCESS_TOKEN ? "too long"
			       : "characters outside %x20-7E");
	if (tt && !cJSON_IsNull(tt)) {
		const char *s = cJSON_IsString(tt) ? tt->valuestring : NULL;

		if (!s || !*s || strlen(s) > MAX_TOKEN_TYPE ||
		    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(s))
			return ac_fail(AC_NETWORK, "the token answer has an invalid token_type — a server failure, try again later");
	}

	if (ei && !cJSON_IsNull(ei)) {
		if ((err = parse_expires_in(ei, &lifetime)))
			return err;
	} else if (!jwt_payload_exp(at->valuestring, &exp)) {
		if (exp <= now)
			return ac_fail(AC_NETWORK, "the server issued a token that has already expired — check this machine's clock");
		lifetime = exp - now > MAX_LIFETIME ? MAX_LIFETIME : exp - now;
	}

	out->access_token = xstrdup(at->valuestring);
	out->token_type = xstrdup(cJSON_IsString(tt) ? tt->valuestring : "Bearer");
	out->obtained_at = now;
	out->expires_at = now + lifetime;
	return AC_OK;
}

/* What a user can do about a given OAuth error. */
static const char *error_hint(const char *error)
{
	static const struct {
		const char *error, *hint;
	} hints[] = {
		{ "invalid_client", "check the client id and secret" },
		{ "unauthorized_client", "the client is not allowed this grant; check the app registration" },
		{ "invalid_scope", "check the scope" },
		{ "invalid_grant", "the credential or assertion was refused; check it or sign in again" },
		{ "interaction_required", "the user must sign in again and satisfy the claims challenge" },
		{ "consent_required", "an administrator must grant consent" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hints); i++)
		if (!strcmp(error, hints[i].error))
			return hints[i].hint;
	return "retrying will not help; check the profile";
}

static enum ac_err parse_rejection(long status, const cJSON *root)
{
	const cJSON *codes = cJSON_GetObjectItemCaseSensitive(root, "error_codes");
	const char *e = json_string(root, "error");
	const char *d = json_string(root, "error_description");
	const char *c = json_string(root, "correlation_id");
	const char *claims = json_string(root, "claims");
	char error[64], desc[301], corr[65], cl[381], code[32] = "";
	struct sbuf msg = SBUF_INIT;
	const cJSON *first = cJSON_IsArray(codes) ? cJSON_GetArrayItem(codes, 0) : NULL;

	clean_copy(error, sizeof(error), e);
	if (!error[0])
		snprintf(error, sizeof(error), "unknown_error");
	desc[0] = corr[0] = cl[0] = '\0';
	if (d)
		clean_copy(desc, sizeof(desc), d);
	if (c)
		clean_copy(corr, sizeof(corr), c);
	if (claims && !strcmp(error, "interaction_required"))
		clean_copy(cl, sizeof(cl), claims);
	/* Entra puts the code first in the description; add it if not */
	if (!strstr(desc, "AADSTS") && cJSON_IsNumber(first) &&
	    first->valuedouble >= 0 && first->valuedouble < 1e9)
		snprintf(code, sizeof(code), "AADSTS%lld: ",
			 (long long)first->valuedouble);
	ac_set_oauth_error(error);
	sbuf_addf(&msg, "rejected (HTTP %ld): %s", status, error);
	if (code[0] || desc[0])
		sbuf_addf(&msg, ": %s%s", code, desc);
	if (corr[0])
		sbuf_addf(&msg, " (correlation id %s)", corr);
	if (cl[0])
		sbuf_addf(&msg, "; claims: %s", cl);
	sbuf_addf(&msg, " — %s", error_hint(error));
	ac_fail(AC_REJECTED, "%s", msg.buf);
	sbuf_release(&msg);
	return AC_REJECTED;
}

enum ac_err oauth_parse_response(long status, const char *body, size_t len,
				 long long now, struct token *out)
{
	cJSON *root = NULL;
	enum ac_err err;
	const char *why = NULL;

	memset(out, 0, sizeof(*out));
	/* no stale error from an earlier request of the same run */
	ac_set_oauth_error(NULL);
	if (status >= 300 && status < 400)
		return ac_fail(AC_NETWORK, "the token endpoint answered with a redirect (HTTP %ld), which is not followed — check the token URL",
			       status);
	if (status == 429)
		return ac_fail(AC_NETWORK, "the token endpoint is busy (HTTP 429) — try again later");
	if (status >= 500 || status < 200)
		return ac_fail(AC_NETWORK, "the token endpoint failed (HTTP %ld) — try again later",
			       status);
	if (body && len)
		root = json_parse_strict(body, len, 0, &why);
	if (!root && why)
		err = ac_fail(AC_NETWORK, "the token endpoint answered HTTP %ld with JSON that %s — check the token URL",
			      status, why);
	else if (status >= 400 && json_string(root, "error"))
		err = parse_rejection(status, root);
	else if (status >= 400)
		err = ac_fail(AC_NETWORK, "the token endpoint answered HTTP %ld without an OAuth error — check the token URL",
			      status);
	else if (!cJSON_IsObject(root))
		err = ac_fail(AC_NETWORK, "the token endpoint answered HTTP %ld with something that is not a JSON object — check the token URL",
			      status);
	else
		err = parse_token(root, now, out);
	cJSON_Delete(root);
	return err;
}

void oauth_basic_header(const char *id, const char *secret, struct sbuf *out)
{
	struct sbuf raw = SBUF_INIT;

	form_escape(&raw, id);
	sbuf_addch(&raw, ':');
	form_escape(&raw, secret);
	sbuf_addstr(out, "Authorization: Basic ");
	base64_encode(out, (const unsigned char *)raw.buf, raw.len);
	sbuf_release(&raw);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The test build skips the wait with AGENTCRED_TEST_SLEEP=0 (the decision
 * is unit-tested; the integration tests keep one real wait).
 */
static void sleep_ms(long long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

#ifdef AGENTCRED_TEST_BUILD
	const char *e = getenv("AGENTCRED_TEST_SLEEP");

	if (e && !strcmp(e, "0"))
		return;
#endif
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The first answer may be retried after wait_ms if a try still fits. */
static int may_retry(const struct oauth_attempt *a, long long wait_ms)
{
	return a->attempt == 0 && wait_ms + MIN_TRY_MS <= a->left_ms;
}

enum oauth_retry oauth_retry_decide(const struct oauth_attempt *a, long long *wait_ms)
{
	*wait_ms = 0;
	if (a->failed) {
		if (!a->timed_out || !may_retry(a, RETRY_MS))
			return RETRY_NONE;
		*wait_ms = RETRY_MS;
		return RETRY_WAIT;
	}
	if ((a->status == 429 || a->status >= 500) && a->retry_after >= 0) {
		long long wait = (long long)a->retry_after * 1000;

		if (!may_retry(a, wait))
			return RETRY_BUSY;
		*wait_ms = wait;
		return RETRY_WAIT;
	}
	if (a->status >= 500 && may_retry(a, RETRY_MS)) {
		*wait_ms = RETRY_MS;
		return RETRY_WAIT;
	}
	return RETRY_NONE;
}

/* Prefix the recorded message with the host it is about. */
static enum ac_err with_host(enum ac_err err, const char *host)
{
	return ac_fail(err, "%s: %s", host, ac_message());
}

static enum ac_err post_form(const struct profile *p, const char *url,
			     const struct sbuf *form,
			     const char *const *extra_headers, size_t nextra,
			     const struct oauth_client_cert *cc,
			     struct token *out)
{
	struct http_request req;
	struct http_response resp;
	const char **hdrs;
	char host[256];
	long long deadline, left, sent;
	enum ac_err err;
	size_t i;
	int attempt;
	long long wait;

	memset(out, 0, sizeof(*out));
	if ((err = url_check_scheme(url, "the token URL")))
		return err;
	/* cannot fail: url_check_scheme() parsed the same URL */
	url_host(url, host, sizeof(host));

	hdrs = xcalloc(nextra + 2, sizeof(*hdrs));
	hdrs[0] = "Content-Type: application/x-www-form-urlencoded";
	hdrs[1] = "Accept: application/json";
	for (i = 0; i < nextra; i++)
		hdrs[2 + i] = extra_headers[i];

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.headers = hdrs;
	req.nheaders = nextra + 2;
	req.body = sbuf_str(form);
	req.body_len = form->len;
	req.ca_file = p->ca_file;
	req.max_body = HTTP_MAX_BODY;
	if (cc) {
		req.client_cert = cc->cert;
		req.client_cert_len = cc->cert_len;
		req.client_key = cc->key;
		req.client_key_len = cc->key_len;
	}
	deadline = mono_ms() + (long long)profile_timeout(p) * 1000;

	for (attempt = 0;; attempt++) {
		left = deadline - mono_ms();
		if (left <= 0) {
			err = ac_fail(AC_NETWORK, "%s: no usable answer within %ld s — try again later, or raise the profile's timeout",
				      host, profile_timeout(p));
			break;
		}
		req.timeout_ms = (long)left;
		req.connect_timeout_ms = CONNECT_MS;
		/* expires_in counts from when the server answered, which is
		 * after we asked: count from the asking, never past its expiry */
		sent = now_seconds();
		err = http_perform(&req, &resp);
		{
			struct oauth_attempt a = {
				attempt, err != AC_OK, err == AC_NETWORK && resp.timed_out,
				err ? 0 : resp.status, err ? -1 : resp.retry_after,
				deadline - mono_ms()
			};
			enum oauth_retry r = oauth_retry_decide(&a, &wait);

			if (err) {
				if (r != RETRY_WAIT)
					break;
				log_verbose("%s: %s; retrying in 1 s", host, ac_message());
				sleep_ms(wait);
				continue;
			}
			if (r == RETRY_BUSY) {
				err = ac_fail(AC_NETWORK, "%s is busy (HTTP %ld) — retry after %ld s",
					      host, resp.status, resp.retry_after);
				http_response_release(&resp);
				break;
			}
			if (r == RETRY_WAIT) {
				if (resp.retry_after >= 0)
					log_verbose("%s: HTTP %ld, Retry-After %ld s; retrying",
						    host, resp.status, resp.retry_after);
				else
					log_verbose("%s: HTTP %ld; retrying in 1 s", host,
						    resp.status);
				http_response_release(&resp);
				sleep_ms(wait);
				continue;
			}
		}
		err = oauth_parse_response(resp.status, resp.body, resp.body_len,
					   sent, out);
		http_response_release(&resp);
		if (err) {
			if (ac_oauth_error())
				log_verbose("%s: OAuth error %s", host, ac_oauth_error());
			err = with_host(err, host);
		}
		break;
	}
	free(hdrs);
	return err;
}

enum ac_err oauth_post_form(const struct profile *p, const char *url,
			    const struct sbuf *form,
			    const char *const *extra_headers, size_t nextra,
			    struct token *out)
{
	return post_form(p, url, form, extra_headers, nextra, NULL, out);
}

enum ac_err oauth_post_form_mtls(const struct profile *p, const char *url,
				 const struct sbuf *form,
				 const struct oauth_client_cert *cc,
				 struct token *out)
{
	return post_form(p, url, form, NULL, 0, cc, out);
}

void oauth_form_cc_params(struct sbuf *form, const struct profile *p,
			  const char *scope)
{
	if (scope && *scope)
		form_add(form, "scope", scope);
	if (p->audience && *p->audience)
		form_add(form, "audience", p->audience);
	if (p->resource && *p->resource)
		form_add(form, "resource", p->resource);
}

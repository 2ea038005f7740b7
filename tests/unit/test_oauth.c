/* Token endpoint answers: oauth_parse_response() over good and bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../backends/oauth.h"
#include "../../helper/lib/util.h"
#include "check.h"

#define NOW 1700000000LL
#define YEAR (366LL * 24 * 3600)

static struct token tok;

static enum ac_err parse(long status, const char *body)
{
	token_release(&tok);
	ac_clear();
	return oauth_parse_response(status, body, body ? strlen(body) : 0,
				    NOW, &tok);
}

/* Lifetime of a successful parse, -1 when it failed. */
static long long lifetime(const char *body)
{
	if (parse(200, body) != AC_OK)
		return -1;
	return tok.expires_at - tok.obtained_at;
}

static void b64url(struct sbuf *out, const char *s)
{
	struct sbuf b = SBUF_INIT;
	size_t i;

	base64_encode(&b, (const unsigned char *)s, strlen(s));
	for (i = 0; i < b.len && b.buf[i] != '='; i++)
		sbuf_addch(out, b.buf[i] == '+' ? '-' : b.buf[i] == '/' ? '_' : b.buf[i]);
	sbuf_release(&b);
}

static void test_success(void)
{
	CHECK_INT(parse(200, "{\"access_token\":\"abc\",\"token_type\":\"Bearer\",\"expires_in\":3599}"), AC_OK);
	CHECK_STR(tok.access_token, "abc");
	CHECK_STR(tok.token_type, "Bearer");
	CHECK_INT(tok.obtained_at, NOW);
	CHECK_INT(tok.expires_at, NOW + 3599);

	/* other 2xx, extra fields, token_type as sent */
	CHECK_INT(parse(201, "{\"access_token\":\"x\",\"token_type\":\"bearer\",\"expires_in\":60,\"scope\":\"a b\",\"jti\":\"j\"}"), AC_OK);
	CHECK_STR(tok.token_type, "bearer");

	/* token_type absent or null: Bearer */
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"expires_in\":60}"), AC_OK);
	CHECK_STR(tok.token_type, "Bearer");
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"token_type\":null,\"expires_in\":60}"), AC_OK);
	CHECK_STR(tok.token_type, "Bearer");
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"token_type\":5}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"token_type\":\"Bea rer\"}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"token_type\":\"\"}"), AC_NETWORK);
}

static void test_expires_in(void)
{
	struct sbuf jwt = SBUF_INIT;
	char payload[64], body[256];

	CHECK_INT(lifetime("{\"access_token\":\"x\",\"expires_in\":3600}"), 3600);
	CHECK_INT(lifetime("{\"access_token\":\"x\",\"expires_in\":\"3599\"}"), 3599);
	CHECK_INT(lifetime("{\"access_token\":\"x\",\"expires_in\":3599.9}"), 3599);
	CHECK_INT(lifetime("{\"access_token\":\"x\",\"expires_in\":1}"), 1);
	/* absent or null, not a JWT: one hour */
	CHECK_INT(lifetime("{\"access_token\":\"opaque\"}"), 3600);
	CHECK_INT(lifetime("{\"access_token\":\"opaque\",\"expires_in\":null}"), 3600);

	/* huge values are clamped to a year */
	CHECK_INT(lifetime("{\"access_token\":\"x\",\"expires_in\":1e300}"), YEAR);
	CHECK_INT(lifetime("{\"access_token\":\"x\",\"expires_in\":99999999999}"), YEAR);
	CHECK_INT(lifetime("{\"access_token\":\"x\",\"expires_in\":\"99999999999999999999999\"}"), YEAR);

	/* refused: a server failure */
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"expires_in\":-5}"), AC_NETWORK);
	CHECK(strstr(ac_message(), "expires_in") != NULL);
	CHECK(tok.access_token == NULL);
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"expires_in\":0}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"expires_in\":0.5}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"expires_in\":\"-5\"}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"expires_in\":\"soon\"}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"expires_in\":\"36 00\"}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"expires_in\":\"\"}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"expires_in\":\"0\"}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"expires_in\":true}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"x\",\"expires_in\":[60]}"), AC_NETWORK);

	/* absent: the JWT's exp */
	snprintf(payload, sizeof(payload), "{\"exp\":%lld}", NOW + 1234);
	sbuf_addstr(&jwt, "eyJhbGciOiJub25lIn0.");
	b64url(&jwt, payload);
	sbuf_addstr(&jwt, ".sig");
	snprintf(body, sizeof(body), "{\"access_token\":\"%s\"}", jwt.buf);
	CHECK_INT(lifetime(body), 1234);
	CHECK_STR(tok.access_token, jwt.buf);
	/* expires_in wins over exp */
	snprintf(body, sizeof(body), "{\"access_token\":\"%s\",\"expires_in\":60}", jwt.buf);
	CHECK_INT(lifetime(body), 60);
	sbuf_release(&jwt);

	/* an exp beyond a year is clamped like expires_in */
	snprintf(payload, sizeof(payload), "{\"exp\":%lld}", NOW + 5 * YEAR);
	sbuf_addstr(&jwt, "eyJhbGciOiJub25lIn0.");
	b64url(&jwt, payload);
	sbuf_addstr(&jwt, ".sig");
	snprintf(body, sizeof(body), "{\"access_token\":\"%s\"}", jwt.buf);
	CHECK_INT(lifetime(body), YEAR);
	sbuf_release(&jwt);

	/* a JWT that has already expired */
	snprintf(payload, sizeof(payload), "{\"exp\":%lld}", NOW - 10);
	sbuf_addstr(&jwt, "eyJhbGciOiJub25lIn0.");
	b64url(&jwt, payload);
	sbuf_addstr(&jwt, ".sig");
	snprintf(body, sizeof(body), "{\"access_token\":\"%s\"}", jwt.buf);
	CHECK_INT(parse(200, body), AC_NETWORK);
	CHECK(strstr(ac_message(), jwt.buf) == NULL);
	sbuf_release(&jwt);
}

static void test_access_token(void)
{
	char *big;

	CHECK_INT(parse(200, "{\"token_type\":\"Bearer\",\"expires_in\":60}"), AC_NETWORK);
	CHECK(strstr(ac_message(), "access_token") != NULL);
	CHECK_INT(parse(200, "{\"access_token\":\"\"}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":42}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":null}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":[\"a\"]}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"se\\ncret\"}"), AC_NETWORK);
	CHECK(strstr(ac_message(), "cret") == NULL);
	CHECK_INT(parse(200, "{\"access_token\":\"se\\rcret\"}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"a\\tb\"}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"a\\u001bb\"}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"\xc3\xbc\"}"), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"a\\u007fb\"}"), AC_NETWORK);
	/* every VSCHAR is fine */
	CHECK_INT(parse(200, "{\"access_token\":\" !#~=+/.\"}"), AC_OK);
	/* a stale OAuth error from an earlier answer is forgotten */
	ac_set_oauth_error("invalid_client");
	token_release(&tok);
	CHECK_INT(oauth_parse_response(500, "", 0, NOW, &tok), AC_NETWORK);
	CHECK(ac_oauth_error() == NULL);
	/* 200 with an error and no token */
	CHECK_INT(parse(200, "{\"error\":\"server_error\"}"), AC_NETWORK);
	CHECK(strstr(ac_message(), "server_error") != NULL);

	/* over the token bound */
	big = malloc(80 * 1024);
	memset(big, 'a', 80 * 1024 - 1);
	big[80 * 1024 - 1] = '\0';
	memcpy(big, "{\"access_token\":\"", 17);
	memcpy(big + 80 * 1024 - 3, "\"}", 3);
	CHECK_INT(parse(200, big), AC_NETWORK);
	free(big);
}

/* n copies of c, from a static buffer (n < 512). */
static const char *rep(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static const char *xs(size_t n)
{
	static char b[512];

	return rep(b, 'x', n);
}

static const char *ys(size_t n)
{
	static char b[512];

	return rep(b, 'y', n);
}

static void test_rejected(void)
{
	char long_desc[1024];
	const char *m;

	snprintf(long_desc, sizeof(long_desc),
		 "{\"error\":\"invalid_grant\",\"error_description\":\"%s\",", xs(400));
	snprintf(long_desc + strlen(long_desc), sizeof(long_desc) - strlen(long_desc),
		 "\"correlation_id\":\"%s\"}", ys(100));

	CHECK_INT(parse(400, "{\"error\":\"invalid_client\","
			"\"error_description\":\"AADSTS7000215: Invalid client secret provided.\\r\\nTrace ID: 1f2e\\r\\nCorrelation ID: 9a8b\\r\\nTimestamp: 2024-01-01\","
			"\"error_codes\":[7000215],\"trace_id\":\"1f2e\",\"correlation_id\":\"9a8b-corr\"}"),
		  AC_REJECTED);
	m = ac_message();
	CHECK(strstr(m, "invalid_client") != NULL);
	CHECK(strstr(m, "AADSTS7000215: Invalid client secret provided.") != NULL);
	CHECK(strstr(m, "9a8b-corr") != NULL);
	CHECK(strstr(m, "Trace ID") == NULL);
	CHECK(!has_newline(m));
	CHECK_STR(ac_oauth_error(), "invalid_client");
	CHECK(tok.access_token == NULL);
	/* the description already carries the code: not added twice */
	CHECK(strstr(m, "AADSTS7000215: AADSTS") == NULL);

	/* the code from error_codes when the description lacks it */
	CHECK_INT(parse(401, "{\"error\":\"invalid_grant\",\"error_description\":\"User not found.\",\"error_codes\":[50034]}"),
		  AC_REJECTED);
	CHECK(strstr(ac_message(), "AADSTS50034: User not found.") != NULL);
	CHECK_STR(ac_oauth_error(), "invalid_grant");

	/* claims challenge */
	CHECK_INT(parse(400, "{\"error\":\"interaction_required\",\"error_description\":\"AADSTS50076: MFA required.\","
			"\"claims\":\"{\\\"access_token\\\":{\\\"capolids\\\":{\\\"essential\\\":true,\\\"values\\\":[\\\"c1\\\"]}}}\"}"),
		  AC_REJECTED);
	m = ac_message();
	CHECK(strstr(m, "claims: {\"access_token\":{\"capolids\"") != NULL);
	CHECK(strstr(m, "AADSTS50076") != NULL);

	/* a claims member is only reported for interaction_required */
	CHECK_INT(parse(400, "{\"error\":\"invalid_grant\",\"claims\":\"{\\\"x\\\":1}\"}"),
		  AC_REJECTED);
	CHECK(strstr(ac_message(), "claims") == NULL);

	/* server text is cut: description 300 bytes, correlation id 64 */
	CHECK_INT(parse(400, long_desc), AC_REJECTED);
	m = ac_message();
	CHECK(strstr(m, xs(300)) != NULL);
	CHECK(strstr(m, xs(301)) == NULL);
	CHECK(strstr(m, ys(64)) != NULL);
	CHECK(strstr(m, ys(65)) == NULL);

	/* plain RFC 6749 error, no description; control characters cleaned */
	CHECK_INT(parse(400, "{\"error\":\"unsupported_grant_type\"}"), AC_REJECTED);
	CHECK(strstr(ac_message(), "unsupported_grant_type") != NULL);
	CHECK_INT(parse(403, "{\"error\":\"access_denied\",\"error_description\":\"no\\u001b[31m way\"}"), AC_REJECTED);
	CHECK(strchr(ac_message(), 0x1b) == NULL);

	/* not an OAuth error: a server failure, not a rejection */
	CHECK_INT(parse(400, "{\"error\":5}"), AC_NETWORK);
	CHECK_INT(parse(400, "{\"message\":\"bad\"}"), AC_NETWORK);
	CHECK_INT(parse(400, "[{\"error\":\"invalid_client\"}]"), AC_NETWORK);
	CHECK(ac_oauth_error() == NULL);
	CHECK_INT(parse(404, "<html>Not Found</html>"), AC_NETWORK);
	CHECK(strstr(ac_message(), "404") != NULL);
	CHECK_INT(parse(401, ""), AC_NETWORK);
	/* 429 is "busy", whatever the body says */
	CHECK_INT(parse(429, "{\"error\":\"too_many\"}"), AC_NETWORK);
}

static void test_not_a_token(void)
{
	CHECK_INT(parse(500, "{\"access_token\":\"x\",\"expires_in\":60}"), AC_NETWORK);
	CHECK(strstr(ac_message(), "500") != NULL);
	CHECK(tok.access_token == NULL);
	CHECK_INT(parse(503, "{\"error\":\"temporarily_unavailable\"}"), AC_NETWORK);
	CHECK_INT(parse(302, "{\"access_token\":\"x\"}"), AC_NETWORK);
	CHECK(strstr(ac_message(), "redirect") != NULL);
	CHECK_INT(parse(200, "<html><body>Sign in</body></html>"), AC_NETWORK);
	CHECK_INT(parse(200, ""), AC_NETWORK);
	CHECK_INT(parse(200, NULL), AC_NETWORK);
	CHECK_INT(parse(200, "[{\"access_token\":\"x\"}]"), AC_NETWORK);
	CHECK_INT(parse(200, "\"access_token\""), AC_NETWORK);
	CHECK_INT(parse(200, "{\"access_token\":\"x\""), AC_NETWORK);
	CHECK_INT(parse(100, "{\"access_token\":\"x\"}"), AC_NETWORK);
}

/* The retry policy: which answers are retried, after how long, and when not. */
static enum oauth_retry decide(int attempt, int failed, int timed_out, long status,
			       long retry_after, long long left_ms, long long *wait)
{
	struct oauth_attempt a = { attempt, failed, timed_out, status, retry_after, left_ms };

	return oauth_retry_decide(&a, wait);
}

static void test_retry(void)
{
	long long w = -1;

	/* a time-out: once, after 1 s, if a try still fits (1 s + 0.5 s) */
	CHECK_INT(decide(0, 1, 1, 0, -1, 30000, &w), RETRY_WAIT);
	CHECK_INT(w, 1000);
	CHECK_INT(decide(0, 1, 1, 0, -1, 1500, &w), RETRY_WAIT);
	CHECK_INT(decide(0, 1, 1, 0, -1, 1499, &w), RETRY_NONE);
	CHECK_INT(w, 0);
	CHECK_INT(decide(1, 1, 1, 0, -1, 30000, &w), RETRY_NONE);
	/* other transfer failures (refused, TLS) are never retried */
	CHECK_INT(decide(0, 1, 0, 0, -1, 30000, &w), RETRY_NONE);

	/* 5xx without Retry-After: once, after 1 s */
	CHECK_INT(decide(0, 0, 0, 500, -1, 30000, &w), RETRY_WAIT);
	CHECK_INT(w, 1000);
	CHECK_INT(decide(0, 0, 0, 503, -1, 30000, &w), RETRY_WAIT);
	CHECK_INT(decide(1, 0, 0, 502, -1, 30000, &w), RETRY_NONE);
	CHECK_INT(decide(0, 0, 0, 500, -1, 1000, &w), RETRY_NONE);

	/* Retry-After on 429/5xx: honoured when it fits, else busy at once */
	CHECK_INT(decide(0, 0, 0, 429, 2, 30000, &w), RETRY_WAIT);
	CHECK_INT(w, 2000);
	CHECK_INT(decide(0, 0, 0, 503, 0, 30000, &w), RETRY_WAIT);
	CHECK_INT(w, 0);
	CHECK_INT(decide(0, 0, 0, 503, 120, 30000, &w), RETRY_BUSY);
	CHECK_INT(decide(0, 0, 0, 429, 29, 29500, &w), RETRY_WAIT);
	CHECK_INT(decide(0, 0, 0, 429, 29, 29499, &w), RETRY_BUSY);
	CHECK_INT(decide(1, 0, 0, 429, 1, 30000, &w), RETRY_BUSY);

	/* 429 without Retry-After and every other status: the answer stands */
	CHECK_INT(decide(0, 0, 0, 429, -1, 30000, &w), RETRY_NONE);
	CHECK_INT(decide(0, 0, 0, 400, 5, 30000, &w), RETRY_NONE);
	CHECK_INT(decide(0, 0, 0, 401, -1, 30000, &w), RETRY_NONE);
	CHECK_INT(decide(0, 0, 0, 200, -1, 30000, &w), RETRY_NONE);
	CHECK_INT(decide(0, 0, 0, 302, -1, 30000, &w), RETRY_NONE);
}

int main(void)
{
	test_success();
	test_expires_in();
	test_access_token();
	test_rejected();
	test_not_a_token();
	test_retry();
	/* a token response read differently by another parser is a server failure */
	CHECK_INT(parse(200, "{\"access_token\":\"a\",\"access_token\":\"b\",\"expires_in\":60}"), AC_NETWORK);
	CHECK(strstr(ac_message(), "\"access_token\" twice") != NULL);
	CHECK(tok.access_token == NULL);
	CHECK_INT(parse(200, "{\"access_token\":\"a\\u0000b\",\"expires_in\":60}"), AC_NETWORK);
	CHECK(strstr(ac_message(), "NUL") != NULL);
	CHECK_INT(parse(400, "{\"error\":\"invalid_client\",\"error\":\"x\"}"), AC_NETWORK);
	token_release(&tok);
	return check_done("test_oauth");
}

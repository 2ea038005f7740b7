/* JWT payload decoding: exp extraction and refusal of everything else. */
#include <stdlib.h>
#include <string.h>

#include "../../backends/jwt.h"
#include "../../helper/lib/sbuf.h"
#include "../../helper/lib/util.h"
#include "check.h"

/* base64url without padding, as JWTs carry it. */
static void b64url(struct sbuf *out, const char *s)
{
	struct sbuf b = SBUF_INIT;
	size_t i;

	base64_encode(&b, (const unsigned char *)s, strlen(s));
	for (i = 0; i < b.len && b.buf[i] != '='; i++)
		sbuf_addch(out, b.buf[i] == '+' ? '-' : b.buf[i] == '/' ? '_' : b.buf[i]);
	sbuf_release(&b);
}

/* "header.payload.sig" with the given JSON payload. */
static char *make_jwt(const char *payload, const char *sig)
{
	struct sbuf t = SBUF_INIT;

	b64url(&t, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
	sbuf_addch(&t, '.');
	b64url(&t, payload);
	sbuf_addch(&t, '.');
	sbuf_addstr(&t, sig);
	return sbuf_detach(&t, NULL);
}

static int exp_of(const char *payload, long long *exp)
{
	char *t = make_jwt(payload, "c2ln");
	int r = jwt_payload_exp(t, exp);

	free(t);
	return r;
}

static void test_exp(void)
{
	long long exp = 0;
	char *t;

	CHECK_INT(exp_of("{\"exp\":1700000000,\"aud\":\"x\"}", &exp), 0);
	CHECK_INT(exp, 1700000000);
	CHECK_INT(exp_of("{\"exp\":1700000000.9}", &exp), 0);
	CHECK_INT(exp, 1700000000);
	/* payload lengths that leave 1 or 2 base64 padding chars */
	CHECK_INT(exp_of("{\"exp\":42}", &exp), 0);
	CHECK_INT(exp, 42);
	CHECK_INT(exp_of("{\"exp\":42 }", &exp), 0);
	CHECK_INT(exp_of("{\"exp\":42  }", &exp), 0);

	CHECK_INT(exp_of("{\"exp\":\"1700000000\"}", &exp), -1);
	CHECK_INT(exp_of("{\"nbf\":1700000000}", &exp), -1);
	CHECK_INT(exp_of("{\"exp\":-5}", &exp), -1);
	CHECK_INT(exp_of("{\"exp\":0}", &exp), -1);
	CHECK_INT(exp_of("{\"exp\":1e300}", &exp), -1);
	/* the last representable second, and one past it */
	CHECK_INT(exp_of("{\"exp\":253402300799}", &exp), 0);
	CHECK_INT(exp, AC_TIME_MAX);
	CHECK_INT(exp_of("{\"exp\":253402300800}", &exp), -1);
	CHECK_INT(exp_of("{\"exp\":null}", &exp), -1);
	CHECK_INT(exp_of("[1700000000]", &exp), -1);
	CHECK_INT(exp_of("1700000000", &exp), -1);
	CHECK_INT(exp_of("{\"exp\":17", &exp), -1);
	CHECK_INT(exp_of("", &exp), -1);

	/* empty signature (unsigned token) is still readable */
	t = make_jwt("{\"exp\":99}", "");
	CHECK_INT(jwt_payload_exp(t, &exp), 0);
	CHECK_INT(exp, 99);
	free(t);
}

static void test_shape(void)
{
	struct sbuf big = SBUF_INIT;
	long long exp = 0;
	char *t;
	size_t i;

	CHECK_INT(jwt_payload_exp("", &exp), -1);
	CHECK_INT(jwt_payload_exp("abc", &exp), -1);
	CHECK_INT(jwt_payload_exp("a.b", &exp), -1);
	CHECK_INT(jwt_payload_exp("..", &exp), -1);
	CHECK_INT(jwt_payload_exp("a..c", &exp), -1);
	CHECK_INT(jwt_payload_exp(".eyJleHAiOjF9.", &exp), -1);
	/* five parts: a JWE */
	CHECK_INT(jwt_payload_exp("a.eyJleHAiOjF9.c.d.e", &exp), -1);
	CHECK_INT(jwt_payload_exp("a.eyJleHAiOjF9.c.d", &exp), -1);
	/* not base64url */
	CHECK_INT(jwt_payload_exp("a.eyJleHAi!jF9.c", &exp), -1);
	CHECK_INT(jwt_payload_exp("a.e.c", &exp), -1);
	/* a plain opaque token */
	CHECK_INT(jwt_payload_exp("opaque-token-value", &exp), -1);

	/* too long */
	t = make_jwt("{\"exp\":99}", "");
	sbuf_addstr(&big, t);
	for (i = 0; i < JWT_MAX_LEN; i++)
		sbuf_addch(&big, 'A');
	CHECK_INT(jwt_payload_exp(big.buf, &exp), -1);
	free(t);
	sbuf_release(&big);
}

static void test_payload(void)
{
	struct sbuf out = SBUF_INIT;
	char *t = make_jwt("{\"sub\":\"me\"}", "x");

	CHECK_INT(jwt_payload(t, &out), 0);
	CHECK_STR(out.buf, "{\"sub\":\"me\"}");
	sbuf_release(&out);
	free(t);
	CHECK_INT(jwt_payload("nope", &out), -1);
	CHECK(out.buf == NULL);
}

int main(void)
{
	test_exp();
	test_shape();
	test_payload();
	return check_done("test_jwt");
}

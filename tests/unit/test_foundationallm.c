/*
 * backends/foundationallm.c: the agent access token shape and the static
 * "fetch" (secret from $secret_env, expiry date honoured).  Base58 values
 * are the usual published examples: "hello world" = StV1DL6CwTryKyV,
 * "abc" = ZiCa.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../backends/foundationallm.h"
#include "../../helper/kcache.h"
#include "../../helper/token.h"
#include "../../helper/lib/util.h"
#include "check.h"
#include "stubs.h"

#pragma GCC diagnostic ignored "-Wdiscarded-qualifiers"

#define GOOD "keya.StV1DL6CwTryKyV.ZiCa.ZiCa.s3cr3t-Value_x.ayek"

static enum ac_err check(const char *t)
{
	return fllm_token_check(t, NULL, 0, NULL, 0);
}

static void test_shape(void)
{
	char inst[64], agent[64], small[4];
	char big[5000];

	CHECK_INT(fllm_token_check(GOOD, inst, sizeof(inst), agent, sizeof(agent)), AC_OK);
	CHECK_STR(inst, "hello world");
	CHECK_STR(agent, "abc");
	CHECK_INT(check(GOOD), AC_OK);
	/* decoded text must fit */
	CHECK_INT(fllm_token_check(GOOD, small, sizeof(small), NULL, 0), AC_USAGE);
	CHECK_INT(fllm_token_check(GOOD, inst, sizeof(inst), small, 3), AC_USAGE);
	CHECK_INT(fllm_token_check(GOOD, inst, sizeof(inst), small, 4), AC_OK);
	CHECK_STR(small, "abc");

	/* six parts, keya/ayek */
	CHECK_INT(check("keya.ZiCa.ZiCa.ZiCa.ayek"), AC_USAGE);
	CHECK(strstr(ac_message(), "5 dot-separated parts") != NULL);
	CHECK_INT(check("keya.ZiCa.ZiCa.ZiCa.s.x.ayek"), AC_USAGE);
	CHECK(strstr(ac_message(), "more than six") != NULL);
	CHECK_INT(check(""), AC_USAGE);
	CHECK_INT(check("....."), AC_USAGE);
	CHECK_INT(check("ayek.ZiCa.ZiCa.ZiCa.s.keya"), AC_USAGE);
	CHECK_INT(check("KEYA.ZiCa.ZiCa.ZiCa.s.AYEK"), AC_USAGE);
	CHECK_INT(check("keyax.ZiCa.ZiCa.ZiCa.s.ayek"), AC_USAGE);
	CHECK_INT(check("keya.ZiCa.ZiCa.ZiCa.s.ayekx"), AC_USAGE);
	CHECK_INT(check("keya.ZiCa.ZiCa.ZiCa.s.aye"), AC_USAGE);
	/* empty parts */
	CHECK_INT(check("keya.ZiCa.ZiCa.ZiCa..ayek"), AC_USAGE);
	CHECK(strstr(ac_message(), "secret part is empty") != NULL);
	CHECK_INT(check("keya..ZiCa.ZiCa.s.ayek"), AC_USAGE);
	CHECK_INT(check("keya.ZiCa..ZiCa.s.ayek"), AC_USAGE);
	CHECK_INT(check("keya.ZiCa.ZiCa..s.ayek"), AC_USAGE);
	/* base58 alphabet: no 0, O, I, l; no '+', '/' */
	CHECK_INT(check("keya.ZiC0.ZiCa.ZiCa.s.ayek"), AC_USAGE);
	CHECK(strstr(ac_message(), "instance id") != NULL);
	CHECK_INT(check("keya.ZiCa.ZiCO.ZiCa.s.ayek"), AC_USAGE);
	CHECK(strstr(ac_message(), "agent name") != NULL);
	CHECK_INT(check("keya.ZiCa.ZiCa.ZiCI.s.ayek"), AC_USAGE);
	CHECK(strstr(ac_message(), "id part") != NULL);
	CHECK_INT(check("keya.ZiCl.ZiCa.ZiCa.s.ayek"), AC_USAGE);
	CHECK_INT(check("keya.Zi+a.ZiCa.ZiCa.s.ayek"), AC_USAGE);
	/* decoding to control characters (leading '1' = NUL byte) */
	CHECK_INT(check("keya.1ZiCa.ZiCa.ZiCa.s.ayek"), AC_USAGE);
	CHECK_INT(check("keya.2.ZiCa.ZiCa.s.ayek"), AC_USAGE);	/* byte 0x01 */
	/* secret part: no spaces or control characters */
	CHECK_INT(check("keya.ZiCa.ZiCa.ZiCa.a b.ayek"), AC_USAGE);
	CHECK_INT(check("keya.ZiCa.ZiCa.ZiCa.a\tb.ayek"), AC_USAGE);
	CHECK_INT(check("keya.ZiCa.ZiCa.ZiCa.a\x7f.ayek"), AC_USAGE);
	CHECK(strstr(ac_message(), "spaces or control") != NULL);
	/* the message never quotes the token */
	CHECK_INT(check("keya.ZiCa.ZiCa.ZiCa.TOPSECRET.ayekk"), AC_USAGE);
	CHECK(strstr(ac_message(), "TOPSECRET") == NULL);
	/* bounded */
	memset(big, 'z', sizeof(big));
	memcpy(big, "keya.", 5);
	memcpy(big + sizeof(big) - 6, ".ayek", 6);
	CHECK_INT(check(big), AC_USAGE);
	CHECK(strstr(ac_message(), "longer than") != NULL);
	memset(big, '2', 400);
	memcpy(big, "keya.", 5);
	memcpy(big + 400, ".ZiCa.ZiCa.s.ayek", 18);
	CHECK_INT(check(big), AC_USAGE);	/* instance id too long */
}

static void test_url(void)
{
	char out[64], small[4];

	CHECK_INT(fllm_url_instance("https://api.example/instances/abc-123/", out, sizeof(out)), 0);
	CHECK_STR(out, "abc-123");
	CHECK_INT(fllm_url_instance("https://api.example/instances/abc", out, sizeof(out)), 0);
	CHECK_STR(out, "abc");
	CHECK_INT(fllm_url_instance("https://api.example/instances/abc?x=1", out, sizeof(out)), 0);
	CHECK_STR(out, "abc");
	CHECK_INT(fllm_url_instance("https://api.example/instances/", out, sizeof(out)), -1);
	CHECK_INT(fllm_url_instance("https://api.example/instances//x", out, sizeof(out)), -1);
	CHECK_INT(fllm_url_instance("https://api.example/instance/abc", out, sizeof(out)), -1);
	CHECK_INT(fllm_url_instance("https://api.example/instances/abcd", small, sizeof(small)), -1);
	CHECK_INT(fllm_url_instance("https://api.example/instances/abc", small, sizeof(small)), 0);
}

static void test_fetch(void)
{
	struct profile p;
	struct token_request req = { &p, LEVEL_FINAL, NULL, NULL, NULL };
	struct token t;
	char dir[64], now[32];

	snprintf(dir, sizeof(dir), "/tmp/ac-test-fllm-XXXXXX");
	if (!mkdtemp(dir))
		return;
	setenv("XDG_RUNTIME_DIR", dir, 1);
	kcache_set_enabled(0);

	profile_init(&p);
	p.name = "fl";
	p.type = PT_FOUNDATIONALLM;
	p.api_url = "https://api.example/instances/x";
	p.secret_env = "AC_TEST_FLLM_SECRET";
	p.expires = "2030-06-30";
	setenv(p.secret_env, GOOD, 1);

	setenv("AGENTCRED_TEST_NOW", "1900000000", 1);	/* 2030-03-17 */
	CHECK_INT(token_get(&req, &t), AC_OK);
	CHECK_STR(t.access_token, GOOD);
	CHECK_INT(t.expires_at, 1909094399);		/* 2030-06-30T23:59:59Z */
	token_release(&t);
	snprintf(now, sizeof(now), "%lld", 1909094399LL);
	setenv("AGENTCRED_TEST_NOW", now, 1);		/* the last second */
	CHECK_INT(token_get(&req, &t), AC_OK);
	token_release(&t);
	snprintf(now, sizeof(now), "%lld", 1909094400LL);
	setenv("AGENTCRED_TEST_NOW", now, 1);		/* one past */
	CHECK_INT(token_get(&req, &t), AC_EXPIRED);
	CHECK(t.access_token == NULL);
	CHECK(strstr(ac_message(), "expired on 2030-06-30") != NULL);
	CHECK(strstr(ac_message(), "s3cr3t") == NULL);

	/* a stored secret of the wrong shape */
	setenv("AGENTCRED_TEST_NOW", "1900000000", 1);
	setenv(p.secret_env, "not-a-token", 1);
	CHECK_INT(token_get(&req, &t), AC_USAGE);
	CHECK(strstr(ac_message(), "not-a-token") == NULL);
	unsetenv(p.secret_env);
	CHECK_INT(token_get(&req, &t), AC_USAGE);
	CHECK(strstr(ac_message(), "AC_TEST_FLLM_SECRET") != NULL);

	/* no expiry date near the end of time: capped at year 9999 */
	setenv(p.secret_env, GOOD, 1);
	p.expires = NULL;
	setenv("AGENTCRED_TEST_NOW", "253402300000", 1);
	CHECK_INT(token_get(&req, &t), AC_OK);
	CHECK(t.expires_at <= AC_TIME_MAX);
	token_release(&t);
	unsetenv("AGENTCRED_TEST_NOW");
	unsetenv(p.secret_env);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", dir);
	}
}

int main(void)
{
	test_shape();
	test_url();
	test_fetch();
	return check_done("test_foundationallm");
}

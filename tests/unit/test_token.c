/*
 * helper/token.c without a network or keyring: the refresh margin, the
 * freshness boundary, the cached JSON form, the cache key and the headers.
 */
#include <stdlib.h>
#include <string.h>

#include "../../helper/config.h"
#include "../../helper/lib/secmem.h"
#include "../../helper/lib/sha256.h"
#include "../../helper/token.h"
#include "../../helper/lib/util.h"
#include "check.h"
#include "stubs.h"

/* Profiles here point at string literals; nothing writes through them. */
#pragma GCC diagnostic ignored "-Wdiscarded-qualifiers"

static struct token tok(long long obtained, long long expires)
{
	struct token t = { NULL, NULL, expires, obtained };

	return t;
}

static void test_margin(void)
{
	struct profile p;
	struct token t;

	profile_init(&p);
	p.type = PT_CLIENT_CREDENTIALS;
	t = tok(1000, 1100);		/* lifetime 100: floor 60 */
	CHECK_INT(token_margin(&p, &t), 60);
	t = tok(1000, 1600);		/* 600: 60 */
	CHECK_INT(token_margin(&p, &t), 60);
	t = tok(1000, 4000);		/* 3000: a tenth */
	CHECK_INT(token_margin(&p, &t), 300);
	t = tok(1000, 3500);		/* 2500: 250 */
	CHECK_INT(token_margin(&p, &t), 250);
	t = tok(1000, 7000);		/* 6000: capped at 300 */
	CHECK_INT(token_margin(&p, &t), 300);
	t = tok(1000, 1000 + 86400 * 365);
	CHECK_INT(token_margin(&p, &t), 300);
	t = tok(0, 5000);		/* unknown obtained_at: still bounded */
	CHECK_INT(token_margin(&p, &t), 300);
	t = tok(5000, 4000);		/* nonsense: floor */
	CHECK_INT(token_margin(&p, &t), 60);

	p.refresh_margin = 0;
	t = tok(1000, 7000);
	CHECK_INT(token_margin(&p, &t), 0);
	p.refresh_margin = 1234;
	CHECK_INT(token_margin(&p, &t), 1234);

	/* foundationallm tokens are good to the last second */
	p.refresh_margin = -1;
	p.type = PT_FOUNDATIONALLM;
	CHECK_INT(token_margin(&p, &t), 0);
	p.type = PT_ENTRA_AGENT;
	t = tok(1000, 4600);
	CHECK_INT(token_margin(&p, &t), 300);
}

static void test_fresh(void)
{
	struct profile p;
	struct token t = tok(1000, 4600);	/* margin 300: fresh before 4300 */

	profile_init(&p);
	p.type = PT_CLIENT_CREDENTIALS;
	CHECK(token_is_fresh(&p, &t, 1000));
	CHECK(token_is_fresh(&p, &t, 4299));
	CHECK(!token_is_fresh(&p, &t, 4300));
	CHECK(!token_is_fresh(&p, &t, 4600));
	CHECK(!token_is_fresh(&p, &t, 9999));
	t = tok(1000, 1100);			/* margin 60 */
	CHECK(token_is_fresh(&p, &t, 1039));
	CHECK(!token_is_fresh(&p, &t, 1040));
	p.refresh_margin = 0;
	CHECK(token_is_fresh(&p, &t, 1099));
	CHECK(!token_is_fresh(&p, &t, 1100));
	p.type = PT_FOUNDATIONALLM;
	p.refresh_margin = -1;
	t = tok(0, 253402300799LL);
	CHECK(token_is_fresh(&p, &t, 253402300798LL));
	CHECK(!token_is_fresh(&p, &t, 253402300799LL));
}

static enum ac_err from(const char *s, struct token *t)
{
	return token_from_json(s, strlen(s), t);
}

static void test_json(void)
{
	struct token t = { 0 }, back;
	struct sbuf sb = SBUF_INIT;
	char big[70000];

	t.access_token = xstrdup("eyJ.a\"b\\c\xc3\xa9.sig");
	t.token_type = xstrdup("DPoP");
	t.expires_at = 1893456000;
	t.obtained_at = 1893452400;
	token_to_json(&t, &sb);
	CHECK(strstr(sbuf_str(&sb), "\"expires_at\":1893456000") != NULL);
	CHECK(!strchr(sbuf_str(&sb), '\n'));
	CHECK_INT(token_from_json(sb.buf, sb.len, &back), AC_OK);
	CHECK_STR(back.access_token, t.access_token);
	CHECK_STR(back.token_type, "DPoP");
	CHECK_INT(back.expires_at, 1893456000);
	CHECK_INT(back.obtained_at, 1893452400);
	token_release(&back);
	CHECK(back.access_token == NULL);
	sbuf_release(&sb);
	free(t.token_type);
	t.token_type = NULL;		/* absent type: Bearer */
	token_to_json(&t, &sb);
	CHECK_INT(token_from_json(sb.buf, sb.len, &back), AC_OK);
	CHECK_STR(back.token_type, "Bearer");
	token_release(&back);
	sbuf_release(&sb);
	token_release(&t);

	CHECK_INT(from("{\"access_token\":\"x\",\"expires_at\":5}", &back), AC_OK);
	CHECK_STR(back.token_type, "Bearer");
	CHECK_INT(back.obtained_at, 0);
	token_release(&back);

	/* expires_at is capped at the end of year 9999 */
	CHECK_INT(from("{\"access_token\":\"x\",\"expires_at\":253402300800}", &back), AC_OK);
	CHECK_INT(back.expires_at, 253402300799LL);
	token_release(&back);
	CHECK_INT(from("{\"access_token\":\"x\",\"expires_at\":999999999999,\"obtained_at\":999999999999}", &back), AC_OK);
	CHECK_INT(back.expires_at, 253402300799LL);
	CHECK(back.obtained_at <= 253402300799LL);
	token_release(&back);
	CHECK_INT(from("{\"access_token\":\"x\",\"expires_at\":1e300}", &back), AC_OK);
	CHECK_INT(back.expires_at, 253402300799LL);
	token_release(&back);

	/* hostile or broken cached values */
	CHECK_INT(from("", &back), AC_FAIL);
	CHECK(back.access_token == NULL);
	CHECK_INT(from("null", &back), AC_FAIL);
	CHECK_INT(from("[]", &back), AC_FAIL);
	CHECK_INT(from("{\"access_token\":\"x\"}", &back), AC_FAIL);
	CHECK_INT(from("{\"access_token\":\"\",\"expires_at\":5}", &back), AC_FAIL);
	CHECK_INT(from("{\"access_token\":5,\"expires_at\":5}", &back), AC_FAIL);
	CHECK_INT(from("{\"access_token\":\"x\",\"expires_at\":\"5\"}", &back), AC_FAIL);
	CHECK_INT(from("{\"access_token\":\"x\",\"expires_at\":-1}", &back), AC_FAIL);
	CHECK_INT(from("{\"access_token\":\"x\\ny\",\"expires_at\":5}", &back), AC_FAIL);
	CHECK_INT(from("{\"access_token\":\"x\\ry\",\"expires_at\":5}", &back), AC_FAIL);
	CHECK_INT(from("{\"access_token\":\"x\",\"expires_at\":5", &back), AC_FAIL);
	CHECK(strstr(ac_message(), "x") == NULL || strstr(ac_message(), "malformed"));
	CHECK_INT(from("{\"access_token\":\"x\",\"token_type\":\"a\\nb\",\"expires_at\":5}", &back), AC_OK);
	CHECK_STR(back.token_type, "Bearer");
	token_release(&back);
	CHECK_INT(from("{\"access_token\":\"x\",\"token_type\":7,\"expires_at\":5,\"obtained_at\":-7}", &back), AC_OK);
	CHECK_STR(back.token_type, "Bearer");
	CHECK_INT(back.obtained_at, 0);
	token_release(&back);
	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"access_token\":\"x\",\"expires_at\":5}", 35);
	CHECK_INT(token_from_json(big, sizeof(big), &back), AC_FAIL);
	CHECK_INT(token_from_json(big, 1000, &back), AC_OK);
	token_release(&back);
}

/*
 * The key over hand-written length-prefixed fields (README.md, "Design:
 * keyring layout").
 */
static void spec_key(const char *const *fields, size_t n, char hex[65])
{
	struct sbuf sb = SBUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		if (fields[i])
			sbuf_addf(&sb, "%zu:%s", strlen(fields[i]), fields[i]);
		else
			sbuf_addstr(&sb, "-:");
	}
	sha256_hex(sb.buf, sb.len, hex);
	sbuf_release(&sb);
}

/* The cache key of *req differs after change from before it. */
#define CHECK_KEY_CHANGES(req, change) do { \
	char before_[65], after_[65]; \
	token_cache_key(req, before_); \
	change; \
	token_cache_key(req, after_); \
	CHECK(strcmp(before_, after_) != 0 && #change); \
} while (0)

static void test_cache_key(void)
{
	struct profile p;
	struct token_request req = { &p, LEVEL_FINAL, NULL, NULL, NULL };
	char k0[65], k1[65], k2[65], want[65];
	const char *fields[] = { "agentcred-cache-v1", "cc", "client-credentials",
				 "0", "https://idp/t", "cid", "post", NULL, NULL, NULL };
	char **slots[] = { &p.token_url, &p.client_id, &p.scope, &p.audience,
			   &p.resource };
	size_t i;

	profile_init(&p);
	p.name = "cc";
	p.type = PT_CLIENT_CREDENTIALS;
	p.token_url = "https://idp/t";
	p.client_id = "cid";
	token_cache_key(&req, k0);
	spec_key(fields, ARRAY_SIZE(fields), want);
	CHECK_STR(k0, want);
	CHECK_INT(strlen(k0), 64);
	token_cache_key(&req, k1);
	CHECK_STR(k0, k1);		/* stable */

	/* every field changes it, and NULL differs from "" */
	for (i = 0; i < ARRAY_SIZE(slots); i++) {
		char *old = *slots[i];

		CHECK_KEY_CHANGES(&req, *slots[i] = old ? "other" : "");
		*slots[i] = old;
	}
	CHECK_KEY_CHANGES(&req, p.auth_method = AUTH_BASIC);
	p.auth_method = AUTH_POST;
	CHECK_KEY_CHANGES(&req, p.name = "cc2");
	p.name = "cc";
	CHECK_KEY_CHANGES(&req, req.scope = "per-call");
	token_cache_key(&req, k1);
	p.scope = "per-call";		/* same effective scope: same key */
	req.scope = NULL;
	token_cache_key(&req, k2);
	CHECK_STR(k1, k2);
	p.scope = NULL;
	/* field boundaries: "ab"+"c" differs from "a"+"bc" */
	p.token_url = "ab";
	p.client_id = "c";
	CHECK_KEY_CHANGES(&req, (p.token_url = "a", p.client_id = "bc"));

	/* entra-agent: mode, user, user token, level */
	profile_init(&p);
	p.name = "ea";
	p.type = PT_ENTRA_AGENT;
	p.tenant = "t";
	p.blueprint_app_id = "b";
	p.agent_app_id = "a";
	p.mode = MODE_OBO;
	req.user_token = "user-token-one";
	token_cache_key(&req, k0);
	CHECK_KEY_CHANGES(&req, req.user_token = "user-token-two");
	req.user_token = "user-token-one";
	token_cache_key(&req, k2);
	CHECK_STR(k0, k2);
	CHECK_KEY_CHANGES(&req, p.mode = MODE_AGENT_USER);
	req.user_token = NULL;
	req.user = "alice@example.com";
	CHECK_KEY_CHANGES(&req, req.user = "bob@example.com");
	CHECK_KEY_CHANGES(&req, p.authority = "https://login.example");
	CHECK_KEY_CHANGES(&req, p.tenant = "t2");
	/* intermediate levels ignore the user: shared across users */
	req.level = LEVEL_ENTRA_T1;
	token_cache_key(&req, k0);
	req.user = "alice@example.com";
	token_cache_key(&req, k1);
	CHECK_STR(k0, k1);
	CHECK_KEY_CHANGES(&req, req.level = LEVEL_ENTRA_T2);

	/* foundationallm: the API URL */
	profile_init(&p);
	p.name = "fl";
	p.type = PT_FOUNDATIONALLM;
	p.api_url = "https://a/instances/1";
	req.level = LEVEL_FINAL;
	CHECK_KEY_CHANGES(&req, p.api_url = "https://a/instances/2");
}

static void test_headers(void)
{
	struct profile p;
	struct header hdrs[1] = { { "AI-Resource-Group", "default" } };
	struct token t = { "TOKEN", "bearer", 0, 0 };
	struct header *h;
	size_t n;

	profile_init(&p);
	p.type = PT_CLIENT_CREDENTIALS;
	p.headers = hdrs;
	p.nheaders = 1;
	h = token_headers(&p, &t, &n);
	CHECK_INT(n, 2);
	CHECK_STR(h[0].name, "Authorization");
	CHECK_STR(h[0].value, "Bearer TOKEN");
	CHECK_STR(h[1].name, "AI-Resource-Group");
	CHECK_STR(h[1].value, "default");
	token_headers_free(h, n);
	t.token_type = NULL;
	h = token_headers(&p, &t, &n);
	CHECK_STR(h[0].value, "Bearer TOKEN");
	token_headers_free(h, n);
	t.token_type = "DPoP";
	h = token_headers(&p, &t, &n);
	CHECK_STR(h[0].value, "DPoP TOKEN");
	token_headers_free(h, n);

	p.type = PT_FOUNDATIONALLM;
	p.nheaders = 0;
	h = token_headers(&p, &t, &n);
	CHECK_INT(n, 1);
	CHECK_STR(h[0].name, "X-AGENT-ACCESS-TOKEN");
	CHECK_STR(h[0].value, "TOKEN");
	token_headers_free(h, n);
}

int main(void)
{
	test_margin();
	test_fresh();
	test_json();
	test_cache_key();
	test_headers();
	return check_done("test_token");
}

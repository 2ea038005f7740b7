/*
 * The token_source the cache (helper/token.c) hands a backend: nested
 * levels go through the cache in the lock order final → T2 → T1 only, a
 * fetch that asks for its own or a higher level is refused, and the
 * secret comes from $secret_env or the keyring.  A fake backend stands in
 * for client-credentials (this file's definition wins over the library's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../helper/kcache.h"
#include "../../helper/lib/secmem.h"
#include "../../helper/lib/util.h"
#include "../../helper/token.h"
#include "check.h"
#include "stubs.h"

/* string literals stand in for the profile's allocated strings */
#pragma GCC diagnostic ignored "-Wdiscarded-qualifiers"

/* What the fake fetch does at each level. */
static enum token_level ask[3];		/* the level it asks its source for */
static int asks[3];			/* whether it asks at all */
static int fetches[3];
static int want_secret;

static enum ac_err fake_fetch(const struct token_source *src, struct token *out)
{
	enum token_level level = src->req->level;
	struct sbuf sb = SBUF_INIT;
	struct token lower = { 0 };
	char *secret = NULL;
	enum ac_err err;

	fetches[level]++;
	sbuf_addf(&sb, "L%d", (int)level);
	if (asks[level]) {
		if ((err = src->get(src, ask[level], &lower)))
			goto fail;
		sbuf_addf(&sb, "(%s)", lower.access_token);
		token_release(&lower);
		src->forget(src, ask[level]);
	}
	if (want_secret && level == LEVEL_ENTRA_T1) {
		if ((err = src->secret(src, &secret)))
			goto fail;
		sbuf_addf(&sb, "[%zu]", strlen(secret));
		sec_free(secret);
	}
	out->access_token = sbuf_detach(&sb, NULL);
	out->token_type = xstrdup("Bearer");
	out->obtained_at = now_seconds();
	out->expires_at = out->obtained_at + 3600;
	return AC_OK;
fail:
	sbuf_release(&sb);
	return err;
}

static void fake_key(const struct token_request *req, const char *scope,
		     struct key_fields *k)
{
	key_add(k, req->profile->token_url);
	key_add(k, scope);
}

static void fake_server(const struct profile *p, struct sbuf *url)
{
	sbuf_addstr(url, p->token_url);
}

const struct backend backend_client_credentials = {
	.type = PT_CLIENT_CREDENTIALS,
	.flags = BACKEND_TYPED_HEADER,
	.header_name = "Authorization",
	.key_fields = fake_key,
	.server_url = fake_server,
	.credential = backend_credential_secret,
	.fetch = fake_fetch,
};

static void reset(void)
{
	memset(ask, 0, sizeof(ask));
	memset(asks, 0, sizeof(asks));
	memset(fetches, 0, sizeof(fetches));
	want_secret = 0;
}

static void test_levels(const struct profile *p)
{
	struct token_request req = { p, LEVEL_FINAL, NULL, NULL, NULL };
	struct token t;

	/* final → T2 → T1, each through the cache, each fetched once */
	reset();
	asks[LEVEL_FINAL] = 1;
	ask[LEVEL_FINAL] = LEVEL_ENTRA_T2;
	asks[LEVEL_ENTRA_T2] = 1;
	ask[LEVEL_ENTRA_T2] = LEVEL_ENTRA_T1;
	want_secret = 1;
	CHECK_INT(token_get(&req, &t), AC_OK);
	CHECK_STR(t.access_token, "L0(L2(L1[6]))");
	CHECK_INT(fetches[LEVEL_FINAL], 1);
	CHECK_INT(fetches[LEVEL_ENTRA_T2], 1);
	CHECK_INT(fetches[LEVEL_ENTRA_T1], 1);
	token_release(&t);

	/* final → T1 directly is in order too */
	reset();
	asks[LEVEL_FINAL] = 1;
	ask[LEVEL_FINAL] = LEVEL_ENTRA_T1;
	CHECK_INT(token_get(&req, &t), AC_OK);
	CHECK_STR(t.access_token, "L0(L1)");
	token_release(&t);

	/* its own level: refused before any lock is taken again */
	reset();
	asks[LEVEL_FINAL] = 1;
	ask[LEVEL_FINAL] = LEVEL_FINAL;
	CHECK_INT(token_get(&req, &t), AC_FAIL);
	CHECK(strstr(ac_message(), "lock order") != NULL);
	CHECK_INT(fetches[LEVEL_FINAL], 1);
	CHECK(t.access_token == NULL);

	/* T1 asking for T2 (a higher level): refused */
	reset();
	asks[LEVEL_FINAL] = 1;
	ask[LEVEL_FINAL] = LEVEL_ENTRA_T1;
	asks[LEVEL_ENTRA_T1] = 1;
	ask[LEVEL_ENTRA_T1] = LEVEL_ENTRA_T2;
	CHECK_INT(token_get(&req, &t), AC_FAIL);
	CHECK(strstr(ac_message(), "lock order") != NULL);
	CHECK_INT(fetches[LEVEL_ENTRA_T2], 0);

	/* T2 asking for final: refused */
	reset();
	asks[LEVEL_FINAL] = 1;
	ask[LEVEL_FINAL] = LEVEL_ENTRA_T2;
	asks[LEVEL_ENTRA_T2] = 1;
	ask[LEVEL_ENTRA_T2] = LEVEL_FINAL;
	CHECK_INT(token_get(&req, &t), AC_FAIL);
	CHECK_INT(fetches[LEVEL_FINAL], 1);
	ac_clear();
}

static void test_secret(struct profile *p)
{
	struct token_request req = { p, LEVEL_ENTRA_T1, NULL, NULL, NULL };
	struct token t;

	reset();
	want_secret = 1;
	/* $secret_env unset: a configuration error naming the variable */
	unsetenv("AC_TEST_SOURCE_SECRET");
	CHECK_INT(token_get(&req, &t), AC_USAGE);
	CHECK(strstr(ac_message(), "$AC_TEST_SOURCE_SECRET") != NULL);
	setenv("AC_TEST_SOURCE_SECRET", "s3cr3t!", 1);
	CHECK_INT(token_get(&req, &t), AC_OK);
	CHECK_STR(t.access_token, "L1[7]");
	token_release(&t);
	unsetenv("AC_TEST_SOURCE_SECRET");

	/* the keyring (a stub that has nothing): exit 2, saying how to store it */
	p->secret_env = NULL;
	CHECK_INT(token_get(&req, &t), AC_USAGE);
	ac_clear();
	p->secret_env = "AC_TEST_SOURCE_SECRET";
}

int main(void)
{
	struct profile p;
	char dir[64];

	secmem_init();
	snprintf(dir, sizeof(dir), "/tmp/ac-test-source-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	setenv("XDG_RUNTIME_DIR", dir, 1);
	kcache_set_enabled(0);

	profile_init(&p);
	p.name = "src";
	p.type = PT_CLIENT_CREDENTIALS;
	p.token_url = "https://127.0.0.1:1/token";
	p.client_id = "c";
	p.secret_env = "AC_TEST_SOURCE_SECRET";
	setenv(p.secret_env, "abcdef", 1);

	test_levels(&p);
	test_secret(&p);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return check_done("test_source");
}

/*
 * The backend table, and what every backend shares: the token type, the
 * usual credential (a secret), the headers a token is sent in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../helper/lib/secmem.h"
#include "../helper/lib/util.h"
#include "backend.h"

/* The one place a profile type meets its token system. */
static const struct backend *const backends[] = {
	&backend_client_credentials,
	&backend_entra_agent,
	&backend_foundationallm,
};

const struct backend *backend_for(enum profile_type type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(backends); i++)
		if (backends[i]->type == type)
			return backends[i];
	return NULL;
}

void token_release(struct token *t)
{
	sec_free(t->access_token);
	free(t->token_type);
	memset(t, 0, sizeof(*t));
}

void backend_credential_secret(const struct profile *p, struct credential *c)
{
	c->from = p->secret_env ? CRED_ENV : CRED_KEYRING;
	c->where = p->secret_env;
	c->what = "client secret";
}

static void header_set(struct header *h, const char *name, const char *prefix,
		       const char *value)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_addstr(&sb, prefix);
	sbuf_addstr(&sb, value);
	h->name = xstrdup(name);
	h->value = sbuf_detach(&sb, NULL);
}

struct header *token_headers(const struct profile *p, const struct token *t,
			     size_t *count)
{
	const struct backend *be = backend_for(p->type);
	struct header *h = xcalloc(p->nheaders + 1, sizeof(*h));
	size_t i, n = 0;

	if (be && !(be->flags & BACKEND_TYPED_HEADER)) {
		header_set(&h[n++], be->header_name, "", t->access_token);
	} else {
		const char *type = t->token_type ? t->token_type : "Bearer";
		char prefix[80];

		snprintf(prefix, sizeof(prefix), "%s ",
			 !strcasecmp(type, "bearer") ? "Bearer" : type);
		header_set(&h[n++], be ? be->header_name : "Authorization", prefix,
			   t->access_token);
	}
	for (i = 0; i < p->nheaders; i++)
		header_set(&h[n++], p->headers[i].name, "", p->headers[i].value);
	*count = n;
	return h;
}

void token_headers_free(struct header *h, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		free(h[i].name);
		sec_free(h[i].value);
	}
	free(h);
}

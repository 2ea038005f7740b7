/*
 * One token system per file behind this interface (curl's Curl_handler is
 * the model): struct backend carries everything particular to a system,
 * so the cache (helper/token.c) and the front-ends dispatch through it and
 * never test the profile type.  backend_for() maps a type to its backend
 * through the one table in backend.c.
 *
 * Rules:
 *  - fetch() obtains a new token; caching is the cache's job.  A backend
 *    reaches the cache and the keyring only through the token_source it is
 *    handed: intermediate tokens (lower levels) and its long-lived secret.
 *    No file in backends/ includes helper/token.h, helper/kcache.h or
 *    keyring/keyring.h;
 *  - levels nest in one order only, final → T2 → T1 (see enum token_level):
 *    a fetch at one level may ask its source for a lower level only; the
 *    cache refuses anything else, so the per-key locks are always taken in
 *    that order and two callers can never wait for each other.
 */
#ifndef AGENTCRED_BACKEND_H
#define AGENTCRED_BACKEND_H

#include <stddef.h>

#include "../helper/config.h"
#include "../helper/lib/err.h"
#include "../helper/lib/sbuf.h"

struct token {
	char *access_token;	/* secret: sec_free */
	char *token_type;	/* "Bearer" when the server says nothing */
	long long expires_at;	/* unix seconds */
	long long obtained_at;
};

void token_release(struct token *t);

/*
 * Cache levels.  The values are part of the cache key: never renumber.
 * Lock order, outermost first: LEVEL_FINAL → LEVEL_ENTRA_T2 → LEVEL_ENTRA_T1
 * → LEVEL_ENTRA_MI (token_level_rank() gives it; a nested get must go to a
 * lower rank).
 */
enum token_level {
	LEVEL_FINAL,		/* what the caller asked for */
	LEVEL_ENTRA_T1,		/* blueprint → agent identity assertion */
	LEVEL_ENTRA_T2,		/* agent identity → FIC exchange token */
	LEVEL_ENTRA_MI		/* managed identity token, step 1's assertion */
};

/* Position in the lock order: lower ranks are locked inside higher ones. */
static inline int token_level_rank(enum token_level l)
{
	switch (l) {
	case LEVEL_FINAL:
		return 3;
	case LEVEL_ENTRA_T2:
		return 2;
	case LEVEL_ENTRA_T1:
		return 1;
	case LEVEL_ENTRA_MI:
	default:
		return 0;
	}
}

struct token_request {
	const struct profile *profile;
	enum token_level level;
	const char *scope;	/* overrides the profile's; NULL = profile's */
	const char *user;	/* entra agent-user: UPN or object id */
	const char *user_token;	/* entra obo: the user's token (secret) */
};

/*
 * What the cache hands a fetch: the only way a backend reaches cached
 * tokens and stored secrets.  helper/token.c implements it.
 */
struct token_source {
	/* A token of a lower level of the same profile, cached like any. */
	enum ac_err (*get)(const struct token_source *src, enum token_level level,
			   struct token *out);
	/* Drop the cached token of a lower level (the server refused it). */
	void (*forget)(const struct token_source *src, enum token_level level);
	/*
	 * The profile's long-lived secret, from where credential() says:
	 * $secret_env or the keyring.  A profile without it is AC_USAGE
	 * with a message that says how to store it.  *secret: sec_free.
	 */
	enum ac_err (*secret)(const struct token_source *src, char **secret);
	const struct token_request *req;	/* the request being fetched */
};

/* Where a profile's credential comes from. */
enum credential_from {
	CRED_KEYRING,		/* keyring item {kind=client-secret, profile=NAME} */
	CRED_ENV,		/* environment variable $secret_env */
	CRED_FILE,		/* a file the backend reads (where = its path) */
	CRED_ENDPOINT		/* nothing stored: the machine's identity endpoint */
};

struct credential {
	enum credential_from from;
	const char *where;	/* CRED_ENV: variable name; CRED_FILE: path */
	const char *what;	/* "client secret", "federated credential file" */
};

/* The fields of the cache key particular to a system, in order. */
#define KEY_FIELDS_MAX 16
struct key_fields {
	const char *v[KEY_FIELDS_MAX];	/* NULL is a field, distinct from "" */
	size_t n;
	char scratch[65];		/* room for one derived field (a hash) */
};

static inline void key_add(struct key_fields *k, const char *field)
{
	if (k->n < KEY_FIELDS_MAX)
		k->v[k->n++] = field;
}

enum backend_flags {
	BACKEND_STATIC = 1,	/* stored, not fetched: served to the last second,
				   no network wait to announce, no --scope */
	BACKEND_USERS = 2,	/* takes --user and user tokens */
	BACKEND_TYPED_HEADER = 4	/* header value is "<token type> TOKEN" */
};

struct backend {
	enum profile_type type;
	unsigned flags;			/* enum backend_flags */
	const char *default_scope;	/* when neither call nor profile has one */
	const char *header_name;	/* "Authorization", "X-AGENT-ACCESS-TOKEN" */
	const char *answer_type;	/* "get" answer's token_type; NULL: token's */
	/* Cache-key fields after the common ones; scope is the effective one. */
	void (*key_fields)(const struct token_request *req, const char *scope,
			   struct key_fields *k);
	/* The server it talks to (progress line, doctor --online). */
	void (*server_url)(const struct profile *p, struct sbuf *url);
	void (*credential)(const struct profile *p, struct credential *c);
	/* Before a new secret is stored: AC_USAGE when it cannot be right. */
	enum ac_err (*check_secret)(const struct profile *p, const char *secret);
	/*
	 * Before the cache is even read: AC_EXPIRED when a stored credential
	 * is past its date (no request is made), warnings in its last days.
	 * Needs no keyring (config values only).  NULL: nothing to check.
	 */
	enum ac_err (*precheck)(const struct profile *p, long long now);
	enum ac_err (*fetch)(const struct token_source *src, struct token *out);
	/* Every time a token is served (cached or not), e.g. expiry warnings. */
	void (*served)(const struct profile *p, const struct token *t, long long now);
};

/* The one table type → backend (backend.c); NULL for an unknown type. */
const struct backend *backend_for(enum profile_type type);

extern const struct backend backend_client_credentials;
extern const struct backend backend_entra_agent;
extern const struct backend backend_foundationallm;

/* $secret_env when set, else the keyring: what most systems use. */
void backend_credential_secret(const struct profile *p, struct credential *c);

/*
 * The headers a caller sends with this token: "Authorization: Bearer T"
 * (or the backend's header) followed by the profile's headers.
 * Release with token_headers_free(), which wipes the values.
 */
struct header *token_headers(const struct profile *p, const struct token *t,
			     size_t *count);
void token_headers_free(struct header *h, size_t count);

#endif

/*
 * Tokens and the cache in front of the identity providers (DESIGN.md §5).
 *
 * token_get() is the one way a front-end obtains a token:
 *   1. derive the cache key from the request and config alone;
 *   2. kernel keyring (no libsecret, no libcurl) → fresh? done;
 *   3. take the per-key flock, re-check kernel keyring, then the Secret
 *      Service copy → fresh? copy to the kernel keyring, done;
 *   4. fetch through the profile type's backend, store at both levels;
 *   5. a failed refresh with an unexpired old token serves the old one
 *      with a warning.
 */
#ifndef AGENTCRED_TOKEN_H
#define AGENTCRED_TOKEN_H

#include "config.h"
#include "err.h"
#include "sbuf.h"

struct token {
	char *access_token;	/* secret: sec_free */
	char *token_type;	/* "Bearer" when the server says nothing */
	long long expires_at;	/* unix seconds */
	long long obtained_at;
};

enum token_level {
	LEVEL_FINAL,		/* what the caller asked for */
	LEVEL_ENTRA_T1,		/* blueprint → agent identity assertion */
	LEVEL_ENTRA_T2,		/* agent identity → FIC exchange token */
	LEVEL_ENTRA_MI		/* managed identity token, step 1's assertion */
};

struct token_request {
	const struct profile *profile;
	enum token_level level;
	const char *scope;	/* overrides the profile's; NULL = profile's */
	const char *user;	/* entra agent-user: UPN or object id */
	const char *user_token;	/* entra obo: the user's token (secret) */
};

void token_release(struct token *t);

/* The cache value: {"access_token","token_type","expires_at","obtained_at"}. */
void token_to_json(const struct token *t, struct sbuf *out);
enum ac_err token_from_json(const char *s, size_t len, struct token *t);

/* max(60, min(300, lifetime/10)) unless the profile sets refresh_margin. */
long long token_margin(const struct profile *p, const struct token *t);
int token_is_fresh(const struct profile *p, const struct token *t, long long now);

/* Hex SHA-256 over the length-prefixed key fields (DESIGN.md §4). */
void token_cache_key(const struct token_request *req, char hex[65]);

enum ac_err token_get(const struct token_request *req, struct token *out);

/* Drop every cached token of a profile, at both levels. */
enum ac_err token_forget_profile(const char *profile_name);
/* Drop one cached token (git/docker erase of an issued token). */
enum ac_err token_forget_request(const struct token_request *req);

/*
 * The headers a caller sends with this token: "Authorization: Bearer T"
 * (or "X-AGENT-ACCESS-TOKEN: T") followed by the profile's headers.
 * Release with token_headers_free(), which wipes the values.
 */
struct header *token_headers(const struct profile *p, const struct token *t,
			     size_t *count);
void token_headers_free(struct header *h, size_t count);

/* Seconds until a foundationallm expiry date warning starts. */
#define STATIC_TOKEN_WARN_DAYS 7

#endif

/*
 * Tokens and the cache in front of the identity providers (README.md,
 * "Design: the cache").
 *
 * token_get() is the one way a front-end obtains a token:
 *   1. derive the cache key from the request and config alone;
 *   2. kernel keyring (no libsecret, no libcurl) → fresh? done;
 *   3. take the per-key flock, re-check kernel keyring, then the Secret
 *      Service copy → fresh? copy to the kernel keyring, done;
 *   4. fetch through the profile type's backend, store at both levels;
 *   5. a failed refresh with an unexpired old token serves the old one
 *      with a warning.
 * The token types and levels are the backends' (backends/backend.h).
 */
#ifndef AGENTCRED_TOKEN_H
#define AGENTCRED_TOKEN_H

#include "../backends/backend.h"
#include "config.h"
#include "lib/err.h"
#include "lib/sbuf.h"

/* The cache value: {"access_token","token_type","expires_at","obtained_at"}. */
void token_to_json(const struct token *t, struct sbuf *out);
enum ac_err token_from_json(const char *s, size_t len, struct token *t);

/*
 * max(60, min(300, lifetime/10)) unless the profile sets refresh_margin;
 * 0 for static tokens (good through their last second).
 */
long long token_margin(const struct profile *p, const struct token *t);
int token_is_fresh(const struct profile *p, const struct token *t, long long now);

/*
 * Hex SHA-256 over the length-prefixed key fields (README.md, "Design:
 * keyring layout").
 */
void token_cache_key(const struct token_request *req, char hex[65]);

/*
 * The profile's long-lived secret from where its backend's credential()
 * says ($secret_env or the keyring); a missing one is AC_USAGE saying how
 * to store it.  *secret: sec_free.  (Backends get it through their
 * token_source; doctor uses it directly.)
 */
enum ac_err token_profile_secret(const struct profile *p, char **secret);

enum ac_err token_get(const struct token_request *req, struct token *out);

/*
 * Drop every cached token of a profile, at every level (kernel keyring
 * and keyring): a new secret or new settings.  The one place that does.
 */
enum ac_err token_forget_profile(const char *profile_name);
/* Drop one cached token (git/docker erase of an issued token). */
enum ac_err token_forget_request(const struct token_request *req);

/*
 * Which level holds the cached token of req without fetching or locking:
 * "kernel", "keyring" or "none"; *expires_at 0 when none (status).
 */
const char *token_cached(const struct token_request *req, long long *expires_at);

#endif

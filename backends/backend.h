/*
 * One token system per file behind this interface.  fetch() obtains a new
 * token for req from the identity provider (or, for static tokens, from
 * the keyring); caching is token.c's job, not the backend's.
 */
#ifndef AGENTCRED_BACKEND_H
#define AGENTCRED_BACKEND_H

#include "../helper/config.h"
#include "../helper/token.h"

struct backend {
	enum profile_type type;
	/* whether the fetched token is cached (static tokens are too) */
	enum ac_err (*fetch)(const struct token_request *req, struct token *out);
};

const struct backend *backend_for(enum profile_type type);

extern const struct backend backend_client_credentials;
extern const struct backend backend_entra_agent;
extern const struct backend backend_foundationallm;

/*
 * The profile's long-lived secret: from $secret_env when set, else the
 * keyring item {kind=client-secret, profile=NAME}.  AC_NOTFOUND names the
 * command that stores it.
 */
enum ac_err profile_secret(const struct profile *p, char **secret);

#endif

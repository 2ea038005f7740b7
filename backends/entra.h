/*
 * Microsoft Entra Agent ID (README.md, "Design: token systems"): the pure
 * pieces of the backend, public so that unit tests can check every request
 * form.
 *
 * A token is reached in two or three form POSTs to
 * {authority}/{tenant}/oauth2/v2.0/token:
 *   T1     blueprint → agent identity assertion (fmi_path = agent app id);
 *   T2     agent identity → FIC exchange token (agent-user mode only);
 *   final  autonomous-app client_credentials, obo jwt-bearer, or
 *          agent-user user_fic.
 * T1 and T2 are cached by helper/token.c like any token
 * (LEVEL_ENTRA_T1 / LEVEL_ENTRA_T2).
 */
#ifndef AGENTCRED_ENTRA_H
#define AGENTCRED_ENTRA_H

#include "../helper/config.h"
#include "../helper/lib/err.h"
#include "../helper/lib/sbuf.h"

#define ENTRA_DEFAULT_AUTHORITY "https://login.microsoftonline.com"
#define ENTRA_DEFAULT_SCOPE "https://graph.microsoft.com/.default"
#define ENTRA_EXCHANGE_SCOPE "api://AzureADTokenExchange/.default"
#define ENTRA_JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define ENTRA_OBO_GRANT "urn:ietf:params:oauth:grant-type:jwt-bearer"
/* A federated credential file (a projected service-account token) is small. */
#define ENTRA_ASSERTION_MAX (64 * 1024)

enum entra_step {
	ENTRA_T1,		/* step 1: blueprint gets T1 */
	ENTRA_T2,		/* step 2a: agent identity gets T2 */
	ENTRA_APP,		/* autonomous-app final token */
	ENTRA_OBO,		/* on-behalf-of final token */
	ENTRA_USER_FIC		/* agent-user final token (step 2b) */
};

/* The inputs of one request; a step uses only the fields it needs. */
struct entra_form {
	const struct profile *p;
	const char *scope;		/* final steps; NULL = default scope */
	const char *user;		/* ENTRA_USER_FIC: UPN or object id */
	const char *user_token;		/* ENTRA_OBO: the user's token */
	const char *secret;		/* ENTRA_T1 with a blueprint secret */
	const char *assertion;		/* ENTRA_T1 with a federated credential */
	const char *t1;			/* every step but ENTRA_T1 */
	const char *t2;			/* ENTRA_USER_FIC */
};

/*
 * Append the x-www-form-urlencoded body of step to form.  AC_USAGE when
 * an input the step needs is missing (e.g. obo without a user token).
 * The form holds secrets: release it with sbuf_release().
 */
enum ac_err entra_build_form(enum entra_step step, const struct entra_form *in,
			     struct sbuf *form);

/* {authority}/{tenant}/oauth2/v2.0/token (one trailing '/' dropped). */
void entra_token_url(const struct profile *p, struct sbuf *url);

/*
 * Read a federated credential file: bounded, surrounding white space
 * trimmed, one non-empty line.  *out is a secret (sec_free).
 */
enum ac_err entra_read_assertion(const char *path, char **out);

#endif

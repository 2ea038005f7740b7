/*
 * Where an Entra agent identity blueprint's credential comes from: the
 * client authentication of step 1 (README.md "Blueprint credentials").
 * A profile has exactly one of:
 *   secret       client_secret from the keyring (or secret_env);
 *                not for production, Microsoft says;
 *   file         client_assertion_file, re-read at every step 1
 *                (--workload-identity fills it from AZURE_* variables);
 *   certificate  a JWT agentcred signs with the certificate's private key
 *                (kept in the keyring as the profile's secret);
 *   managed      a token for api://AzureADTokenExchange from the machine's
 *                managed identity endpoint, cached like T1.
 *
 * Rules:
 *  - the private key and every assertion are secrets (sec_free);
 *  - libcrypto (crypto.h) is reached only to sign a fresh step 1 and at
 *    profile add, never on a cache hit;
 *  - the IMDS address is the one plain-http, non-loopback URL agentcred
 *    calls (http_request.imds): no proxy, no redirects, nothing else.
 */
#ifndef AGENTCRED_ENTRA_CRED_H
#define AGENTCRED_ENTRA_CRED_H

#include "../helper/config.h"
#include "../helper/lib/err.h"
#include "../helper/lib/sbuf.h"
#include "backend.h"

enum entra_cred_kind {
	ENTRA_CRED_SECRET,
	ENTRA_CRED_FILE,
	ENTRA_CRED_CERT,
	ENTRA_CRED_MANAGED
};

#define ENTRA_MI_RESOURCE "api://AzureADTokenExchange"
#define ENTRA_IMDS_BASE "http://169.254.169.254"
#define ENTRA_IMDS_PATH "/metadata/identity/oauth2/token"
#define ENTRA_ASSERTION_LIFETIME 600

enum entra_cred_kind entra_cred_kind(const struct profile *p);
/* "client secret", "federated credential file", "certificate", ... */
const char *entra_cred_name(enum entra_cred_kind k);

/* config.json check: at most one credential; certificate keys complete. */
enum ac_err entra_cred_validate(const struct profile *p);

/*
 * Step 1's client authentication for src's profile: *secret
 * (client_secret) or *assertion (client_assertion), both secrets.
 * token_url is the assertion's audience.  The secret or private key and
 * the managed identity token (LEVEL_ENTRA_MI) come from src.
 */
enum ac_err entra_cred_step1(const struct token_source *src, const char *token_url,
			     char **secret, char **assertion);

/* The managed identity token itself (level LEVEL_ENTRA_MI): one GET. */
enum ac_err entra_mi_fetch(const struct profile *p, struct token *out);

/*
 * The managed identity request from the environment: URL and the one
 * header line (which holds $IDENTITY_HEADER: release it).  *imds is set
 * for the plain-http IMDS address.  Pure but for getenv (unit-tested).
 */
enum ac_err entra_mi_request(const struct profile *p, struct sbuf *url,
			     struct sbuf *header, int *imds);

/* The fields of a certificate client assertion (RFC 7523). */
struct entra_assertion {
	const char *thumbprint;		/* SHA-1 hex: header x5t */
	const char *thumbprint_sha256;	/* SHA-256 hex: header x5t#S256 */
	const char *aud;		/* the token URL */
	const char *client_id;		/* iss and sub */
	const char *jti;
	long long now;			/* iat, nbf; exp = now + 600 */
};

/*
 * "base64url(header).base64url(claims)", the JWS signing input; -1 when
 * a thumbprint is not hex of the right length.
 */
int entra_assertion_input(const struct entra_assertion *a, struct sbuf *out);
/* Base64url without padding (RFC 7515 §2). */
void b64url_encode(struct sbuf *sb, const unsigned char *data, size_t len);

/* profile add: the credential options. */
struct entra_cred_opts {
	const char *certificate;	/* --certificate FILE */
	const char *mi_client_id;	/* --managed-identity-client-id ID */
	int managed_identity;		/* --managed-identity */
	int workload_identity;		/* --workload-identity */
	int assertion_file;		/* --client-assertion-file given */
	int secret_stdin;		/* --secret-stdin given */
};

/*
 * One of those options at argv[0]: the number of arguments it takes (1 or
 * 2), 0 when argv[0] is none of them, -1 (recorded) when misused.
 */
int entra_cred_option(struct entra_cred_opts *o, int argc, char **argv);

/*
 * After every option: exactly one credential (exit 2 naming two), the
 * workload-identity variables for what the options did not give, the
 * certificate read once — *secret gets its private key for the keyring.
 */
enum ac_err entra_cred_finish(const struct entra_cred_opts *o,
			      struct profile *p, char **secret);

#endif

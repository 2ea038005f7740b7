/*
 * OAuth 2.0 client credentials over mutual TLS (RFC 8705 tls_client_auth),
 * as SAP's X.509 service keys use it: client_id in the form, no secret,
 * the client certificate and its private key in the TLS handshake.
 */
#ifndef AGENTCRED_X509_H
#define AGENTCRED_X509_H

#include "../helper/config.h"
#include "../helper/lib/sbuf.h"
#include "backend.h"

/* The last days of a certificate in which every call warns. */
#define X509_WARN_SECONDS (2 * 86400LL)

/*
 * The certificate chain and private key (a secret) in pem, the profile's
 * stored secret; both buffers are released (wiped) on failure.
 */
enum ac_err x509_split(const struct profile *p, const char *pem,
		       struct sbuf *cert, struct sbuf *key);

/*
 * The token POST of an auth_method x509 profile; pem is its stored secret
 * (the certificate chain and private key), which the caller wipes.
 */
enum ac_err x509_fetch(const struct token_request *req, const char *pem,
		       struct token *out);

/*
 * Before a token is served: past the certificate's notAfter AC_EXPIRED
 * (create a new service key and import it); in its last two days a
 * warning on stderr.  AC_OK for any other profile.  Needs no keyring:
 * the notAfter is the profile's certificate_expires.
 */
enum ac_err x509_check_expiry(const struct profile *p, long long now);

/* The certificate's notAfter; 0 when p is not an X.509 profile with one. */
int x509_not_after(const struct profile *p, long long *not_after);

/*
 * One line about the certificate for status and doctor: X509_NONE (not
 * an X.509 profile: out untouched), X509_VALID, X509_EXPIRING (its last
 * two days) or X509_EXPIRED, the line saying what to do.
 */
enum x509_state { X509_NONE, X509_VALID, X509_EXPIRING, X509_EXPIRED };
enum x509_state x509_describe(const struct profile *p, long long now,
			      char *out, size_t len);

#endif

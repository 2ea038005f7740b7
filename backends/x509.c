/*
 * Client credentials over mutual TLS (see x509.h; README.md, "SAP AI Core
 * X.509 service keys").
 *
 * Rules: the keyring item of the profile holds the certificate chain and
 * the private key as PEM; the key goes to the transport from memory only
 * (never a file), in a buffer wiped as soon as the request is over; no
 * client_secret is ever sent; a certificate past its notAfter stops every
 * call before any request (AC_EXPIRED, exit 6).
 */
#include <stdio.h>
#include <string.h>

#include "../helper/lib/log.h"
#include "../helper/lib/secmem.h"
#include "../helper/lib/util.h"
#include "backend.h"
#include "oauth.h"
#include "pemproto.h"
#include "x509.h"

int x509_not_after(const struct profile *p, long long *not_after)
{
	return p->type == PT_CLIENT_CREDENTIALS && p->auth_method == AUTH_X509 &&
	       p->certificate_expires &&
	       !parse_rfc3339(p->certificate_expires, not_after);
}

enum x509_state x509_describe(const struct profile *p, long long now,
			      char *out, size_t len)
{
	long long until, left;

	if (!x509_not_after(p, &until))
		return X509_NONE;
	left = until - now;
	if (left <= 0) {
		snprintf(out, len, "X.509 client certificate expired on %s — create a new service key in SAP BTP cockpit and import it: agentcred profile import-sap-key %s FILE",
			 p->certificate_expires, p->name);
		return X509_EXPIRED;
	}
	if (left < X509_WARN_SECONDS) {
		snprintf(out, len, "X.509 client certificate expires on %s (in %lld h %lld min) — create a new service key in SAP BTP cockpit and import it: agentcred profile import-sap-key %s FILE",
			 p->certificate_expires, left / 3600, left % 3600 / 60, p->name);
		return X509_EXPIRING;
	}
	snprintf(out, len, "X.509 client certificate valid until %s (%lld days)",
		 p->certificate_expires, left / 86400);
	return X509_VALID;
}

enum ac_err x509_check_expiry(const struct profile *p, long long now)
{
	long long until, left;

	if (!x509_not_after(p, &until))
		return AC_OK;
	left = until - now;
	if (left <= 0)
		return ac_fail(AC_EXPIRED, "the client certificate expired on %s — create a new service key in SAP BTP cockpit and import it: agentcred profile import-sap-key %s FILE",
			       p->certificate_expires, p->name);
	if (left < X509_WARN_SECONDS)
		log_warn("%s: the client certificate expires on %s (in %lld h %lld min) — create a new service key in SAP BTP cockpit and import it: agentcred profile import-sap-key %s FILE",
			 p->name, p->certificate_expires, left / 3600,
			 left % 3600 / 60, p->name);
	return AC_OK;
}

enum ac_err x509_split(const struct profile *p, const char *pem,
		       struct sbuf *cert, struct sbuf *key)
{
	enum ac_err err = pem_split(pem, strlen(pem), cert, key);

	if (err) {
		sbuf_release(cert);
		sbuf_release(key);
		err = ac_fail(AC_USAGE, "the stored certificate and key of profile %s are unusable (%s) — import the service key again",
			      p->name, ac_message());
	}
	return err;
}

enum ac_err x509_fetch(const struct token_request *req, const char *pem,
		       struct token *out)
{
	const struct profile *p = req->profile;
	const char *scope = req->scope ? req->scope : p->scope;
	struct sbuf form = SBUF_INIT, cert = SBUF_INIT, key = SBUF_INIT;
	struct oauth_client_cert cc;
	long long until;
	enum ac_err err;

	memset(out, 0, sizeof(*out));
	if (!p->token_url || !p->client_id)
		return ac_fail(AC_USAGE, "profile %s needs token_url and client_id",
			       p->name);
	/* the cache checked (and warned) already; this is for other callers */
	if (x509_not_after(p, &until) && until <= now_seconds())
		return x509_check_expiry(p, now_seconds());
	if ((err = url_check_scheme(p->token_url, "token_url")) ||
	    (err = x509_split(p, pem, &cert, &key)))
		return err;
	form_add(&form, "grant_type", "client_credentials");
	form_add(&form, "client_id", p->client_id);
	oauth_form_cc_params(&form, p, scope);
	cc.cert = cert.buf;
	cc.cert_len = cert.len;
	cc.key = key.buf;
	cc.key_len = key.len;
	err = oauth_post_form_mtls(p, p->token_url, &form, &cc, out);
	sbuf_release(&form);
	sbuf_release(&cert);
	sbuf_release(&key);
	return err;
}

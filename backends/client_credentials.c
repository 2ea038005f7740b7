/*
 * OAuth 2.0 client credentials (RFC 6749 §4.4; README.md, "Design: token
 * systems"): SAP AI Core / XSUAA, Cloud Foundry UAA and any other standard
 * server.
 *
 * Rules: the token URL is checked (https, or http to loopback) before any
 * connection; the client secret goes either in the form body
 * (client_secret_post) or in an up-front HTTP Basic header
 * (client_secret_basic), never both; for Basic, id and secret are each
 * form-urlencoded before base64 (RFC 6749 §2.3.1) and the request says so
 * with X-CF-ENCODED-CREDENTIALS, which UAA/XSUAA need to decode them;
 * every buffer that held the secret is wiped.
 */
#include <string.h>

#include "../helper/lib/secmem.h"
#include "../helper/lib/util.h"
#include "backend.h"
#include "oauth.h"
#include "x509.h"

static enum ac_err fetch(const struct token_source *src, struct token *out)
{
	const struct token_request *req = src->req;
	const struct profile *p = req->profile;
	const char *scope = req->scope ? req->scope : p->scope;
	struct sbuf form = SBUF_INIT, auth = SBUF_INIT;
	const char *hdrs[2];
	size_t nhdrs = 0;
	char *secret = NULL;
	enum ac_err err;

	memset(out, 0, sizeof(*out));
	if (!p->token_url || !p->client_id)
		return ac_fail(AC_USAGE, "profile %s needs token_url and client_id",
			       p->name);
	if ((err = url_check_scheme(p->token_url, "token_url")))
		return err;
	if ((err = src->secret(src, &secret))) {
		if (err == AC_USAGE && p->auth_method == AUTH_X509 && !p->secret_env)
			return ac_fail(err, "no certificate and key stored for profile %s — import its service key again: agentcred profile import-sap-key %s FILE",
				       p->name, p->name);
		return err;
	}
	if (p->auth_method == AUTH_X509) {
		/* the secret is a certificate chain and key: mutual TLS */
		err = x509_fetch(req, secret, out);
		sec_free(secret);
		return err;
	}

	form_add(&form, "grant_type", "client_credentials");
	if (p->auth_method == AUTH_BASIC) {
		oauth_basic_header(p->client_id, secret, &auth);
		hdrs[nhdrs++] = auth.buf;
		hdrs[nhdrs++] = "X-CF-ENCODED-CREDENTIALS: true";
	} else {
		form_add(&form, "client_id", p->client_id);
		form_add(&form, "client_secret", secret);
	}
	sec_free(secret);
	oauth_form_cc_params(&form, p, scope);

	err = oauth_post_form(p, p->token_url, &form, hdrs, nhdrs, out);
	sbuf_release(&form);
	sbuf_release(&auth);
	return err;
}

static void key_fields(const struct token_request *req, const char *scope,
		       struct key_fields *k)
{
	const struct profile *p = req->profile;

	key_add(k, p->token_url);
	key_add(k, p->client_id);
	key_add(k, auth_method_name(p->auth_method));
	key_add(k, scope);
	key_add(k, p->audience);
	key_add(k, p->resource);
}

static void server_url(const struct profile *p, struct sbuf *url)
{
	if (p->token_url)
		sbuf_addstr(url, p->token_url);
}

/* A client secret, or an X.509 key's certificate and private key. */
static void credential(const struct profile *p, struct credential *c)
{
	backend_credential_secret(p, c);
	if (p->auth_method == AUTH_X509)
		c->what = "X.509 client certificate and private key";
}

const struct backend backend_client_credentials = {
	.type = PT_CLIENT_CREDENTIALS,
	.flags = BACKEND_TYPED_HEADER,
	.header_name = "Authorization",
	.key_fields = key_fields,
	.server_url = server_url,
	.credential = credential,
	.precheck = x509_check_expiry,
	.fetch = fetch,
};

/*
 * Microsoft Entra Agent ID backend (README.md, "Design: token systems").
 *
 * fetch() is called by the cache (helper/token.c) with src->req->level
 * saying which token is wanted:
 *   LEVEL_ENTRA_T1  step 1, the blueprint's assertion for the agent
 *                   identity (its credential by kind: entra_cred.c);
 *   LEVEL_ENTRA_MI  the managed identity token a managed-identity
 *                   blueprint presents in step 1;
 *   LEVEL_ENTRA_T2  step 2a, agent-user mode's FIC exchange token;
 *   LEVEL_FINAL     the token the caller asked for, by mode.
 * T1 and T2 are obtained from the token_source the cache hands fetch(), so
 * they are cached and shared by every final token of the profile (their
 * cache key has no mode, scope or user): refreshing a final token usually
 * costs one POST.
 *
 * Rules:
 *  - every request is a form POST through oauth_post_form(), which owns
 *    the error messages and the retry policy; forms hold secrets and are
 *    wiped (sbuf_release);
 *  - the federated credential file is read again for every step-1 request,
 *    so a rotated projected token is picked up;
 *  - the OBO user token is an input of one request only: it goes into the
 *    form and nowhere else (its SHA-256 is in the cache key: key_fields() below);
 *  - a cached T1 that Entra refuses with invalid_client (e.g. expired or
 *    revoked on the server side before its "exp") is dropped and fetched
 *    once more; a T1 fetched during this call is never retried, so a bad
 *    blueprint credential costs exactly one request.
 */
#include <stdlib.h>
#include <string.h>

#include "../helper/lib/log.h"
#include "../helper/lib/secmem.h"
#include "../helper/lib/sha256.h"
#include "../helper/lib/util.h"
#include "backend.h"
#include "entra.h"
#include "entra_cred.h"
#include "oauth.h"

#define NEED_USER_TOKEN "obo mode needs the user's token — pass --user-token-file FILE|- or \"user_token\" in the request"
#define NEED_USER "agent-user mode needs the agent's user — add --user UPN|OID to the profile or the call"

static const char *step_name(enum entra_step step)
{
	switch (step) {
	case ENTRA_T1:
		return "step 1: blueprint assertion for the agent identity";
	case ENTRA_T2:
		return "step 2a: agent user exchange token";
	case ENTRA_APP:
		return "step 2: autonomous agent token";
	case ENTRA_OBO:
		return "step 2: on-behalf-of token";
	case ENTRA_USER_FIC:
	default:
		return "step 2b: agent user token";
	}
}

/* The subject (profile name) is printed by main.c in front of the message. */
static enum ac_err missing(const char *what)
{
	return ac_fail(AC_USAGE, "%s", what);
}

/* client_id=<agent app id> plus T1 as the client assertion. */
static void agent_client(const struct entra_form *in, struct sbuf *form)
{
	form_add(form, "client_id", in->p->agent_app_id);
	form_add(form, "client_assertion_type", ENTRA_JWT_BEARER);
	form_add(form, "client_assertion", in->t1);
}

enum ac_err entra_build_form(enum entra_step step, const struct entra_form *in,
			     struct sbuf *form)
{
	const struct profile *p = in->p;
	const char *scope = in->scope && *in->scope ? in->scope : ENTRA_DEFAULT_SCOPE;

	if (!p->blueprint_app_id || !p->agent_app_id)
		return missing("blueprint_app_id and agent_app_id are required");
	if (step != ENTRA_T1 && (!in->t1 || !*in->t1))
		return ac_fail(AC_FAIL, "no agent identity assertion (T1) for %s",
			       step_name(step));
	switch (step) {
	case ENTRA_T1:
		form_add(form, "grant_type", "client_credentials");
		form_add(form, "client_id", p->blueprint_app_id);
		if (in->assertion && *in->assertion) {
			form_add(form, "client_assertion_type", ENTRA_JWT_BEARER);
			form_add(form, "client_assertion", in->assertion);
		} else if (in->secret && *in->secret) {
			form_add(form, "client_secret", in->secret);
		} else {
			return missing("no blueprint secret or federated credential — store the secret with: agentcred profile add, or set --client-assertion-file");
		}
		form_add(form, "scope", ENTRA_EXCHANGE_SCOPE);
		form_add(form, "fmi_path", p->agent_app_id);
		return AC_OK;
	case ENTRA_T2:
		form_add(form, "grant_type", "client_credentials");
		agent_client(in, form);
		form_add(form, "scope", ENTRA_EXCHANGE_SCOPE);
		return AC_OK;
	case ENTRA_APP:
		form_add(form, "grant_type", "client_credentials");
		agent_client(in, form);
		form_add(form, "scope", scope);
		return AC_OK;
	case ENTRA_OBO:
		if (!in->user_token || !*in->user_token)
			return missing(NEED_USER_TOKEN);
		form_add(form, "grant_type", ENTRA_OBO_GRANT);
		agent_client(in, form);
		form_add(form, "assertion", in->user_token);
		form_add(form, "requested_token_use", "on_behalf_of");
		form_add(form, "scope", scope);
		return AC_OK;
	case ENTRA_USER_FIC:
		if (!in->user || !*in->user)
			return missing(NEED_USER);
		if (!in->t2 || !*in->t2)
			return ac_fail(AC_FAIL, "no agent user exchange token (T2)");
		form_add(form, "grant_type", "user_fic");
		agent_client(in, form);
		form_add(form, "user_federated_identity_credential", in->t2);
		/* exactly one of them: an object id is a GUID, a UPN never is */
		form_add(form, looks_like_guid(in->user) ? "user_id" : "username",
			 in->user);
		form_add(form, "scope", scope);
		return AC_OK;
	}
	return ac_fail(AC_FAIL, "unknown Entra request step");
}

void entra_token_url(const struct profile *p, struct sbuf *url)
{
	const char *a = p->authority && *p->authority ? p->authority :
			ENTRA_DEFAULT_AUTHORITY;
	size_t n = strlen(a);

	if (n && a[n - 1] == '/')
		n--;
	sbuf_add(url, a, n);
	sbuf_addf(url, "/%s/oauth2/v2.0/token", p->tenant ? p->tenant : "");
}

enum ac_err entra_read_assertion(const char *path, char **out)
{
	char *text = NULL, *s;
	size_t len = 0;
	enum ac_err err;

	*out = NULL;
	err = read_file_limited(path, ENTRA_ASSERTION_MAX, "federated credential file",
				&text, &len);
	if (err)
		return err == AC_NOTFOUND ?
			ac_fail(AC_USAGE, "%s — check client_assertion_file", ac_message()) :
			err;
	while (len && strchr(" \t\r\n", text[len - 1]))
		text[--len] = '\0';
	for (s = text; *s && strchr(" \t\r\n", *s); s++)
		;
	if (!*s || has_newline(s) || strlen(s) != (size_t)(text + len - s)) {
		sec_free(text);
		return ac_fail(AC_USAGE, "federated credential file %s must hold one token on one line",
			       path);
	}
	*out = xstrdup(s);
	sec_free(text);
	return AC_OK;
}

static enum ac_err post(const struct profile *p, enum entra_step step,
			const struct entra_form *in, struct token *out)
{
	struct sbuf form = SBUF_INIT, url = SBUF_INIT;
	enum ac_err err;

	if (!(err = entra_build_form(step, in, &form))) {
		entra_token_url(p, &url);
		log_verbose("%s: %s", p->name, step_name(step));
		err = oauth_post_form(p, url.buf, &form, NULL, 0, out);
	}
	sbuf_release(&form);
	sbuf_release(&url);
	return err;
}

/* The blueprint's credential, by kind (entra_cred.c). */
static void credential(const struct profile *p, struct credential *c)
{
	backend_credential_secret(p, c);
	switch (entra_cred_kind(p)) {
	case ENTRA_CRED_FILE:
		c->from = CRED_FILE;
		c->where = p->client_assertion_file;
		c->what = "federated credential file";
		break;
	case ENTRA_CRED_MANAGED:
		c->from = CRED_ENDPOINT;
		c->where = NULL;
		c->what = "managed identity";
		break;
	case ENTRA_CRED_CERT:
		c->what = "blueprint certificate private key";
		break;
	case ENTRA_CRED_SECRET:
	default:
		c->what = "blueprint client secret";
		break;
	}
}

static enum ac_err fetch_t1(const struct token_source *src, struct token *out)
{
	const struct profile *p = src->req->profile;
	struct entra_form in = { .p = p };
	struct sbuf url = SBUF_INIT;
	char *secret = NULL, *assertion = NULL;
	enum ac_err err;

	entra_token_url(p, &url);
	err = entra_cred_step1(src, url.buf, &secret, &assertion);
	sbuf_release(&url);
	if (err)
		return err;
	in.secret = secret;
	in.assertion = assertion;
	err = post(p, ENTRA_T1, &in, out);
	sec_free(secret);
	sec_free(assertion);
	return err;
}

/* Entra refused the client assertion itself (our T1), not the request. */
static int assertion_refused(enum ac_err err)
{
	const char *e = ac_oauth_error();

	return err == AC_REJECTED && e && !strcmp(e, "invalid_client");
}

/* A step that presents T1 (and for user_fic, T2) as its credentials. */
static enum ac_err with_t1(const struct token_source *src, enum entra_step step,
			   const char *user, struct token *out)
{
	const struct token_request *req = src->req;
	const struct profile *p = req->profile;
	struct entra_form in = { .p = p, .scope = req->scope ? req->scope : p->scope,
				 .user = user, .user_token = req->user_token };
	struct token t1 = { 0 }, t2 = { 0 };
	long long start = now_seconds();
	enum ac_err err;
	int attempt;

	for (attempt = 0;; attempt++) {
		if ((err = src->get(src, LEVEL_ENTRA_T1, &t1)))
			break;
		if (step == ENTRA_USER_FIC &&
		    (err = src->get(src, LEVEL_ENTRA_T2, &t2)))
			break;
		in.t1 = t1.access_token;
		in.t2 = t2.access_token;
		err = post(p, step, &in, out);
		if (attempt || !assertion_refused(err) || t1.obtained_at >= start)
			break;
		/* a cached T1 the server no longer accepts: get a new one */
		log_verbose("%s: the cached agent identity assertion was refused (%s); fetching a new one",
			    p->name, ac_message());
		token_release(out);
		token_release(&t1);
		token_release(&t2);
		src->forget(src, LEVEL_ENTRA_T1);
	}
	token_release(&t1);
	token_release(&t2);
	return err;
}

static enum ac_err fetch_final(const struct token_source *src, struct token *out)
{
	const struct token_request *req = src->req;
	const struct profile *p = req->profile;
	const char *user = req->user ? req->user : p->user;

	switch (p->mode) {
	case MODE_OBO:
		if (req->user)
			return ac_fail(AC_USAGE, "--user applies to agent-user mode, not obo");
		if (!req->user_token || !*req->user_token)
			return missing(NEED_USER_TOKEN);
		return with_t1(src, ENTRA_OBO, NULL, out);
	case MODE_AGENT_USER:
		if (req->user_token)
			return ac_fail(AC_USAGE, "a user token applies to obo mode, not agent-user");
		if (!user || !*user)
			return missing(NEED_USER);
		return with_t1(src, ENTRA_USER_FIC, user, out);
	case MODE_AUTONOMOUS_APP:
	default:
		if (req->user || req->user_token)
			return ac_fail(AC_USAGE, "--user and user tokens do not apply to autonomous-app mode — set --mode obo or agent-user");
		return with_t1(src, ENTRA_APP, NULL, out);
	}
}

static enum ac_err fetch(const struct token_source *src, struct token *out)
{
	switch (src->req->level) {
	case LEVEL_ENTRA_T1:
		return fetch_t1(src, out);
	case LEVEL_ENTRA_T2:
		return with_t1(src, ENTRA_T2, NULL, out);
	case LEVEL_ENTRA_MI:
		return entra_mi_fetch(src->req->profile, out);
	case LEVEL_FINAL:
	default:
		return fetch_final(src, out);
	}
}

/*
 * T1 and T2 have no mode, scope or user in their key: they are shared by
 * every final token of the profile.
 */
static void key_fields(const struct token_request *req, const char *scope,
		       struct key_fields *k)
{
	const struct profile *p = req->profile;

	key_add(k, p->authority ? p->authority : ENTRA_DEFAULT_AUTHORITY);
	key_add(k, p->tenant);
	key_add(k, p->blueprint_app_id);
	key_add(k, p->agent_app_id);
	if (req->level != LEVEL_FINAL)
		return;
	key_add(k, entra_mode_name(p->mode));
	key_add(k, scope);
	key_add(k, req->user ? req->user : p->user);
	if (req->user_token) {
		sha256_hex(req->user_token, strlen(req->user_token), k->scratch);
		key_add(k, k->scratch);
	} else {
		key_add(k, NULL);
	}
}

const struct backend backend_entra_agent = {
	.type = PT_ENTRA_AGENT,
	.flags = BACKEND_USERS | BACKEND_TYPED_HEADER,
	.default_scope = ENTRA_DEFAULT_SCOPE,
	.header_name = "Authorization",
	.key_fields = key_fields,
	.server_url = entra_token_url,
	.credential = credential,
	.fetch = fetch,
};

/*
 * Weak stand-ins for the keyring, HTTP and client-credentials layers that
 * are being written elsewhere.  Unit tests and fuzz harnesses include this
 * so they link against a core that does not have them yet; once the real
 * definitions are in the library (or, for fuzzers, in the compiled core
 * sources) they win over these weak ones and nothing here is used.
 *
 * The stubs behave like an empty, reachable keyring and an unreachable
 * network: lookups miss, stores succeed, requests fail.
 */
#ifndef AGENTCRED_TEST_STUBS_H
#define AGENTCRED_TEST_STUBS_H

#include "../../backends/backend.h"
#include "../../backends/http.h"
#include "../../keyring/keyring.h"

#define STUB __attribute__((weak))

STUB enum ac_err kr_client_secret_get(const char *profile, char **secret)
{
	(void)secret;
	return ac_fail(AC_NOTFOUND, "profile %s has no stored secret", profile);
}

STUB enum ac_err kr_client_secret_put(const char *profile, const char *secret)
{
	(void)profile; (void)secret;
	return AC_OK;
}

STUB enum ac_err kr_token_get(const char *profile, const char *hexkey,
			      char **value, size_t *len)
{
	(void)profile; (void)hexkey; (void)value; (void)len;
	return AC_NOTFOUND;
}

STUB enum ac_err kr_token_put(const char *profile, const char *hexkey,
			      const char *label_detail, const char *value,
			      size_t len)
{
	(void)profile; (void)hexkey; (void)label_detail; (void)value; (void)len;
	return AC_OK;
}

STUB enum ac_err kr_token_drop(const char *profile, const char *hexkey)
{
	(void)profile; (void)hexkey;
	return AC_OK;
}

STUB enum ac_err kr_tokens_drop_profile(const char *profile)
{
	(void)profile;
	return AC_OK;
}

STUB enum ac_err kr_profile_drop_all(const char *profile)
{
	(void)profile;
	return AC_OK;
}

STUB void keyring_select(const char *name)
{
	(void)name;
}

STUB enum ac_err keyring_get(const struct keyring_ops **ops)
{
	(void)ops;
	return ac_fail(AC_KEYRING, "no keyring in this test build");
}

STUB enum ac_err http_perform(const struct http_request *req,
			      struct http_response *resp)
{
	(void)req; (void)resp;
	return ac_fail(AC_NETWORK, "no network in this test build");
}

STUB void http_response_release(struct http_response *resp)
{
	(void)resp;
}

static enum ac_err stub_cc_fetch(const struct token_request *req, struct token *out)
{
	(void)req; (void)out;
	return ac_fail(AC_NETWORK, "no network in this test build");
}

STUB const struct backend backend_client_credentials = {
	PT_CLIENT_CREDENTIALS, stub_cc_fetch
};

#endif

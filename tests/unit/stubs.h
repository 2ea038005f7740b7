/*
 * Weak stand-ins for the keyring and for HTTP, for unit tests and fuzz
 * harnesses that run the cache or a backend without a Secret Service or a
 * network.  A unit test links the core library, whose members are pulled
 * in only for undefined symbols, so these win there; a fuzzer compiles the
 * core sources in, so their strong definitions win over these.
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

#endif

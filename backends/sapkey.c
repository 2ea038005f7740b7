/*
 * Service key parsing.  Rules: the input is hostile (bounded, every field
 * type-checked, URLs must be https or loopback http); the client secret is
 * only ever copied into wiped memory; an mTLS key (certificate instead of
 * clientsecret) is refused with a clear message rather than half-imported.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sapkey.h"
#include "../helper/lib/secmem.h"
#include "../helper/lib/util.h"

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && *v->valuestring &&
	       strlen(v->valuestring) < 4096 && !has_newline(v->valuestring) ?
	       v->valuestring : NULL;
}

static char *with_suffix(const char *base, const char *suffix)
{
	struct sbuf sb = SBUF_INIT;
	size_t n = strlen(base), s = strlen(suffix);

	while (n && base[n - 1] == '/')
		n--;
	sbuf_add(&sb, base, n);
	if (n < s || strcmp(sb.buf + n - s, suffix))
		sbuf_addstr(&sb, suffix);
	return sbuf_detach(&sb, NULL);
}

enum ac_err sap_key_parse(const char *text, size_t len, struct sap_key *key)
{
	cJSON *root;
	const cJSON *o, *urls;
	const char *id, *secret, *url, *api;
	char host[256];
	enum ac_err err = AC_OK;
	const char *why;

	memset(key, 0, sizeof(*key));
	if (len > SAPKEY_MAX)
		return ac_fail(AC_USAGE, "the service key is larger than %d bytes", SAPKEY_MAX);
	root = json_parse_strict(text, len, 0, &why);
	if (!root && why)
		return ac_fail(AC_USAGE, "the service key %s — download it again from SAP BTP cockpit", why);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return ac_fail(AC_USAGE, "the service key is not a JSON object — download it again from SAP BTP cockpit");
	}
	o = cJSON_GetObjectItemCaseSensitive(root, "credentials");
	if (!cJSON_IsObject(o))
		o = root;
	id = str(o, "clientid");
	secret = str(o, "clientsecret");
	url = str(o, "url");
	urls = cJSON_GetObjectItemCaseSensitive(o, "serviceurls");
	api = cJSON_IsObject(urls) ? str(urls, "AI_API_URL") : NULL;
	if (!id || !url) {
		err = ac_fail(AC_USAGE, "the service key has no %s — is this an SAP AI Core service key?",
			      !id ? "clientid" : "url");
		goto out;
	}
	if (!secret) {
		err = ac_fail(AC_USAGE, str(o, "certificate") ?
			      "this service key uses X.509 client certificates (mTLS), which agentcred does not support yet — create a key with a client secret" :
			      "the service key has no clientsecret");
		goto out;
	}
	if (!api) {
		err = ac_fail(AC_USAGE, "the service key has no serviceurls.AI_API_URL — is this an SAP AI Core service key?");
		goto out;
	}
	if ((err = url_check_scheme(url, "the service key's url")) ||
	    (err = url_check_scheme(api, "the service key's AI_API_URL")))
		goto out;
	if (url_host(api, host, sizeof(host))) {
		err = ac_fail(AC_USAGE, "the service key's AI_API_URL is not a URL");
		goto out;
	}
	key->client_id = xstrdup(id);
	key->client_secret = xstrdup(secret);
	key->token_url = with_suffix(url, "/oauth/token");
	key->api_url = with_suffix(api, "/v2");
	/*
	 * "hosts" entries are host or host:port as git and docker send them,
	 * so an explicit port stays (url_host has validated the authority).
	 */
	{
		const char *auth = strstr(api, "://") + 3;

		key->api_host = xstrndup(auth, strcspn(auth, "/?#"));
	}
out:
	cJSON_Delete(root);
	return err;
}

void sap_key_release(struct sap_key *key)
{
	free(key->client_id);
	sec_free(key->client_secret);
	free(key->token_url);
	free(key->api_url);
	free(key->api_host);
	memset(key, 0, sizeof(*key));
}

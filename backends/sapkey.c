/*
 * Service key parsing.  Rules: the input is hostile (bounded, every field
 * type-checked, URLs must be https or loopback http); the client secret
 * and the private key are only ever copied into wiped memory; a key is
 * either a secret key or an X.509 key, never half of each.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pemproto.h"
#include "sapkey.h"
#include "../helper/lib/secmem.h"
#include "../helper/lib/util.h"

static const char *const key_names[SF__COUNT] = {
	"clientid", "clientsecret", "url", "certurl", "certificate", "key",
	"serviceurls.AI_API_URL"
};

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && *v->valuestring &&
	       strlen(v->valuestring) < 4096 && !has_newline(v->valuestring) ?
	       v->valuestring : NULL;
}

/* certificate and key: long, multi-line; checked by pem_split later */
static const char *pem_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && *v->valuestring &&
	       strlen(v->valuestring) <= PEM_MAX ? v->valuestring : NULL;
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

static enum ac_err missing(const struct sap_fields *f, enum sap_field i,
			   const char *hint)
{
	return ac_fail(AC_USAGE, "%s has no %s%s", f->what, f->name[i], hint);
}

/* The PEM text of a field, "\n" unescaped and checked; NULL on error. */
static char *pem_field(const struct sap_fields *f, enum sap_field i,
		       int want_key, enum ac_err *err)
{
	struct sbuf out = SBUF_INIT;
	size_t len;
	char *text = pem_unescape(f->value[i], strlen(f->value[i]), &len);

	*err = want_key ? pem_split(text, len, NULL, &out)
			: pem_split(text, len, &out, NULL);
	sec_free(text);
	if (*err) {
		*err = ac_fail(AC_USAGE, "%s: %s: %s", f->what, f->name[i], ac_message());
		sbuf_release(&out);
		return NULL;
	}
	return sbuf_detach(&out, NULL);
}

enum ac_err sap_key_from_fields(const struct sap_fields *f, struct sap_key *key)
{
	const char *const *v = f->value;
	const char *id = v[SF_CLIENT_ID], *secret = v[SF_CLIENT_SECRET];
	const char *auth = v[SF_AUTH_URL], *api = v[SF_API_URL];
	char host[256];
	enum ac_err err = AC_OK;
	int x509;

	memset(key, 0, sizeof(*key));
	if (f->sdk_rules && secret && (v[SF_CERTIFICATE] || v[SF_KEY]))
		return ac_fail(AC_USAGE, "%s hold both a client secret and a certificate — keep one of them",
			       f->what);
	x509 = f->declared_x509 || (!secret && (v[SF_CERTIFICATE] || v[SF_KEY]));
	if (!id)
		return missing(f, SF_CLIENT_ID, " — is this an SAP AI Core service key?");
	if (x509) {
		auth = v[SF_CERT_URL] ? v[SF_CERT_URL] : f->sdk_rules ? auth : NULL;
		if (!auth)
			return missing(f, SF_CERT_URL, " (the mTLS token URL of an X.509 key)");
		if (!v[SF_CERTIFICATE])
			return missing(f, SF_CERTIFICATE, " (the X.509 client certificate)");
	} else {
		if (!auth)
			return missing(f, SF_AUTH_URL, " — is this an SAP AI Core service key?");
		if (!secret)
			return missing(f, SF_CLIENT_SECRET, "");
	}
	if (!api)
		return missing(f, SF_API_URL, " — is this an SAP AI Core service key?");
	{
		struct sbuf what = SBUF_INIT;

		sbuf_addf(&what, "%s: %s", f->what,
			  f->name[x509 && v[SF_CERT_URL] ? SF_CERT_URL : SF_AUTH_URL]);
		err = url_check_scheme(auth, what.buf);
		sbuf_reset(&what);
		sbuf_addf(&what, "%s: %s", f->what, f->name[SF_API_URL]);
		if (!err)
			err = url_check_scheme(api, what.buf);
		sbuf_release(&what);
		if (err)
			return err;
	}
	if (url_host(api, host, sizeof(host)))
		return ac_fail(AC_USAGE, "%s: %s is not a URL", f->what, f->name[SF_API_URL]);
	if (x509) {
		key->x509 = 1;
		if (!(key->certificate = pem_field(f, SF_CERTIFICATE, 0, &err)))
			goto fail;
		if (v[SF_KEY] && !(key->private_key = pem_field(f, SF_KEY, 1, &err)))
			goto fail;
	} else {
		key->client_secret = xstrdup(secret);
	}
	key->client_id = xstrdup(id);
	key->token_url = with_suffix(auth, "/oauth/token");
	key->api_url = with_suffix(api, "/v2");
	/*
	 * "hosts" entries are host or host:port as git and docker send them,
	 * so an explicit port stays (url_host has validated the authority).
	 */
	{
		const char *a = strstr(api, "://") + 3;

		key->api_host = xstrndup(a, strcspn(a, "/?#"));
	}
	return AC_OK;
fail:
	sap_key_release(key);
	return err;
}

enum ac_err sap_key_from_json(const cJSON *root, struct sap_key *key)
{
	struct sap_fields f;
	const cJSON *o, *urls;
	const char *type;

	memset(key, 0, sizeof(*key));
	if (!cJSON_IsObject(root))
		return ac_fail(AC_USAGE, "the service key is not a JSON object — download it again from SAP BTP cockpit");
	o = cJSON_GetObjectItemCaseSensitive(root, "credentials");
	if (!cJSON_IsObject(o))
		o = root;
	memset(&f, 0, sizeof(f));
	f.what = "the service key";
	f.name = key_names;
	f.value[SF_CLIENT_ID] = str(o, "clientid");
	f.value[SF_CLIENT_SECRET] = str(o, "clientsecret");
	f.value[SF_AUTH_URL] = str(o, "url");
	/* SAP's documents spell it certUrl too */
	f.value[SF_CERT_URL] = str(o, "certurl") ? str(o, "certurl") : str(o, "certUrl");
	f.value[SF_CERTIFICATE] = pem_str(o, "certificate");
	f.value[SF_KEY] = pem_str(o, "key");
	urls = cJSON_GetObjectItemCaseSensitive(o, "serviceurls");
	f.value[SF_API_URL] = cJSON_IsObject(urls) ? str(urls, "AI_API_URL") : NULL;
	type = str(o, "credential-type");
	f.declared_x509 = type && !strcmp(type, "x509");
	/* a type we do not know is fine while the key has a secret to use */
	if (type && !f.declared_x509 && !f.value[SF_CLIENT_SECRET])
		return ac_fail(AC_USAGE, "the service key's credential-type \"%.40s\" is not supported — create a key with credential-type x509 or binding-secret",
			       type);
	return sap_key_from_fields(&f, key);
}

enum ac_err sap_key_parse(const char *text, size_t len, struct sap_key *key)
{
	cJSON *root;
	const char *why;
	enum ac_err err;

	memset(key, 0, sizeof(*key));
	if (len > SAPKEY_MAX)
		return ac_fail(AC_USAGE, "the service key is larger than %d bytes", SAPKEY_MAX);
	root = json_parse_strict(text, len, 0, &why);
	if (!root && why)
		return ac_fail(AC_USAGE, "the service key %s — download it again from SAP BTP cockpit", why);
	err = sap_key_from_json(root, key);
	/* cJSON allocates through the wiping allocator (secmem.c) */
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
	free(key->certificate);
	sec_free(key->private_key);
	memset(key, 0, sizeof(*key));
}

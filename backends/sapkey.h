/*
 * SAP AI Core service keys (README.md, "SAP AI Core"), parsed apart from
 * storage: secret keys (clientid + clientsecret) and X.509 keys
 * (credential-type x509: clientid + certurl + certificate + key).
 */
#ifndef AGENTCRED_SAPKEY_H
#define AGENTCRED_SAPKEY_H

#include <stddef.h>

#include "../helper/lib/err.h"

#define SAPKEY_MAX (256 * 1024)

struct sap_key {
	char *client_id;
	char *client_secret;	/* secret: wiped by sap_key_release; NULL for x509 */
	char *token_url;	/* url (x509: certurl) + /oauth/token */
	char *api_url;		/* serviceurls.AI_API_URL + /v2 */
	char *api_host;		/* host of the API URL, for "hosts" */
	int x509;		/* mutual TLS with certificate and private_key */
	char *certificate;	/* x509: PEM chain, leaf first, "\n" unescaped */
	char *private_key;	/* x509: PEM, a secret; NULL when the key has none */
};

/*
 * One set of credential fields, whatever it came from (a service key, the
 * AICORE_* variables, the SAP SDK's config file): values may be NULL;
 * names are what the messages call each field.
 */
enum sap_field {
	SF_CLIENT_ID, SF_CLIENT_SECRET, SF_AUTH_URL, SF_CERT_URL,
	SF_CERTIFICATE, SF_KEY, SF_API_URL, SF__COUNT
};

struct sap_fields {
	const char *what;	/* "the service key", "the AICORE_* variables" */
	const char *value[SF__COUNT];
	const char *const *name;
	int declared_x509;	/* credential-type says x509 */
	/*
	 * Environment and SDK config sources: a client secret together with
	 * a certificate is refused (SAP's SDK refuses it too), and the auth
	 * URL serves as the certificate URL when there is no separate one.
	 */
	int sdk_rules;
};

/* Accepts the key itself or {"credentials": {…}} around it. */
enum ac_err sap_key_parse(const char *text, size_t len, struct sap_key *key);
/* The same from an already parsed JSON object (VCAP_SERVICES entries). */
struct cJSON;
enum ac_err sap_key_from_json(const struct cJSON *obj, struct sap_key *key);
enum ac_err sap_key_from_fields(const struct sap_fields *f, struct sap_key *key);
void sap_key_release(struct sap_key *key);

#endif

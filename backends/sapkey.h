/*
 * SAP AI Core service keys (README.md, "Design: token systems"), parsed
 * apart from storage.
 */
#ifndef AGENTCRED_SAPKEY_H
#define AGENTCRED_SAPKEY_H

#include <stddef.h>

#include "../helper/lib/err.h"

#define SAPKEY_MAX (256 * 1024)

struct sap_key {
	char *client_id;
	char *client_secret;	/* secret: wiped by sap_key_release */
	char *token_url;	/* url + /oauth/token */
	char *api_url;		/* serviceurls.AI_API_URL + /v2 */
	char *api_host;		/* host of the API URL, for "hosts" */
};

/* Accepts the key itself or {"credentials": {…}} around it. */
enum ac_err sap_key_parse(const char *text, size_t len, struct sap_key *key);
void sap_key_release(struct sap_key *key);

#endif

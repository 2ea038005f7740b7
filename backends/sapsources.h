/*
 * Where SAP's SDKs keep AI Core credentials, read in the order SAP's
 * Python SDK uses (README.md, "Already set up for SAP's SDK"):
 *   1. $AICORE_SERVICE_KEY: a whole service key (SAP's JS and Java SDKs);
 *   2. the AICORE_* variables;
 *   3. the SDK's config file: $AICORE_CONFIG, else $AICORE_HOME (default
 *      ~/.aicore)/config.json, or config_$AICORE_PROFILE.json when
 *      AICORE_PROFILE is set: a flat JSON object of the same AICORE_* names;
 *   4. $VCAP_SERVICES: the first service labelled "aicore".
 * The first source holding any credential is used for all of them; the
 * resource group is resolved on its own (AICORE_RESOURCE_GROUP from the
 * environment, else from the config file).
 */
#ifndef AGENTCRED_SAPSOURCES_H
#define AGENTCRED_SAPSOURCES_H

#include <stddef.h>

#include "../helper/lib/err.h"
#include "sapkey.h"

enum sap_var {
	SV_CLIENT_ID, SV_CLIENT_SECRET, SV_AUTH_URL, SV_CERT_URL,
	SV_CERT_FILE_PATH, SV_KEY_FILE_PATH, SV_CERT_STR, SV_KEY_STR,
	SV_BASE_URL, SV_RESOURCE_GROUP, SV__COUNT
};

/* The AICORE_* values of one source (NULL: absent); secrets are wiped. */
struct sap_vars {
	char *v[SV__COUNT];
};

const char *sap_var_name(enum sap_var i);	/* "AICORE_CLIENT_ID" ... */
/* 1 when any credential variable (all but the resource group) is set. */
int sap_vars_have_credentials(const struct sap_vars *vars);
void sap_vars_release(struct sap_vars *vars);

/*
 * Pure parsers (unit-tested and fuzzed):
 * the SDK config file, a flat JSON object whose AICORE_* members are
 * strings (other members are ignored, a non-string AICORE_* is an error);
 */
enum ac_err sap_config_parse(const char *text, size_t len, struct sap_vars *out);
/* VCAP_SERVICES: the credentials of the first service labelled aicore. */
enum ac_err sap_vcap_parse(const char *text, size_t len, struct sap_key *key);

/*
 * The service key from vars (what: "the AICORE_* variables", a file
 * name): cert and key from the *_STR values or the files the *_FILE_PATH
 * values name (read once, here).
 */
enum ac_err sap_vars_to_key(const struct sap_vars *vars, const char *what,
			    struct sap_key *key);

/*
 * The first source of the list above that holds credentials: the key, a
 * description of the source for the user (*source, free()), and the
 * resource group if a source names one (*group, free(); NULL otherwise).
 * AC_USAGE naming the sources when none holds credentials, or when the
 * chosen one is incomplete.
 */
enum ac_err sap_sources_load(struct sap_key *key, char **source, char **group);

#endif

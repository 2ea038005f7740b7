/*
 * SAP SDK credential sources (see sapsources.h).
 *
 * Rules: every source is hostile input (bounded reads, type-checked JSON,
 * the same service key checks as a downloaded file); paths come from the
 * user's environment only; the first source holding credentials is used
 * whole, and an incomplete one is an error naming what is missing rather
 * than a silent fall-through to the next source; secret values are
 * copied into wiped memory only.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../helper/lib/secmem.h"
#include "../helper/lib/util.h"
#include "pemproto.h"
#include "sapsources.h"

#define VAR_MAX 4096
#define CONFIG_MAX (512 * 1024)
#define VCAP_MAX (1024 * 1024)

static const char *const var_names[SV__COUNT] = {
	"AICORE_CLIENT_ID", "AICORE_CLIENT_SECRET", "AICORE_AUTH_URL",
	"AICORE_CERT_URL", "AICORE_CERT_FILE_PATH", "AICORE_KEY_FILE_PATH",
	"AICORE_CERT_STR", "AICORE_KEY_STR", "AICORE_BASE_URL",
	"AICORE_RESOURCE_GROUP"
};

const char *sap_var_name(enum sap_var i)
{
	return (size_t)i < SV__COUNT ? var_names[i] : "?";
}

int sap_vars_have_credentials(const struct sap_vars *vars)
{
	int i;

	for (i = 0; i < SV__COUNT; i++)
		if (i != SV_RESOURCE_GROUP && vars->v[i])
			return 1;
	return 0;
}

void sap_vars_release(struct sap_vars *vars)
{
	int i;

	for (i = 0; i < SV__COUNT; i++)
		sec_free(vars->v[i]);
	memset(vars, 0, sizeof(*vars));
}

enum ac_err sap_config_parse(const char *text, size_t len, struct sap_vars *out)
{
	const char *why;
	cJSON *root;
	const cJSON *it;
	enum ac_err err = AC_OK;
	int i;

	memset(out, 0, sizeof(*out));
	if (len > CONFIG_MAX)
		return ac_fail(AC_USAGE, "the file is larger than %d bytes", CONFIG_MAX);
	root = json_parse_strict(text, len, 0, &why);
	if (!root && why)
		return ac_fail(AC_USAGE, "it %s", why);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return ac_fail(AC_USAGE, "it is not a JSON object of AICORE_* settings");
	}
	for (i = 0; i < SV__COUNT; i++) {
		int n = 0;
		size_t max = i == SV_CERT_STR || i == SV_KEY_STR ? PEM_MAX : VAR_MAX;

		/* a name twice would be read differently by other parsers */
		cJSON_ArrayForEach(it, root)
			if (it->string && !strcmp(it->string, var_names[i]))
				n++;
		if (n > 1) {
			err = ac_fail(AC_USAGE, "%s appears twice", var_names[i]);
			break;
		}
		it = cJSON_GetObjectItemCaseSensitive(root, var_names[i]);
		if (!it || cJSON_IsNull(it))
			continue;
		if (!cJSON_IsString(it) || strlen(it->valuestring) > max) {
			err = ac_fail(AC_USAGE, "%s must be a string of at most %zu bytes",
				      var_names[i], max);
			break;
		}
		if (*it->valuestring)
			out->v[i] = xstrdup(it->valuestring);
	}
	cJSON_Delete(root);
	if (err)
		sap_vars_release(out);
	return err;
}

enum ac_err sap_vcap_parse(const char *text, size_t len, struct sap_key *key)
{
	const char *why;
	cJSON *root;
	const cJSON *list, *svc, *found = NULL;
	enum ac_err err;

	memset(key, 0, sizeof(*key));
	if (len > VCAP_MAX)
		return ac_fail(AC_USAGE, "VCAP_SERVICES is larger than %d bytes", VCAP_MAX);
	root = json_parse_strict(text, len, 0, &why);
	if (!root && why)
		return ac_fail(AC_USAGE, "VCAP_SERVICES %s", why);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return ac_fail(AC_USAGE, "VCAP_SERVICES is not a JSON object");
	}
	cJSON_ArrayForEach(list, root) {
		if (!cJSON_IsArray(list))
			continue;
		cJSON_ArrayForEach(svc, list) {
			const cJSON *label = cJSON_GetObjectItemCaseSensitive(svc, "label");

			if (cJSON_IsString(label) && !strcmp(label->valuestring, "aicore")) {
				found = svc;
				break;
			}
		}
		if (found)
			break;
	}
	if (!found) {
		cJSON_Delete(root);
		return ac_fail(AC_NOTFOUND, "VCAP_SERVICES has no service labelled aicore");
	}
	svc = cJSON_GetObjectItemCaseSensitive(found, "credentials");
	err = cJSON_IsObject(svc) ? sap_key_from_json(svc, key) :
	      ac_fail(AC_USAGE, "the aicore service in VCAP_SERVICES has no credentials object");
	cJSON_Delete(root);
	return err;
}

/* *_STR, or the file *_FILE_PATH names; both at once is ambiguous. */
static enum ac_err pem_value(const struct sap_vars *vars, enum sap_var str,
			     enum sap_var path, const char *what, char **out)
{
	size_t len;
	enum ac_err err;

	*out = NULL;
	if (vars->v[str] && vars->v[path])
		return ac_fail(AC_USAGE, "%s set both %s and %s — keep one of them",
			       what, var_names[str], var_names[path]);
	if (vars->v[str]) {
		*out = xstrdup(vars->v[str]);
		return AC_OK;
	}
	if (!vars->v[path])
		return AC_OK;
	err = read_file_limited(vars->v[path], PEM_MAX, var_names[path], out, &len);
	if (err == AC_NOTFOUND)
		err = AC_USAGE;
	if (!err && strlen(*out) != len) {
		sec_free(*out);
		*out = NULL;
		err = ac_fail(AC_USAGE, "%s %s holds a NUL byte — it is not a PEM file",
			      var_names[path], vars->v[path]);
	}
	return err;
}

enum ac_err sap_vars_to_key(const struct sap_vars *vars, const char *what,
			    struct sap_key *key)
{
	static const char *const names[SF__COUNT] = {
		"AICORE_CLIENT_ID", "AICORE_CLIENT_SECRET", "AICORE_AUTH_URL",
		"AICORE_CERT_URL", "AICORE_CERT_STR or AICORE_CERT_FILE_PATH",
		"AICORE_KEY_STR or AICORE_KEY_FILE_PATH", "AICORE_BASE_URL"
	};
	struct sap_fields f;
	char *cert = NULL, *pkey = NULL;
	enum ac_err err;

	memset(key, 0, sizeof(*key));
	if ((err = pem_value(vars, SV_CERT_STR, SV_CERT_FILE_PATH, what, &cert)) ||
	    (err = pem_value(vars, SV_KEY_STR, SV_KEY_FILE_PATH, what, &pkey)))
		goto out;
	memset(&f, 0, sizeof(f));
	f.what = what;
	f.name = names;
	f.sdk_rules = 1;
	f.value[SF_CLIENT_ID] = vars->v[SV_CLIENT_ID];
	f.value[SF_CLIENT_SECRET] = vars->v[SV_CLIENT_SECRET];
	f.value[SF_AUTH_URL] = vars->v[SV_AUTH_URL];
	f.value[SF_CERT_URL] = vars->v[SV_CERT_URL];
	f.value[SF_CERTIFICATE] = cert;
	f.value[SF_KEY] = pkey;
	f.value[SF_API_URL] = vars->v[SV_BASE_URL];
	/* a certificate needs its key: both come from the same source */
	if (cert && !pkey && !vars->v[SV_CLIENT_SECRET]) {
		err = ac_fail(AC_USAGE, "%s have a certificate but no private key (%s)",
			      what, names[SF_KEY]);
		goto out;
	}
	err = sap_key_from_fields(&f, key);
out:
	sec_free(cert);
	sec_free(pkey);
	return err;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* The SDK config file's path, and whether it was named explicitly. */
static char *config_path(int *explicit_path)
{
	struct sbuf sb = SBUF_INIT;
	const char *home = env("HOME"), *dir = env("AICORE_HOME");
	const char *profile = env("AICORE_PROFILE");

	*explicit_path = 0;
	if (env("AICORE_CONFIG")) {
		*explicit_path = 1;
		return xstrdup(env("AICORE_CONFIG"));
	}
	if (dir)
		sbuf_addstr(&sb, dir);
	else if (home)
		sbuf_addf(&sb, "%s/.aicore", home);
	else
		return NULL;
	if (profile)
		sbuf_addf(&sb, "/config_%s.json", profile);
	else
		sbuf_addstr(&sb, "/config.json");
	*explicit_path = profile != NULL;
	return sbuf_detach(&sb, NULL);
}

/* The config file's settings; AC_NOTFOUND when there is no file. */
static enum ac_err load_config(struct sap_vars *vars, char **path)
{
	char *text = NULL;
	size_t len;
	int explicit_path;
	enum ac_err err;

	memset(vars, 0, sizeof(*vars));
	*path = config_path(&explicit_path);
	if (!*path)
		return AC_NOTFOUND;
	err = read_file_limited(*path, CONFIG_MAX, "the SAP SDK config file", &text, &len);
	if (err == AC_NOTFOUND && !explicit_path) {
		ac_clear();
		return AC_NOTFOUND;
	}
	if (err)
		return err == AC_NOTFOUND ? AC_USAGE : err;
	err = sap_config_parse(text, len, vars);
	sec_free(text);
	if (err)
		err = ac_fail(AC_USAGE, "the SAP SDK config file %s: %s", *path, ac_message());
	return err;
}

static enum ac_err from_service_key_env(struct sap_key *key)
{
	const char *v = env("AICORE_SERVICE_KEY");
	enum ac_err err = sap_key_parse(v, strlen(v), key);

	if (err)
		err = ac_fail(err, "$AICORE_SERVICE_KEY: %s", ac_message());
	return err;
}

enum ac_err sap_sources_load(struct sap_key *key, char **source, char **group)
{
	struct sap_vars envv, filev;
	char *path = NULL, *cmsg = NULL;
	enum ac_err err, cerr;
	int i;

	memset(key, 0, sizeof(*key));
	memset(&envv, 0, sizeof(envv));
	*source = NULL;
	*group = NULL;
	for (i = 0; i < SV__COUNT; i++)
		if (env(var_names[i]))
			envv.v[i] = xstrdup(env(var_names[i]));
	cerr = load_config(&filev, &path);
	/* a broken config file matters only when it is the source used */
	if (cerr && cerr != AC_NOTFOUND)
		cmsg = xstrdup(ac_message());
	ac_clear();
	/* the resource group is resolved apart from the credentials */
	if (envv.v[SV_RESOURCE_GROUP])
		*group = xstrdup(envv.v[SV_RESOURCE_GROUP]);
	else if (filev.v[SV_RESOURCE_GROUP])
		*group = xstrdup(filev.v[SV_RESOURCE_GROUP]);

	if (env("AICORE_SERVICE_KEY")) {
		*source = xstrdup("$AICORE_SERVICE_KEY");
		err = from_service_key_env(key);
	} else if (sap_vars_have_credentials(&envv)) {
		*source = xstrdup("the AICORE_* environment variables");
		err = sap_vars_to_key(&envv, "the AICORE_* variables", key);
	} else if (cmsg) {
		err = ac_fail(cerr, "%s", cmsg);
	} else if (!cerr && sap_vars_have_credentials(&filev)) {
		*source = xstrdup(path);
		err = sap_vars_to_key(&filev, path, key);
	} else if (env("VCAP_SERVICES")) {
		const char *v = env("VCAP_SERVICES");

		*source = xstrdup("$VCAP_SERVICES");
		err = sap_vcap_parse(v, strlen(v), key);
		if (err == AC_NOTFOUND)
			err = ac_fail(AC_USAGE, "no FILE given, and no SAP SDK credentials found: $VCAP_SERVICES has no service labelled aicore — give the service key file: agentcred profile import-sap-key NAME FILE");
	} else {
		err = ac_fail(AC_USAGE, "no FILE given, and no SAP SDK credentials found ($AICORE_SERVICE_KEY, AICORE_* variables, %s, $VCAP_SERVICES) — give the service key file: agentcred profile import-sap-key NAME FILE",
			      path ? path : "~/.aicore/config.json");
	}
	if (err) {
		free(*source);
		free(*group);
		*source = *group = NULL;
		sap_key_release(key);
	}
	free(path);
	free(cmsg);
	sap_vars_release(&envv);
	sap_vars_release(&filev);
	return err;
}

/*
 * Parser of KUBERNETES_EXEC_INFO and builder of the ExecCredential answer.
 *
 * Rules: the input is hostile — its size is bounded, every field's type is
 * checked, unknown fields are ignored (client-go adds spec.cluster with
 * provideClusterInfo: only its server is looked at, to refuse plain http
 * off loopback), and a value quoted in an error message is cut and
 * stripped of control characters.  The answer carries the token, so cJSON
 * frees it through the wiping hooks and the printed copy is sec_free()d.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "kubeproto.h"
#include "lib/secmem.h"
#include "lib/util.h"

#define API_GROUP "client.authentication.k8s.io/"

static const char *const api_names[] = {
	[KUBE_V1] = API_GROUP "v1",
	[KUBE_V1BETA1] = API_GROUP "v1beta1",
};

const char *kube_api_version(enum kube_api api)
{
	return api == KUBE_V1BETA1 ? api_names[KUBE_V1BETA1] : api_names[KUBE_V1];
}

static enum ac_err unsupported(const char *version)
{
	char shown[65];

	snprintf(shown, sizeof(shown), "%s", version);
	sanitize_line(shown, sizeof(shown) - 1);
	return ac_fail(AC_USAGE,
		       "KUBERNETES_EXEC_INFO asks for apiVersion \"%s\", which agentcred does not speak — "
		       "set apiVersion: " API_GROUP "v1 (or v1beta1) in the kubeconfig's exec section",
		       shown);
}

enum ac_err kube_info_parse(const char *text, size_t len, struct kube_info *out)
{
	const cJSON *v, *spec;
	cJSON *o;
	enum ac_err err = AC_OK;
	const char *why;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (len > KUBE_INFO_MAX)
		return ac_fail(AC_USAGE, "KUBERNETES_EXEC_INFO is larger than %d KiB — is it really set by kubectl?",
			       KUBE_INFO_MAX / 1024);
	o = json_parse_strict(text, len, 0, &why);
	if (!o && why)
		return ac_fail(AC_USAGE, "KUBERNETES_EXEC_INFO %s — run agentcred kube from kubectl's exec section", why);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return ac_fail(AC_USAGE, "KUBERNETES_EXEC_INFO is not a JSON object — run agentcred kube from kubectl's exec section");
	}

	v = cJSON_GetObjectItemCaseSensitive(o, "apiVersion");
	if (!cJSON_IsString(v)) {
		err = ac_fail(AC_USAGE, "KUBERNETES_EXEC_INFO has no apiVersion string — set apiVersion: " API_GROUP "v1 in the kubeconfig");
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(api_names); i++)
		if (!strcmp(v->valuestring, api_names[i]))
			break;
	if (i == ARRAY_SIZE(api_names)) {
		err = unsupported(v->valuestring);
		goto out;
	}
	out->api = (enum kube_api)i;

	/* client-go always sends kind; an absent one is tolerated. */
	v = cJSON_GetObjectItemCaseSensitive(o, "kind");
	if (v && !(cJSON_IsString(v) && !strcmp(v->valuestring, "ExecCredential"))) {
		err = ac_fail(AC_USAGE, "KUBERNETES_EXEC_INFO is not of kind ExecCredential");
		goto out;
	}

	spec = cJSON_GetObjectItemCaseSensitive(o, "spec");
	if (spec && !cJSON_IsNull(spec)) {
		if (!cJSON_IsObject(spec)) {
			err = ac_fail(AC_USAGE, "KUBERNETES_EXEC_INFO: spec is not an object");
			goto out;
		}
		v = cJSON_GetObjectItemCaseSensitive(spec, "interactive");
		if (v && !cJSON_IsBool(v) && !cJSON_IsNull(v)) {
			err = ac_fail(AC_USAGE, "KUBERNETES_EXEC_INFO: spec.interactive is not true or false");
			goto out;
		}
		out->interactive = cJSON_IsTrue(v);
		/* provideClusterInfo: never a bearer token for plain http off
		 * loopback (kubectl would send it there in clear text) */
		v = cJSON_GetObjectItemCaseSensitive(spec, "cluster");
		v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "server") : NULL;
		if (cJSON_IsString(v) && !strncasecmp(v->valuestring, "http://", 7)) {
			char host[256];

			if (url_host(v->valuestring, host, sizeof(host)) || !host_is_loopback(host)) {
				err = ac_fail(AC_USAGE, "the cluster's server is plain http off this machine; agentcred does not hand a bearer token to it — use https in the kubeconfig");
				goto out;
			}
		}
	}
out:
	cJSON_Delete(o);
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}

long long kube_expiry(long long expires_at, long long margin, long long now)
{
	long long when = expires_at - (margin > 0 ? margin : 0);

	if (when < now + KUBE_MIN_VALIDITY)
		when = now + KUBE_MIN_VALIDITY;
	return when;
}

void kube_answer(enum kube_api api, const char *token, long long expiry,
		 struct sbuf *out)
{
	cJSON *o = cJSON_CreateObject(), *status;
	char when[21], *text;

	if (!o)
		return;
	cJSON_AddStringToObject(o, "apiVersion", kube_api_version(api));
	cJSON_AddStringToObject(o, "kind", "ExecCredential");
	status = cJSON_AddObjectToObject(o, "status");
	if (status) {
		cJSON_AddStringToObject(status, "token", token);
		if (expiry) {
			format_rfc3339(expiry, when);
			cJSON_AddStringToObject(status, "expirationTimestamp", when);
		}
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text) {
		sbuf_addstr(out, text);
		sbuf_addch(out, '\n');
		sec_free(text);
	}
}

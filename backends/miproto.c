/* A managed identity endpoint's answer (see miproto.h). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../helper/lib/util.h"
#include "miproto.h"
#include "oauth.h"

/* expires_on as digits (a string, as IMDS sends it) or a number. */
static int expires_on(const cJSON *root, long long *out)
{
	const cJSON *eo = cJSON_GetObjectItemCaseSensitive(root, "expires_on");
	const char *s;
	long long v = 0;

	if (cJSON_IsNumber(eo)) {
		if (!(eo->valuedouble > 0 && eo->valuedouble <= (double)AC_TIME_MAX))
			return -1;
		*out = (long long)eo->valuedouble;
		return 0;
	}
	if (!cJSON_IsString(eo) || !(s = eo->valuestring) || !*s || strlen(s) > 12)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v <= 0 || v > AC_TIME_MAX)
		return -1;
	*out = v;
	return 0;
}

enum ac_err mi_parse_response(long status, const char *body, size_t len,
			      long long now, struct token *out)
{
	enum ac_err err;
	cJSON *root;
	long long eo;

	memset(out, 0, sizeof(*out));
	if (status == 401 || status == 403)
		return ac_fail(AC_REJECTED, "the managed identity endpoint refused the request (HTTP %ld) — check IDENTITY_HEADER, or that this machine has that managed identity",
			       status);
	if (status == 404 || status == 410)
		return ac_fail(AC_NETWORK, "the managed identity endpoint is not ready (HTTP %ld) — try again later",
			       status);
	if ((err = oauth_parse_response(status, body, len, now, out)))
		return err;
	root = json_parse_whole(body, len);
	if (root && !cJSON_GetObjectItemCaseSensitive(root, "expires_in") &&
	    !expires_on(root, &eo)) {
		if (eo <= now) {
			cJSON_Delete(root);
			token_release(out);
			return ac_fail(AC_NETWORK, "the managed identity endpoint issued a token that has already expired — check this machine's clock");
		}
		out->expires_at = eo;
	}
	cJSON_Delete(root);
	return AC_OK;
}

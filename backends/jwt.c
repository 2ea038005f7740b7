/*
 * JWT payload decoding (see jwt.h).  Pure and bounded: no allocation
 * beyond the decoded payload and cJSON's tree, both wiped when freed
 * because the payload of an access token is as sensitive as the token.
 */
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jwt.h"
#include "../helper/lib/util.h"

int jwt_payload(const char *token, struct sbuf *out)
{
	const char *dot1, *dot2, *p;
	size_t len = strnlen(token, JWT_MAX_LEN + 1);

	if (len == 0 || len > JWT_MAX_LEN)
		return -1;
	dot1 = memchr(token, '.', len);
	if (!dot1)
		return -1;
	p = dot1 + 1;
	dot2 = memchr(p, '.', len - (size_t)(p - token));
	/* three parts exactly: a JWE (five parts) has no readable payload */
	if (!dot2 || dot1 == token || dot2 == p ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
		return -1;
	if (base64url_decode(p, (size_t)(dot2 - p), out)) {
		sbuf_release(out);
		return -1;
	}
	return 0;
}

int jwt_payload_exp(const char *token, long long *exp)
{
	struct sbuf payload = SBUF_INIT;
	cJSON *root, *item;
	int ret = -1;

	if (jwt_payload(token, &payload))
		return -1;
	root = json_parse_whole(payload.buf, payload.len);
	sbuf_release(&payload);
	if (!root)
		return -1;
	item = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "exp")
				    : NULL;
	if (cJSON_IsNumber(item) && isfinite(item->valuedouble) &&
	    item->valuedouble >= 1 && item->valuedouble <= (double)AC_TIME_MAX) {
		*exp = (long long)item->valuedouble;	/* truncates */
		ret = 0;
	}
	cJSON_Delete(root);
	return ret;
}

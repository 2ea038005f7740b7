/*
 * libFuzzer harness for the managed identity answer, mi_parse_response():
 * the first byte picks the HTTP status, the rest is the body.  Also feeds
 * the body to parse_rfc3339() (certificate_expires in config.json).
 * Invariants: a token only on AC_OK, unexpired and line-free; a one-line
 * message; a parsed date is never negative.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../backends/entra_cred.h"
#include "../../backends/miproto.h"
#include "../../helper/lib/secmem.h"
#include "../../helper/lib/util.h"

static const long statuses[] = {
	200, 201, 301, 400, 401, 403, 404, 410, 429, 500, 503
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const long long now = 1800000000LL;
	struct token t;
	enum ac_err err;
	long long when = -1;
	char *body;
	long status;

	if (size < 1)
		return 0;
	status = statuses[data[0] % ARRAY_SIZE(statuses)];
	body = xmalloc(size);
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	ac_clear();
	err = mi_parse_response(status, body, size - 1, now, &t);
	if (err == AC_OK) {
		if (!t.access_token || !*t.access_token ||
		    has_newline(t.access_token) || t.expires_at <= now ||
		    t.expires_at > AC_TIME_MAX)
			abort();
	} else {
		if (t.access_token || has_newline(ac_message()))
			abort();
		if (err != AC_NETWORK && err != AC_REJECTED)
			abort();
	}
	token_release(&t);
	if (!parse_rfc3339(body, &when) && when < 0)
		abort();
	sec_free(body);
	return 0;
}

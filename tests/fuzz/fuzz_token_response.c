/*
 * libFuzzer harness for oauth_parse_response(): the first byte picks the
 * HTTP status, the rest is the body.  Checks the invariants callers rely
 * on: a token only on AC_OK, bounded and line-free; a one-line message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../backends/oauth.h"
#include "../../helper/lib/secmem.h"
#include "../../helper/lib/util.h"

static const long statuses[] = {
	200, 201, 204, 301, 302, 400, 401, 403, 404, 429, 500, 502, 503, 100
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct token t;
	enum ac_err err;
	char *body;
	long status;

	if (size < 1)
		return 0;
	status = statuses[data[0] % ARRAY_SIZE(statuses)];
	body = xmalloc(size);
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	ac_clear();
	err = oauth_parse_response(status, body, size - 1, 1700000000LL, &t);
	if (err == AC_OK) {
		if (!t.access_token || !*t.access_token ||
		    has_newline(t.access_token) || !t.token_type ||
		    t.expires_at <= t.obtained_at)
			abort();
	} else {
		if (t.access_token || has_newline(ac_message()))
			abort();
		if (err != AC_NETWORK && err != AC_REJECTED)
			abort();
	}
	token_release(&t);
	sec_free(body);
	return 0;
}

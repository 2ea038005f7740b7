/*
 * libFuzzer: cached token values (token_from_json in helper/token.c).
 * Whatever parses must survive a to_json/from_json round trip unchanged
 * and format as a four-digit-year date.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../helper/token.h"
#include "../../helper/lib/util.h"
#include "../unit/stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct token t, back;
	struct sbuf sb = SBUF_INIT;
	char when[21];

	if (token_from_json((const char *)data, size, &t) != AC_OK) {
		ac_clear();
		return 0;
	}
	if (t.expires_at < 0 || t.expires_at > AC_TIME_MAX ||
	    t.obtained_at < 0 || t.obtained_at > AC_TIME_MAX)
		__builtin_trap();
	format_rfc3339(t.expires_at, when);
	if (strlen(when) != 20)
		__builtin_trap();
	token_to_json(&t, &sb);
	if (token_from_json(sb.buf, sb.len, &back) != AC_OK ||
	    strcmp(back.access_token, t.access_token) ||
	    strcmp(back.token_type, t.token_type) ||
	    back.expires_at != t.expires_at || back.obtained_at != t.obtained_at)
		__builtin_trap();
	token_release(&back);
	token_release(&t);
	sbuf_release(&sb);
	return 0;
}

/*
 * libFuzzer harness for the small parsers of config values (helper/lib/util.c):
 * url_host() and url_check_scheme() on token_url/api_url/authority,
 * parse_date_end_of_day() on "expires", looks_like_guid() on tenant and
 * app ids, base64url_decode() and sanitize_line().  Checks the promises
 * callers rely on: a host is non-empty, NUL-terminated, fits, and holds
 * no '/', '?', '#' or '@'; a URL accepted for use is https://, or
 * http:// to a host host_is_loopback() accepts; a message is one line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../helper/lib/err.h"
#include "../../helper/lib/sbuf.h"
#include "../../helper/lib/secmem.h"
#include "../../helper/lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf out = SBUF_INIT;
	char host[256], small[8];
	long long t;
	char *s = xmalloc(size + 1);
	size_t n;

	memcpy(s, data, size);
	s[size] = '\0';

	if (url_host(s, host, sizeof(host)) == 0) {
		n = strlen(host);
		if (n == 0 || n >= sizeof(host) || strpbrk(host, "/?#@"))
			abort();
	}
	if (url_host(s, small, sizeof(small)) == 0 && strlen(small) >= sizeof(small))
		abort();
	ac_clear();
	if (url_check_scheme(s, "token_url") == AC_OK) {
		if (url_host(s, host, sizeof(host)))
			abort();
		if (strncasecmp(s, "https://", 8) &&
		    (strncasecmp(s, "http://", 7) || !host_is_loopback(host)))
			abort();
	} else if (has_newline(ac_message()) && !has_newline(s)) {
		abort();
	}
	ac_clear();

	if (parse_date_end_of_day(s, &t) == 0 &&
	    (t < 86399 || t > 253402300799LL || (t + 1) % 86400))
		abort();
	n = strlen(s);		/* the parsers see C strings */
	if (looks_like_guid(s) && n != 36)
		abort();
	if (base64url_decode(s, n, &out) == 0 && out.len > n)
		abort();
	sbuf_release(&out);

	sanitize_line(s, 64);
	if (strlen(s) > 64 || has_newline(s))
		abort();
	sec_free(s);
	return 0;
}

/*
 * libFuzzer harness for curl -K header lines (helper/curlproto.c).  Input:
 * NAME, a NUL byte, VALUE.  Whatever is accepted must be exactly one line
 * that curl 7.88's unslashquote() turns back into "NAME: VALUE".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../helper/curlproto.h"
#include "../../helper/lib/secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What curl's config parser makes of the quoted part of the line. */
static char *unquote(const char *line)
{
	const char *q = strchr(line, '"');
	char *res = xmalloc(strlen(line) + 1), *o = res;

	if (!q)
		abort();
	for (q++; *q && *q != '"'; q++) {
		if (*q == '\\') {
			q++;
			if (!*q || strchr("tnrv", *q))
				abort();	/* we never emit those escapes */
		}
		*o++ = *q;
	}
	if (strcmp(q, "\"\n"))
		abort();		/* the closing quote ends the line */
	*o = '\0';
	return res;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf out = SBUF_INIT, want = SBUF_INIT;
	char *copy, *name, *value, *got;
	size_t nlen;

	copy = xmalloc(size + 2);
	memcpy(copy, data, size);
	copy[size] = copy[size + 1] = '\0';
	name = copy;
	nlen = strnlen(copy, size);
	value = copy + nlen + (nlen < size);
	if (nlen < size && strlen(value) != size - nlen - 1) {
		sec_free(copy);		/* a second NUL: not one name and one value */
		return 0;
	}
	if (curlcfg_header(&out, name, value) == AC_OK) {
		if (!out.len || memchr(out.buf, '\n', out.len) != out.buf + out.len - 1 ||
		    memchr(out.buf, '\r', out.len))
			abort();
		got = unquote(out.buf);
		sbuf_addstr(&want, name);
		if (*value) {
			sbuf_addstr(&want, ": ");
			sbuf_addstr(&want, value);
		} else {
			sbuf_addch(&want, ';');
		}
		if (strcmp(got, sbuf_str(&want)))
			abort();
		sec_free(got);
	} else if (out.len) {
		abort();
	}
	sbuf_release(&want);
	sbuf_release(&out);
	sec_free(copy);
	return 0;
}

/*
 * libFuzzer harness for helper/gitproto.c: any bytes as a git credential
 * request and as a stored keyring secret.  Checks the invariants the
 * helper relies on: no crash, no leak, and an answer never carries CR or
 * LF inside a value (each output line is "key=value" with one '=' key).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../helper/gitproto.h"
#include "../../helper/lib/secmem.h"
#include "../../helper/lib/util.h"

static void check_answer(const struct sbuf *out)
{
	const char *p = sbuf_str(out), *end = p + out->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl || memchr(p, '\r', (size_t)(nl - p)) || !memchr(p, '=', (size_t)(nl - p)))
			abort();
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct git_cred c = GIT_CRED_INIT, s = GIT_CRED_INIT;
	struct sbuf out = SBUF_INIT;

	if (gitproto_parse((const char *)data, size, &c) == AC_OK) {
		gitproto_write(&c, &out);
		check_answer(&out);
		sbuf_reset(&out);
		if (c.protocol) {
			gitproto_label(&c, &out);
			sbuf_reset(&out);
		}
		gitproto_secret_format(&c, &out);
		gitproto_secret_parse(out.buf ? out.buf : "", out.len, &s);
		/* the secret layout round-trips what git can send */
		if (c.password && !strchr(c.password, '\n') &&
		    strcmp(s.password, c.password))
			abort();
		(void)gitproto_match(&c, s.password, c.protocol, "h", "443", NULL);
		gitproto_release(&s);
	}
	gitproto_release(&c);
	sbuf_release(&out);

	gitproto_secret_parse((const char *)data, size, &s);
	gitproto_release(&s);
	(void)utf8_valid((const char *)data, size);
	return 0;
}

/*
 * curl -K config lines for request headers.
 *
 * Rules: a value is escaped for curl's quoted strings (\" and \\ only;
 * other printable bytes pass through, UTF-8 included); a header name or
 * value that could break out of its line is refused, not repaired, since
 * a silently changed header is worse than a clear error; the values are
 * secrets, so every scratch buffer is wiped and errors never quote them.
 */
#include <string.h>

#include "curlproto.h"
#include "lib/secmem.h"

static int name_ok(const char *n)
{
	if (!*n)
		return 0;
	for (; *n; n++) {
		unsigned char c = (unsigned char)*n;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c))))
			return 0;
	}
	return 1;
}

static int value_ok(const char *v)
{
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

static void add_quoted(struct sbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sbuf_addch(out, '\\');
		sbuf_addch(out, *s);
	}
}

enum ac_err curlcfg_header(struct sbuf *out, const char *name, const char *value)
{
	if (!name || !name_ok(name) || strlen(name) > 256)
		return ac_fail(AC_USAGE, "header name \"%.64s\" is not an HTTP token — fix the profile's headers",
			       name && value_ok(name) ? name : "?");
	if (!value || !value_ok(value))
		return ac_fail(AC_USAGE, "the value of header %s has a line break or control character — it cannot be passed to curl",
			       name);
	sbuf_addstr(out, "header = \"");
	sbuf_addstr(out, name);
	if (*value) {
		sbuf_addstr(out, ": ");
		add_quoted(out, value);
	} else {
		sbuf_addch(out, ';');
	}
	sbuf_addstr(out, "\"\n");
	return AC_OK;
}

enum ac_err curlcfg_headers(struct sbuf *out, const struct header *h, size_t n)
{
	struct sbuf tmp = SBUF_INIT;
	enum ac_err err = AC_OK;
	size_t i;

	for (i = 0; i < n && !err; i++)
		err = curlcfg_header(&tmp, h[i].name, h[i].value);
	if (!err && tmp.len)
		sbuf_add(out, tmp.buf, tmp.len);
	sbuf_release(&tmp);
	return err;
}

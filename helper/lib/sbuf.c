/* Growable buffer; wiped on reset and release since it carries secrets. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sbuf.h"
#include "secmem.h"

static void grow(struct sbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;
	size_t n;

	if (want < extra)
		want = (size_t)-1;
	if (want <= sb->alloc)
		return;
	n = sb->alloc ? sb->alloc : 64;
	while (n < want)
		n = n * 2 > n ? n * 2 : want;
	sb->buf = xrealloc(sb->buf, n);
	sb->alloc = n;
}

void sbuf_add(struct sbuf *sb, const void *data, size_t len)
{
	grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sbuf_addstr(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, s, strlen(s));
}

void sbuf_addch(struct sbuf *sb, char c)
{
	sbuf_add(sb, &c, 1);
}

void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

const char *sbuf_str(const struct sbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

char *sbuf_detach(struct sbuf *sb, size_t *len)
{
	char *p;

	if (!sb->buf)
		sbuf_add(sb, "", 0);
	p = sb->buf;
	if (len)
		*len = sb->len;
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return p;
}

void sbuf_reset(struct sbuf *sb)
{
	if (sb->buf)
		secmem_wipe(sb->buf, sb->alloc);
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sbuf_release(struct sbuf *sb)
{
	sec_free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
}

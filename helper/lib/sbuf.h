/*
 * A growable NUL-terminated byte buffer.  Released with sbuf_release(),
 * which wipes it: buffers routinely carry form bodies with secrets.
 */
#ifndef AGENTCRED_SBUF_H
#define AGENTCRED_SBUF_H

#include <stddef.h>

struct sbuf {
	char *buf;	/* always NUL-terminated once anything was added */
	size_t len;
	size_t alloc;
};

#define SBUF_INIT { NULL, 0, 0 }

void sbuf_add(struct sbuf *sb, const void *data, size_t len);
void sbuf_addstr(struct sbuf *sb, const char *s);
void sbuf_addch(struct sbuf *sb, char c);
void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *sbuf_str(const struct sbuf *sb);	/* "" when empty */
char *sbuf_detach(struct sbuf *sb, size_t *len);	/* caller sec_free()s */
void sbuf_reset(struct sbuf *sb);		/* wipe, keep allocation */
void sbuf_release(struct sbuf *sb);		/* wipe and free */

#endif

/*
 * Lines of curl's -K/--config syntax carrying the request headers
 * (README.md, "Design: front-end protocols").  Pure functions.
 *
 * The syntax of curl 7.88's parser (src/tool_parsecfg.c): `header = "…"`,
 * where inside the double quotes a backslash takes the next character
 * literally (\t \n \r \v are control characters), so `"` and `\` are
 * written as \" and \\.
 */
#ifndef AGENTCRED_CURLCFG_H
#define AGENTCRED_CURLCFG_H

#include <stddef.h>

#include "config.h"
#include "lib/err.h"
#include "lib/sbuf.h"

/*
 * Append `header = "Name: value"` and a newline.  The name must be an HTTP
 * token; the value must hold no control character other than tab (a CR or
 * LF would start a new header or config line).  An empty value is written
 * `Name;`, curl's way of sending an empty header (`Name:` would remove it).
 * On error nothing is appended and the message names the header, never the
 * value.
 */
enum ac_err curlcfg_header(struct sbuf *out, const char *name, const char *value);

/* All of h[0..n), all or nothing. */
enum ac_err curlcfg_headers(struct sbuf *out, const struct header *h, size_t n);

#endif

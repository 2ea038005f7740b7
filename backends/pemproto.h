/*
 * PEM bundles as SAP's X.509 service keys carry them: a certificate chain
 * (leaf first) and one private key, possibly with "\n" written as the two
 * characters backslash and n.  Pure text handling, no cryptography (the
 * crypto module checks what the blocks contain).
 */
#ifndef AGENTCRED_PEMPROTO_H
#define AGENTCRED_PEMPROTO_H

#include <stddef.h>

#include "../helper/lib/err.h"
#include "../helper/lib/sbuf.h"

#define PEM_MAX (256 * 1024)

/*
 * A copy of s[0..len) with every backslash-n turned into a newline and
 * every CR dropped (sec_free: it may hold a key).
 */
char *pem_unescape(const char *s, size_t len, size_t *out_len);

/*
 * Split pem[0..len): every CERTIFICATE block, in order, appended to certs
 * (may be NULL), and the one private key block (PRIVATE KEY, RSA PRIVATE
 * KEY or EC PRIVATE KEY) appended to key (may be NULL; a secret).  Each
 * block is written as BEGIN line, body lines, END line, with "\n" line
 * ends.  Text between blocks and other block types are skipped.
 * AC_USAGE (with a message naming what) for an unterminated or malformed
 * block, an encrypted key, two keys, or nothing of what was asked for:
 * no certificate when certs is given, no key when key is given.
 */
enum ac_err pem_split(const char *pem, size_t len, struct sbuf *certs,
		      struct sbuf *key);

#endif

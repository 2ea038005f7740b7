/*
 * PEM bundle splitting (see pemproto.h).
 *
 * Rules: the input is hostile (bounded by PEM_MAX, a block's label and
 * body checked line by line: base64 characters and RFC 1421 header lines
 * only); what is copied out is rebuilt from checked lines, so nothing
 * unexpected reaches libcurl; every buffer that held key text is wiped.
 */
#include <string.h>

#include "../helper/lib/secmem.h"
#include "../helper/lib/util.h"
#include "pemproto.h"

#define MAX_LABEL 40
#define MAX_LINE 1024

char *pem_unescape(const char *s, size_t len, size_t *out_len)
{
	char *out = xmalloc(len + 1);
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && s[i + 1] == 'n') {
			out[n++] = '\n';
			i++;
		} else if (s[i] != '\r') {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	if (out_len)
		*out_len = n;
	return out;
}

/* One line of s[*pos..len): its start and length without the line end. */
static int next_line(const char *s, size_t len, size_t *pos,
		     const char **line, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*line = s + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*n = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += *n + (nl ? 1 : 0);
	/* trailing white space (a CR, blanks) is not part of the line */
	while (*n && ((*line)[*n - 1] == ' ' || (*line)[*n - 1] == '\t' ||
		      (*line)[*n - 1] == '\r'))
		(*n)--;
	return 1;
}

/* "-----BEGIN LABEL-----" / "-----END LABEL-----": the label, or 0. */
static size_t boundary(const char *line, size_t n, const char *kind,
		       char label[MAX_LABEL + 1])
{
	size_t k = strlen(kind), i, m;

	if (n < 10 + k || memcmp(line, "-----", 5) || memcmp(line + 5, kind, k) ||
	    line[5 + k] != ' ' || memcmp(line + n - 5, "-----", 5))
		return 0;
	m = n - 5 - (6 + k);
	if (m == 0 || m > MAX_LABEL)
		return 0;
	for (i = 0; i < m; i++) {
		char c = line[6 + k + i];

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' '))
			return 0;
	}
	memcpy(label, line + 6 + k, m);
	label[m] = '\0';
	return m;
}

static int base64_line(const char *line, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = line[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
			return 0;
	}
	return 1;
}

/* RFC 1421 headers (Proc-Type, DEK-Info) of traditional encrypted keys. */
static int header_line(const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n);

	return colon && colon > line && !memchr(line, ' ', (size_t)(colon - line));
}

static int is_key_label(const char *label)
{
	return !strcmp(label, "PRIVATE KEY") || !strcmp(label, "RSA PRIVATE KEY") ||
	       !strcmp(label, "EC PRIVATE KEY");
}

enum ac_err pem_split(const char *pem, size_t len, struct sbuf *certs,
		      struct sbuf *key)
{
	struct sbuf block = SBUF_INIT;
	char label[MAX_LABEL + 1], end[MAX_LABEL + 1];
	const char *line;
	size_t pos = 0, n;
	int ncerts = 0, nkeys = 0, body, encrypted;
	enum ac_err err = AC_OK;

	if (len > PEM_MAX)
		return ac_fail(AC_USAGE, "the certificate or key is larger than %d bytes", PEM_MAX);
	while (next_line(pem, len, &pos, &line, &n)) {
		if (!boundary(line, n, "BEGIN", label))
			continue;
		sbuf_reset(&block);
		sbuf_addf(&block, "-----BEGIN %s-----\n", label);
		body = encrypted = 0;
		for (;;) {
			if (!next_line(pem, len, &pos, &line, &n)) {
				err = ac_fail(AC_USAGE, "a PEM block (%s) has no END line — copy the whole certificate and key",
					      label);
				goto out;
			}
			if (boundary(line, n, "END", end)) {
				if (strcmp(end, label)) {
					err = ac_fail(AC_USAGE, "a PEM block BEGIN %s ends with END %s", label, end);
					goto out;
				}
				break;
			}
			if (n > MAX_LINE) {
				err = ac_fail(AC_USAGE, "a PEM block (%s) has a line over %d characters", label, MAX_LINE);
				goto out;
			}
			if (n == 0)
				continue;
			if (!base64_line(line, n)) {
				/* only an encrypted key has headers: it is refused below */
				if (body || !header_line(line, n) ||
				    (!encrypted && (n < 10 || memcmp(line, "Proc-Type:", 10)))) {
					err = ac_fail(AC_USAGE, "a PEM block (%s) holds something that is not base64", label);
					goto out;
				}
				encrypted = 1;
				continue;
			}
			body = 1;
			sbuf_add(&block, line, n);
			sbuf_addch(&block, '\n');
		}
		if (!body) {
			err = ac_fail(AC_USAGE, "a PEM block (%s) is empty", label);
			goto out;
		}
		sbuf_addf(&block, "-----END %s-----\n", label);
		if (!strcmp(label, "CERTIFICATE")) {
			ncerts++;
			if (certs)
				sbuf_add(certs, block.buf, block.len);
		} else if (!strcmp(label, "ENCRYPTED PRIVATE KEY") || encrypted) {
			err = ac_fail(AC_USAGE, "the private key is encrypted — agentcred needs it without a passphrase (openssl pkey -in KEY -out KEY.plain)");
			goto out;
		} else if (is_key_label(label)) {
			if (++nkeys > 1) {
				err = ac_fail(AC_USAGE, "there are two private keys where one is expected");
				goto out;
			}
			if (key)
				sbuf_add(key, block.buf, block.len);
		}
	}
	if (certs && !ncerts)
		err = ac_fail(AC_USAGE, "no PEM certificate (-----BEGIN CERTIFICATE-----) found");
	else if (key && !nkeys)
		err = ac_fail(AC_USAGE, "no PEM private key (-----BEGIN PRIVATE KEY-----) found");
out:
	sbuf_release(&block);
	return err;
}

/* Small pure helpers: bounded reads, encodings, dates, URL checks. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "secmem.h"
#include "util.h"

enum ac_err read_fd_limited(int fd, size_t max, const char *what,
			    char **out, size_t *len)
{
	struct sbuf sb = SBUF_INIT;
	char chunk[4096];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			secmem_wipe(chunk, sizeof(chunk));
			sbuf_release(&sb);
			return ac_fail(AC_FAIL, "cannot read %s: %s", what,
				       strerror(errno));
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > max) {
			secmem_wipe(chunk, sizeof(chunk));
			sbuf_release(&sb);
			return ac_fail(AC_FAIL, "%s is larger than %zu bytes",
				       what, max);
		}
		sbuf_add(&sb, chunk, (size_t)n);
	}
	secmem_wipe(chunk, sizeof(chunk));
	*out = sbuf_detach(&sb, len);
	return AC_OK;
}

enum ac_err read_file_limited(const char *path, size_t max, const char *what,
			      char **out, size_t *len)
{
	enum ac_err err;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return ac_fail(errno == ENOENT ? AC_NOTFOUND : AC_FAIL,
			       "cannot open %s %s: %s", what, path,
			       strerror(errno));
	err = read_fd_limited(fd, max, what, out, len);
	close(fd);
	return err;
}

/*
 * Does the text hold a string with \u0000 (or a raw NUL)?  cJSON ends its
 * C strings there, so "a\u0000x" would read as "a" here and as four
 * characters in another parser.  Called only on text cJSON accepted, so
 * quotes and escapes are well formed.
 */
static int json_has_nul(const char *text, size_t len)
{
	size_t i;
	int in_str = 0;

	if (memchr(text, '\0', len))
		return 1;
	for (i = 0; i < len; i++) {
		if (text[i] == '"') {
			in_str = !in_str;
		} else if (in_str && text[i] == '\\' && i + 1 < len) {
			if (text[i + 1] == 'u' && i + 5 < len &&
			    !memcmp(text + i + 2, "0000", 4))
				return 1;
			i++;	/* skip the escaped character */
		}
	}
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int key_casecmp(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* A key twice among one object's members; the key, or NULL. */
static const char *json_dup_key(const cJSON *o, unsigned flags)
{
	const cJSON *c;
	const char **keys = NULL, *dup = NULL;
	size_t n = 0, i;

	if (cJSON_IsObject(o)) {
		for (c = o->child; c; c = c->next)
			n++;
		if (n > 1) {
			int (*cmp)(const void *, const void *) =
				flags & JSON_KEYS_NOCASE ? key_casecmp : key_cmp;

			keys = xmalloc(n * sizeof(*keys));
			for (i = 0, c = o->child; c; c = c->next)
				keys[i++] = c->string ? c->string : "";
			qsort(keys, n, sizeof(*keys), cmp);
			for (i = 1; i < n && !dup; i++)
				if (!cmp(&keys[i - 1], &keys[i]))
					dup = keys[i];
			free(keys);
		}
	}
	for (c = o->child; c && !dup; c = c->next)
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			dup = json_dup_key(c, flags);	/* nesting <= CJSON_NESTING_LIMIT */
	return dup;
}

struct cJSON *json_parse_strict(const char *text, size_t len, unsigned flags,
				const char **why)
{
	static _Thread_local char line[160];
	const char *end = NULL, *dup;
	cJSON *o = cJSON_ParseWithLengthOpts(text, len, &end, 0);

	if (why)
		*why = NULL;
	while (o && end < text + len && *end && strchr(" \t\r\n", *end))
		end++;
	if (o && end != text + len) {
		cJSON_Delete(o);
		return NULL;
	}
	if (!o)
		return NULL;
	if (json_has_nul(text, len)) {
		cJSON_Delete(o);
		if (why)
			*why = "has a string holding \\u0000 (NUL), which parsers read differently";
		return NULL;
	}
	if ((dup = json_dup_key(o, flags))) {
		size_t i, n = strlen(dup);
		int plain = n > 0 && n <= 40;

		/* name the key only when it is a plain word (never a value) */
		for (i = 0; i < n && plain; i++)
			plain = isalnum((unsigned char)dup[i]) || dup[i] == '_' || dup[i] == '-';
		if (plain)
			snprintf(line, sizeof(line), "has the key \"%s\" twice in one object%s",
				 dup, flags & JSON_KEYS_NOCASE ? " (keys compared ignoring case)" : "");
		else
			snprintf(line, sizeof(line), "has a key twice in one object");
		cJSON_Delete(o);
		if (why)
			*why = line;
		return NULL;
	}
	return o;
}

struct cJSON *json_parse_whole(const char *text, size_t len)
{
	return json_parse_strict(text, len, 0, NULL);
}

enum ac_err user_home(const char **home)
{
	const char *h = getenv("HOME");

	if (!h || h[0] != '/') {
		struct passwd *pw = getpwuid(getuid());

		h = pw ? pw->pw_dir : NULL;
	}
	if (!h || h[0] != '/')
		return ac_fail(AC_USAGE, "no home directory: $HOME is not an absolute path and the passwd entry of uid %ld has none — set HOME",
			       (long)getuid());
	*home = h;
	return AC_OK;
}

enum ac_err xdg_dir(const char *var, const char *fallback, const char *sub,
		    struct sbuf *out)
{
	const char *base = getenv(var);
	enum ac_err err;

	if (base && base[0] == '/') {
		sbuf_addf(out, "%s/%s", base, sub);
		return AC_OK;
	}
	if ((err = user_home(&base)))
		return err;
	sbuf_addf(out, "%s/%s/%s", base, fallback, sub);
	return AC_OK;
}

void form_escape(struct sbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*') {
			sbuf_addch(sb, (char)c);
		} else if (c == ' ') {
			sbuf_addch(sb, '+');
		} else {
			sbuf_addch(sb, '%');
			sbuf_addch(sb, hex[c >> 4]);
			sbuf_addch(sb, hex[c & 15]);
		}
	}
}

void form_add(struct sbuf *sb, const char *key, const char *value)
{
	if (sb->len)
		sbuf_addch(sb, '&');
	form_escape(sb, key);
	sbuf_addch(sb, '=');
	form_escape(sb, value);
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(struct sbuf *sb, const unsigned char *d, size_t len)
{
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		sbuf_addch(sb, b64[d[i] >> 2]);
		sbuf_addch(sb, b64[((d[i] & 3) << 4) | (d[i + 1] >> 4)]);
		sbuf_addch(sb, b64[((d[i + 1] & 15) << 2) | (d[i + 2] >> 6)]);
		sbuf_addch(sb, b64[d[i + 2] & 63]);
	}
	if (len - i == 1) {
		sbuf_addch(sb, b64[d[i] >> 2]);
		sbuf_addch(sb, b64[(d[i] & 3) << 4]);
		sbuf_addstr(sb, "==");
	} else if (len - i == 2) {
		sbuf_addch(sb, b64[d[i] >> 2]);
		sbuf_addch(sb, b64[((d[i] & 3) << 4) | (d[i + 1] >> 4)]);
		sbuf_addch(sb, b64[(d[i + 1] & 15) << 2]);
		sbuf_addch(sb, '=');
	}
}

static int b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

int base64url_decode(const char *in, size_t inlen, struct sbuf *out)
{
	unsigned acc = 0;
	int bits = 0;
	size_t i, pad = 0;

	/*
	 * Strict: padding is optional, but when present it must complete
	 * the last quantum (one or two '='); a lone trailing character and
	 * non-zero leftover bits cannot come from any encoder.
	 */
	while (inlen && in[inlen - 1] == '=') {
		inlen--;
		pad++;
	}
	if (pad > 2 || (pad && (inlen + pad) % 4) || inlen % 4 == 1 ||
	    (pad && !inlen))
		return -1;
	for (i = 0; i < inlen; i++) {
		int v = b64url_value(in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			sbuf_addch(out, (char)((acc >> bits) & 0xff));
		}
	}
	if (acc & ((1u << bits) - 1))
		return -1;
	if (!out->buf)
		sbuf_add(out, "", 0);
	return 0;
}

void format_rfc3339(long long t, char out[21])
{
	struct tm tm;
	time_t tt;

	/* four-digit years only: clamp instead of overflowing the format */
	if (t < 0)
		t = 0;
	if (t > AC_TIME_MAX)
		t = AC_TIME_MAX;
	tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) ||
	    !strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm))
		memcpy(out, "1970-01-01T00:00:00Z", 21);
}

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int parse_date_end_of_day(const char *s, long long *out)
{
	struct tm tm;
	int y, m, d, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 23;
	tm.tm_min = 59;
	tm.tm_sec = 59;
	*out = (long long)timegm(&tm);
	return 0;
}

int parse_rfc3339(const char *s, long long *out)
{
	char date[11];
	long long day;
	int i, h, mi, se;

	if (!s || strlen(s) != 20 || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return -1;
	for (i = 11; i < 19; i++)
		if (i != 13 && i != 16 && !isdigit((unsigned char)s[i]))
			return -1;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (parse_date_end_of_day(date, &day))
		return -1;
	h = atoi(s + 11);
	mi = atoi(s + 14);
	se = atoi(s + 17);
	if (h > 23 || mi > 59 || se > 59)
		return -1;
	*out = day - (23 * 3600 + 59 * 60 + 59) + h * 3600 + mi * 60 + se;
	return 0;
}

/* ":digits" (1..65535) or nothing, up to end. */
static int port_ok(const char *p, const char *end)
{
	long port = 0;

	if (p == end)
		return 1;
	if (*p++ != ':' || p == end || end - p > 5)
		return 0;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		port = port * 10 + (*p - '0');
	}
	return port >= 1 && port <= 65535;
}

int url_host(const char *url, char *out, size_t outlen)
{
	const char *p = strstr(url, "://");
	const char *end, *hend;
	size_t n;

	if (!p)
		return -1;
	p += 3;
	end = p + strcspn(p, "/?#");
	/* userinfo is not allowed in our URLs */
	if (memchr(p, '@', (size_t)(end - p)))
		return -1;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (!close)
			return -1;
		p++;
		hend = close;
		if (strspn(p, "0123456789abcdefABCDEF:.") != (size_t)(hend - p))
			return -1;
		close++;
		if (!port_ok(close, end))
			return -1;
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));

		hend = colon ? colon : end;
		if (!port_ok(hend, end))
			return -1;
	}
	n = (size_t)(hend - p);
	if (n == 0 || n >= outlen)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* Dotted quad 127.a.b.c, each part 0..255 without empty parts. */
static int ipv4_loopback(const char *host)
{
	const char *p = host;
	int part;

	for (part = 0; part < 4; part++) {
		int v = 0, digits = 0;

		while (*p >= '0' && *p <= '9' && digits < 4) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255 || (part == 0 && v != 127))
			return 0;
		if (part < 3 && *p++ != '.')
			return 0;
	}
	return *p == '\0';
}

int host_is_loopback(const char *host)
{
	if (!strcasecmp(host, "localhost") || !strcasecmp(host, "localhost.") ||
	    !strcmp(host, "::1"))
		return 1;
	return ipv4_loopback(host);
}

enum ac_err url_check_scheme(const char *url, const char *what)
{
	char host[256];

	if (url_host(url, host, sizeof(host)))
		return ac_fail(AC_USAGE, "%s is not a valid URL: %s", what, url);
	if (!strncasecmp(url, "https://", 8))
		return AC_OK;
	if (!strncasecmp(url, "http://", 7) && host_is_loopback(host))
		return AC_OK;
	return ac_fail(AC_USAGE, "%s must use https:// (http:// only for loopback hosts): %s",
		       what, url);
}

int looks_like_guid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	size_t g, i;

	for (g = 0; g < ARRAY_SIZE(groups); g++) {
		for (i = 0; i < (size_t)groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return 0;
		if (g + 1 < ARRAY_SIZE(groups) && *s++ != '-')
			return 0;
	}
	return *s == '\0';
}

void sanitize_line(char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (i >= max) {
			s[i] = '\0';
			break;
		}
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
	}
}

int has_newline(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

long long now_seconds(void)
{
#ifdef AGENTCRED_TEST_BUILD
	const char *fake = getenv("AGENTCRED_TEST_NOW");

	if (fake && *fake)
		return strtoll(fake, NULL, 10);
#endif
	return (long long)time(NULL);
}

int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned char ch = *p;
		size_t need, i;
		unsigned long cp;

		if (!ch)
			return 0;
		if (ch < 0x80) {
			p++;
			continue;
		}
		if (ch >= 0xc2 && ch <= 0xdf) {
			need = 1;
			cp = ch & 0x1f;
		} else if (ch >= 0xe0 && ch <= 0xef) {
			need = 2;
			cp = ch & 0x0f;
		} else if (ch >= 0xf0 && ch <= 0xf4) {
			need = 3;
			cp = ch & 0x07;
		} else {
			return 0;
		}
		if ((size_t)(end - p) <= need)
			return 0;
		for (i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		p += need + 1;
	}
	return 1;
}

int write_full(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

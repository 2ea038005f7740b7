/*
 * git credential protocol: parse a request, write an answer, and the
 * git-credential-libsecret item layout (label, attributes, secret).
 *
 * Pure code: the input is a bounded buffer the caller read; lines are
 * walked in place with memchr, so there is no line buffer to overflow and
 * no line limit but the total.  Every error message describes the input's
 * shape, never a value (a value may be a password).
 */
#include <limits.h>
#include <string.h>

#include "gitproto.h"
#include "lib/secmem.h"
#include "lib/util.h"

static void set_field(char **field, const char *v, size_t len)
{
	sec_free(*field);
	*field = xstrndup(v, len);
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* git's url_decode_mem(): %XX decoded, anything else (bad % too) kept. */
static char *url_decode(const char *s, size_t len)
{
	struct sbuf sb = SBUF_INIT;
	size_t i;
	char *out;

	for (i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < len &&
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			sbuf_addch(&sb, (char)(hi << 4 | lo));
			i += 2;
		} else {
			sbuf_addch(&sb, s[i]);
		}
	}
	out = xstrdup(sbuf_str(&sb));	/* a decoded NUL ends the string */
	sbuf_release(&sb);
	return out;
}

static void clear_fields(struct git_cred *c)
{
	sec_free(c->protocol);
	sec_free(c->host);
	sec_free(c->path);
	sec_free(c->username);
	sec_free(c->password);
	sec_free(c->oauth_refresh_token);
	memset(c, 0, sizeof(*c));
}

/*
 * git's credential_from_url(): proto://[user[:pass]@]host[/path], the
 * request is cleared first; path loses its leading and trailing slashes.
 */
static enum ac_err parse_url(const char *url, size_t len, struct git_cred *c)
{
	const char *end = url + len, *proto_end = NULL, *cp, *at, *colon, *slash, *host;
	const char *p;

	for (p = url; p + 3 <= end; p++)
		if (!memcmp(p, "://", 3)) {
			proto_end = p;
			break;
		}
	if (!proto_end || proto_end == url)
		return ac_fail(AC_FAIL, "a url= line has no scheme — git sends protocol= and host= lines");
	clear_fields(c);
	cp = proto_end + 3;
	for (slash = cp; slash < end && !strchr("/?#", *slash); slash++)
		;
	at = memchr(cp, '@', (size_t)(end - cp));
	colon = memchr(cp, ':', (size_t)(end - cp));
	if (!at || slash <= at) {
		host = cp;
	} else if (!colon || at <= colon) {
		c->username = url_decode(cp, (size_t)(at - cp));
		host = at + 1;
	} else {
		c->username = url_decode(cp, (size_t)(colon - cp));
		c->password = url_decode(colon + 1, (size_t)(at - colon - 1));
		host = at + 1;
	}
	c->protocol = xstrndup(url, (size_t)(proto_end - url));
	c->host = url_decode(host, (size_t)(slash - host));
	while (slash < end && *slash == '/')
		slash++;
	if (slash < end) {
		size_t n;

		c->path = url_decode(slash, (size_t)(end - slash));
		n = strlen(c->path);
		while (n > 1 && c->path[n - 1] == '/')
			c->path[--n] = '\0';
	}
	return AC_OK;
}

long long gitproto_parse_expiry(const char *s)
{
	long long v = 0;

	/* git: parse_timestamp(); 0, garbage and overflow mean "none" */
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (LLONG_MAX - 9) / 10)
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int key_is(const char *key, size_t klen, const char *name)
{
	return strlen(name) == klen && !memcmp(key, name, klen);
}

/*
 * Keys git sends at most once.  git itself keeps the last of two, another
 * reader (a policy wrapper, a log) may keep the first: refuse instead.
 */
static const char *const single_keys[] = {
	"protocol", "host", "path", "username", "password",
	"oauth_refresh_token", "password_expiry_utc", "url",
};

static enum ac_err check_once(const char *key, size_t klen, unsigned *seen)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(single_keys); i++)
		if (key_is(key, klen, single_keys[i])) {
			if (*seen & (1u << i))
				return ac_fail(AC_FAIL, "the key \"%s\" appears twice in the credential request — git sends it once",
					       single_keys[i]);
			*seen |= 1u << i;
		}
	return AC_OK;
}

enum ac_err gitproto_parse(const char *buf, size_t len, struct git_cred *c)
{
	const char *p = buf, *end = buf + len;
	unsigned seen = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *eq;
		size_t klen, vlen;

		if (eol > p && eol[-1] == '\r')
			eol--;
		if (eol == p)
			break;	/* blank line: end of the request */
		if (memchr(p, '\0', (size_t)(eol - p)))
			return ac_fail(AC_FAIL, "a credential line contains a NUL byte — this is not git's credential protocol");
		/* git strips one CR before the LF (strbuf_getline); one elsewhere
		 * would end the line for a reader splitting on CR */
		if (memchr(p, '\r', (size_t)(eol - p)))
			return ac_fail(AC_FAIL, "a credential line contains a carriage return — this is not git's credential protocol");
		eq = memchr(p, '=', (size_t)(eol - p));
		if (!eq)
			return ac_fail(AC_FAIL, "invalid credential line (no '=') — this is not git's credential protocol");
		klen = (size_t)(eq - p);
		vlen = (size_t)(eol - eq - 1);
		if (check_once(p, klen, &seen))
			return AC_FAIL;
		if (key_is(p, klen, "protocol"))
			set_field(&c->protocol, eq + 1, vlen);
		else if (key_is(p, klen, "host"))
			set_field(&c->host, eq + 1, vlen);
		else if (key_is(p, klen, "path"))
			set_field(&c->path, eq + 1, vlen);
		else if (key_is(p, klen, "username"))
			set_field(&c->username, eq + 1, vlen);
		else if (key_is(p, klen, "password"))
			set_field(&c->password, eq + 1, vlen);
		else if (key_is(p, klen, "oauth_refresh_token"))
			set_field(&c->oauth_refresh_token, eq + 1, vlen);
		else if (key_is(p, klen, "password_expiry_utc")) {
			char *v = xstrndup(eq + 1, vlen);

			c->expiry = gitproto_parse_expiry(v);
			sec_free(v);
		} else if (key_is(p, klen, "url")) {
			enum ac_err err = parse_url(eq + 1, vlen, c);

			if (err)
				return err;
		}
		/* anything else (wwwauth[], capability[], quit, ...) is ignored */
		p = nl ? nl + 1 : end;
	}
	return AC_OK;
}

static void write_item(struct sbuf *out, const char *key, const char *value)
{
	if (!value || has_newline(value))
		return;
	sbuf_addstr(out, key);
	sbuf_addch(out, '=');
	sbuf_addstr(out, value);
	sbuf_addch(out, '\n');
}

void gitproto_write(const struct git_cred *c, struct sbuf *out)
{
	write_item(out, "username", c->username);
	write_item(out, "password", c->password);
	if (c->password && !has_newline(c->password) && c->expiry > 0)
		sbuf_addf(out, "password_expiry_utc=%lld\n", c->expiry);
	write_item(out, "oauth_refresh_token", c->oauth_refresh_token);
}

void gitproto_release(struct git_cred *c)
{
	clear_fields(c);
}

/* Digits only (none is 0), at most 65535: the value; else -1. */
static long parse_port(const char *d)
{
	unsigned long v = 0;

	for (; *d >= '0' && *d <= '9' && v <= 65535; d++)
		v = v * 10 + (unsigned long)(*d - '0');
	return *d || v > 65535 ? -1 : (long)v;
}

void gitproto_split_host(const char *host, char **server, unsigned *port)
{
	const char *colon = strrchr(host, ':');
	long v = colon ? parse_port(colon + 1) : -1;

	if (v >= 1) {
		*server = xstrndup(host, (size_t)(colon - host));
		*port = (unsigned)v;
	} else {
		*server = xstrdup(host);
		*port = 0;
	}
}

void gitproto_label(const struct git_cred *c, struct sbuf *out)
{
	char *server = NULL;
	unsigned port = 0;

	if (c->host)
		gitproto_split_host(c->host, &server, &port);
	sbuf_addf(out, "Git: %s://%s", c->protocol ? c->protocol : "",
		  server ? server : "");
	if (port)
		sbuf_addf(out, ":%u", port);
	sbuf_addf(out, "/%s", c->path ? c->path : "");
	sec_free(server);
}

void gitproto_secret_format(const struct git_cred *c, struct sbuf *out)
{
	sbuf_addstr(out, c->password ? c->password : "");
	if (c->expiry > 0)
		sbuf_addf(out, "\npassword_expiry_utc=%lld", c->expiry);
	if (c->oauth_refresh_token) {
		sbuf_addstr(out, "\noauth_refresh_token=");
		sbuf_addstr(out, c->oauth_refresh_token);
	}
}

void gitproto_secret_parse(const char *secret, size_t len, struct git_cred *c)
{
	const char *p = secret, *end = secret + len;
	int first = 1;

	while (p <= end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);

		if (first) {
			set_field(&c->password, p, n);
			first = 0;
		} else if (n > 20 && !memcmp(p, "password_expiry_utc=", 20)) {
			char *v = xstrndup(p + 20, n - 20);

			c->expiry = gitproto_parse_expiry(v);
			sec_free(v);
		} else if (n >= 20 && !memcmp(p, "oauth_refresh_token=", 20)) {
			set_field(&c->oauth_refresh_token, p + 20, n - 20);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

static int field_eq(const char *want, const char *have)
{
	if (!want)
		return 1;
	return have && !strcmp(want, have);
}

int gitproto_match(const struct git_cred *req, const char *user,
		   const char *protocol, const char *server, const char *port,
		   const char *object)
{
	if (!field_eq(req->protocol, protocol) || !field_eq(req->path, object) ||
	    !field_eq(req->username, user))
		return 0;
	if (req->host) {
		char *want_server;
		unsigned want_port;
		long have_port = 0;
		int ok;

		gitproto_split_host(req->host, &want_server, &want_port);
		if (port)
			have_port = parse_port(port);	/* garbage, -1, never equals */
		ok = server && !strcmp(want_server, server) && (long)want_port == have_port;
		sec_free(want_server);
		if (!ok)
			return 0;
	}
	return 1;
}

/*
 * docker credential-helper protocol: parse what the docker CLI writes on a
 * helper's stdin, format what it reads back.  Pure code (cJSON for the
 * store object); the input is a bounded buffer the caller read.  Messages
 * never contain the secret.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dockerproto.h"
#include "lib/secmem.h"
#include "lib/util.h"

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	       ch == '\v' || ch == '\f';
}

/* A server URL becomes a keyring attribute: printable UTF-8, bounded. */
static enum ac_err check_url(const char *s, size_t len)
{
	size_t i;

	if (len > DOCKERPROTO_MAX_URL)
		return ac_fail(AC_USAGE, "the server URL is longer than %d bytes",
			       DOCKERPROTO_MAX_URL);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return ac_fail(AC_USAGE, "the server URL contains a control character");
	if (!utf8_valid(s, len))
		return ac_fail(AC_USAGE, "the server URL is not valid UTF-8");
	return AC_OK;
}

enum ac_err dockerproto_parse_server(const char *buf, size_t len, char **server)
{
	const char *end = buf + len;
	enum ac_err err;

	*server = NULL;
	while (buf < end && is_space(*buf))
		buf++;
	while (end > buf && is_space(end[-1]))
		end--;
	if (buf == end)
		return ac_fail(AC_USAGE, DOCKER_ERR_NO_URL);
	err = check_url(buf, (size_t)(end - buf));
	if (err)
		return err;
	*server = xstrndup(buf, (size_t)(end - buf));
	return AC_OK;
}

/*
 * Go's Unmarshal into a struct of strings: absent or null leaves "",
 * another type is an error.  cJSON_GetObjectItem is case-insensitive,
 * as Go's field matching is.
 */
static enum ac_err take(const cJSON *o, const char *key, char **out)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	if (!v || cJSON_IsNull(v)) {
		*out = xstrdup("");
		return AC_OK;
	}
	if (!cJSON_IsString(v) || !v->valuestring)
		return ac_fail(AC_USAGE, "\"%s\" in the credentials JSON is not a string", key);
	*out = xstrdup(v->valuestring);
	return AC_OK;
}

enum ac_err dockerproto_parse_store(const char *buf, size_t len, struct docker_cred *c)
{
	cJSON *o;
	enum ac_err err;
	const char *why;

	/* Go matches field names ignoring case: "secret" twice is "Secret" twice */
	o = json_parse_strict(buf, len, JSON_KEYS_NOCASE, &why);
	if (!o && why)
		return ac_fail(AC_USAGE, "the credentials on stdin %s", why);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return ac_fail(AC_USAGE, "the credentials on stdin are not a JSON object — expected {\"ServerURL\",\"Username\",\"Secret\"}");
	}
	err = take(o, "ServerURL", &c->server_url);
	if (!err)
		err = take(o, "Username", &c->username);
	if (!err)
		err = take(o, "Secret", &c->secret);
	cJSON_Delete(o);
	if (err)
		return err;
	if (!*c->server_url)
		return ac_fail(AC_USAGE, DOCKER_ERR_NO_URL);
	if (!*c->username)
		return ac_fail(AC_USAGE, DOCKER_ERR_NO_USER);
	err = check_url(c->server_url, strlen(c->server_url));
	if (err)
		return err;
	if (!utf8_valid(c->username, strlen(c->username)))
		return ac_fail(AC_USAGE, "the username is not valid UTF-8");
	return AC_OK;
}

void dockerproto_release(struct docker_cred *c)
{
	sec_free(c->server_url);
	sec_free(c->username);
	sec_free(c->secret);
	c->server_url = c->username = c->secret = NULL;
}

/* Length of the valid UTF-8 sequence at p (0 when invalid). */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	size_t n;

	if (*p < 0x80)
		return 1;
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n || !utf8_valid((const char *)p, n))
		return 0;
	return n;
}

void dockerproto_json_string(struct sbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + strlen(s);

	sbuf_addch(out, '"');
	while (p < end) {
		size_t n;

		switch (*p) {
		case '"':
			sbuf_addstr(out, "\\\"");
			p++;
			continue;
		case '\\':
			sbuf_addstr(out, "\\\\");
			p++;
			continue;
		case '\n':
			sbuf_addstr(out, "\\n");
			p++;
			continue;
		case '\r':
			sbuf_addstr(out, "\\r");
			p++;
			continue;
		case '\t':
			sbuf_addstr(out, "\\t");
			p++;
			continue;
		case '<':
		case '>':
		case '&':
			sbuf_addf(out, "\\u%04x", *p);
			p++;
			continue;
		default:
			break;
		}
		if (*p < 0x20) {
			sbuf_addf(out, "\\u%04x", *p);
			p++;
			continue;
		}
		n = utf8_seq(p, end);
		if (!n) {
			sbuf_addstr(out, "\\ufffd");	/* Go's replacement */
			p++;
			continue;
		}
		if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			sbuf_addf(out, "\\u202%c", p[2] == 0xa8 ? '8' : '9');
			p += 3;
			continue;
		}
		sbuf_add(out, p, n);
		p += n;
	}
	sbuf_addch(out, '"');
}

void dockerproto_write_cred(const struct docker_cred *c, struct sbuf *out)
{
	sbuf_addstr(out, "{\"ServerURL\":");
	dockerproto_json_string(out, c->server_url ? c->server_url : "");
	sbuf_addstr(out, ",\"Username\":");
	dockerproto_json_string(out, c->username ? c->username : "");
	sbuf_addstr(out, ",\"Secret\":");
	dockerproto_json_string(out, c->secret ? c->secret : "");
	sbuf_addstr(out, "}\n");
}

static const char *const *sort_keys;

static int cmp_index(const void *a, const void *b)
{
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	int r = strcmp(sort_keys[ia], sort_keys[ib]);

	/* equal keys: keep input order so "the last one wins" below */
	if (r)
		return r;
	return ia < ib ? -1 : ia > ib;
}

void dockerproto_write_list(const char *const *servers, const char *const *users,
			    size_t n, struct sbuf *out)
{
	size_t *idx = n ? xcalloc(n, sizeof(*idx)) : NULL;
	size_t i;
	int first = 1;

	for (i = 0; i < n; i++)
		idx[i] = i;
	sort_keys = servers;
	if (n)
		qsort(idx, n, sizeof(*idx), cmp_index);
	sort_keys = NULL;
	sbuf_addch(out, '{');
	for (i = 0; i < n; i++) {
		if (i + 1 < n && !strcmp(servers[idx[i]], servers[idx[i + 1]]))
			continue;	/* a JSON object keeps one value per key */
		if (!first)
			sbuf_addch(out, ',');
		first = 0;
		dockerproto_json_string(out, servers[idx[i]]);
		sbuf_addch(out, ':');
		dockerproto_json_string(out, users[idx[i]] ? users[idx[i]] : "");
	}
	sbuf_addstr(out, "}\n");
	free(idx);
}

char *dockerproto_server_host(const char *server_url)
{
	const char *p = strstr(server_url, "://");
	size_t n;

	p = p ? p + 3 : server_url;
	n = strcspn(p, "/?#");
	if (!n)
		return NULL;
	return xstrndup(p, n);
}

/* Unit tests for helper/gitproto.c: git's credential protocol and layout. */
#include <stdlib.h>
#include <string.h>

#include "../../helper/gitproto.h"
#include "../../helper/lib/secmem.h"
#include "../../helper/lib/util.h"
#include "check.h"

static enum ac_err parse(const char *s, struct git_cred *c)
{
	return gitproto_parse(s, strlen(s), c);
}

static void test_parse_basic(void)
{
	struct git_cred c = GIT_CRED_INIT;

	CHECK_INT(parse("protocol=https\nhost=example.com:8443\npath=a/b.git\n"
			"username=bob\npassword=s3cret\npassword_expiry_utc=9999999999\n"
			"oauth_refresh_token=xyzzy\nwwwauth[]=Basic realm=x\nunknown=1\n\n"
			"host=after-blank-line\n", &c), AC_OK);
	CHECK_STR(c.protocol, "https");
	CHECK_STR(c.host, "example.com:8443");
	CHECK_STR(c.path, "a/b.git");
	CHECK_STR(c.username, "bob");
	CHECK_STR(c.password, "s3cret");
	CHECK_INT(c.expiry, 9999999999LL);
	CHECK_STR(c.oauth_refresh_token, "xyzzy");
	gitproto_release(&c);
	CHECK(c.host == NULL);

	/* CRLF lines, no final newline, empty values */
	CHECK_INT(parse("protocol=http\r\nhost=b\r\nusername=\npassword=", &c), AC_OK);
	CHECK_STR(c.protocol, "http");
	CHECK_STR(c.host, "b");
	CHECK_STR(c.username, "");
	CHECK_STR(c.password, "");
	gitproto_release(&c);

	/* values may contain '=' */
	CHECK_INT(parse("password=a=b=c\n", &c), AC_OK);
	CHECK_STR(c.password, "a=b=c");
	gitproto_release(&c);
}

static void test_parse_errors(void)
{
	struct git_cred c = GIT_CRED_INIT;
	const char nul[] = "protocol=https\nhost=a\0b\n";

	CHECK_INT(parse("protocol=https\nnonsense\n", &c), AC_FAIL);
	gitproto_release(&c);
	CHECK_INT(gitproto_parse(nul, sizeof(nul) - 1, &c), AC_FAIL);
	gitproto_release(&c);
	CHECK_INT(parse("url=no-scheme-here\n", &c), AC_FAIL);
	gitproto_release(&c);
	/* a single-valued key twice: git keeps the last, others the first */
	CHECK_INT(parse("protocol=https\nhost=a\nhost=b\n", &c), AC_FAIL);
	CHECK(strstr(ac_message(), "\"host\" appears twice") != NULL);
	gitproto_release(&c);
	CHECK_INT(parse("username=u\npassword=a\npassword=b\n", &c), AC_FAIL);
	CHECK(strstr(ac_message(), "\"password\"") != NULL);
	gitproto_release(&c);
	CHECK_INT(parse("url=https://a/\nurl=https://b/\n", &c), AC_FAIL);
	gitproto_release(&c);
	/* multi-valued and unknown keys may repeat */
	CHECK_INT(parse("capability[]=authtype\ncapability[]=state\nwwwauth[]=a\nwwwauth[]=b\nhost=h\n", &c), AC_OK);
	CHECK_STR(c.host, "h");
	gitproto_release(&c);
	/* a CR that is not the one before LF */
	CHECK_INT(parse("protocol=https\nhost=a\rhost=b\n", &c), AC_FAIL);
	CHECK(strstr(ac_message(), "carriage return") != NULL);
	gitproto_release(&c);
	CHECK_INT(parse("host=a\r\r\n", &c), AC_FAIL);
	gitproto_release(&c);
	CHECK_INT(parse("host=a\r", &c), AC_OK);	/* last line, no LF */
	CHECK_STR(c.host, "a");
	gitproto_release(&c);
	/* empty input is a valid (empty) request */
	CHECK_INT(parse("", &c), AC_OK);
	CHECK(c.protocol == NULL && c.host == NULL);
}

static void test_long_line(void)
{
	struct git_cred c = GIT_CRED_INIT;
	size_t n = 65536, i;
	char *buf = xmalloc(n + 64);
	size_t len;

	/* a 64 KiB wwwauth[] value containing host= must not become a host */
	len = (size_t)snprintf(buf, 64, "protocol=https\nwwwauth[]=");
	for (i = 0; i < n; i++)
		buf[len++] = "host=victim.example.com "[i % 24];
	len += (size_t)snprintf(buf + len, 32, "\nhost=good\n");
	CHECK_INT(gitproto_parse(buf, len, &c), AC_OK);
	CHECK_STR(c.host, "good");
	gitproto_release(&c);

	/* a 64 KiB password round-trips */
	len = (size_t)snprintf(buf, 64, "password=");
	for (i = 0; i < n; i++)
		buf[len++] = (char)('a' + i % 26);
	CHECK_INT(gitproto_parse(buf, len, &c), AC_OK);
	CHECK(c.password && strlen(c.password) == n);
	gitproto_release(&c);
	sec_free(buf);
}

static void test_url(void)
{
	struct git_cred c = GIT_CRED_INIT;

	CHECK_INT(parse("path=old\npassword=old\nurl=https://us%40er:p%3Ass@host.example:8443/a/b.git//\n", &c), AC_OK);
	CHECK_STR(c.protocol, "https");
	CHECK_STR(c.username, "us@er");
	CHECK_STR(c.password, "p:ss");
	CHECK_STR(c.host, "host.example:8443");
	CHECK_STR(c.path, "a/b.git");
	gitproto_release(&c);

	CHECK_INT(parse("username=keep?\nurl=https://example.com\n", &c), AC_OK);
	CHECK_STR(c.host, "example.com");
	CHECK(c.username == NULL);	/* url= clears the request first */
	CHECK(c.path == NULL);
	gitproto_release(&c);

	/* '@' after the first '/' is path, not userinfo */
	CHECK_INT(parse("url=https://example.com/x@y\n", &c), AC_OK);
	CHECK_STR(c.host, "example.com");
	CHECK_STR(c.path, "x@y");
	CHECK(c.username == NULL);
	gitproto_release(&c);
}

static void test_write(void)
{
	struct git_cred c = GIT_CRED_INIT;
	struct sbuf out = SBUF_INIT;

	c.username = xstrdup("bob");
	c.password = xstrdup("pw");
	c.expiry = 1700000000;
	c.oauth_refresh_token = xstrdup("rt");
	c.host = xstrdup("never-written");
	gitproto_write(&c, &out);
	CHECK_STR(sbuf_str(&out),
		  "username=bob\npassword=pw\npassword_expiry_utc=1700000000\noauth_refresh_token=rt\n");
	sbuf_reset(&out);

	/* CR or LF: that value is not written */
	sec_free(c.password);
	c.password = xstrdup("p\rw");
	sec_free(c.username);
	c.username = xstrdup("a\nb");
	gitproto_write(&c, &out);
	CHECK_STR(sbuf_str(&out), "oauth_refresh_token=rt\n");
	sbuf_release(&out);
	gitproto_release(&c);

	/* empty username and password are written */
	c.username = xstrdup("");
	c.password = xstrdup("");
	gitproto_write(&c, &out);
	CHECK_STR(sbuf_str(&out), "username=\npassword=\n");
	sbuf_release(&out);
	gitproto_release(&c);
}

static void test_host_label(void)
{
	struct git_cred c = GIT_CRED_INIT;
	struct sbuf sb = SBUF_INIT;
	char *server;
	unsigned port;

	gitproto_split_host("example.com:8443", &server, &port);
	CHECK_STR(server, "example.com");
	CHECK_INT(port, 8443);
	sec_free(server);
	gitproto_split_host("example.com", &server, &port);
	CHECK_STR(server, "example.com");
	CHECK_INT(port, 0);
	sec_free(server);
	gitproto_split_host("[::1]:99", &server, &port);
	CHECK_STR(server, "[::1]");
	CHECK_INT(port, 99);
	sec_free(server);
	gitproto_split_host("h:70000", &server, &port);
	CHECK_STR(server, "h:70000");
	CHECK_INT(port, 0);
	sec_free(server);
	/* port 0, no digits, or garbage: not a port, the whole host is the server */
	gitproto_split_host("h:0", &server, &port);
	CHECK_STR(server, "h:0");
	CHECK_INT(port, 0);
	sec_free(server);
	gitproto_split_host("h:", &server, &port);
	CHECK_STR(server, "h:");
	CHECK_INT(port, 0);
	sec_free(server);
	gitproto_split_host("h:80x", &server, &port);
	CHECK_STR(server, "h:80x");
	CHECK_INT(port, 0);
	sec_free(server);
	gitproto_split_host("h:65535", &server, &port);
	CHECK_STR(server, "h");
	CHECK_INT(port, 65535);
	sec_free(server);
	gitproto_split_host("h:65536", &server, &port);
	CHECK_STR(server, "h:65536");
	CHECK_INT(port, 0);
	sec_free(server);

	c.protocol = xstrdup("https");
	c.host = xstrdup("example.com:8443");
	c.path = xstrdup("repo.git");
	gitproto_label(&c, &sb);
	CHECK_STR(sbuf_str(&sb), "Git: https://example.com:8443/repo.git");
	sbuf_reset(&sb);
	sec_free(c.path);
	c.path = NULL;
	sec_free(c.host);
	c.host = xstrdup("example.com");
	gitproto_label(&c, &sb);
	CHECK_STR(sbuf_str(&sb), "Git: https://example.com/");
	sbuf_release(&sb);
	gitproto_release(&c);
}

static void test_secret(void)
{
	struct git_cred c = GIT_CRED_INIT, d = GIT_CRED_INIT;
	struct sbuf sb = SBUF_INIT;

	c.password = xstrdup("hunter2");
	gitproto_secret_format(&c, &sb);
	CHECK_STR(sbuf_str(&sb), "hunter2");
	sbuf_reset(&sb);
	c.expiry = 1684189401;
	c.oauth_refresh_token = xstrdup("xyzzy");
	gitproto_secret_format(&c, &sb);
	CHECK_STR(sbuf_str(&sb), "hunter2\npassword_expiry_utc=1684189401\noauth_refresh_token=xyzzy");

	gitproto_secret_parse(sb.buf, sb.len, &d);
	CHECK_STR(d.password, "hunter2");
	CHECK_INT(d.expiry, 1684189401);
	CHECK_STR(d.oauth_refresh_token, "xyzzy");
	gitproto_release(&d);

	/* the older helper's bare password; an empty one */
	gitproto_secret_parse("plain", 5, &d);
	CHECK_STR(d.password, "plain");
	CHECK_INT(d.expiry, 0);
	CHECK(d.oauth_refresh_token == NULL);
	gitproto_release(&d);
	gitproto_secret_parse("", 0, &d);
	CHECK_STR(d.password, "");
	gitproto_release(&d);
	/* unknown lines ignored */
	gitproto_secret_parse("pw\nfuture=1\noauth_refresh_token=", 32, &d);
	CHECK_STR(d.password, "pw");
	CHECK_STR(d.oauth_refresh_token, "");
	gitproto_release(&d);

	sbuf_release(&sb);
	gitproto_release(&c);
}

static void test_match(void)
{
	struct git_cred r = GIT_CRED_INIT;

	r.protocol = xstrdup("https");
	r.host = xstrdup("example.com");
	/* absent username and path are wildcards */
	CHECK(gitproto_match(&r, "bob", "https", "example.com", NULL, NULL));
	CHECK(gitproto_match(&r, "bob", "https", "example.com", NULL, "x.git"));
	CHECK(!gitproto_match(&r, "bob", "http", "example.com", NULL, NULL));
	CHECK(!gitproto_match(&r, "bob", "https", "other.tld", NULL, NULL));
	/* host is exact: no port in the request means none stored */
	CHECK(!gitproto_match(&r, "bob", "https", "example.com", "8443", NULL));
	CHECK(!gitproto_match(&r, "bob", NULL, "example.com", NULL, NULL));

	r.username = xstrdup("bob");
	CHECK(gitproto_match(&r, "bob", "https", "example.com", NULL, NULL));
	CHECK(!gitproto_match(&r, "other", "https", "example.com", NULL, NULL));
	CHECK(!gitproto_match(&r, NULL, "https", "example.com", NULL, NULL));

	r.path = xstrdup("foo.git");
	CHECK(gitproto_match(&r, "bob", "https", "example.com", NULL, "foo.git"));
	CHECK(!gitproto_match(&r, "bob", "https", "example.com", NULL, "bar.git"));
	CHECK(!gitproto_match(&r, "bob", "https", "example.com", NULL, NULL));

	sec_free(r.host);
	r.host = xstrdup("example.com:8443");
	CHECK(gitproto_match(&r, "bob", "https", "example.com", "8443", "foo.git"));
	CHECK(!gitproto_match(&r, "bob", "https", "example.com", "443", "foo.git"));
	CHECK(!gitproto_match(&r, "bob", "https", "example.com", NULL, "foo.git"));
	/* a stored port that is not a number never equals the request's */
	CHECK(!gitproto_match(&r, "bob", "https", "example.com", "8443x", "foo.git"));
	CHECK(!gitproto_match(&r, "bob", "https", "example.com", "99999999", "foo.git"));
	CHECK(!gitproto_match(&r, "bob", "https", "example.com", "", "foo.git"));
	/* ... nor a request without a port, unless it is empty or 0 */
	sec_free(r.host);
	r.host = xstrdup("example.com");
	CHECK(!gitproto_match(&r, "bob", "https", "example.com", "x", "foo.git"));
	CHECK(!gitproto_match(&r, "bob", "https", "example.com", "65536", "foo.git"));
	CHECK(gitproto_match(&r, "bob", "https", "example.com", "0", "foo.git"));
	CHECK(gitproto_match(&r, "bob", "https", "example.com", "", "foo.git"));
	sec_free(r.host);
	r.host = xstrdup("example.com:8443");

	/* empty username is a value, not a wildcard */
	sec_free(r.username);
	r.username = xstrdup("");
	CHECK(gitproto_match(&r, "", "https", "example.com", "8443", "foo.git"));
	CHECK(!gitproto_match(&r, "bob", "https", "example.com", "8443", "foo.git"));
	gitproto_release(&r);
}

static void test_expiry_utf8(void)
{
	CHECK_INT(gitproto_parse_expiry("1700000000"), 1700000000);
	CHECK_INT(gitproto_parse_expiry("abc"), 0);
	CHECK_INT(gitproto_parse_expiry(""), 0);
	CHECK_INT(gitproto_parse_expiry("99999999999999999999999"), 0);

	CHECK(utf8_valid("plain", 5));
	CHECK(utf8_valid("h\xc3\xa9", 3));
	CHECK(!utf8_valid("h\xc3", 2));
	CHECK(!utf8_valid("\xc0\xaf", 2));	/* overlong */
	CHECK(!utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	CHECK(!utf8_valid("a\0b", 3));
	CHECK(utf8_valid("\xf0\x9f\x98\x80", 4));
}

int main(void)
{
	secmem_init();
	test_parse_basic();
	test_parse_errors();
	test_long_line();
	test_url();
	test_write();
	test_host_label();
	test_secret();
	test_match();
	test_expiry_utf8();
	return check_done("test_gitproto");
}

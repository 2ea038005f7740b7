/*
 * helper/lib/util.c: bounded reads, form encoding, base64, dates, URL checks.
 * Expected values are written out by hand (RFC 4648 vectors, calendar
 * facts), never computed with the code under test.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../../helper/lib/secmem.h"
#include "../../helper/lib/util.h"
#include "check.h"

static void test_form_escape(void)
{
	struct sbuf sb = SBUF_INIT;
	char in[2];
	int c, wrong = 0;

	/* every byte class: unreserved kept, space '+', the rest %XX upper */
	for (c = 1; c < 256; c++) {
		char want[4];

		in[0] = (char)c;
		in[1] = '\0';
		sbuf_reset(&sb);
		form_escape(&sb, in);
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '*') {
			want[0] = (char)c;
			want[1] = '\0';
		} else if (c == ' ') {
			snprintf(want, sizeof(want), "+");
		} else {
			snprintf(want, sizeof(want), "%%%02X", c);
		}
		if (strcmp(sbuf_str(&sb), want)) {
			fprintf(stderr, "byte 0x%02x -> %s, want %s\n", c, sbuf_str(&sb), want);
			wrong++;
		}
	}
	CHECK_INT(wrong, 0);	/* one check for the 255 bytes */
	sbuf_reset(&sb);
	form_escape(&sb, "a+b&c=d/é~");
	CHECK_STR(sbuf_str(&sb), "a%2Bb%26c%3Dd%2F%C3%A9%7E");

	sbuf_reset(&sb);
	form_add(&sb, "grant_type", "client_credentials");
	form_add(&sb, "scope", "api://x/.default openid");
	form_add(&sb, "k", "");
	CHECK_STR(sbuf_str(&sb),
		  "grant_type=client_credentials&scope=api%3A%2F%2Fx%2F.default+openid&k=");
	sbuf_release(&sb);
}

static void b64(const char *in, size_t n, const char *want)
{
	struct sbuf sb = SBUF_INIT;

	base64_encode(&sb, (const unsigned char *)in, n);
	CHECK_STR(sbuf_str(&sb), want);
	sbuf_release(&sb);
}

static int b64url(const char *in, struct sbuf *out)
{
	sbuf_release(out);
	return base64url_decode(in, strlen(in), out);
}

static void test_base64(void)
{
	struct sbuf sb = SBUF_INIT, dec = SBUF_INIT;
	unsigned char all[256];
	size_t n;
	int i;

	/* RFC 4648 section 10 */
	b64("", 0, "");
	b64("f", 1, "Zg==");
	b64("fo", 2, "Zm8=");
	b64("foo", 3, "Zm9v");
	b64("foob", 4, "Zm9vYg==");
	b64("fooba", 5, "Zm9vYmE=");
	b64("foobar", 6, "Zm9vYmFy");
	b64("\xfb\xff", 2, "+/8=");

	/* round trips of every length, every byte value */
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)(255 - i);
	for (n = 0; n <= sizeof(all); n++) {
		sbuf_reset(&sb);
		base64_encode(&sb, all, n);
		sbuf_release(&dec);
		if (base64url_decode(sb.buf ? sb.buf : "", sb.len, &dec) ||
		    dec.len != n || (n && memcmp(dec.buf, all, n))) {
			fprintf(stderr, "round trip of %zu bytes failed\n", n);
			CHECK(0);
			break;
		}
	}
	CHECK(n == sizeof(all) + 1);

	/* base64url: '-' '_' and missing padding */
	CHECK_INT(b64url("-_8", &dec), 0);
	CHECK_INT(dec.len, 2);
	CHECK(dec.buf && (unsigned char)dec.buf[0] == 0xfb && (unsigned char)dec.buf[1] == 0xff);
	CHECK_INT(b64url("Zm9vYg", &dec), 0);
	CHECK_STR(sbuf_str(&dec), "foob");
	CHECK_INT(b64url("Zm9vYg==", &dec), 0);
	CHECK_STR(sbuf_str(&dec), "foob");
	CHECK_INT(b64url("Zm9vYmE=", &dec), 0);
	CHECK_STR(sbuf_str(&dec), "fooba");
	CHECK_INT(b64url("", &dec), 0);
	CHECK(dec.buf != NULL && dec.len == 0);

	/* impossible lengths and bad padding */
	CHECK_INT(b64url("Z", &dec), -1);
	CHECK_INT(b64url("Zm9vY", &dec), -1);
	CHECK_INT(b64url("Z===", &dec), -1);
	CHECK_INT(b64url("=", &dec), -1);
	CHECK_INT(b64url("==", &dec), -1);
	CHECK_INT(b64url("====", &dec), -1);
	CHECK_INT(b64url("Zg=", &dec), -1);	/* padding must complete a quantum */
	CHECK_INT(b64url("Zg===", &dec), -1);
	CHECK_INT(b64url("Zm9=v", &dec), -1);	/* '=' inside */
	CHECK_INT(b64url("Zm9vYmE==", &dec), -1);
	CHECK_INT(b64url("Zm 9v", &dec), -1);
	CHECK_INT(b64url("Zm9v\n", &dec), -1);
	CHECK_INT(b64url("Zh", &dec), -1);	/* non-zero trailing bits */
	CHECK_INT(b64url("Zm9", &dec), -1);
	CHECK_INT(b64url("Zm8", &dec), 0);
	CHECK_STR(sbuf_str(&dec), "fo");
	/* an embedded NUL ends nothing: the length is what counts */
	sbuf_release(&dec);
	CHECK_INT(base64url_decode("Zg\0=", 4, &dec), -1);
	sbuf_release(&sb);
	sbuf_release(&dec);
}

static void test_dates(void)
{
	char out[21];
	long long t;

	format_rfc3339(0, out);
	CHECK_STR(out, "1970-01-01T00:00:00Z");
	format_rfc3339(951782400, out);		/* leap day 2000 */
	CHECK_STR(out, "2000-02-29T00:00:00Z");
	format_rfc3339(1709251199, out);
	CHECK_STR(out, "2024-02-29T23:59:59Z");
	format_rfc3339(253402300799LL, out);
	CHECK_STR(out, "9999-12-31T23:59:59Z");
	/* past year 9999 the result is capped there, never overflows */
	format_rfc3339(253402300800LL, out);
	CHECK_STR(out, "9999-12-31T23:59:59Z");
	format_rfc3339(1000000000000LL, out);
	CHECK_STR(out, "9999-12-31T23:59:59Z");
	format_rfc3339(0x7fffffffffffffffLL, out);
	CHECK_STR(out, "9999-12-31T23:59:59Z");
	format_rfc3339(-5, out);
	CHECK_STR(out, "1970-01-01T00:00:00Z");
	CHECK_INT(strlen(out), 20);

	CHECK_INT(parse_date_end_of_day("1970-01-01", &t), 0);
	CHECK_INT(t, 86399);
	CHECK_INT(parse_date_end_of_day("2024-02-29", &t), 0);
	CHECK_INT(t, 1709251199);
	CHECK_INT(parse_date_end_of_day("2000-02-29", &t), 0);
	CHECK_INT(parse_date_end_of_day("9999-12-31", &t), 0);
	CHECK_INT(t, 253402300799LL);
	CHECK_INT(parse_date_end_of_day("2026-02-30", &t), -1);
	CHECK_INT(parse_date_end_of_day("2026-02-29", &t), -1);
	CHECK_INT(parse_date_end_of_day("1900-02-29", &t), -1);
	CHECK_INT(parse_date_end_of_day("2100-02-29", &t), -1);
	CHECK_INT(parse_date_end_of_day("2026-04-31", &t), -1);
	CHECK_INT(parse_date_end_of_day("2026-13-01", &t), -1);
	CHECK_INT(parse_date_end_of_day("2026-00-10", &t), -1);
	CHECK_INT(parse_date_end_of_day("2026-01-00", &t), -1);
	CHECK_INT(parse_date_end_of_day("1969-12-31", &t), -1);
	CHECK_INT(parse_date_end_of_day("2026-1-01", &t), -1);
	CHECK_INT(parse_date_end_of_day("2026-01-01T", &t), -1);
	CHECK_INT(parse_date_end_of_day("2026/01/01", &t), -1);
	CHECK_INT(parse_date_end_of_day("+026-01-01", &t), -1);
	CHECK_INT(parse_date_end_of_day("2026-0a-01", &t), -1);
	CHECK_INT(parse_date_end_of_day("", &t), -1);
}

/* url_host() of url is host, or a refusal when host is NULL. */
static void check_host(const char *url, const char *host)
{
	char h[256] = "";
	int failed = check_failed;

	if (host) {
		CHECK_INT(url_host(url, h, sizeof(h)), 0);
		CHECK_STR(h, host);
	} else {
		CHECK_INT(url_host(url, h, sizeof(h)), -1);
	}
	if (check_failed != failed)
		fprintf(stderr, "  for url \"%s\"\n", url);
}

static void test_url(void)
{
	static const struct {
		const char *url, *host;
	} cases[] = {
		{ "https://example.com/path", "example.com" },
		{ "https://example.com", "example.com" },
		{ "https://example.com:8443/x?y#z", "example.com" },
		{ "http://127.0.0.1:9000?x=1", "127.0.0.1" },
		{ "https://h#frag", "h" },
		{ "https://[::1]:8443/x", "::1" },
		{ "https://[2001:db8::1]/", "2001:db8::1" },
		{ "https://[::1]", "::1" },

		{ "https://user@example.com/", NULL },
		{ "https://user:pw@example.com/", NULL },
		{ "https://127.0.0.1@evil.com/", NULL },
		{ "example.com/path", NULL },
		{ "https:///path", NULL },
		{ "https://:443/", NULL },
		{ "https://[::1/", NULL },
		{ "https://[]/", NULL },
		{ "https://[::1]evil.com/", NULL },
		{ "https://[::1].evil.com/", NULL },
		{ "https://[::1]:/", NULL },
		{ "https://[::1]:80x/", NULL },
		{ "https://[::1]]/", NULL },
		{ "https://host:12ab/", NULL },
		{ "https://host:1:2/", NULL },
		{ "https://host:123456/", NULL },
	};
	char small[8];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check_host(cases[i].url, cases[i].host);
	CHECK_INT(url_host("https://a-long-host/", small, sizeof(small)), -1);
	CHECK_INT(url_host("https://abcdefg/", small, sizeof(small)), 0);
	CHECK_STR(small, "abcdefg");
	CHECK_INT(url_host("https://abcdefgh/", small, sizeof(small)), -1);

	CHECK(host_is_loopback("localhost"));
	CHECK(host_is_loopback("LOCALHOST"));
	CHECK(host_is_loopback("localhost."));
	CHECK(host_is_loopback("127.0.0.1"));
	CHECK(host_is_loopback("127.1.2.3"));
	CHECK(host_is_loopback("127.255.255.255"));
	CHECK(host_is_loopback("::1"));
	CHECK(!host_is_loopback("127.0.0.1.evil.com"));
	CHECK(!host_is_loopback("127.0.0.1.nip.io"));
	CHECK(!host_is_loopback("localhost.evil.com"));
	CHECK(!host_is_loopback("evil-localhost"));
	CHECK(!host_is_loopback("localhost.."));
	CHECK(!host_is_loopback("127.0.0"));
	CHECK(!host_is_loopback("127.0.0.1.1"));
	CHECK(!host_is_loopback("127.0..1"));
	CHECK(!host_is_loopback("127.0.0."));
	CHECK(!host_is_loopback("127.0.0.256"));
	CHECK(!host_is_loopback("127.0.0.1234"));
	CHECK(!host_is_loopback("128.0.0.1"));
	CHECK(!host_is_loopback("10.0.0.1"));
	CHECK(!host_is_loopback("::2"));
	CHECK(!host_is_loopback("::1.evil"));
	CHECK(!host_is_loopback(""));

	CHECK_INT(url_check_scheme("https://example.com/token", "t"), AC_OK);
	CHECK_INT(url_check_scheme("HTTPS://example.com/token", "t"), AC_OK);
	CHECK_INT(url_check_scheme("http://127.0.0.1:8080/token", "t"), AC_OK);
	CHECK_INT(url_check_scheme("http://localhost/token", "t"), AC_OK);
	CHECK_INT(url_check_scheme("http://[::1]:99/token", "t"), AC_OK);
	CHECK_INT(url_check_scheme("http://example.com/token", "token_url"), AC_USAGE);
	CHECK(strstr(ac_message(), "token_url") != NULL);
	CHECK(strstr(ac_message(), "https://") != NULL);
	CHECK_INT(url_check_scheme("http://127.0.0.1.evil.com/", "t"), AC_USAGE);
	CHECK_INT(url_check_scheme("http://[::1]evil.com/", "t"), AC_USAGE);
	CHECK_INT(url_check_scheme("ftp://127.0.0.1/", "t"), AC_USAGE);
	CHECK_INT(url_check_scheme("file:///etc/passwd", "t"), AC_USAGE);
	CHECK_INT(url_check_scheme("x-https://example.com/", "t"), AC_USAGE);
	CHECK_INT(url_check_scheme("not a url", "t"), AC_USAGE);
}

static void test_misc(void)
{
	char s[64];

	CHECK(looks_like_guid("12345678-9abc-DEF0-1234-56789abcdef0"));
	CHECK(!looks_like_guid("12345678-9abc-def0-1234-56789abcdef"));
	CHECK(!looks_like_guid("12345678-9abc-def0-1234-56789abcdef00"));
	CHECK(!looks_like_guid("12345678-9abc-def0-1234_56789abcdef0"));
	CHECK(!looks_like_guid("1234567g-9abc-def0-1234-56789abcdef0"));
	CHECK(!looks_like_guid("123456789abcdef0123456789abcdef0"));
	CHECK(!looks_like_guid("contoso.onmicrosoft.com"));
	CHECK(!looks_like_guid(""));

	snprintf(s, sizeof(s), "a\tb\nc\rd\x7f" "e\x01");
	sanitize_line(s, 100);
	CHECK_STR(s, "a b c d e ");
	snprintf(s, sizeof(s), "abcdefghij");
	sanitize_line(s, 4);
	CHECK_STR(s, "abcd");
	snprintf(s, sizeof(s), "caf\xc3\xa9");
	sanitize_line(s, 100);
	CHECK_STR(s, "caf\xc3\xa9");
	s[0] = '\0';
	sanitize_line(s, 0);
	CHECK_STR(s, "");

	CHECK(has_newline("a\nb"));
	CHECK(has_newline("a\r"));
	CHECK(!has_newline("a b\t"));

	setenv("AGENTCRED_TEST_NOW", "1234567890", 1);
	CHECK_INT(now_seconds(), 1234567890);
	unsetenv("AGENTCRED_TEST_NOW");
	CHECK(now_seconds() > 1600000000);
}

/* 1 when json_parse_whole() accepts text, 0 when it refuses. */
static int whole(const char *text, size_t len)
{
	cJSON *o = json_parse_whole(text, len);

	cJSON_Delete(o);
	return o != NULL;
}

static void test_json_whole(void)
{
	CHECK(whole("{}", 2));
	CHECK(whole(" {\"a\":1}\r\n\t ", 12));
	CHECK(whole("[1]", 3));
	CHECK(whole("{} x", 2));	/* len ends the text */
	CHECK(!whole("{} x", 4));
	CHECK(!whole("{}{}", 4));
	CHECK(!whole("{}\0", 3));
	CHECK(!whole("{}\0 ", 4));
	CHECK(!whole("{", 1));
	CHECK(!whole("", 0));
	CHECK(!whole(" ", 1));
}

/* json_parse_strict(): what it refuses and the line it gives. */
static const char *strict_why(const char *text, unsigned flags)
{
	const char *why = "unset";
	cJSON *o = json_parse_strict(text, strlen(text), flags, &why);

	if (o) {
		cJSON_Delete(o);
		return "ok";
	}
	return why ? why : "syntax";
}

static void test_json_strict(void)
{
	static const char dupes[] = "{\"profile\":\"a\",\"profile\":\"b\"}";
	char big[64 * 1024];
	size_t n = 0;
	int i;

	CHECK_STR(strict_why("{\"a\":1,\"b\":2}", 0), "ok");
	CHECK_STR(strict_why(dupes, 0), "has the key \"profile\" twice in one object");
	CHECK(!whole(dupes, strlen(dupes)));	/* json_parse_whole is strict too */
	/* nested objects, objects in arrays; siblings only */
	CHECK(strstr(strict_why("{\"x\":{\"k\":1,\"k\":2}}", 0), "\"k\" twice"));
	CHECK(strstr(strict_why("[{},{\"k\":1,\"j\":0,\"k\":2}]", 0), "\"k\" twice"));
	CHECK_STR(strict_why("{\"k\":{\"k\":1},\"j\":{\"k\":2}}", 0), "ok");
	/* case: distinct for cJSON's case-sensitive lookups, one field for Go */
	CHECK_STR(strict_why("{\"Secret\":\"a\",\"secret\":\"b\"}", 0), "ok");
	CHECK(strstr(strict_why("{\"Secret\":\"a\",\"secret\":\"b\"}", JSON_KEYS_NOCASE),
		     "ignoring case"));
	/* a key that is not a plain word is not echoed */
	CHECK_STR(strict_why("{\"a b\":1,\"a b\":2}", 0), "has a key twice in one object");
	CHECK_STR(strict_why("{\"\":1,\"\":2}", 0), "has a key twice in one object");
	/* NUL in values and keys, escaped or raw */
	CHECK(strstr(strict_why("{\"profile\":\"a\\u0000x\"}", 0), "NUL"));
	CHECK(strstr(strict_why("{\"pro\\u0000file\":\"a\"}", 0), "NUL"));
	CHECK(strstr(strict_why("[\"\\u0000\"]", 0), "NUL"));
	CHECK_STR(strict_why("{\"a\":\"\\\\u0000\"}", 0), "ok");	/* backslash, then text */
	CHECK_STR(strict_why("{\"a\":\"\\u0001\\\"\\u00000\"}", 0), strict_why("[\"\\u0000\"]", 0));
	CHECK_STR(strict_why("{\"a\":\"\\u0100\"}", 0), "ok");
	CHECK_STR(strict_why("{\"a\":\"u0000\"}", 0), "ok");
	{
		const char raw[] = "{\"a\":\"x\0y\"}";
		const char *why = "unset";

		CHECK(!json_parse_strict(raw, sizeof(raw) - 1, 0, &why));
		CHECK(why == NULL || strstr(why, "NUL"));
	}
	CHECK_STR(strict_why("{\"a\":", 0), "syntax");
	/* many keys: sorted, not quadratic; the duplicate is found at the end */
	big[n++] = '{';
	for (i = 0; i < 5000; i++)
		n += (size_t)sprintf(big + n, "\"k%d\":0,", i);
	n += (size_t)sprintf(big + n, "\"k17\":1}");
	CHECK(strstr(strict_why(big, 0), "\"k17\" twice"));
}

static void test_read_limited(void)
{
	char *out = NULL;
	size_t len = 0;
	int p[2];
	char big[10000];

	memset(big, 'x', sizeof(big));
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], big, 5000) == 5000);
	close(p[1]);
	CHECK_INT(read_fd_limited(p[0], 5000, "input", &out, &len), AC_OK);
	close(p[0]);
	CHECK_INT(len, 5000);
	CHECK(out && out[4999] == 'x' && out[5000] == '\0');
	sec_free(out);
	out = NULL;

	CHECK(pipe(p) == 0);
	CHECK(write(p[1], big, 5001) == 5001);
	close(p[1]);
	CHECK_INT(read_fd_limited(p[0], 5000, "the request", &out, &len), AC_FAIL);
	close(p[0]);
	CHECK(out == NULL);
	CHECK(strstr(ac_message(), "the request") != NULL);
	CHECK(strstr(ac_message(), "5000") != NULL);

	CHECK(pipe(p) == 0);
	close(p[1]);
	CHECK_INT(read_fd_limited(p[0], 10, "empty", &out, &len), AC_OK);
	close(p[0]);
	CHECK_INT(len, 0);
	CHECK(out && out[0] == '\0');
	sec_free(out);

	CHECK_INT(read_file_limited("/nonexistent/agentcred", 10, "file", &out, &len),
		  AC_NOTFOUND);
	CHECK_INT(read_fd_limited(-1, 10, "bad fd", &out, &len), AC_FAIL);
}

int main(void)
{
	test_form_escape();
	test_base64();
	test_dates();
	test_url();
	test_misc();
	test_json_whole();
	test_json_strict();
	test_read_limited();
	return check_done("test_util");
}

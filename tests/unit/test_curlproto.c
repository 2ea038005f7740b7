/*
 * curl -K header lines (helper/curlproto.c): the exact text, escaping of
 * `"` and `\` as curl 7.88's unslashquote() expects, refusal of line
 * breaks and control characters without quoting the value.
 */
#include <string.h>

#include "../../helper/curlproto.h"
#include "../../helper/lib/secmem.h"
#include "check.h"

/* curl 7.88's unslashquote(): the inverse the config parser applies. */
static void unquote(const char *line, char *outbuf)
{
	const char *q = strchr(line, '"');

	for (q = q ? q + 1 : line; *q && *q != '"'; q++) {
		if (*q == '\\') {
			q++;
			if (!*q)
				break;
			switch (*q) {
			case 't': *outbuf++ = '\t'; break;
			case 'n': *outbuf++ = '\n'; break;
			case 'r': *outbuf++ = '\r'; break;
			case 'v': *outbuf++ = '\v'; break;
			default: *outbuf++ = *q; break;
			}
		} else {
			*outbuf++ = *q;
		}
	}
	*outbuf = '\0';
}

static void test_lines(void)
{
	struct sbuf out = SBUF_INIT;
	char back[256];

	CHECK_INT(curlcfg_header(&out, "Authorization", "Bearer abc.def-ghi"), AC_OK);
	CHECK_STR(sbuf_str(&out), "header = \"Authorization: Bearer abc.def-ghi\"\n");
	sbuf_reset(&out);

	CHECK_INT(curlcfg_header(&out, "X-Odd", "a \"quoted\" \\path\\ end\\"), AC_OK);
	CHECK_STR(sbuf_str(&out), "header = \"X-Odd: a \\\"quoted\\\" \\\\path\\\\ end\\\\\"\n");
	unquote(sbuf_str(&out), back);
	CHECK_STR(back, "X-Odd: a \"quoted\" \\path\\ end\\");
	sbuf_reset(&out);

	/* tab and UTF-8 pass through; a quoted tab is a literal tab for curl */
	CHECK_INT(curlcfg_header(&out, "AI-Resource-Group", "gr\xc3\xbcn\tx"), AC_OK);
	CHECK_STR(sbuf_str(&out), "header = \"AI-Resource-Group: gr\xc3\xbcn\tx\"\n");
	sbuf_reset(&out);

	/* empty value: curl's "Name;" sends an empty header */
	CHECK_INT(curlcfg_header(&out, "X-Empty", ""), AC_OK);
	CHECK_STR(sbuf_str(&out), "header = \"X-Empty;\"\n");
	sbuf_release(&out);
}

static void test_refusals(void)
{
	static const char *const bad_values[] = {
		"a\nb", "a\rb", "\n", "tail\r\n", "a\x01" "b", "del\x7f", "v\x1b[31m",
	};
	static const char *const bad_names[] = {
		"", "Bad Name", "Bad:Name", "Bad\"", "A\nB", "(x)", "a/b", "\xc3\xa4",
	};
	struct sbuf out = SBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		CHECK_INT(curlcfg_header(&out, "Authorization", bad_values[i]), AC_USAGE);
		CHECK_INT(out.len, 0);
		CHECK(strstr(ac_message(), "Authorization") != NULL);
	}
	/* the secret is never quoted */
	CHECK_INT(curlcfg_header(&out, "Authorization", "Bearer s3cr3t\nInjected: 1"), AC_USAGE);
	CHECK(strstr(ac_message(), "s3cr3t") == NULL);

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		CHECK_INT(curlcfg_header(&out, bad_names[i], "v"), AC_USAGE);
		CHECK_INT(out.len, 0);
		CHECK(strchr(ac_message(), '\n') == NULL);
	}
	CHECK_INT(curlcfg_header(&out, NULL, "v"), AC_USAGE);
	CHECK_INT(curlcfg_header(&out, "X", NULL), AC_USAGE);
	CHECK_INT(out.len, 0);
	sbuf_release(&out);
}

static void test_all_or_nothing(void)
{
	static char auth[] = "Authorization", bearer[] = "Bearer t",
		    rg[] = "AI-Resource-Group", def[] = "default",
		    xbad[] = "X-Bad", broken[] = "x\ny";
	struct header ok[] = { { auth, bearer }, { rg, def } };
	struct header bad[] = { { auth, bearer }, { xbad, broken } };
	struct sbuf out = SBUF_INIT;

	sbuf_addstr(&out, "# start\n");
	CHECK_INT(curlcfg_headers(&out, ok, 2), AC_OK);
	CHECK_STR(sbuf_str(&out), "# start\nheader = \"Authorization: Bearer t\"\n"
		  "header = \"AI-Resource-Group: default\"\n");
	CHECK_INT(curlcfg_headers(&out, bad, 2), AC_USAGE);
	CHECK(strstr(ac_message(), "X-Bad") != NULL);
	CHECK_STR(sbuf_str(&out), "# start\nheader = \"Authorization: Bearer t\"\n"
		  "header = \"AI-Resource-Group: default\"\n");
	CHECK_INT(curlcfg_headers(&out, ok, 0), AC_OK);
	sbuf_release(&out);
}

int main(void)
{
	secmem_init();
	test_lines();
	test_refusals();
	test_all_or_nothing();
	return check_done("test_curlproto");
}

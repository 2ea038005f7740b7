/* Form encoding and the client_secret_basic header (RFC 6749 §2.3.1). */
#include <string.h>

#include "../../backends/oauth.h"
#include "../../helper/lib/util.h"
#include "check.h"

static void test_escape(void)
{
	struct sbuf sb = SBUF_INIT;

	form_escape(&sb, "abcXYZ019-._*");
	CHECK_STR(sb.buf, "abcXYZ019-._*");
	sbuf_release(&sb);

	form_escape(&sb, "a b+c%d:e/f&g=h~");
	CHECK_STR(sb.buf, "a+b%2Bc%25d%3Ae%2Ff%26g%3Dh%7E");
	sbuf_release(&sb);

	form_escape(&sb, "\xc3\xbc\xe2\x82\xac");	/* ü€ */
	CHECK_STR(sb.buf, "%C3%BC%E2%82%AC");
	sbuf_release(&sb);

	form_escape(&sb, "\x01\n\x7f\xff");
	CHECK_STR(sb.buf, "%01%0A%7F%FF");
	sbuf_release(&sb);
}

static void test_add(void)
{
	struct sbuf sb = SBUF_INIT;

	form_add(&sb, "grant_type", "client_credentials");
	form_add(&sb, "client_id", "my id");
	form_add(&sb, "client_secret", "p+w%=&");
	form_add(&sb, "scope", "api://x/.default openid");
	CHECK_STR(sb.buf, "grant_type=client_credentials&client_id=my+id"
		  "&client_secret=p%2Bw%25%3D%26"
		  "&scope=api%3A%2F%2Fx%2F.default+openid");
	sbuf_release(&sb);

	form_add(&sb, "empty", "");
	CHECK_STR(sb.buf, "empty=");
	sbuf_release(&sb);
}

static void test_basic(void)
{
	struct sbuf sb = SBUF_INIT;

	/* base64("my+id%2B1:s3cr%2Bt+%25x%3A%C3%BC") */
	oauth_basic_header("my id+1", "s3cr+t %x:\xc3\xbc", &sb);
	CHECK_STR(sb.buf, "Authorization: Basic bXkraWQlMkIxOnMzY3IlMkJ0KyUyNXglM0ElQzMlQkM=");
	sbuf_release(&sb);

	/* base64("client:secret"): plain values are unchanged */
	oauth_basic_header("client", "secret", &sb);
	CHECK_STR(sb.buf, "Authorization: Basic Y2xpZW50OnNlY3JldA==");
	sbuf_release(&sb);

	/* a ':' in the id is escaped, so the server splits at the right one */
	oauth_basic_header("a:b", "c", &sb);
	CHECK_STR(sb.buf, "Authorization: Basic YSUzQWI6Yw==");	/* a%3Ab:c */
	sbuf_release(&sb);

	oauth_basic_header("", "", &sb);
	CHECK_STR(sb.buf, "Authorization: Basic Og==");	/* ":" */
	sbuf_release(&sb);
}

int main(void)
{
	test_escape();
	test_add();
	test_basic();
	return check_done("test_form");
}

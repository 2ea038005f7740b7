/* Unit tests for helper/dockerproto.c: the docker credential-helper protocol. */
#include <string.h>

#include "../../helper/dockerproto.h"
#include "../../helper/lib/secmem.h"
#include "check.h"

static void test_server(void)
{
	char *s = NULL;

	CHECK_INT(dockerproto_parse_server("https://index.docker.io/v1/", 27, &s), AC_OK);
	CHECK_STR(s, "https://index.docker.io/v1/");
	sec_free(s);
	/* trailing newline and spaces trimmed, as the reference helper does */
	CHECK_INT(dockerproto_parse_server("  reg.example:5000\n", 19, &s), AC_OK);
	CHECK_STR(s, "reg.example:5000");
	sec_free(s);
	CHECK_INT(dockerproto_parse_server(" \n", 2, &s), AC_USAGE);
	CHECK_STR(ac_message(), DOCKER_ERR_NO_URL);
	CHECK(s == NULL);
	CHECK_INT(dockerproto_parse_server("a\x01" "b", 3, &s), AC_USAGE);
	CHECK_INT(dockerproto_parse_server("a\xff" "b", 3, &s), AC_USAGE);
	CHECK_INT(dockerproto_parse_server("a\0b", 3, &s), AC_USAGE);
}

static void test_store(void)
{
	struct docker_cred c = DOCKER_CRED_INIT;
	const char *j = "{\"ServerURL\":\"https://r.example\",\"Username\":\"<token>\",\"Secret\":\"s3\\\"c\"}\n";

	CHECK_INT(dockerproto_parse_store(j, strlen(j), &c), AC_OK);
	CHECK_STR(c.server_url, "https://r.example");
	CHECK_STR(c.username, "<token>");
	CHECK_STR(c.secret, "s3\"c");
	dockerproto_release(&c);

	/* Go matches field names case-insensitively; unknown keys ignored */
	j = "{\"serverurl\":\"r\",\"USERNAME\":\"u\",\"Secret\":\"\",\"Extra\":1}";
	CHECK_INT(dockerproto_parse_store(j, strlen(j), &c), AC_OK);
	CHECK_STR(c.username, "u");
	CHECK_STR(c.secret, "");
	dockerproto_release(&c);

	j = "{\"Username\":\"u\",\"Secret\":\"s\"}";
	CHECK_INT(dockerproto_parse_store(j, strlen(j), &c), AC_USAGE);
	CHECK_STR(ac_message(), DOCKER_ERR_NO_URL);
	dockerproto_release(&c);
	j = "{\"ServerURL\":\"r\",\"Username\":null,\"Secret\":\"s\"}";
	CHECK_INT(dockerproto_parse_store(j, strlen(j), &c), AC_USAGE);
	CHECK_STR(ac_message(), DOCKER_ERR_NO_USER);
	dockerproto_release(&c);
	j = "{\"ServerURL\":\"r\",\"Username\":\"u\",\"Secret\":5}";
	CHECK_INT(dockerproto_parse_store(j, strlen(j), &c), AC_USAGE);
	CHECK(strstr(ac_message(), "Secret") != NULL);
	dockerproto_release(&c);
	j = "[1,2]";
	CHECK_INT(dockerproto_parse_store(j, strlen(j), &c), AC_USAGE);
	dockerproto_release(&c);
	j = "{\"ServerURL\":\"r";
	CHECK_INT(dockerproto_parse_store(j, strlen(j), &c), AC_USAGE);
	dockerproto_release(&c);
}

static void test_write(void)
{
	struct docker_cred c = DOCKER_CRED_INIT;
	struct sbuf sb = SBUF_INIT;

	c.server_url = xstrdup("https://r.example/v1/");
	c.username = xstrdup("<token>");
	c.secret = xstrdup("a\"b\\c\n&\x01\xe2\x80\xa8\xc3\xa9\xff");
	dockerproto_write_cred(&c, &sb);
	CHECK_STR(sbuf_str(&sb),
		  "{\"ServerURL\":\"https://r.example/v1/\",\"Username\":\"\\u003ctoken\\u003e\","
		  "\"Secret\":\"a\\\"b\\\\c\\n\\u0026\\u0001\\u2028\xc3\xa9\\ufffd\"}\n");
	sbuf_release(&sb);
	dockerproto_release(&c);
}

static void test_list(void)
{
	const char *servers[] = { "zz.example", "aa.example", "zz.example" };
	const char *users[] = { "old", "alice", "new" };
	struct sbuf sb = SBUF_INIT;

	dockerproto_write_list(servers, users, 3, &sb);
	CHECK_STR(sbuf_str(&sb), "{\"aa.example\":\"alice\",\"zz.example\":\"new\"}\n");
	sbuf_reset(&sb);
	dockerproto_write_list(NULL, NULL, 0, &sb);
	CHECK_STR(sbuf_str(&sb), "{}\n");
	sbuf_release(&sb);
}

static void test_host(void)
{
	char *h;

	h = dockerproto_server_host("https://reg.example:5000/v2/");
	CHECK_STR(h, "reg.example:5000");
	sec_free(h);
	h = dockerproto_server_host("127.0.0.1:8443");
	CHECK_STR(h, "127.0.0.1:8443");
	sec_free(h);
	h = dockerproto_server_host("https://index.docker.io/v1/");
	CHECK_STR(h, "index.docker.io");
	sec_free(h);
	CHECK(dockerproto_server_host("https:///x") == NULL);
}

/* Go takes the last of "Secret"/"secret"; refuse rather than pick one. */
static void test_store_strict(void)
{
	struct docker_cred c = DOCKER_CRED_INIT;
	const char *j;

	j = "{\"ServerURL\":\"r\",\"Username\":\"u\",\"Secret\":\"a\",\"Secret\":\"b\"}";
	CHECK_INT(dockerproto_parse_store(j, strlen(j), &c), AC_USAGE);
	CHECK(strstr(ac_message(), "\"Secret\" twice") != NULL);
	dockerproto_release(&c);
	j = "{\"ServerURL\":\"r\",\"serverurl\":\"q\",\"Username\":\"u\",\"Secret\":\"a\"}";
	CHECK_INT(dockerproto_parse_store(j, strlen(j), &c), AC_USAGE);
	CHECK(strstr(ac_message(), "ignoring case") != NULL);
	dockerproto_release(&c);
	j = "{\"ServerURL\":\"r\\u0000evil\",\"Username\":\"u\",\"Secret\":\"a\"}";
	CHECK_INT(dockerproto_parse_store(j, strlen(j), &c), AC_USAGE);
	CHECK(strstr(ac_message(), "NUL") != NULL);
	dockerproto_release(&c);
}

int main(void)
{
	secmem_init();
	test_server();
	test_store();
	test_store_strict();
	test_write();
	test_list();
	test_host();
	return check_done("test_dockerproto");
}

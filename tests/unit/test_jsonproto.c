/* helper/jsonproto.c: the "agentcred get" request parser and answer shapes. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../helper/jsonproto.h"
#include "../../helper/lib/secmem.h"
#include "check.h"
#include "stubs.h"

#pragma GCC diagnostic ignored "-Wdiscarded-qualifiers"

static enum ac_err req(const char *s, struct json_request *r)
{
	return json_request_parse(s, strlen(s), r);
}

static void test_request(void)
{
	struct json_request r;
	char *big;
	size_t n;

	CHECK_INT(req("{\"profile\":\"sap\"}", &r), AC_OK);
	CHECK_STR(r.profile, "sap");
	CHECK(r.scope == NULL && r.user == NULL && r.user_token == NULL);
	json_request_release(&r);
	CHECK(r.profile == NULL);

	CHECK_INT(req(" {\"profile\":\"e\",\"scope\":\"api://x/.default\",\"user\":\"a@b\","
		      "\"user_token\":\"eyJ.x.y\"}\n", &r), AC_OK);
	CHECK_STR(r.scope, "api://x/.default");
	CHECK_STR(r.user, "a@b");
	CHECK_STR(r.user_token, "eyJ.x.y");
	json_request_release(&r);

	/* null is the same as absent; unknown fields are ignored */
	CHECK_INT(req("{\"profile\":\"p\",\"scope\":null,\"extra\":[1,2]}", &r), AC_OK);
	CHECK(r.scope == NULL);
	json_request_release(&r);

	/* profile is required and must be a non-empty string */
	CHECK_INT(req("{}", &r), AC_USAGE);
	CHECK(strstr(ac_message(), "profile") != NULL);
	CHECK(r.profile == NULL);
	CHECK_INT(req("{\"profile\":\"\"}", &r), AC_USAGE);
	CHECK_INT(req("{\"profile\":null}", &r), AC_USAGE);
	CHECK_INT(req("{\"profile\":5}", &r), AC_USAGE);
	CHECK(strstr(ac_message(), "\"profile\" must be a string") != NULL);
	CHECK_INT(req("{\"profile\":[\"a\"]}", &r), AC_USAGE);
	CHECK_INT(req("{\"profile\":\"p\",\"scope\":{}}", &r), AC_USAGE);
	CHECK(strstr(ac_message(), "scope") != NULL);
	CHECK_INT(req("{\"profile\":\"p\",\"user_token\":true}", &r), AC_USAGE);
	CHECK(r.profile == NULL);	/* released on error */
	CHECK_INT(req("{\"profile\":\"p\",\"user\":\"a\\nb\"}", &r), AC_USAGE);
	CHECK_INT(req("{\"profile\":\"p\",\"user_token\":\"a\\r\\nb\"}", &r), AC_USAGE);
	CHECK(strstr(ac_message(), "a\r") == NULL);

	/* not an object, broken, trailing data */
	CHECK_INT(req("", &r), AC_USAGE);
	CHECK_INT(req("\"profile\"", &r), AC_USAGE);
	CHECK_INT(req("[{\"profile\":\"p\"}]", &r), AC_USAGE);
	CHECK_INT(req("{\"profile\":\"p\"", &r), AC_USAGE);
	CHECK_INT(req("{\"profile\":\"p\"}{\"profile\":\"q\"}", &r), AC_USAGE);
	CHECK_INT(req("{\"profile\":\"p\"} x", &r), AC_USAGE);
	CHECK_INT(json_request_parse("{\"profile\":\"p\"}\0x", 17, &r), AC_USAGE);
	CHECK_INT(json_request_parse("{\"profile\":\"p\"}xx", 15, &r), AC_OK);
	json_request_release(&r);

	/* size bounds: a field over 64 KiB, a request over 1 MiB */
	n = 70 * 1024;
	big = malloc(n + 64);
	CHECK(big != NULL);
	if (!big)
		return;
	snprintf(big, 32, "{\"profile\":\"");
	memset(big + 12, 'a', n);
	snprintf(big + 12 + n, 8, "\"}");
	CHECK_INT(json_request_parse(big, strlen(big), &r), AC_USAGE);
	CHECK(strstr(ac_message(), "too long") != NULL);
	free(big);
	n = JSON_REQUEST_MAX + 1;
	big = malloc(n);
	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, ' ', n);
	memcpy(big, "{\"profile\":\"p\"}", 15);
	CHECK_INT(json_request_parse(big, n, &r), AC_USAGE);
	CHECK(strstr(ac_message(), "1 MiB") != NULL);
	CHECK_INT(json_request_parse(big, n - 1, &r), AC_OK);
	json_request_release(&r);
	free(big);
}

static void test_answer(void)
{
	struct profile p;
	struct header hdr[1] = { { "AI-Resource-Group", "default" } };
	struct token t = { "TOKEN-1", "bearer", 1893456000, 1893452400 };
	struct sbuf sb = SBUF_INIT;
	cJSON *o, *h;

	profile_init(&p);
	p.type = PT_CLIENT_CREDENTIALS;
	p.headers = hdr;
	p.nheaders = 1;
	json_answer(&p, &t, 1893455000, &sb);
	CHECK(sb.len > 0 && sb.buf[sb.len - 1] == '\n');
	o = cJSON_Parse(sbuf_str(&sb));
	CHECK(cJSON_IsObject(o));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "access_token")), "TOKEN-1");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "token_type")), "Bearer");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "expires_at")), "2030-01-01T00:00:00Z");
	CHECK_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "expires_in")), 1000);
	h = cJSON_GetObjectItem(o, "headers");
	CHECK_INT(cJSON_GetArraySize(h), 2);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "Authorization")), "Bearer TOKEN-1");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "AI-Resource-Group")), "default");
	CHECK_INT(cJSON_GetArraySize(o), 5);
	cJSON_Delete(o);
	sbuf_release(&sb);

	/* foundationallm: its own header and token type, no Authorization */
	p.type = PT_FOUNDATIONALLM;
	p.nheaders = 0;
	t.token_type = "Agent";
	t.expires_at = 253402300799LL;
	json_answer(&p, &t, 1893455000, &sb);
	o = cJSON_Parse(sbuf_str(&sb));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "token_type")), "AgentAccessToken");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "expires_at")), "9999-12-31T23:59:59Z");
	h = cJSON_GetObjectItem(o, "headers");
	CHECK_INT(cJSON_GetArraySize(h), 1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "X-AGENT-ACCESS-TOKEN")), "TOKEN-1");
	CHECK(cJSON_GetObjectItem(h, "Authorization") == NULL);
	cJSON_Delete(o);
	sbuf_release(&sb);

	/* errors: code from the ac_err, or the recorded OAuth error */
	ac_clear();
	ac_fail(AC_REJECTED, "the server said no");
	json_error(AC_REJECTED, &sb);
	o = cJSON_Parse(sbuf_str(&sb));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "error")), "access_denied");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "error_description")), "the server said no");
	cJSON_Delete(o);
	sbuf_release(&sb);
	ac_set_oauth_error("invalid_client");
	json_error(AC_REJECTED, &sb);
	CHECK(strstr(sbuf_str(&sb), "\"invalid_client\"") != NULL);
	sbuf_release(&sb);
	ac_clear();
	json_error(AC_EXPIRED, &sb);
	CHECK(strstr(sbuf_str(&sb), "\"expired_token\"") != NULL);
	sbuf_release(&sb);
}

/* Two parsers, two readings: a key twice, a string holding NUL. */
static void test_request_strict(void)
{
	struct json_request r;

	CHECK_INT(req("{\"profile\":\"a\",\"profile\":\"b\"}", &r), AC_USAGE);
	CHECK(strstr(ac_message(), "\"profile\" twice") != NULL);
	CHECK(r.profile == NULL);
	CHECK_INT(req("{\"profile\":\"a\",\"scope\":\"s\",\"scope\":\"t\"}", &r), AC_USAGE);
	CHECK(strstr(ac_message(), "\"scope\" twice") != NULL);
	CHECK_INT(req("{\"profile\":\"a\\u0000x\"}", &r), AC_USAGE);
	CHECK(strstr(ac_message(), "NUL") != NULL);
	CHECK_INT(req("{\"profile\":\"a\",\"user_token\":\"t\\u0000\"}", &r), AC_USAGE);
	CHECK_INT(req("{\"profile\":\"a\",\"extra\":{\"k\":1,\"k\":2}}", &r), AC_USAGE);
	/* distinct keys, and a key that differs only in case, are fine */
	CHECK_INT(req("{\"profile\":\"a\",\"Profile\":\"b\"}", &r), AC_OK);
	CHECK_STR(r.profile, "a");
	json_request_release(&r);
}

int main(void)
{
	test_request();
	test_request_strict();
	test_answer();
	return check_done("test_jsonproto");
}

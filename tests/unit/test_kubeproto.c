/*
 * KUBERNETES_EXEC_INFO parsing and the ExecCredential answer
 * (helper/kubeproto.c): the versions kubectl sends, hostile input, the
 * expiry clamp, and the exact answer shape.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../helper/kubeproto.h"
#include "../../helper/lib/secmem.h"
#include "check.h"

#define V1 "client.authentication.k8s.io/v1"
#define V1BETA1 "client.authentication.k8s.io/v1beta1"

static enum ac_err parse(const char *s, struct kube_info *info)
{
	info->api = KUBE_V1BETA1;
	info->interactive = 7;
	return kube_info_parse(s, strlen(s), info);
}

static void test_versions(void)
{
	struct kube_info info;

	CHECK_INT(parse("{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1 "\",\"spec\":{\"interactive\":false}}", &info), AC_OK);
	CHECK_INT(info.api, KUBE_V1);
	CHECK_INT(info.interactive, 0);

	CHECK_INT(parse("{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1BETA1 "\",\"spec\":{\"interactive\":true}}", &info), AC_OK);
	CHECK_INT(info.api, KUBE_V1BETA1);
	CHECK_INT(info.interactive, 1);

	/* the real thing with provideClusterInfo: spec.cluster is ignored */
	CHECK_INT(parse("{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1 "\",\"spec\":{\"cluster\":"
			"{\"server\":\"https://127.0.0.1:18443\",\"certificate-authority-data\":\"TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpK\","
			"\"config\":{\"audience\":\"test-aud\"}},\"interactive\":false}}", &info), AC_OK);
	CHECK_INT(info.api, KUBE_V1);

	/* kind and spec may be absent; spec.interactive null means false */
	CHECK_INT(parse("{\"apiVersion\":\"" V1 "\"}", &info), AC_OK);
	CHECK_INT(info.interactive, 0);
	CHECK_INT(parse("{\"apiVersion\":\"" V1 "\",\"spec\":null}", &info), AC_OK);
	CHECK_INT(parse("{\"apiVersion\":\"" V1 "\",\"spec\":{\"interactive\":null}}", &info), AC_OK);
	CHECK_INT(info.interactive, 0);

	CHECK_STR(kube_api_version(KUBE_V1), V1);
	CHECK_STR(kube_api_version(KUBE_V1BETA1), V1BETA1);
}

static void test_unknown_version(void)
{
	struct kube_info info;
	char big[400];

	CHECK_INT(parse("{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1alpha1\",\"spec\":{}}", &info),
		  AC_USAGE);
	CHECK(strstr(ac_message(), "client.authentication.k8s.io/v1alpha1") != NULL);
	CHECK(strstr(ac_message(), "apiVersion: client.authentication.k8s.io/v1") != NULL);
	CHECK_INT(info.interactive, 0);

	/* prefix, suffix and case variants are not accepted */
	CHECK_INT(parse("{\"apiVersion\":\"client.authentication.k8s.io/v1x\"}", &info), AC_USAGE);
	CHECK_INT(parse("{\"apiVersion\":\"client.authentication.k8s.io/V1\"}", &info), AC_USAGE);
	CHECK_INT(parse("{\"apiVersion\":\"v1\"}", &info), AC_USAGE);
	CHECK_INT(parse("{\"apiVersion\":\"\"}", &info), AC_USAGE);

	/* a hostile apiVersion is cut and loses its control characters */
	CHECK_INT(parse("{\"apiVersion\":\"a\\nb\\u001bc\"}", &info), AC_USAGE);
	CHECK(strchr(ac_message(), '\n') == NULL);
	CHECK(strchr(ac_message(), '\033') == NULL);
	memset(big, 0, sizeof(big));
	strcpy(big, "{\"apiVersion\":\"");
	memset(big + strlen(big), 'x', 300);
	strcat(big, "\"}");
	CHECK_INT(parse(big, &info), AC_USAGE);
	CHECK(strlen(ac_message()) < 300);
}

static void test_hostile(void)
{
	static const char *const bad[] = {
		"", "null", "[]", "\"" V1 "\"", "{", "{\"apiVersion\":",
		"{\"apiVersion\":1}", "{\"apiVersion\":null}", "{\"apiVersion\":[\"" V1 "\"]}",
		"{\"kind\":\"ExecCredential\"}",
		"{\"apiVersion\":\"" V1 "\",\"kind\":\"Pod\"}",
		"{\"apiVersion\":\"" V1 "\",\"kind\":7}",
		"{\"apiVersion\":\"" V1 "\",\"spec\":[]}",
		"{\"apiVersion\":\"" V1 "\",\"spec\":\"x\"}",
		"{\"apiVersion\":\"" V1 "\",\"spec\":{\"interactive\":\"true\"}}",
		"{\"apiVersion\":\"" V1 "\",\"spec\":{\"interactive\":1}}",
		"{\"apiVersion\":\"" V1 "\"} trailing",
	};
	struct kube_info info;
	size_t i, n;
	char *huge;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum ac_err err = parse(bad[i], &info);

		CHECK_INT(err, AC_USAGE);
		if (err != AC_USAGE)
			fprintf(stderr, "  input: %s\n", bad[i]);
		CHECK(ac_message()[0] != '\0');
	}

	/* length, not NUL, bounds the input */
	CHECK_INT(kube_info_parse("{\"apiVersion\":\"" V1 "\"}xxxx", strlen("{\"apiVersion\":\"" V1 "\"}"), &info), AC_OK);

	/* over the bound: refused before parsing, even when valid JSON */
	n = KUBE_INFO_MAX + 2;
	huge = malloc(n + 1);
	memset(huge, ' ', n);
	memcpy(huge, "{\"apiVersion\":\"" V1 "\"}", strlen("{\"apiVersion\":\"" V1 "\"}"));
	huge[n] = '\0';
	CHECK_INT(kube_info_parse(huge, n, &info), AC_USAGE);
	CHECK(strstr(ac_message(), "larger") != NULL);
	CHECK_INT(kube_info_parse(huge, KUBE_INFO_MAX, &info), AC_OK);

	/* deep nesting does not crash */
	memset(huge, '[', n);
	CHECK_INT(kube_info_parse(huge, KUBE_INFO_MAX, &info), AC_USAGE);
	free(huge);
}

static void test_expiry(void)
{
	const long long now = 1800000000;

	/* an hour-long token with a 300 s margin */
	CHECK_INT(kube_expiry(now + 3600, 300, now), now + 3300);
	/* lifetime shorter than the margin: never in the past */
	CHECK_INT(kube_expiry(now + 30, 60, now), now + KUBE_MIN_VALIDITY);
	CHECK_INT(kube_expiry(now - 5, 60, now), now + KUBE_MIN_VALIDITY);
	CHECK_INT(kube_expiry(now + KUBE_MIN_VALIDITY + 1, 0, now), now + KUBE_MIN_VALIDITY + 1);
	/* a negative margin is no margin */
	CHECK_INT(kube_expiry(now + 600, -1, now), now + 600);
}

static size_t freed_big;
static void observe(const void *p, size_t n)
{
	(void)p;
	if (n > freed_big)
		freed_big = n;
}

static void test_answer(void)
{
	struct sbuf out = SBUF_INIT;
	cJSON *o, *st;

	kube_answer(KUBE_V1, "tok.en-1", 1785585600, &out);
	CHECK_STR(sbuf_str(&out),
		  "{\"apiVersion\":\"" V1 "\",\"kind\":\"ExecCredential\","
		  "\"status\":{\"token\":\"tok.en-1\",\"expirationTimestamp\":\"2026-08-01T12:00:00Z\"}}\n");
	sbuf_release(&out);

	/* the token is JSON-escaped; v1beta1 echoes v1beta1 */
	secmem_free_observer = observe;
	kube_answer(KUBE_V1BETA1, "a\"b\\c", 1785585600, &out);
	secmem_free_observer = NULL;
	CHECK(freed_big >= out.len);	/* the printed copy went through sec_free */
	o = cJSON_Parse(sbuf_str(&out));
	CHECK(o != NULL);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "apiVersion")), V1BETA1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "kind")), "ExecCredential");
	st = cJSON_GetObjectItem(o, "status");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(st, "token")), "a\"b\\c");
	cJSON_Delete(o);
	CHECK(out.len && out.buf[out.len - 1] == '\n');
	CHECK(memchr(out.buf, '\n', out.len) == out.buf + out.len - 1);
	sbuf_release(&out);

	/* no expiry known: no expirationTimestamp */
	kube_answer(KUBE_V1, "t", 0, &out);
	CHECK(strstr(sbuf_str(&out), "expirationTimestamp") == NULL);
	CHECK(strstr(sbuf_str(&out), "\"token\":\"t\"") != NULL);
	sbuf_release(&out);
}

int main(void)
{
	secmem_init();
	test_versions();
	test_unknown_version();
	test_hostile();
	{
		struct kube_info info;

		CHECK_INT(parse("{\"apiVersion\":\"" V1 "\",\"spec\":{\"interactive\":false,\"interactive\":true}}", &info), AC_USAGE);
		CHECK(strstr(ac_message(), "\"interactive\" twice") != NULL);
		CHECK_INT(parse("{\"apiVersion\":\"" V1BETA1 "\",\"apiVersion\":\"" V1 "\"}", &info), AC_USAGE);
		CHECK_INT(parse("{\"apiVersion\":\"" V1 "\\u0000x\"}", &info), AC_USAGE);
		CHECK(strstr(ac_message(), "NUL") != NULL);
		/* provideClusterInfo with a plain-http server off loopback */
		CHECK_INT(parse("{\"apiVersion\":\"" V1 "\",\"spec\":{\"cluster\":{\"server\":\"http://k8s.example.com:6443\"}}}", &info), AC_USAGE);
		CHECK(strstr(ac_message(), "plain http") != NULL);
		CHECK_INT(parse("{\"apiVersion\":\"" V1 "\",\"spec\":{\"cluster\":{\"server\":\"HTTP://k8s.example.com\"}}}", &info), AC_USAGE);
		CHECK_INT(parse("{\"apiVersion\":\"" V1 "\",\"spec\":{\"cluster\":{\"server\":\"http://127.0.0.1:8080\"}}}", &info), AC_OK);
		CHECK_INT(parse("{\"apiVersion\":\"" V1 "\",\"spec\":{\"cluster\":{\"server\":\"https://k8s.example.com\"}}}", &info), AC_OK);
		CHECK_INT(parse("{\"apiVersion\":\"" V1 "\",\"spec\":{\"cluster\":{\"server\":7}}}", &info), AC_OK);
	}
	test_expiry();
	test_answer();
	return check_done("test_kubeproto");
}

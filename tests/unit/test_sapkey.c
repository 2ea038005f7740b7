/* backends/sapkey.c: SAP AI Core service keys, good and hostile. */
#include <stdlib.h>
#include <string.h>

#include "../../backends/sapkey.h"
#include "../../helper/lib/secmem.h"
#include "check.h"

static enum ac_err parse(const char *s, struct sap_key *k)
{
	return sap_key_parse(s, strlen(s), k);
}

#define URLS "\"serviceurls\":{\"AI_API_URL\":\"https://api.ai.example.com\"}"

static void test_good(void)
{
	struct sap_key k;

	CHECK_INT(parse("{\"clientid\":\"sb-1|aicore\",\"clientsecret\":\"S3cr=t\","
			"\"url\":\"https://tenant.authentication.sap.hana.ondemand.com\","
			URLS ",\"identityzone\":\"z\"}", &k), AC_OK);
	CHECK_STR(k.client_id, "sb-1|aicore");
	CHECK_STR(k.client_secret, "S3cr=t");
	CHECK_STR(k.token_url, "https://tenant.authentication.sap.hana.ondemand.com/oauth/token");
	CHECK_STR(k.api_url, "https://api.ai.example.com/v2");
	CHECK_STR(k.api_host, "api.ai.example.com");
	sap_key_release(&k);
	CHECK(k.client_secret == NULL);

	/* wrapped in "credentials"; suffixes already present; trailing slashes */
	CHECK_INT(parse("{\"credentials\":{\"clientid\":\"c\",\"clientsecret\":\"s\","
			"\"url\":\"https://auth.example/oauth/token\","
			"\"serviceurls\":{\"AI_API_URL\":\"https://api.example:8443/v2/\"}}}", &k), AC_OK);
	CHECK_STR(k.token_url, "https://auth.example/oauth/token");
	CHECK_STR(k.api_url, "https://api.example:8443/v2");
	CHECK_STR(k.api_host, "api.example:8443");	/* git sends host:port */
	sap_key_release(&k);
	CHECK_INT(parse("{\"clientid\":\"c\",\"clientsecret\":\"s\",\"url\":\"https://auth.example///\","
			URLS "}", &k), AC_OK);
	CHECK_STR(k.token_url, "https://auth.example/oauth/token");
	sap_key_release(&k);
	/* loopback http for tests */
	CHECK_INT(parse("{\"clientid\":\"c\",\"clientsecret\":\"s\",\"url\":\"http://127.0.0.1:9/\","
			"\"serviceurls\":{\"AI_API_URL\":\"http://localhost:8\"}}", &k), AC_OK);
	CHECK_STR(k.token_url, "http://127.0.0.1:9/oauth/token");
	CHECK_STR(k.api_url, "http://localhost:8/v2");
	CHECK_STR(k.api_host, "localhost:8");
	sap_key_release(&k);
}

static void bad(const char *s, const char *want)
{
	struct sap_key k;

	CHECK_INT(parse(s, &k), AC_USAGE);
	CHECK(k.client_id == NULL && k.client_secret == NULL);
	if (!strstr(ac_message(), want)) {
		fprintf(stderr, "message \"%s\" lacks \"%s\"\n", ac_message(), want);
		CHECK(0);
	}
	/* never quote the secret */
	CHECK(strstr(ac_message(), "TOPSECRET") == NULL);
}

static void test_bad(void)
{
	char *big;

	bad("", "not a JSON object");
	bad("[1]", "not a JSON object");
	bad("{\"clientid\":\"c\"", "not a JSON object");
	bad("{}{}", "not a JSON object");
	bad("{} x", "not a JSON object");
	bad("{\"clientsecret\":\"TOPSECRET\",\"url\":\"https://a\"," URLS "}", "clientid");
	bad("{\"clientid\":\"c\",\"clientsecret\":\"TOPSECRET\"," URLS "}", "url");
	bad("{\"clientid\":\"c\",\"url\":\"https://a\"," URLS "}", "no clientsecret");
	bad("{\"clientid\":\"c\",\"clientsecret\":\"\",\"url\":\"https://a\"," URLS "}", "no clientsecret");
	bad("{\"clientid\":\"c\",\"clientsecret\":\"TOPSECRET\",\"url\":\"https://a\"}", "AI_API_URL");
	bad("{\"clientid\":\"c\",\"clientsecret\":\"TOPSECRET\",\"url\":\"https://a\",\"serviceurls\":\"x\"}", "AI_API_URL");
	bad("{\"clientid\":\"c\",\"clientsecret\":\"TOPSECRET\",\"url\":\"https://a\",\"serviceurls\":{\"AI_API_URL\":5}}", "AI_API_URL");
	bad("{\"clientid\":5,\"clientsecret\":\"TOPSECRET\",\"url\":\"https://a\"," URLS "}", "clientid");
	bad("{\"clientid\":\"c\\nx\",\"clientsecret\":\"TOPSECRET\",\"url\":\"https://a\"," URLS "}", "clientid");
	bad("{\"clientid\":\"c\",\"clientsecret\":\"TOPSECRET\",\"url\":\"http://auth.example\"," URLS "}", "https");
	bad("{\"clientid\":\"c\",\"clientsecret\":\"TOPSECRET\",\"url\":\"https://a\","
	    "\"serviceurls\":{\"AI_API_URL\":\"http://api.example\"}}", "AI_API_URL");
	bad("{\"clientid\":\"c\",\"clientsecret\":\"TOPSECRET\",\"url\":\"https://u@a\"," URLS "}", "url");
	/* X.509 keys: certificate instead of a secret, and it must be whole */
	bad("{\"clientid\":\"c\",\"certificate\":\"-----BEGIN CERTIFICATE-----\",\"key\":\"k\","
	    "\"certurl\":\"https://a.cert\",\"url\":\"https://a\"," URLS "}", "no END line");
	bad("{\"credentials\":{\"clientid\":\"c\",\"certificate\":\"PEM\",\"url\":\"https://a\"," URLS "}}",
	    "no certurl");

	big = malloc(SAPKEY_MAX + 2);
	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, ' ', SAPKEY_MAX + 1);
	big[SAPKEY_MAX + 1] = '\0';
	bad(big, "larger than");
	free(big);
}

#define CERT1 "-----BEGIN CERTIFICATE-----\\nQUJD\\n-----END CERTIFICATE-----\\n"
#define CERT2 "-----BEGIN CERTIFICATE-----\\nREVG\\n-----END CERTIFICATE-----\\n"
#define PKEY "-----BEGIN PRIVATE KEY-----\\nS0VZU0VDUkVU\\n-----END PRIVATE KEY-----\\n"

static void test_x509(void)
{
	struct sap_key k;

	/* SAP's X.509 key: literal \n, a chain, credential-type, no secret */
	CHECK_INT(parse("{\"credentials\":{\"clientid\":\"sb-x|aicore\",\"credential-type\":\"x509\","
			"\"certurl\":\"https://t.authentication.cert.sap.hana.ondemand.com\","
			"\"url\":\"https://t.authentication.sap.hana.ondemand.com\","
			"\"certificate\":\"" CERT1 CERT2 "\",\"key\":\"" PKEY "\"," URLS "}}", &k), AC_OK);
	CHECK(k.x509);
	CHECK(k.client_secret == NULL);
	CHECK_STR(k.token_url, "https://t.authentication.cert.sap.hana.ondemand.com/oauth/token");
	CHECK_STR(k.certificate, "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n"
			"-----BEGIN CERTIFICATE-----\nREVG\n-----END CERTIFICATE-----\n");
	CHECK_STR(k.private_key, "-----BEGIN PRIVATE KEY-----\nS0VZU0VDUkVU\n-----END PRIVATE KEY-----\n");
	CHECK_STR(k.api_url, "https://api.ai.example.com/v2");
	sap_key_release(&k);

	/* real newlines, certUrl spelling, no credential-type, no key (own certificate) */
	CHECK_INT(parse("{\"clientid\":\"c\",\"certUrl\":\"https://a.cert/oauth/token\","
			"\"certificate\":\"-----BEGIN CERTIFICATE-----\\r\\nQUJD\\r\\n-----END CERTIFICATE-----\"," URLS "}", &k), AC_OK);
	CHECK(k.x509);
	CHECK(k.private_key == NULL);
	CHECK_STR(k.token_url, "https://a.cert/oauth/token");
	sap_key_release(&k);

	/* an unknown credential-type does not matter while there is a secret */
	CHECK_INT(parse("{\"clientid\":\"c\",\"clientsecret\":\"s\",\"url\":\"https://a\","
			"\"credential-type\":\"binding-secret\"," URLS "}", &k), AC_OK);
	CHECK(!k.x509);
	sap_key_release(&k);
	/* a secret key that also carries a certificate stays a secret key */
	CHECK_INT(parse("{\"clientid\":\"c\",\"clientsecret\":\"s\",\"url\":\"https://a\","
			"\"certurl\":\"https://a.cert\",\"certificate\":\"junk\"," URLS "}", &k), AC_OK);
	CHECK(!k.x509);
	CHECK_STR(k.token_url, "https://a/oauth/token");
	sap_key_release(&k);

	/* x509 declared but no certificate; certurl over http; unknown type; encrypted key */
	bad("{\"clientid\":\"c\",\"credential-type\":\"x509\",\"certurl\":\"https://a\"," URLS "}",
	    "no certificate");
	bad("{\"clientid\":\"c\",\"certurl\":\"http://a.example\",\"certificate\":\"" CERT1 "\"," URLS "}",
	    "certurl must use https");
	bad("{\"clientid\":\"c\",\"credential-type\":\"x509_attested\",\"url\":\"https://a\"," URLS "}",
	    "x509_attested");
	bad("{\"clientid\":\"c\",\"certurl\":\"https://a\",\"certificate\":\"" CERT1 "\","
	    "\"key\":\"-----BEGIN ENCRYPTED PRIVATE KEY-----\\nQUJD\\n-----END ENCRYPTED PRIVATE KEY-----\"," URLS "}",
	    "encrypted");
	bad("{\"clientid\":\"c\",\"certurl\":\"https://a\",\"certificate\":\"" CERT1 "\","
	    "\"key\":\"" CERT2 "\"," URLS "}", "no PEM private key");
}

int main(void)
{
	test_good();
	test_x509();
	test_bad();
	{
		struct sap_key k;

		CHECK_INT(parse("{\"clientid\":\"a\",\"clientid\":\"b\",\"clientsecret\":\"s\","
				"\"url\":\"https://t.example.com\"," URLS "}", &k), AC_USAGE);
		CHECK(strstr(ac_message(), "\"clientid\" twice") != NULL);
		CHECK_INT(parse("{\"clientid\":\"a\",\"clientsecret\":\"s\","
				"\"url\":\"https://t.example.com\\u0000.evil\"," URLS "}", &k), AC_USAGE);
		CHECK(strstr(ac_message(), "NUL") != NULL);
	}
	return check_done("test_sapkey");
}

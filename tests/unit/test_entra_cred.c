/*
 * Entra blueprint credentials (README "Blueprint credentials"): the JWT
 * assembly of a certificate client assertion, base64url, the date parser
 * of certificate_expires, the managed identity request built from the
 * environment, its answer (expires_in, else expires_on), and the
 * one-credential rule of config.json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../backends/entra_cred.h"
#include "../../backends/http.h"
#include "../../backends/miproto.h"
#include "../../helper/lib/secmem.h"
#include "../../helper/lib/util.h"
#include "check.h"

#define BP "b1b1b1b1-0000-4000-8000-000000000001"
#define SHA1 "AEE5AE4B510D57CE30C5116241CBE7E7722914E1"
#define SHA256 "420ABFFA87CF799F9F4F8CBF05EDD55EEFBF87F1045CA4150010C5106D2CB403"

static struct profile prof;

static void setup(void)
{
	profile_release(&prof);
	profile_init(&prof);
	prof.name = xstrdup("ea");
	prof.type = PT_ENTRA_AGENT;
	prof.tenant = xstrdup("contoso.example");
	prof.blueprint_app_id = xstrdup(BP);
	prof.agent_app_id = xstrdup("a9a9a9a9-0000-4000-8000-000000000002");
}

/* The JSON of one base64url part of a JWT, parsed. */
static cJSON *part(const char *jws, int i)
{
	const char *start = jws, *end;
	struct sbuf raw = SBUF_INIT;
	cJSON *o;

	while (i-- > 0)
		start = strchr(start, '.') + 1;
	end = strchr(start, '.');
	if (!end)
		end = start + strlen(start);
	if (base64url_decode(start, (size_t)(end - start), &raw))
		return NULL;
	o = cJSON_ParseWithLength(raw.buf, raw.len);
	sbuf_release(&raw);
	return o;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "(none)";
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void test_b64url(void)
{
	struct sbuf sb = SBUF_INIT;

	b64url_encode(&sb, (const unsigned char *)"", 0);
	CHECK_STR(sb.buf ? sb.buf : "", "");
	b64url_encode(&sb, (const unsigned char *)"f", 1);
	CHECK_STR(sb.buf, "Zg");
	sbuf_reset(&sb);
	b64url_encode(&sb, (const unsigned char *)"fo", 2);
	CHECK_STR(sb.buf, "Zm8");
	sbuf_reset(&sb);
	b64url_encode(&sb, (const unsigned char *)"foo", 3);
	CHECK_STR(sb.buf, "Zm9v");
	sbuf_reset(&sb);
	/* the url-safe alphabet: 0xfb 0xff → "-_8" */
	b64url_encode(&sb, (const unsigned char *)"\xfb\xff", 2);
	CHECK_STR(sb.buf, "-_8");
	sbuf_release(&sb);
}

static void test_assertion(void)
{
	struct entra_assertion a = { SHA1, SHA256,
		"https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token",
		BP, "0b0b0b0b-1111-4222-8333-444444444444", 1800000000LL };
	struct sbuf sb = SBUF_INIT;
	cJSON *h, *c;

	CHECK_INT(entra_assertion_input(&a, &sb), 0);
	/* exactly two parts: the signature is appended by the caller */
	CHECK(strchr(sb.buf, '.') && !strchr(strchr(sb.buf, '.') + 1, '.'));
	CHECK(!strpbrk(sb.buf, "=+/"));
	h = part(sb.buf, 0);
	c = part(sb.buf, 1);
	CHECK(h && c);
	CHECK_STR(str(h, "alg"), "RS256");
	CHECK_STR(str(h, "typ"), "JWT");
	/* base64url of the 20 and 32 thumbprint bytes, not of the hex */
	CHECK_STR(str(h, "x5t"), "ruWuS1ENV84wxRFiQcvn53IpFOE");
	CHECK_STR(str(h, "x5t#S256"), "Qgq_-ofPeZ-fT4y_Be3VXu-_h_EEXKQVABDFEG0stAM");
	CHECK_INT(cJSON_GetArraySize(h), 4);
	CHECK_STR(str(c, "aud"), a.aud);
	CHECK_STR(str(c, "iss"), BP);
	CHECK_STR(str(c, "sub"), BP);
	CHECK_STR(str(c, "jti"), a.jti);
	CHECK(num(c, "iat") == 1800000000.0);
	CHECK(num(c, "nbf") == 1800000000.0);
	CHECK(num(c, "exp") == 1800000600.0);
	CHECK_INT(cJSON_GetArraySize(c), 7);
	/* whole-number times, as JSON integers */
	{
		struct sbuf raw = SBUF_INIT;
		const char *p2 = strchr(sb.buf, '.') + 1;

		CHECK_INT(base64url_decode(p2, strlen(p2), &raw), 0);
		CHECK(strstr(raw.buf, "\"exp\":1800000600") != NULL);
		sbuf_release(&raw);
	}
	cJSON_Delete(h);
	cJSON_Delete(c);

	/* a thumbprint that is not hex of the right length */
	sbuf_reset(&sb);
	a.thumbprint = "AEE5";
	CHECK_INT(entra_assertion_input(&a, &sb), -1);
	a.thumbprint = SHA1;
	a.thumbprint_sha256 = SHA1;
	CHECK_INT(entra_assertion_input(&a, &sb), -1);
	a.thumbprint_sha256 = "ZZ0ABFFA87CF799F9F4F8CBF05EDD55EEFBF87F1045CA4150010C5106D2CB403";
	CHECK_INT(entra_assertion_input(&a, &sb), -1);
	sbuf_release(&sb);
}

static void test_rfc3339(void)
{
	long long t = 0;

	CHECK_INT(parse_rfc3339("2126-11-08T19:07:27Z", &t), 0);
	CHECK_INT(t, 4949838447LL);
	CHECK_INT(parse_rfc3339("1970-01-01T00:00:00Z", &t), 0);
	CHECK_INT(t, 0);
	CHECK_INT(parse_rfc3339("2126-11-08", &t), -1);
	CHECK_INT(parse_rfc3339("2126-11-08T19:07:27", &t), -1);
	CHECK_INT(parse_rfc3339("2126-11-08 19:07:27Z", &t), -1);
	CHECK_INT(parse_rfc3339("2126-13-08T19:07:27Z", &t), -1);
	CHECK_INT(parse_rfc3339("2126-11-08T24:07:27Z", &t), -1);
	CHECK_INT(parse_rfc3339("+126-11-08T19:07:27Z", &t), -1);
	CHECK_INT(parse_rfc3339("2126-11-08T19:07:27Zx", &t), -1);
	CHECK_INT(parse_rfc3339("", &t), -1);
	CHECK_INT(parse_rfc3339(NULL, &t), -1);
}

static void clear_env(void)
{
	unsetenv("IDENTITY_ENDPOINT");
	unsetenv("IDENTITY_HEADER");
	unsetenv("AZURE_POD_IDENTITY_AUTHORITY_HOST");
}

static enum ac_err mi_req(struct sbuf *url, struct sbuf *hdr, int *imds)
{
	sbuf_reset(url);
	sbuf_reset(hdr);
	return entra_mi_request(&prof, url, hdr, imds);
}

static void test_mi_request(void)
{
	struct sbuf url = SBUF_INIT, hdr = SBUF_INIT;
	int imds = -1;

	setup();
	prof.managed_identity = xstrdup("system");
	clear_env();
	CHECK_INT(mi_req(&url, &hdr, &imds), AC_OK);
	CHECK_STR(url.buf, "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=api%3A%2F%2FAzureADTokenExchange");
	CHECK_STR(hdr.buf, "Metadata: true");
	CHECK_INT(imds, 1);
	/* http.c lets exactly this prefix through */
	CHECK(!strncmp(url.buf, HTTP_IMDS_PREFIX, strlen(HTTP_IMDS_PREFIX)));

	/* user-assigned */
	free(prof.managed_identity);
	prof.managed_identity = xstrdup("5b5b5b5b-0000-4000-8000-000000000006");
	CHECK_INT(mi_req(&url, &hdr, &imds), AC_OK);
	CHECK(strstr(url.buf, "&client_id=5b5b5b5b-0000-4000-8000-000000000006") != NULL);

	/* the IMDS base written out is still IMDS */
	setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://169.254.169.254/", 1);
	CHECK_INT(mi_req(&url, &hdr, &imds), AC_OK);
	CHECK_INT(imds, 1);
	/* overridden: loopback http or https, never another http host */
	setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:8080", 1);
	CHECK_INT(mi_req(&url, &hdr, &imds), AC_OK);
	CHECK_INT(imds, 0);
	CHECK(!strncmp(url.buf, "http://127.0.0.1:8080/metadata/identity/oauth2/token?api-version=2018-02-01&", 76));
	setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://169.254.169.254.example.com", 1);
	CHECK_INT(mi_req(&url, &hdr, &imds), AC_USAGE);
	setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://10.0.0.1", 1);
	CHECK_INT(mi_req(&url, &hdr, &imds), AC_USAGE);
	setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "https://imds.example.com/x?y", 1);
	CHECK_INT(mi_req(&url, &hdr, &imds), AC_USAGE);

	/* App Service style wins when IDENTITY_ENDPOINT is set */
	setenv("IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token", 1);
	setenv("IDENTITY_HEADER", "hdr-value", 1);
	CHECK_INT(mi_req(&url, &hdr, &imds), AC_OK);
	CHECK_STR(url.buf, "http://127.0.0.1:41741/msi/token?api-version=2019-08-01&resource=api%3A%2F%2FAzureADTokenExchange&client_id=5b5b5b5b-0000-4000-8000-000000000006");
	CHECK_STR(hdr.buf, "X-IDENTITY-HEADER: hdr-value");
	CHECK_INT(imds, 0);
	setenv("IDENTITY_ENDPOINT", "http://localhost:42356/msi/token?x=1", 1);
	CHECK_INT(mi_req(&url, &hdr, &imds), AC_OK);
	CHECK(!strncmp(url.buf, "http://localhost:42356/msi/token?x=1&api-version=2019-08-01&", 60));
	unsetenv("IDENTITY_HEADER");
	CHECK_INT(mi_req(&url, &hdr, &imds), AC_USAGE);
	setenv("IDENTITY_HEADER", "hdr-value", 1);
	setenv("IDENTITY_ENDPOINT", "http://identity.example.com/msi/token", 1);
	CHECK_INT(mi_req(&url, &hdr, &imds), AC_USAGE);
	clear_env();
	sbuf_release(&url);
	sbuf_release(&hdr);
}

static enum ac_err mi_parse(long status, const char *body, struct token *t)
{
	token_release(t);
	return mi_parse_response(status, body, strlen(body), 1800000000LL, t);
}

static void test_mi_response(void)
{
	struct token t = { 0 };

	/* IMDS: expires_in (a string) decides */
	CHECK_INT(mi_parse(200, "{\"access_token\":\"mi.tok.en\",\"expires_in\":\"86399\","
			   "\"expires_on\":\"1800099999\",\"resource\":\"api://AzureADTokenExchange\","
			   "\"token_type\":\"Bearer\"}", &t), AC_OK);
	CHECK_STR(t.access_token, "mi.tok.en");
	CHECK_INT(t.expires_at, 1800000000LL + 86399);
	/* App Service 2019-08-01: no expires_in, expires_on as a string */
	CHECK_INT(mi_parse(200, "{\"access_token\":\"mi.tok.en\",\"expires_on\":\"1800003600\","
			   "\"token_type\":\"Bearer\",\"client_id\":\"x\"}", &t), AC_OK);
	CHECK_INT(t.expires_at, 1800003600LL);
	CHECK_INT(mi_parse(200, "{\"access_token\":\"a\",\"expires_on\":1800000500}", &t), AC_OK);
	CHECK_INT(t.expires_at, 1800000500LL);
	/* expires_on unusable: the default hour (the token is no JWT) */
	CHECK_INT(mi_parse(200, "{\"access_token\":\"a\",\"expires_on\":\"11/24/2026 12:00:00 PM +00:00\"}", &t), AC_OK);
	CHECK_INT(t.expires_at, 1800000000LL + 3600);
	CHECK_INT(mi_parse(200, "{\"access_token\":\"a\",\"expires_on\":\"-5\"}", &t), AC_OK);
	CHECK_INT(t.expires_at, 1800000000LL + 3600);
	CHECK_INT(mi_parse(200, "{\"access_token\":\"a\",\"expires_on\":\"99999999999999\"}", &t), AC_OK);
	CHECK_INT(t.expires_at, 1800000000LL + 3600);
	/* already past */
	CHECK_INT(mi_parse(200, "{\"access_token\":\"a\",\"expires_on\":\"1700000000\"}", &t), AC_NETWORK);
	CHECK(t.access_token == NULL);
	/* refusals and failures */
	CHECK_INT(mi_parse(401, "{\"statusCode\":401,\"message\":\"Unauthorized\"}", &t), AC_REJECTED);
	CHECK(strstr(ac_message(), "IDENTITY_HEADER") != NULL);
	CHECK_INT(mi_parse(403, "", &t), AC_REJECTED);
	CHECK_INT(mi_parse(400, "{\"error\":\"invalid_request\",\"error_description\":\"Identity not found\"}", &t),
		  AC_REJECTED);
	CHECK(strstr(ac_message(), "Identity not found") != NULL);
	CHECK_INT(mi_parse(404, "", &t), AC_NETWORK);
	CHECK_INT(mi_parse(410, "", &t), AC_NETWORK);
	CHECK_INT(mi_parse(429, "", &t), AC_NETWORK);
	CHECK_INT(mi_parse(500, "{}", &t), AC_NETWORK);
	CHECK_INT(mi_parse(200, "not json", &t), AC_NETWORK);
	CHECK_INT(mi_parse(200, "{\"expires_on\":\"1800003600\"}", &t), AC_NETWORK);
	token_release(&t);
}

static void test_kind(void)
{
	setup();
	CHECK_INT(entra_cred_kind(&prof), ENTRA_CRED_SECRET);
	CHECK_INT(entra_cred_validate(&prof), AC_OK);
	prof.client_assertion_file = xstrdup("/f");
	CHECK_INT(entra_cred_kind(&prof), ENTRA_CRED_FILE);
	prof.managed_identity = xstrdup("system");
	CHECK_INT(entra_cred_validate(&prof), AC_USAGE);
	CHECK(strstr(ac_message(), "client_assertion_file and managed_identity") != NULL);
	setup();
	prof.certificate_thumbprint = xstrdup(SHA1);
	CHECK_INT(entra_cred_kind(&prof), ENTRA_CRED_CERT);
	CHECK_INT(entra_cred_validate(&prof), AC_USAGE);
	prof.certificate_thumbprint_sha256 = xstrdup(SHA256);
	prof.certificate_expires = xstrdup("2126-11-08T19:07:27Z");
	CHECK_INT(entra_cred_validate(&prof), AC_OK);
	CHECK_STR(entra_cred_name(ENTRA_CRED_CERT), "certificate");
	setup();
	prof.managed_identity = xstrdup("5b5b5b5b-0000-4000-8000-000000000006");
	CHECK_INT(entra_cred_kind(&prof), ENTRA_CRED_MANAGED);
	CHECK_INT(entra_cred_validate(&prof), AC_OK);
	profile_release(&prof);
}

static void test_options(void)
{
	struct entra_cred_opts o = { 0 };
	char s1[] = "--certificate", s2[] = "/c.pem", s3[] = "--managed-identity",
	     s4[] = "--x", s5[] = "--certificate-expires", s6[] = "--tenant";
	char *a1[] = { s1, s2 }, *a2[] = { s3, s4 }, *a3[] = { s1 };
	char *a4[] = { s5, s4 }, *a5[] = { s6, s4 };
	char *secret = s2;

	CHECK_INT(entra_cred_option(&o, 2, a1), 2);
	CHECK_STR(o.certificate, "/c.pem");
	CHECK_INT(entra_cred_option(&o, 2, a2), 1);
	CHECK_INT(o.managed_identity, 1);
	CHECK_INT(entra_cred_option(&o, 1, a3), -1);
	CHECK_INT(entra_cred_option(&o, 2, a4), -1);
	CHECK_INT(entra_cred_option(&o, 2, a5), 0);
	setup();
	CHECK_INT(entra_cred_finish(&o, &prof, &secret), AC_USAGE);
	CHECK(strstr(ac_message(), "--certificate and --managed-identity") != NULL);
	CHECK(secret == NULL);
	profile_release(&prof);
}

int main(void)
{
	secmem_init();
	profile_init(&prof);
	test_b64url();
	test_assertion();
	test_rfc3339();
	test_mi_request();
	test_mi_response();
	test_kind();
	test_options();
	return check_done("test_entra_cred");
}

/* backends/sapsources.c: the SAP SDK's credential sources and their order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../backends/sapsources.h"
#include "../../helper/lib/secmem.h"
#include "check.h"

#define CERT "-----BEGIN CERTIFICATE-----\\nQUJD\\n-----END CERTIFICATE-----\\n"
#define PKEY "-----BEGIN PRIVATE KEY-----\\nS0VZ\\n-----END PRIVATE KEY-----\\n"
#define SK "{\"clientid\":\"c\",\"clientsecret\":\"s\",\"url\":\"https://a.example\"," \
	"\"serviceurls\":{\"AI_API_URL\":\"https://api.example\"}}"

static const char *const all_vars[] = {
	"AICORE_SERVICE_KEY", "AICORE_CLIENT_ID", "AICORE_CLIENT_SECRET",
	"AICORE_AUTH_URL", "AICORE_CERT_URL", "AICORE_CERT_FILE_PATH",
	"AICORE_KEY_FILE_PATH", "AICORE_CERT_STR", "AICORE_KEY_STR",
	"AICORE_BASE_URL", "AICORE_RESOURCE_GROUP", "AICORE_CONFIG",
	"AICORE_HOME", "AICORE_PROFILE", "VCAP_SERVICES"
};
static char dir[] = "/tmp/test_sapsources.XXXXXX";

static void clean_env(void)
{
	size_t i;

	for (i = 0; i < sizeof(all_vars) / sizeof(all_vars[0]); i++)
		unsetenv(all_vars[i]);
	setenv("HOME", dir, 1);
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static void test_config_parse(void)
{
	struct sap_vars v;
	const char *ok = "{\"AICORE_CLIENT_ID\":\"c\",\"AICORE_AUTH_URL\":\"https://a\","
			 "\"AICORE_RESOURCE_GROUP\":\"g\",\"other\":5,\"AICORE_KEY_STR\":null,"
			 "\"AICORE_CERT_STR\":\"\"}";

	CHECK_INT(sap_config_parse(ok, strlen(ok), &v), AC_OK);
	CHECK_STR(v.v[SV_CLIENT_ID], "c");
	CHECK_STR(v.v[SV_RESOURCE_GROUP], "g");
	CHECK(v.v[SV_KEY_STR] == NULL && v.v[SV_CERT_STR] == NULL);
	CHECK(sap_vars_have_credentials(&v));
	sap_vars_release(&v);
	CHECK_INT(sap_config_parse("{\"AICORE_RESOURCE_GROUP\":\"g\"}", 29, &v), AC_OK);
	CHECK(!sap_vars_have_credentials(&v));
	sap_vars_release(&v);
	CHECK_INT(sap_config_parse("[]", 2, &v), AC_USAGE);
	CHECK_INT(sap_config_parse("{\"AICORE_CLIENT_ID\":5}", 22, &v), AC_USAGE);
	CHECK(strstr(ac_message(), "AICORE_CLIENT_ID") != NULL);
	CHECK_INT(sap_config_parse("{\"AICORE_CLIENT_ID\":\"a\",\"AICORE_CLIENT_ID\":\"b\"}", 47, &v), AC_USAGE);
	CHECK(strstr(ac_message(), "twice") != NULL);
	CHECK_INT(sap_config_parse("{} {}", 5, &v), AC_USAGE);
}

static void test_vcap(void)
{
	struct sap_key k;
	const char *v = "{\"xsuaa\":[{\"label\":\"xsuaa\",\"credentials\":{}}],"
			"\"user-provided\":[{\"label\":\"user-provided\"},{\"label\":\"aicore\",\"credentials\":" SK "}],"
			"\"aicore\":[{\"label\":\"aicore\",\"credentials\":{}}]}";

	CHECK_INT(sap_vcap_parse(v, strlen(v), &k), AC_OK);
	CHECK_STR(k.client_id, "c");
	CHECK_STR(k.token_url, "https://a.example/oauth/token");
	sap_key_release(&k);
	CHECK_INT(sap_vcap_parse("{\"x\":[]}", 8, &k), AC_NOTFOUND);
	CHECK_INT(sap_vcap_parse("{\"aicore\":[{\"label\":\"aicore\"}]}", 31, &k), AC_USAGE);
	CHECK_INT(sap_vcap_parse("nope", 4, &k), AC_USAGE);
}

static enum ac_err load(struct sap_key *k, char **src, char **group)
{
	return sap_sources_load(k, src, group);
}

static void test_order(void)
{
	struct sap_key k;
	char *src = NULL, *group = NULL;
	char path[256];

	clean_env();
	CHECK_INT(load(&k, &src, &group), AC_USAGE);
	CHECK(strstr(ac_message(), "no SAP SDK credentials") != NULL);

	/* 4. VCAP_SERVICES */
	setenv("VCAP_SERVICES", "{\"aicore\":[{\"label\":\"aicore\",\"credentials\":" SK "}]}", 1);
	CHECK_INT(load(&k, &src, &group), AC_OK);
	CHECK_STR(src, "$VCAP_SERVICES");
	CHECK(group == NULL);
	sap_key_release(&k);
	free(src);

	/* 3. ~/.aicore/config.json beats it; its group counts */
	snprintf(path, sizeof(path), "%s/.aicore", dir);
	CHECK_INT(mkdir(path, 0700), 0);
	write_file(".aicore/config.json",
		   "{\"AICORE_CLIENT_ID\":\"f\",\"AICORE_CLIENT_SECRET\":\"s\",\"AICORE_AUTH_URL\":"
		   "\"https://auth.example/oauth/token\",\"AICORE_BASE_URL\":\"https://api.example/v2\","
		   "\"AICORE_RESOURCE_GROUP\":\"fg\"}");
	CHECK_INT(load(&k, &src, &group), AC_OK);
	CHECK(strstr(src, "/.aicore/config.json") != NULL);
	CHECK_STR(k.client_id, "f");
	CHECK_STR(k.token_url, "https://auth.example/oauth/token");
	CHECK_STR(k.api_url, "https://api.example/v2");
	CHECK_STR(group, "fg");
	sap_key_release(&k);
	free(src);
	free(group);

	/* 2. the AICORE_* variables beat the file; the file's group still counts */
	setenv("AICORE_CLIENT_ID", "e", 1);
	setenv("AICORE_CERT_URL", "https://cert.example", 1);
	setenv("AICORE_AUTH_URL", "https://auth.example", 1);
	setenv("AICORE_CERT_STR", CERT, 1);
	setenv("AICORE_KEY_STR", PKEY, 1);
	setenv("AICORE_BASE_URL", "https://api.example", 1);
	CHECK_INT(load(&k, &src, &group), AC_OK);
	CHECK_STR(src, "the AICORE_* environment variables");
	CHECK(k.x509);
	CHECK_STR(k.token_url, "https://cert.example/oauth/token");
	CHECK_STR(k.certificate, "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n");
	CHECK_STR(k.private_key, "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n");
	CHECK_STR(group, "fg");
	sap_key_release(&k);
	free(src);
	free(group);
	setenv("AICORE_RESOURCE_GROUP", "eg", 1);
	setenv("AICORE_CERT_FILE_PATH", "/nonexistent", 1);
	CHECK_INT(load(&k, &src, &group), AC_USAGE);
	CHECK(strstr(ac_message(), "keep one") != NULL);
	unsetenv("AICORE_CERT_FILE_PATH");
	unsetenv("AICORE_KEY_STR");
	CHECK_INT(load(&k, &src, &group), AC_USAGE);
	CHECK(strstr(ac_message(), "no private key") != NULL);
	setenv("AICORE_CLIENT_SECRET", "s", 1);
	CHECK_INT(load(&k, &src, &group), AC_USAGE);
	CHECK(strstr(ac_message(), "keep one") != NULL);

	/* 1. AICORE_SERVICE_KEY beats everything */
	setenv("AICORE_SERVICE_KEY", SK, 1);
	CHECK_INT(load(&k, &src, &group), AC_OK);
	CHECK_STR(src, "$AICORE_SERVICE_KEY");
	CHECK_STR(k.client_id, "c");
	CHECK_STR(group, "eg");
	sap_key_release(&k);
	free(src);
	free(group);
	setenv("AICORE_SERVICE_KEY", "{", 1);
	CHECK_INT(load(&k, &src, &group), AC_USAGE);
	CHECK(strstr(ac_message(), "AICORE_SERVICE_KEY") != NULL);

	/* AICORE_CONFIG naming a missing file matters only when it is used */
	clean_env();
	setenv("AICORE_CONFIG", "/nonexistent/config.json", 1);
	CHECK_INT(load(&k, &src, &group), AC_USAGE);
	CHECK(strstr(ac_message(), "/nonexistent/config.json") != NULL);
	setenv("AICORE_SERVICE_KEY", SK, 1);
	CHECK_INT(load(&k, &src, &group), AC_OK);
	sap_key_release(&k);
	free(src);
	free(group);

	/* AICORE_HOME and AICORE_PROFILE */
	clean_env();
	setenv("AICORE_HOME", dir, 1);
	setenv("AICORE_PROFILE", "dev", 1);
	write_file("config_dev.json", "{\"AICORE_CLIENT_ID\":\"d\",\"AICORE_CLIENT_SECRET\":\"s\","
		   "\"AICORE_AUTH_URL\":\"https://auth.example\",\"AICORE_BASE_URL\":\"https://api.example\"}");
	CHECK_INT(load(&k, &src, &group), AC_OK);
	CHECK(strstr(src, "/config_dev.json") != NULL);
	CHECK_STR(k.client_id, "d");
	sap_key_release(&k);
	free(src);
	free(group);
	write_file("config_dev.json", "{\"AICORE_CLIENT_ID\":[]}");
	CHECK_INT(load(&k, &src, &group), AC_USAGE);
	CHECK(strstr(ac_message(), "config_dev.json") != NULL);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(dir))
		return 1;
	test_config_parse();
	test_vcap();
	test_order();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
	return check_done("test_sapsources");
}

/*
 * helper/config.c: parsing, validation, the key table and the atomic,
 * private save.  Files go to a private temporary directory.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../helper/config.h"
#include "../../helper/lib/secmem.h"
#include "../../helper/lib/util.h"
#include "check.h"

static char dir[64];

static enum ac_err parse(struct config *cfg, const char *text)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->kernel_cache = 1;
	return config_parse(cfg, text, strlen(text));
}

/* Parse, expect AC_USAGE with a message containing want. */
static void bad(const char *text, const char *want)
{
	struct config cfg;
	enum ac_err err = parse(&cfg, text);

	CHECK_INT(err, AC_USAGE);
	if (!strstr(ac_message(), want)) {
		fprintf(stderr, "message \"%s\" lacks \"%s\" for %s\n",
			ac_message(), want, text);
		CHECK(0);
	}
	config_release(&cfg);
}

static void good(const char *text)
{
	struct config cfg;
	enum ac_err err = parse(&cfg, text);

	if (err)
		fprintf(stderr, "unexpected: %s for %s\n", ac_message(), text);
	CHECK_INT(err, AC_OK);
	config_release(&cfg);
}

#define CC_OK "\"type\":\"client-credentials\",\"token_url\":\"https://idp/t\",\"client_id\":\"c\""
#define EA_OK "\"type\":\"entra-agent\",\"tenant\":\"t\",\"blueprint_app_id\":\"b\",\"agent_app_id\":\"a\""
#define FL_OK "\"type\":\"foundationallm\",\"api_url\":\"https://fllm/instances/x\""

static void test_parse(void)
{
	struct config cfg;
	struct profile *p;

	good("{}");
	good("{\"profiles\":{}}");
	good("{\"profiles\":{\"a\":{" CC_OK "}}}");
	good("{\"profiles\":{\"a\":{" EA_OK "}}}");
	good("{\"profiles\":{\"a\":{" FL_OK "}}}");
	good("{\"keyring\":\"file\",\"kernel_cache\":false}");

	CHECK_INT(parse(&cfg, "{\"kernel_cache\":false,\"keyring\":\"secret-service\","
		  "\"profiles\":{\"sap\":{" CC_OK ",\"auth_method\":\"basic\","
		  "\"scope\":\"s1 s2\",\"hosts\":[\"api.example.com\",\"h2:8443\"],"
		  "\"headers\":{\"AI-Resource-Group\":\"default\"},\"timeout\":12,"
		  "\"refresh_margin\":0}}}"), AC_OK);
	CHECK_INT(cfg.kernel_cache, 0);
	CHECK_STR(cfg.keyring, "secret-service");
	p = config_find(&cfg, "sap");
	CHECK(p != NULL);
	if (p) {
		CHECK_INT(p->type, PT_CLIENT_CREDENTIALS);
		CHECK_INT(p->auth_method, AUTH_BASIC);
		CHECK_STR(p->scope, "s1 s2");
		CHECK_INT(p->nhosts, 2);
		CHECK_INT(p->nheaders, 1);
		CHECK_INT(p->timeout, 12);
		CHECK_INT(p->refresh_margin, 0);
		CHECK_INT(profile_timeout(p), 12);
		CHECK_STR(profile_username(p), "c");
	}
	CHECK(config_find_by_host(&cfg, "API.example.com") == p);
	CHECK(config_find_by_host(&cfg, "h2:8443") == p);
	CHECK(config_find_by_host(&cfg, "h2") == NULL);
	CHECK(config_find(&cfg, "SAP") == NULL);
	config_release(&cfg);

	/* unknown keys name the key */
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"tokn_url\":\"x\"}}}", "tokn_url");
	bad("{\"profile\":{}}", "\"profile\"");
	bad("{\"kernel_cache\":1}", "kernel_cache");
	bad("{\"keyring\":\"kwallet\"}", "keyring");
	/* bad JSON and types */
	bad("{", "not valid JSON");
	bad("{\"profiles\":{}} {\"profiles\":{}}", "not valid JSON");
	bad("{\"profiles\":{}}x", "not valid JSON");
	bad("[]", "top level");
	bad("{\"profiles\":[]}", "profiles must be an object");
	bad("{\"profiles\":{\"a\":[]}}", "JSON object");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"timeout\":\"30\"}}}", "timeout");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"timeout\":-1}}}", "timeout");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"timeout\":1e9}}}", "timeout");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"scope\":5}}}", "scope");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"hosts\":\"h\"}}}", "hosts");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"hosts\":[1]}}}", "hosts");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"hosts\":[\"a b\"]}}}", "bad host");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"headers\":[\"X\"]}}}", "headers");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"headers\":{\"X\":1}}}}", "header");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"auth_method\":\"jwt\"}}}", "auth_method");
	bad("{\"profiles\":{\"a\":{\"type\":\"saml\"}}}", "unknown type");
	bad("{\"profiles\":{\"a\":{\"token_url\":\"https://x\"}}}", "type is missing");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"scope\":\"a\\nb\"}}}", "control");
	/* names */
	bad("{\"profiles\":{\"a b\":{" CC_OK "}}}", "bad profile name");
	bad("{\"profiles\":{\"\":{" CC_OK "}}}", "bad profile name");
	bad("{\"profiles\":{\"-a\":{" CC_OK "}}}", "bad profile name");
	bad("{\"profiles\":{\"a\":{" CC_OK "},\"a\":{" CC_OK "}}}", "twice");
}

static void test_names(void)
{
	char n65[66];

	CHECK(profile_name_valid("a"));
	CHECK(profile_name_valid("sap-prod_1.x"));
	CHECK(!profile_name_valid(""));
	CHECK(!profile_name_valid(".hidden"));
	CHECK(!profile_name_valid("-opt"));
	CHECK(!profile_name_valid("a/b"));
	CHECK(!profile_name_valid("a:b"));
	CHECK(!profile_name_valid("a;b"));
	CHECK(!profile_name_valid("caf\xc3\xa9"));
	memset(n65, 'a', 65);
	n65[65] = '\0';
	CHECK(!profile_name_valid(n65));
	n65[64] = '\0';
	CHECK(profile_name_valid(n65));
}

static void test_required(void)
{
	/* every type's required keys */
	bad("{\"profiles\":{\"a\":{\"type\":\"client-credentials\",\"client_id\":\"c\"}}}", "token-url");
	bad("{\"profiles\":{\"a\":{\"type\":\"client-credentials\",\"token_url\":\"https://x/t\"}}}", "client-id");
	bad("{\"profiles\":{\"a\":{\"type\":\"client-credentials\",\"token_url\":\"http://x/t\",\"client_id\":\"c\"}}}", "https");
	bad("{\"profiles\":{\"a\":{\"type\":\"entra-agent\",\"blueprint_app_id\":\"b\",\"agent_app_id\":\"a\"}}}", "tenant");
	bad("{\"profiles\":{\"a\":{\"type\":\"entra-agent\",\"tenant\":\"t\",\"agent_app_id\":\"a\"}}}", "blueprint-app-id");
	bad("{\"profiles\":{\"a\":{\"type\":\"entra-agent\",\"tenant\":\"t\",\"blueprint_app_id\":\"b\"}}}", "agent-app-id");
	bad("{\"profiles\":{\"a\":{" EA_OK ",\"authority\":\"http://login\"}}}", "authority");
	bad("{\"profiles\":{\"a\":{\"type\":\"entra-agent\",\"tenant\":\"t/../x\",\"blueprint_app_id\":\"b\",\"agent_app_id\":\"a\"}}}", "tenant");
	bad("{\"profiles\":{\"a\":{\"type\":\"foundationallm\"}}}", "api-url");
	bad("{\"profiles\":{\"a\":{" FL_OK ",\"expires\":\"2026-02-30\"}}}", "expires");
	bad("{\"profiles\":{\"a\":{" FL_OK ",\"api_url\":\"http://example.com\"}}}", "api_url");
	good("{\"profiles\":{\"a\":{" FL_OK ",\"expires\":\"2026-02-28\"}}}");
	/* client_assertion_file: absolute (kubectl and git vary the cwd), alone */
	bad("{\"profiles\":{\"a\":{" EA_OK ",\"client_assertion_file\":\"fic.jwt\"}}}", "absolute");
	bad("{\"profiles\":{\"a\":{" EA_OK ",\"client_assertion_file\":\"/f\",\"secret_env\":\"S\"}}}",
	    "not both client_assertion_file and secret_env");
	good("{\"profiles\":{\"a\":{" EA_OK ",\"client_assertion_file\":\"/run/fic.jwt\"}}}");
	/* blueprint credentials: exactly one; certificate keys together */
	good("{\"profiles\":{\"a\":{" EA_OK ",\"managed_identity\":\"system\"}}}");
	good("{\"profiles\":{\"a\":{" EA_OK ",\"managed_identity\":\"5a5a5a5a-0000-4000-8000-000000000005\"}}}");
	bad("{\"profiles\":{\"a\":{" EA_OK ",\"managed_identity\":\"mine\"}}}", "client id");
	bad("{\"profiles\":{\"a\":{" EA_OK ",\"managed_identity\":\"system\",\"client_assertion_file\":\"/f\"}}}",
	    "not both client_assertion_file and managed_identity");
#define CERT_OK "\"certificate_thumbprint\":\"AEE5AE4B510D57CE30C5116241CBE7E7722914E1\"," \
	"\"certificate_thumbprint_sha256\":\"420ABFFA87CF799F9F4F8CBF05EDD55EEFBF87F1045CA4150010C5106D2CB403\"," \
	"\"certificate_expires\":\"2126-11-08T19:07:27Z\""
	good("{\"profiles\":{\"a\":{" EA_OK "," CERT_OK "}}}");
	bad("{\"profiles\":{\"a\":{" EA_OK "," CERT_OK ",\"secret_env\":\"S\"}}}",
	    "not both certificate_thumbprint and secret_env");
	bad("{\"profiles\":{\"a\":{" EA_OK ",\"certificate_thumbprint\":\"AEE5\"}}}", "go together");
	bad("{\"profiles\":{\"a\":{" EA_OK ",\"certificate_thumbprint\":\"AEE5AE4B510D57CE30C5116241CBE7E7722914E1\","
	    "\"certificate_thumbprint_sha256\":\"420ABFFA87CF799F9F4F8CBF05EDD55EEFBF87F1045CA4150010C5106D2CB403\","
	    "\"certificate_expires\":\"2126-11-08\"}}}", "go together");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"managed_identity\":\"system\"}}}", "does not apply");
	/* keys that do not apply to the type */
	bad("{\"profiles\":{\"a\":{" FL_OK ",\"client_id\":\"c\"}}}", "does not apply");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"tenant\":\"t\"}}}", "does not apply");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"mode\":\"obo\"}}}", "does not apply");
	bad("{\"profiles\":{\"a\":{" EA_OK ",\"auth_method\":\"basic\"}}}", "does not apply");
	/* ... even when the value is the default (bug: was accepted) */
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"mode\":\"autonomous-app\"}}}", "mode");
	bad("{\"profiles\":{\"a\":{" EA_OK ",\"auth_method\":\"post\"}}}", "auth_method");
	bad("{\"profiles\":{\"a\":{" FL_OK ",\"auth_method\":\"post\"}}}", "auth_method");
	good("{\"profiles\":{\"a\":{" CC_OK ",\"auth_method\":\"post\"}}}");
	good("{\"profiles\":{\"a\":{" EA_OK ",\"mode\":\"autonomous-app\"}}}");
}

/* Profile "x" from KEY, VALUE, ..., NULL; each key and the result valid. */
static void valid_profile(struct profile *p, const char *const *kv)
{
	profile_init(p);
	p->name = xstrdup("x");
	for (; kv[0]; kv += 2)
		CHECK_INT(profile_set_key(p, kv[0], kv[1]), AC_OK);
	CHECK_INT(profile_validate(p), AC_OK);
}

static void test_set_key(void)
{
	struct profile p;
	char big[5000];
	size_t i;

	valid_profile(&p, (const char *const[]){ "type", "client-credentials",
		"token_url", "https://idp/t", "client_id", "cid", NULL });
	/* --mode on a client-credentials profile, default value */
	CHECK_INT(profile_set_key(&p, "mode", "autonomous-app"), AC_OK);
	CHECK_INT(profile_validate(&p), AC_USAGE);
	CHECK(strstr(ac_message(), "mode") != NULL);
	profile_release(&p);

	valid_profile(&p, (const char *const[]){ "type", "foundationallm",
		"api_url", "https://f/instances/i", "refresh_margin", "0", NULL });
	CHECK_INT(profile_set_key(&p, "tokenurl", "x"), AC_USAGE);
	CHECK(strstr(ac_message(), "tokenurl") != NULL);
	CHECK_INT(profile_set_key(&p, "timeout", "abc"), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "timeout", "86401"), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "timeout", "5s"), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "timeout", ""), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "timeout", "86400"), AC_OK);
	CHECK_INT(p.timeout, 86400);
	memset(big, 'v', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(profile_set_key(&p, "description", big), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "description", "a\rb"), AC_USAGE);

	/* hosts: deduplicated case-insensitively, bounded */
	CHECK_INT(profile_set_key(&p, "hosts", "A.example"), AC_OK);
	CHECK_INT(profile_set_key(&p, "hosts", "a.example"), AC_OK);
	CHECK_INT(p.nhosts, 1);
	CHECK_INT(profile_set_key(&p, "hosts", "u@h"), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "hosts", "h/p"), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "hosts", ""), AC_USAGE);
	for (i = 0; i < 70; i++) {
		char h[32];

		snprintf(h, sizeof(h), "h%zu", i);
		if (profile_set_key(&p, "hosts", h))
			break;
	}
	CHECK_INT(p.nhosts, 64);
	CHECK(strstr(ac_message(), "too many hosts") != NULL);

	/* headers: NAME=VALUE, replaced case-insensitively */
	CHECK_INT(profile_set_key(&p, "headers", "AI-Resource-Group=default"), AC_OK);
	CHECK_INT(profile_set_key(&p, "headers", "ai-resource-group=other"), AC_OK);
	CHECK_INT(p.nheaders, 1);
	CHECK_STR(p.headers[0].value, "other");
	CHECK_INT(profile_set_key(&p, "headers", "X-Empty="), AC_OK);
	CHECK_INT(profile_set_key(&p, "headers", "X-Eq=a=b"), AC_OK);
	CHECK_STR(p.headers[2].value, "a=b");
	CHECK_INT(profile_set_key(&p, "headers", "NoEquals"), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "headers", "=v"), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "headers", "Bad Name=v"), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "headers", "Bad:Name=v"), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "headers", "X-A=line\r\nInjected: 1"), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "headers", "X-A=line\nx"), AC_USAGE);
	/* the credential headers are agentcred's own */
	CHECK_INT(profile_set_key(&p, "headers", "Authorization=Bearer x"), AC_USAGE);
	CHECK(strstr(ac_message(), "Authorization") != NULL);
	CHECK_INT(profile_set_key(&p, "headers", "authorization=x"), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "headers", "X-AGENT-ACCESS-TOKEN=x"), AC_USAGE);
	CHECK_INT(profile_set_key(&p, "headers", "x-agent-access-token=x"), AC_USAGE);
	CHECK_INT(p.nheaders, 3);
	profile_release(&p);

	bad("{\"profiles\":{\"a\":{" CC_OK ",\"headers\":{\"Authorization\":\"Bearer x\"}}}}", "Authorization");
	bad("{\"profiles\":{\"a\":{" FL_OK ",\"headers\":{\"x-agent-access-token\":\"x\"}}}}", "x-agent-access-token");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"headers\":{\"X\\r\\nY\":\"v\"}}}}", "bad header");
	bad("{\"profiles\":{\"a\":{" CC_OK ",\"headers\":{\"X\":\"v\\r\\nY: z\"}}}}", "bad header");

	/* every key in the table is settable by name */
	for (i = 0; profile_key_name(i); i++)
		CHECK(strlen(profile_key_name(i)) > 0);
	CHECK(i >= 20);
}

static int count_dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_save(void)
{
	struct config cfg, back;
	struct stat st;
	char path[128], *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0;
	struct profile *p;
	int fd, fd2;

	snprintf(path, sizeof(path), "%s/sub/config.json", dir);
	CHECK_INT(parse(&cfg, "{\"keyring\":\"file\",\"kernel_cache\":false,\"profiles\":{"
		  "\"cc\":{" CC_OK ",\"scope\":\"s\",\"hosts\":[\"h1\",\"h2\"],"
		  "\"headers\":{\"AI-Resource-Group\":\"g\",\"X-B\":\"v w\"},\"refresh_margin\":0,\"timeout\":7},"
		  "\"ea\":{" EA_OK ",\"mode\":\"obo\",\"user\":\"u@x\"},"
		  "\"fl\":{" FL_OK ",\"expires\":\"2030-01-31\",\"description\":\"d \\\"q\\\" \\\\\"}}}"), AC_OK);
	cfg.path = xstrdup(path);
	umask(022);	/* the file must be 0600 regardless */
	CHECK_INT(config_save(&cfg), AC_OK);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_INT(count_dir_entries(), 1);	/* only sub/ */
	{
		char sub[128];
		DIR *d;
		struct dirent *e;
		int n = 0;

		snprintf(sub, sizeof(sub), "%s/sub", dir);
		CHECK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700);
		d = opendir(sub);
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				n++;
		if (d)
			closedir(d);
		CHECK_INT(n, 1);	/* no temporary file left */
	}

	/* round trip: reparse, save again, byte-identical */
	CHECK_INT(read_file_limited(path, 1 << 20, "config", &text, &len), AC_OK);
	CHECK_INT(parse(&back, text ? text : ""), AC_OK);
	back.path = xstrdup(path);
	CHECK_INT(back.nprofiles, 3);
	CHECK_INT(back.kernel_cache, 0);
	CHECK_STR(back.keyring, "file");
	p = config_find(&back, "cc");
	CHECK(p && p->nhosts == 2 && p->nheaders == 2 && p->refresh_margin == 0 &&
	      p->timeout == 7 && p->auth_method == AUTH_POST);
	if (p && p->nheaders == 2)
		CHECK_STR(p->headers[1].value, "v w");
	p = config_find(&back, "ea");
	CHECK(p && p->mode == MODE_OBO);
	if (p)
		CHECK_STR(p->user, "u@x");
	p = config_find(&back, "fl");
	if (p)
		CHECK_STR(p->description, "d \"q\" \\");
	CHECK_INT(config_save(&back), AC_OK);
	CHECK_INT(read_file_limited(path, 1 << 20, "config", &text2, &len2), AC_OK);
	CHECK(text && text2 && len == len2 && !memcmp(text, text2, len));
	sec_free(text);
	sec_free(text2);

	/* remove + put */
	CHECK_INT(config_remove(&back, "ea"), 0);
	CHECK_INT(config_remove(&back, "ea"), -1);
	CHECK_INT(back.nprofiles, 2);
	CHECK(config_find(&back, "fl") != NULL);
	config_release(&back);

	/* a write that fails leaves no temp file and no open descriptor */
	{
		struct rlimit rl, small;

		signal(SIGXFSZ, SIG_IGN);
		getrlimit(RLIMIT_FSIZE, &rl);
		small.rlim_cur = 16;
		small.rlim_max = rl.rlim_max;
		fd = open("/dev/null", O_RDONLY);
		close(fd);
		setrlimit(RLIMIT_FSIZE, &small);
		CHECK_INT(config_save(&cfg), AC_FAIL);
		setrlimit(RLIMIT_FSIZE, &rl);
		CHECK(strstr(ac_message(), "cannot write") != NULL);
		fd2 = open("/dev/null", O_RDONLY);
		CHECK_INT(fd2, fd);	/* the lowest free descriptor is unchanged */
		close(fd2);
		CHECK(stat(path, &st) == 0 && st.st_size > 16); /* old file intact */
	}
	/* the directory holds only config.json */
	{
		char sub[128];
		DIR *d;
		struct dirent *e;
		int n = 0;

		snprintf(sub, sizeof(sub), "%s/sub", dir);
		d = opendir(sub);
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				n++;
		if (d)
			closedir(d);
		CHECK_INT(n, 1);
	}
	config_release(&cfg);

	/* load through $AGENTCRED_CONFIG; a missing file is empty */
	setenv("AGENTCRED_CONFIG", path, 1);
	CHECK_INT(config_load(&cfg), AC_OK);
	CHECK_INT(cfg.nprofiles, 3);
	config_release(&cfg);
	snprintf(path, sizeof(path), "%s/none.json", dir);
	setenv("AGENTCRED_CONFIG", path, 1);
	CHECK_INT(config_load(&cfg), AC_OK);
	CHECK_INT(cfg.nprofiles, 0);
	CHECK_INT(cfg.kernel_cache, 1);
	config_release(&cfg);
	unsetenv("AGENTCRED_CONFIG");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ac-test-config-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_parse();
	bad("{\"profiles\":{\"p\":{\"type\":\"client-credentials\"},\"p\":{\"type\":\"entra-agent\"}}}",
	    "\"p\" twice");
	bad("{\"profiles\":{\"p\":{\"type\":\"client-credentials\",\"token_url\":\"https://a.example\",\"token_url\":\"https://b.example\"}}}",
	    "\"token_url\" twice");
	bad("{\"profiles\":{\"p\":{\"type\":\"client-credentials\",\"token_url\":\"https://a.example\\u0000.evil\"}}}",
	    "NUL");
	bad("{\"profiles\":{\"p\":{\"type\":\"client-credentials\",\"token_url\":\"https://a.example\",\"client_id\":\"c\",\"ca_file\":\"ca.pem\"}}}",
	    "ca_file must be an absolute path");
	test_names();
	test_required();
	test_set_key();
	test_save();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return check_done("test_config");
}

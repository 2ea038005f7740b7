/*
 * Entra Agent ID request forms (README.md, "Design: token systems"): each
 * step of each mode carries exactly its parameters, username vs user_id follows
 * looks_like_guid(), a federated credential replaces the secret, and the
 * federated credential file is read bounded and trimmed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../backends/entra.h"
#include "../../helper/lib/secmem.h"
#include "check.h"

#define BP "b1b1b1b1-0000-4000-8000-000000000001"
#define AG "a9a9a9a9-0000-4000-8000-000000000002"
#define JWTB "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
#define XSCOPE "api%3A%2F%2FAzureADTokenExchange%2F.default"
#define GRAPH "https%3A%2F%2Fgraph.microsoft.com%2F.default"
#define AGENT_CLIENT "client_id=" AG "&client_assertion_type=" JWTB \
	"&client_assertion=T1.tok.en"

static struct profile prof;

static void setup(void)
{
	profile_init(&prof);
	prof.name = xstrdup("ea");
	prof.type = PT_ENTRA_AGENT;
	prof.tenant = xstrdup("contoso.example");
	prof.blueprint_app_id = xstrdup(BP);
	prof.agent_app_id = xstrdup(AG);
}

/* Build step's form from in; returns the error and leaves the text in *sb. */
static enum ac_err build(enum entra_step step, const struct entra_form *in,
			 struct sbuf *sb)
{
	sbuf_reset(sb);
	return entra_build_form(step, in, sb);
}

static void test_step1(void)
{
	struct sbuf sb = SBUF_INIT;
	struct entra_form in = { .p = &prof, .secret = "s3cr+t&=" };

	CHECK_INT(build(ENTRA_T1, &in, &sb), AC_OK);
	CHECK_STR(sbuf_str(&sb),
		  "grant_type=client_credentials&client_id=" BP
		  "&client_secret=s3cr%2Bt%26%3D&scope=" XSCOPE
		  "&fmi_path=" AG);

	/* a federated credential replaces the secret, even if both exist */
	in.assertion = "eyJfed.cred.x";
	CHECK_INT(build(ENTRA_T1, &in, &sb), AC_OK);
	CHECK_STR(sbuf_str(&sb),
		  "grant_type=client_credentials&client_id=" BP
		  "&client_assertion_type=" JWTB "&client_assertion=eyJfed.cred.x"
		  "&scope=" XSCOPE "&fmi_path=" AG);
	CHECK(!strstr(sbuf_str(&sb), "client_secret"));

	/* neither: a usage error, nothing half-built is sent */
	in.assertion = NULL;
	in.secret = "";
	CHECK_INT(build(ENTRA_T1, &in, &sb), AC_USAGE);
	sbuf_release(&sb);
}

static void test_autonomous_app(void)
{
	struct sbuf sb = SBUF_INIT;
	struct entra_form in = { .p = &prof, .t1 = "T1.tok.en" };

	CHECK_INT(build(ENTRA_APP, &in, &sb), AC_OK);
	CHECK_STR(sbuf_str(&sb), "grant_type=client_credentials&" AGENT_CLIENT
		  "&scope=" GRAPH);
	CHECK(!strstr(sbuf_str(&sb), "fmi_path"));

	in.scope = "api://my api/.default";
	CHECK_INT(build(ENTRA_APP, &in, &sb), AC_OK);
	CHECK_STR(sbuf_str(&sb), "grant_type=client_credentials&" AGENT_CLIENT
		  "&scope=api%3A%2F%2Fmy+api%2F.default");

	/* every step after the first needs T1 */
	in.t1 = NULL;
	CHECK_INT(build(ENTRA_APP, &in, &sb), AC_FAIL);
	in.t1 = "";
	CHECK_INT(build(ENTRA_T2, &in, &sb), AC_FAIL);
	CHECK(strstr(ac_message(), "T1") != NULL);
	sbuf_release(&sb);
}

static void test_missing_ids(void)
{
	struct sbuf sb = SBUF_INIT;
	struct entra_form in = { .p = &prof, .secret = "s", .t1 = "T1.tok.en" };
	char *saved = prof.agent_app_id;

	/* a hand-edited profile without one of the app ids: nothing is built */
	prof.agent_app_id = NULL;
	CHECK_INT(build(ENTRA_T1, &in, &sb), AC_USAGE);
	CHECK(strstr(ac_message(), "agent_app_id") != NULL);
	CHECK(!strstr(sbuf_str(&sb), "client_secret"));
	prof.agent_app_id = saved;
	saved = prof.blueprint_app_id;
	prof.blueprint_app_id = NULL;
	CHECK_INT(build(ENTRA_APP, &in, &sb), AC_USAGE);
	CHECK(strstr(ac_message(), "blueprint_app_id") != NULL);
	prof.blueprint_app_id = saved;
	sbuf_release(&sb);
}

static void test_obo(void)
{
	struct sbuf sb = SBUF_INIT;
	struct entra_form in = { .p = &prof, .t1 = "T1.tok.en",
				 .user_token = "user.tok.en" };

	CHECK_INT(build(ENTRA_OBO, &in, &sb), AC_OK);
	CHECK_STR(sbuf_str(&sb),
		  "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&"
		  AGENT_CLIENT "&assertion=user.tok.en"
		  "&requested_token_use=on_behalf_of&scope=" GRAPH);

	in.user_token = NULL;
	CHECK_INT(build(ENTRA_OBO, &in, &sb), AC_USAGE);
	CHECK(strstr(ac_message(), "--user-token-file") != NULL);
	in.user_token = "";
	CHECK_INT(build(ENTRA_OBO, &in, &sb), AC_USAGE);
	sbuf_release(&sb);
}

static void test_agent_user(void)
{
	struct sbuf sb = SBUF_INIT;
	struct entra_form in = { .p = &prof, .t1 = "T1.tok.en" };

	/* 2a: T2 */
	CHECK_INT(build(ENTRA_T2, &in, &sb), AC_OK);
	CHECK_STR(sbuf_str(&sb), "grant_type=client_credentials&" AGENT_CLIENT
		  "&scope=" XSCOPE);

	/* 2b with a UPN: username */
	in.t2 = "T2.tok.en";
	in.user = "agent@contoso.example";
	in.scope = "https://graph.microsoft.com/.default";
	CHECK_INT(build(ENTRA_USER_FIC, &in, &sb), AC_OK);
	CHECK_STR(sbuf_str(&sb), "grant_type=user_fic&" AGENT_CLIENT
		  "&user_federated_identity_credential=T2.tok.en"
		  "&username=agent%40contoso.example&scope=" GRAPH);
	CHECK(!strstr(sbuf_str(&sb), "user_id="));

	/* 2b with an object id (any case): user_id, never both */
	in.user = "0D0D0D0D-0000-4000-8000-00000000000a";
	CHECK_INT(build(ENTRA_USER_FIC, &in, &sb), AC_OK);
	CHECK_STR(sbuf_str(&sb), "grant_type=user_fic&" AGENT_CLIENT
		  "&user_federated_identity_credential=T2.tok.en"
		  "&user_id=0D0D0D0D-0000-4000-8000-00000000000a&scope=" GRAPH);
	CHECK(!strstr(sbuf_str(&sb), "username="));

	/* almost a GUID is a user name */
	in.user = "0d0d0d0d-0000-4000-8000-00000000000";
	CHECK_INT(build(ENTRA_USER_FIC, &in, &sb), AC_OK);
	CHECK(strstr(sbuf_str(&sb), "&username=0d0d0d0d") != NULL);

	in.user = NULL;
	CHECK_INT(build(ENTRA_USER_FIC, &in, &sb), AC_USAGE);
	CHECK(strstr(ac_message(), "--user") != NULL);
	in.user = "agent@contoso.example";
	in.t2 = NULL;
	CHECK_INT(build(ENTRA_USER_FIC, &in, &sb), AC_FAIL);
	CHECK(strstr(ac_message(), "T2") != NULL);
	sbuf_release(&sb);
}

static void test_url(void)
{
	struct sbuf sb = SBUF_INIT;

	entra_token_url(&prof, &sb);
	CHECK_STR(sbuf_str(&sb),
		  "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token");
	sbuf_reset(&sb);
	prof.authority = xstrdup("http://127.0.0.1:8443/");
	entra_token_url(&prof, &sb);
	CHECK_STR(sbuf_str(&sb), "http://127.0.0.1:8443/contoso.example/oauth2/v2.0/token");
	free(prof.authority);
	prof.authority = xstrdup("https://login.microsoftonline.us");
	sbuf_reset(&sb);
	entra_token_url(&prof, &sb);
	CHECK_STR(sbuf_str(&sb), "https://login.microsoftonline.us/contoso.example/oauth2/v2.0/token");
	sbuf_release(&sb);
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (!f)
		return;
	fwrite(data, 1, len, f);
	fclose(f);
}

static void test_assertion_file(void)
{
	char dir[] = "/tmp/test_entra.XXXXXX", path[64];
	char *out = NULL, *big;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/token", dir);

	write_file(path, " \teyJ.fed.one\r\n\n", 16);
	CHECK_INT(entra_read_assertion(path, &out), AC_OK);
	CHECK_STR(out, "eyJ.fed.one");
	sec_free(out);

	/* rotated: the new contents are read */
	write_file(path, "eyJ.fed.two", 11);
	CHECK_INT(entra_read_assertion(path, &out), AC_OK);
	CHECK_STR(out, "eyJ.fed.two");
	sec_free(out);

	write_file(path, "\n  \n", 4);
	CHECK_INT(entra_read_assertion(path, &out), AC_USAGE);
	CHECK(out == NULL);

	write_file(path, "a.b.c\nd.e.f\n", 12);
	CHECK_INT(entra_read_assertion(path, &out), AC_USAGE);

	write_file(path, "a.b\0.c", 6);
	CHECK_INT(entra_read_assertion(path, &out), AC_USAGE);

	big = xmalloc(ENTRA_ASSERTION_MAX + 2);
	memset(big, 'x', ENTRA_ASSERTION_MAX + 1);
	write_file(path, big, ENTRA_ASSERTION_MAX + 1);
	free(big);
	CHECK(entra_read_assertion(path, &out) != AC_OK);
	CHECK(out == NULL);

	unlink(path);
	CHECK_INT(entra_read_assertion(path, &out), AC_USAGE);
	CHECK(strstr(ac_message(), "client_assertion_file") != NULL);
	rmdir(dir);
}

int main(void)
{
	setup();
	test_step1();
	test_autonomous_app();
	test_missing_ids();
	test_obo();
	test_agent_user();
	test_url();
	test_assertion_file();
	profile_release(&prof);
	return check_done("test_entra");
}

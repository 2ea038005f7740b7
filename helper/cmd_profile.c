/*
 * "agentcred profile add|import-sap-key|list|show|remove".
 *
 * Rules: a secret is never taken from argv (no --secret option exists);
 * the keyring is written before config.json, so a failed store leaves the
 * old profile intact; replacing a profile or its secret drops its cached
 * tokens at both levels; "show" never prints a secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../keyring/keyring.h"
#include "commands.h"
#include "lib/log.h"
#include "prompt.h"
#include "../backends/sapkey.h"
#include "lib/secmem.h"
#include "lib/util.h"

static enum ac_err usage_add(void)
{
	return ac_fail(AC_USAGE, "usage: agentcred profile add NAME --type TYPE [--KEY VALUE ...] [--secret-stdin]");
}

/* "--token-url" → "token_url"; returns 0 when opt is a --key option. */
static int option_key(const char *opt, char *key, size_t len)
{
	size_t i, n;

	if (strncmp(opt, "--", 2) || !opt[2])
		return -1;
	n = strlen(opt + 2);
	if (n >= len)
		return -1;
	for (i = 0; i < n; i++)
		key[i] = opt[2 + i] == '-' ? '_' : opt[2 + i];
	key[n] = '\0';
	/* plural list keys take a singular, repeatable option */
	if (!strcmp(key, "host"))
		snprintf(key, len, "hosts");
	else if (!strcmp(key, "header"))
		snprintf(key, len, "headers");
	return 0;
}

/* Store secret (if any), drop old tokens, save config: in that order. */
static enum ac_err commit_profile(struct config *cfg, struct profile *p,
				  const char *secret)
{
	enum ac_err err;
	char *name = xstrdup(p->name);

	if (secret && (err = kr_client_secret_put(p->name, secret)))
		goto out;
	/* new settings or a new secret: no old token may be served */
	if (config_find(cfg, p->name) || secret) {
		err = token_forget_profile(p->name);
		if (err && err != AC_NOTFOUND && secret)
			goto out;
		ac_clear();
	}
	config_put(cfg, p);
	err = config_save(cfg);
	if (!err)
		log_verbose("%s: saved in %s", name, cfg->path);
out:
	free(name);
	return err;
}

static enum ac_err profile_add(struct config *cfg, int argc, char **argv)
{
	const struct backend *be;
	struct credential c;
	struct profile p;
	char key[64], prompt[200];
	char *secret = NULL;
	int i, from_stdin = 0, have_type = 0;
	enum ac_err err;

	profile_init(&p);
	if (argc < 2 || argv[1][0] == '-')
		return usage_add();
	ac_set_subject(argv[1]);
	if (!profile_name_valid(argv[1]))
		return ac_fail(AC_USAGE, "bad profile name — use 1 to 64 letters, digits, '.', '_' and '-'");
	p.name = xstrdup(argv[1]);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--secret-stdin")) {
			from_stdin = 1;
			continue;
		}
		if (!strcmp(argv[i], "--secret") || !strncmp(argv[i], "--secret=", 9) ||
		    !strcmp(argv[i], "--client-secret") ||
		    !strncmp(argv[i], "--client-secret=", 16)) {
			err = ac_fail(AC_USAGE, "secrets are never accepted on the command line (they would show in ps and shell history) — pipe it with --secret-stdin or type it at the prompt");
			goto out;
		}
		if (option_key(argv[i], key, sizeof(key)) || i + 1 >= argc) {
			/* not past an '=': "--opt=VALUE" may carry a secret */
			err = ac_fail(AC_USAGE, "unexpected argument \"%.*s\" — options are --KEY VALUE",
				      (int)strcspn(argv[i], "="), argv[i]);
			goto out;
		}
		if (!strcmp(key, "type"))
			have_type = 1;
		if ((err = profile_set_key(&p, key, argv[++i])))
			goto out;
	}
	if (!have_type) {
		err = ac_fail(AC_USAGE, "--type is required: client-credentials, entra-agent or foundationallm");
		goto out;
	}
	if ((err = profile_validate(&p)))
		goto out;
	if (!(be = backend_for(p.type))) {
		err = ac_fail(AC_USAGE, "profile %s has an unsupported type", p.name);
		goto out;
	}
	be->credential(&p, &c);
	if (c.from == CRED_KEYRING) {
		snprintf(prompt, sizeof(prompt), "%s for %s (stored in the %s keyring): ",
			 c.what, p.name,
			 global.keyring && !strcmp(global.keyring, "file") ? "file" : "system");
		prompt[0] = (char)(prompt[0] - 'a' + 'A');
		if ((err = prompt_secret(prompt, from_stdin, &secret)))
			goto out;
		if (be->check_secret && (err = be->check_secret(&p, secret)))
			goto out;
	}
	err = commit_profile(cfg, &p, secret);
out:
	sec_free(secret);
	profile_release(&p);
	return err;
}

static enum ac_err profile_import_sap(struct config *cfg, int argc, char **argv)
{
	const char *group = "default", *ca_file = NULL;
	struct sap_key key;
	struct profile p;
	char *text = NULL;
	size_t len = 0;
	enum ac_err err;
	int i;

	if (argc < 3)
		return ac_fail(AC_USAGE, "usage: agentcred profile import-sap-key NAME FILE|- [--resource-group G] [--ca-file F]");
	ac_set_subject(argv[1]);
	if (!profile_name_valid(argv[1]))
		return ac_fail(AC_USAGE, "bad profile name — use 1 to 64 letters, digits, '.', '_' and '-'");
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--resource-group") && i + 1 < argc)
			group = argv[++i];
		else if (!strcmp(argv[i], "--ca-file") && i + 1 < argc)
			ca_file = argv[++i];
		else
			return ac_fail(AC_USAGE, "unexpected argument \"%s\"", argv[i]);
	}
	if (!strcmp(argv[2], "-"))
		err = read_fd_limited(0, SAPKEY_MAX, "the service key", &text, &len);
	else
		err = read_file_limited(argv[2], SAPKEY_MAX, "service key", &text, &len);
	if (err)
		return err == AC_NOTFOUND ? AC_USAGE : err;
	err = sap_key_parse(text, len, &key);
	sec_free(text);
	if (err)
		return err;
	profile_init(&p);
	p.name = xstrdup(argv[1]);
	p.type = PT_CLIENT_CREDENTIALS;
	p.auth_method = AUTH_POST;
	p.token_url = xstrdup(key.token_url);
	p.client_id = xstrdup(key.client_id);
	p.api_url = xstrdup(key.api_url);
	if ((err = profile_set_key(&p, "hosts", key.api_host)))
		goto out;
	if (ca_file && (err = profile_set_key(&p, "ca_file", ca_file)))
		goto out;
	{
		struct sbuf h = SBUF_INIT;

		sbuf_addf(&h, "AI-Resource-Group=%s", group);
		err = profile_set_key(&p, "headers", h.buf);
		sbuf_release(&h);
		if (err)
			goto out;
	}
	if ((err = profile_validate(&p)))
		goto out;
	err = commit_profile(cfg, &p, key.client_secret);
	if (!err)
		printf("imported %s: token URL %s, API %s, resource group %s\n",
		       argv[1], key.token_url, key.api_url, group);
out:
	profile_release(&p);
	sap_key_release(&key);
	return err;
}

static enum ac_err profile_list(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nprofiles; i++)
		printf("%s\t%s\n", cfg->profiles[i].name,
		       profile_type_name(cfg->profiles[i].type));
	return AC_OK;
}

static enum ac_err profile_show(struct config *cfg, const char *name)
{
	struct profile *p;
	struct sbuf sb = SBUF_INIT;
	enum ac_err err;
	size_t j;

	if ((err = find_profile(cfg, name, &p)))
		return err;
	sbuf_addf(&sb, "name: %s\ntype: %s\n", p->name, profile_type_name(p->type));
#define SHOW(field) if (p->field) sbuf_addf(&sb, #field ": %s\n", p->field)
	SHOW(token_url);
	SHOW(client_id);
	if (profile_has_key(p, "auth_method"))
		sbuf_addf(&sb, "auth_method: %s\n", p->auth_method == AUTH_BASIC ? "basic" : "post");
	SHOW(scope);
	SHOW(audience);
	SHOW(resource);
	SHOW(tenant);
	SHOW(authority);
	SHOW(blueprint_app_id);
	SHOW(agent_app_id);
	if (profile_has_key(p, "mode"))
		sbuf_addf(&sb, "mode: %s\n", entra_mode_name(p->mode));
	SHOW(user);
	SHOW(client_assertion_file);
	SHOW(expires);
	SHOW(description);
	SHOW(api_url);
	SHOW(ca_file);
	SHOW(secret_env);
#undef SHOW
	if (p->timeout)
		sbuf_addf(&sb, "timeout: %ld\n", p->timeout);
	if (p->refresh_margin >= 0)
		sbuf_addf(&sb, "refresh_margin: %ld\n", p->refresh_margin);
	for (j = 0; j < p->nheaders; j++)
		sbuf_addf(&sb, "header: %s: %s\n", p->headers[j].name, p->headers[j].value);
	for (j = 0; j < p->nhosts; j++)
		sbuf_addf(&sb, "host: %s\n", p->hosts[j]);
	err = write_out(1, sb.buf, sb.len);
	sbuf_release(&sb);
	return err;
}

static enum ac_err profile_remove(struct config *cfg, const char *name)
{
	struct profile *p;
	enum ac_err err;

	if ((err = find_profile(cfg, name, &p)))
		return err;
	/* its tokens at every level, then its secret and anything else */
	if ((err = token_forget_profile(name)) ||
	    (err = kr_profile_drop_all(name)))
		return err;
	config_remove(cfg, name);
	return config_save(cfg);
}

enum ac_err cmd_profile(struct config *cfg, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "add"))
		return profile_add(cfg, argc - 1, argv + 1);
	if (!strcmp(sub, "import-sap-key"))
		return profile_import_sap(cfg, argc - 1, argv + 1);
	if (!strcmp(sub, "list") && argc == 2)
		return profile_list(cfg);
	if (!strcmp(sub, "show") && argc == 3)
		return profile_show(cfg, argv[2]);
	if (!strcmp(sub, "remove") && argc == 3)
		return profile_remove(cfg, argv[2]);
	return ac_fail(AC_USAGE, "usage: agentcred profile add|import-sap-key|list|show|remove ... — see: agentcred help profile");
}

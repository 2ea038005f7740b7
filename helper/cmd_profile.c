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

#include "../backends/entra_cred.h"
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

/* Whether p's backend keeps its credential in the keyring. */
static int credential_in_keyring(const struct profile *p)
{
	const struct backend *be = backend_for(p->type);
	struct credential c;

	if (!be)
		return 0;
	be->credential(p, &c);
	return c.from == CRED_KEYRING;
}

/* Store secret (if any), drop old tokens, save config: in that order. */
enum ac_err profile_commit(struct config *cfg, struct profile *p,
				  const char *secret)
{
	enum ac_err err;
	char *name = xstrdup(p->name);
	struct profile *old = config_find(cfg, p->name);

	if (secret && (err = kr_client_secret_put(p->name, secret)))
		goto out;
	/* a stored secret (or key) that the new credential no longer uses */
	if (!secret && old && credential_in_keyring(old) && !credential_in_keyring(p)) {
		if ((err = kr_profile_drop_all(p->name)) && err != AC_NOTFOUND)
			goto out;
		ac_clear();
	}
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
	struct entra_cred_opts cred = { 0 };
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
		/* blueprint credential options (backends/entra_cred.c) */
		int took = entra_cred_option(&cred, argc - i, argv + i);

		if (took < 0) {
			err = AC_USAGE;
			goto out;
		}
		if (took) {
			i += took - 1;
			continue;
		}
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
	/* exactly one credential; a certificate's key becomes the secret */
	if ((err = entra_cred_finish(&cred, &p, &secret)))
		goto out;
	if ((err = profile_validate(&p)))
		goto out;
	if (p.auth_method == AUTH_X509) {
		/* certificate, key and notAfter are read from a service key */
		err = ac_fail(AC_USAGE, "X.509 profiles are made from a service key: agentcred profile import-sap-key NAME FILE [--key-file F]");
		goto out;
	}
	if (!(be = backend_for(p.type))) {
		err = ac_fail(AC_USAGE, "profile %s has an unsupported type", p.name);
		goto out;
	}
	be->credential(&p, &c);
	if (!secret && c.from == CRED_KEYRING) {
		snprintf(prompt, sizeof(prompt), "%s for %s (stored in the %s keyring): ",
			 c.what, p.name,
			 global.keyring && !strcmp(global.keyring, "file") ? "file" : "system");
		prompt[0] = (char)(prompt[0] - 'a' + 'A');
		if ((err = prompt_secret(prompt, from_stdin, &secret)))
			goto out;
		if (be->check_secret && (err = be->check_secret(&p, secret)))
			goto out;
	}
	err = profile_commit(cfg, &p, secret);
out:
	sec_free(secret);
	profile_release(&p);
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
		sbuf_addf(&sb, "auth_method: %s\n", auth_method_name(p->auth_method));
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
	SHOW(certificate_thumbprint);
	SHOW(certificate_thumbprint_sha256);
	SHOW(certificate_expires);
	SHOW(managed_identity);
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
		return profile_import_sap(cfg, argc - 1, argv + 1);	/* cmd_sapimport.c */
	if (!strcmp(sub, "list") && argc == 2)
		return profile_list(cfg);
	if (!strcmp(sub, "show") && argc == 3)
		return profile_show(cfg, argv[2]);
	if (!strcmp(sub, "remove") && argc == 3)
		return profile_remove(cfg, argv[2]);
	return ac_fail(AC_USAGE, "usage: agentcred profile add|import-sap-key|list|show|remove ... — see: agentcred help profile");
}

/*
 * agentcred: the command table, global options and the one place where an
 * enum ac_err becomes an exit status (README.md, "Design: exit status"):
 *   0 ok, 1 other failure, 2 usage/config, 3 keyring, 4 rejected,
 *   5 network/server, 6 static token expired.
 * Without -v a failure prints exactly one line on stderr:
 *   agentcred: NAME: what went wrong — what to do
 * docker wants exit 1 for every failure: its entry says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../keyring/keyring.h"
#include "commands.h"
#include "kcache.h"
#include "lib/log.h"
#include "lib/secmem.h"
#include "lib/util.h"

enum cmd_flags {
	NEEDS_CONFIG = 1,	/* load config.json first */
	DOCKER_EXIT = 2,	/* every failure exits 1, its message on stdout */
	CONFIG_WRITE = 4	/* may change config.json: lock it before loading */
};

struct command {
	const char *name;
	enum ac_err (*fn)(struct config *cfg, int argc, char **argv);
	unsigned flags;
	const char *usage;
	const char *help;
	const char *more;	/* details for "help COMMAND" only */
};

static const struct command commands[] = {
	{ "profile", cmd_profile, NEEDS_CONFIG | CONFIG_WRITE,
	  "profile add NAME --type TYPE [--KEY VALUE ...] | import-sap-key NAME [FILE|-] [--resource-group G] [--key-file F] [--ca-file F] | list | show NAME | remove NAME",
	  "manage profiles (secrets go to the keyring, settings to config.json)",
	  "\nprofile add: every config key is an option, dashes for underscores\n"
	  "  every type:          --api-url URL  --header NAME=VALUE (repeatable)  --host HOST (repeatable)\n"
	  "                       --ca-file FILE  --timeout SECONDS  --refresh-margin SECONDS  --secret-env VAR\n"
	  "  client-credentials:  --token-url URL  --client-id ID  --auth-method post|basic  --scope S\n"
	  "                       --audience A  --resource R\n"
	  "  entra-agent:         --tenant T  --authority URL  --blueprint-app-id ID  --agent-app-id ID\n"
	  "                       --mode autonomous-app|obo|agent-user  --scope S  --user UPN|OID\n"
	  "                       one blueprint credential: a secret (not for production), or\n"
	  "                       --certificate FILE (PEM certificate and key; the key goes to the keyring)\n"
	  "                       --managed-identity  --managed-identity-client-id ID\n"
	  "                       --workload-identity (AZURE_* variables)  --client-assertion-file FILE\n"
	  "  foundationallm:      --expires YYYY-MM-DD  --description TEXT\n"
	  "  --secret-stdin       read the secret from stdin (else a no-echo prompt on a terminal);\n"
	  "                       a secret is never accepted on the command line\n"
	  "\nprofile import-sap-key: an SAP AI Core service key from FILE, or - for stdin\n"
	  "  X.509 keys (credential-type x509) get their token over mutual TLS; the private\n"
	  "  key goes to the keyring only\n"
	  "  --key-file FILE      the private key of a key made with your own certificate\n"
	  "  --resource-group G   the AI-Resource-Group header (default: the source's, else default)\n"
	  "  --ca-file FILE       extra trust anchors for the token and API servers\n"
	  "  no FILE: where SAP's SDKs look, first found: $AICORE_SERVICE_KEY, the AICORE_*\n"
	  "  variables, $AICORE_CONFIG or ~/.aicore/config.json, $VCAP_SERVICES\n" },
	{ "token", cmd_token, NEEDS_CONFIG,
	  "token NAME [--scope S] [--user UPN|OID] [--user-token-file F|-]",
	  "print a fresh access token and a newline", NULL },
	{ "get", cmd_get, NEEDS_CONFIG,
	  "get", "JSON request on stdin, JSON answer on stdout", NULL },
	{ "kube", cmd_kube, NEEDS_CONFIG,
	  "kube NAME [--scope S] [--user U]", "kubectl exec credential plugin", NULL },
	{ "git", cmd_git, NEEDS_CONFIG,
	  "git get|store|erase", "git credential helper", NULL },
	{ "docker", cmd_docker, NEEDS_CONFIG | DOCKER_EXIT,
	  "docker get|store|erase|list|version", "docker credential helper", NULL },
	{ "curl", cmd_curl, NEEDS_CONFIG,
	  "curl NAME [--scope S] [--user U] -- CURL-ARGS...", "run curl with the token passed in a config pipe", NULL },
	{ "curl-config", cmd_curl_config, NEEDS_CONFIG,
	  "curl-config NAME [--scope S] [--user U]", "print curl config lines (for curl -K)", NULL },
	/* agent tools (cmd_headers.c, cmd_exec.c) */
	{ "headers", cmd_headers, NEEDS_CONFIG,
	  "headers [NAME [--scope S] [--user UPN|OID]]",
	  "print the headers to send as one JSON object (Claude Code headersHelper)",
	  "\nwithout NAME: the profile whose hosts list the host of $CLAUDE_CODE_MCP_SERVER_URL\n" },
	{ "exec", cmd_exec, NEEDS_CONFIG,
	  "exec NAME [--scope S] [--user UPN|OID] (--env VAR | --headers-env VAR)... -- CMD [ARGS...]",
	  "run CMD with the token in its environment",
	  "\n  --env VAR          VAR=the access token\n"
	  "  --headers-env VAR  VAR=the headers as \"Name: value\" lines\n"
	  "other processes of the same user can read CMD's environment: prefer the\n"
	  "token and headers commands where the client runs a command\n" },
	{ "forget", cmd_forget, NEEDS_CONFIG,
	  "forget NAME", "drop cached tokens, keep the secret", NULL },
	{ "status", cmd_status, NEEDS_CONFIG,
	  "status [--json]", "profiles, secret present, cached token expiry", NULL },
	{ "doctor", cmd_doctor, 0,
	  "doctor [--online]", "keyring reachable? config valid? clock sane?", NULL },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: agentcred [--config FILE] [--keyring secret-service|file] [-v] [-q] COMMAND ...\n\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "  %-12s %s\n", "help", "help COMMAND: usage of one command");
	fprintf(out, "\nglobal options:\n"
		"  --config FILE     configuration file (default $XDG_CONFIG_HOME/agentcred/config.json)\n"
		"  --keyring NAME    secret-service (default) or file\n"
		"  -v                diagnostics on stderr (never a secret)\n"
		"  -q                no warnings\n"
		"  --version         print the version\n"
		"  -h, --help        this text\n"
		"\nexit status: 0 ok, 1 failure, 2 usage or configuration, 3 keyring unavailable,\n"
		"4 credentials rejected, 5 network or server failure, 6 static token expired\n");
}

static int exit_code(enum ac_err err)
{
	switch (err) {
	case AC_OK:
		return 0;
	case AC_USAGE:
		return 2;
	case AC_KEYRING:
		return 3;
	case AC_REJECTED:
		return 4;
	case AC_NETWORK:
		return 5;
	case AC_EXPIRED:
		return 6;
	case AC_FAIL:
	case AC_NOTFOUND:
	default:
		return 1;
	}
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int help_command(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		printf("usage: agentcred help [COMMAND]\nusage of one command, or of all\n");
		return 0;
	}
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "agentcred: no such command: %s — see: agentcred --help\n", argv[1]);
		return 2;
	}
	printf("usage: agentcred %s\n%s\n%s", c->usage, c->help, c->more ? c->more : "");
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	struct config cfg;
	const char *keyring_env;
	enum ac_err err = AC_OK;
	int i = 1, code;

	secmem_init();
	memset(&cfg, 0, sizeof(cfg));
	global.argv0 = argv[0];

	/* multi-call: git-credential-agentcred, docker-credential-agentcred */
	if (!strcmp(base_name(argv[0]), "git-credential-agentcred"))
		cmd = find_command("git");
	else if (!strcmp(base_name(argv[0]), "docker-credential-agentcred"))
		cmd = find_command("docker");

	for (; !cmd && i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-v")) {
			log_set_level(LOG_VERBOSE);
		} else if (!strcmp(a, "-q")) {
			log_set_level(LOG_QUIET);
		} else if (!strcmp(a, "--version")) {
			printf("agentcred %s\n", AGENTCRED_VERSION);
			return 0;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if ((!strcmp(a, "--config") || !strcmp(a, "--keyring")) && i + 1 < argc) {
			if (a[2] == 'c')
				config_set_path_override(argv[++i]);
			else
				global.keyring = argv[++i];
		} else if (!strncmp(a, "--config=", 9)) {
			config_set_path_override(a + 9);
		} else if (!strncmp(a, "--keyring=", 10)) {
			global.keyring = a + 10;
		} else {
			fprintf(stderr, "agentcred: unknown option %s — see: agentcred --help\n", a);
			return 2;
		}
	}
	if (!cmd) {
		if (i >= argc) {
			usage(stderr);
			return 2;
		}
		if (!strcmp(argv[i], "help"))
			return help_command(argc - i, argv + i);
		cmd = find_command(argv[i]);
		if (!cmd) {
			fprintf(stderr, "agentcred: no such command: %s — see: agentcred --help\n", argv[i]);
			return 2;
		}
	} else {
		i = 0;	/* multi-call: argv[0] is the command */
	}

	if ((cmd->flags & CONFIG_WRITE) && i + 1 < argc &&
	    strcmp(argv[i + 1], "list") && strcmp(argv[i + 1], "show") &&
	    (err = config_lock()))
		goto out;
	if (cmd->flags & NEEDS_CONFIG) {
		err = config_load(&cfg);
		if (err)
			goto out;
	}
	keyring_env = getenv("AGENTCRED_KEYRING");
	keyring_select(global.keyring ? global.keyring :
		       keyring_env && *keyring_env ? keyring_env : cfg.keyring);
	kcache_set_enabled(cfg.path ? cfg.kernel_cache : 1);
	err = cmd->fn(&cfg, argc - i, argv + i);
out:
	code = exit_code(err);
	if (err && (cmd->flags & DOCKER_EXIT)) {
		/* docker shows stdout to the user, not stderr */
		printf("%s\n", ac_message());
		code = 1;
	}
	else if (err && log_get_level() >= LOG_QUIET) {
		if (ac_subject())
			fprintf(stderr, "agentcred: %s: %s\n", ac_subject(), ac_message());
		else
			fprintf(stderr, "agentcred: %s\n", ac_message());
	}
	config_release(&cfg);
	config_set_path_override(NULL);
	fflush(stdout);
	if (ferror(stdout) && !code)
		code = 1;
	return code;
}

/*
 * The commands of the command table in main.c, one front-end per file.
 * Each returns an enum ac_err; main.c alone turns it into an exit status
 * and prints the one-line failure message.
 */
#ifndef AGENTCRED_COMMANDS_H
#define AGENTCRED_COMMANDS_H

#include "config.h"
#include "lib/err.h"
#include "token.h"

/* Global state a command may need (set by main.c before dispatch). */
struct global_opts {
	const char *keyring;	/* --keyring, may be NULL */
	const char *argv0;
};
extern struct global_opts global;

enum ac_err cmd_profile(struct config *cfg, int argc, char **argv);	/* cmd_profile.c */
/* "profile import-sap-key" (cmd_sapimport.c) */
enum ac_err profile_import_sap(struct config *cfg, int argc, char **argv);
/*
 * Store a profile: its secret (if any) in the keyring, its old cached
 * tokens dropped, config saved, in that order (cmd_profile.c).
 */
enum ac_err profile_commit(struct config *cfg, struct profile *p,
			   const char *secret);
enum ac_err cmd_token(struct config *cfg, int argc, char **argv);	/* cmd_get.c */
enum ac_err cmd_get(struct config *cfg, int argc, char **argv);		/* cmd_get.c */
enum ac_err cmd_forget(struct config *cfg, int argc, char **argv);	/* cmd_get.c */
enum ac_err cmd_kube(struct config *cfg, int argc, char **argv);	/* cmd_kube.c */
enum ac_err cmd_git(struct config *cfg, int argc, char **argv);		/* cmd_git.c */
enum ac_err cmd_docker(struct config *cfg, int argc, char **argv);	/* cmd_docker.c */
enum ac_err cmd_curl(struct config *cfg, int argc, char **argv);	/* cmd_curl.c */
enum ac_err cmd_curl_config(struct config *cfg, int argc, char **argv);	/* cmd_curl.c */
enum ac_err cmd_headers(struct config *cfg, int argc, char **argv);	/* cmd_headers.c */
enum ac_err cmd_exec(struct config *cfg, int argc, char **argv);	/* cmd_exec.c */
enum ac_err cmd_status(struct config *cfg, int argc, char **argv);	/* cmd_status.c */
enum ac_err cmd_doctor(struct config *cfg, int argc, char **argv);	/* cmd_doctor.c */

/*
 * Shared by the front-ends (commands.c): find profile NAME (AC_USAGE
 * naming it when absent) and record it as the subject of error messages.
 */
enum ac_err find_profile(struct config *cfg, const char *name, struct profile **p);

/*
 * The token for a profile with optional per-call overrides (any may be
 * NULL); user_token_file "-" reads stdin.  The user token is wiped.
 */
enum ac_err get_profile_token(struct profile *p, const char *scope,
			      const char *user, const char *user_token,
			      struct token *out);

/*
 * The per-call options of the token front-ends (token, kube, curl,
 * curl-config): NAME [--scope S] [--user U] [--user-token-file F|-], the
 * ones a command takes named by allow; with TA_DASHDASH the options end at
 * "--" (required) and rest is the index after it.  AC_USAGE with usage
 * for anything else.
 */
enum token_args_allow {
	TA_SCOPE = 1,
	TA_USER = 2,
	TA_USER_TOKEN_FILE = 4,
	TA_DASHDASH = 8
};

struct token_args {
	const char *name, *scope, *user, *user_token_file;
	int rest;
};

enum ac_err token_args_parse(int argc, char **argv, unsigned allow,
			     const char *usage, struct token_args *a);

/*
 * git and docker, for a host a profile lists in "hosts": get the profile's
 * own token (no per-call options), or on erase drop it from the cache so
 * the next get fetches a fresh one.  Both name the profile as the subject
 * of error messages.
 */
enum ac_err host_token_get(struct profile *p, struct token *out);
enum ac_err host_token_forget(struct profile *p);

/* Write all of buf to fd (stdout answers); AC_FAIL on error. */
enum ac_err write_out(int fd, const char *buf, size_t len);

#endif

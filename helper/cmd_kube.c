/*
 * "agentcred kube NAME [--scope S] [--user U]": the kubectl exec credential
 * plugin (README.md, "Design: front-end protocols").
 *
 * Rules: stdout carries the ExecCredential JSON and nothing else; failures
 * return an error (main.c prints the one line on stderr, which kubectl
 * shows as-is, and exits non-zero, which fails kubectl's request).  We never
 * prompt, so stdin is never read — kubectl hands it over only when
 * spec.interactive is true, and even then there is nothing to ask.
 *
 * Without KUBERNETES_EXEC_INFO we answer v1beta1: client-go sets the
 * variable for every v1 plugin, so the only callers without it are old
 * clients configured for v1beta1 (and people trying the command by hand).
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "kubeproto.h"
#include "lib/util.h"

#define USAGE "usage: agentcred kube NAME [--scope S] [--user UPN|OID]"

static enum ac_err exec_info(struct kube_info *info)
{
	const char *env = getenv("KUBERNETES_EXEC_INFO");

	if (!env || !*env) {
		info->api = KUBE_V1BETA1;
		info->interactive = 0;
		return AC_OK;
	}
	return kube_info_parse(env, strnlen(env, KUBE_INFO_MAX + 1), info);
}

enum ac_err cmd_kube(struct config *cfg, int argc, char **argv)
{
	struct token_args a;
	struct kube_info info;
	struct profile *p;
	struct token t = { 0 };
	struct sbuf out = SBUF_INIT;
	enum ac_err err;

	if ((err = token_args_parse(argc, argv, TA_SCOPE | TA_USER, USAGE, &a)))
		return err;
	/* A bad request fails before any token is fetched. */
	if ((err = find_profile(cfg, a.name, &p)) ||
	    (err = exec_info(&info)) ||
	    (err = get_profile_token(p, a.scope, a.user, NULL, &t)))
		return err;

	kube_answer(info.api, t.access_token,
		    kube_expiry(t.expires_at, token_margin(p, &t), now_seconds()),
		    &out);
	token_release(&t);
	err = out.len ? write_out(1, out.buf, out.len)
		      : ac_fail(AC_FAIL, "cannot build the ExecCredential answer");
	sbuf_release(&out);
	return err;
}

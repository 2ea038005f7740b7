/* Small pieces shared by the front-ends. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

struct global_opts global;

enum ac_err find_profile(struct config *cfg, const char *name, struct profile **p)
{
	ac_set_subject(name);
	if (!profile_name_valid(name))
		return ac_fail(AC_USAGE, "\"%.64s\" is not a valid profile name", name);
	*p = config_find(cfg, name);
	if (!*p)
		return ac_fail(AC_USAGE, "no such profile in %s — see: agentcred profile list",
			       cfg->path ? cfg->path : "the configuration");
	return AC_OK;
}

enum ac_err get_profile_token(struct profile *p, const char *scope,
			      const char *user, const char *user_token,
			      struct token *out)
{
	struct token_request req = { p, LEVEL_FINAL, scope, user, user_token };

	const struct backend *be = backend_for(p->type);

	if (be && !(be->flags & BACKEND_USERS) && (user || user_token))
		return ac_fail(AC_USAGE, "--user and user tokens apply to entra-agent profiles only");
	if (be && (be->flags & BACKEND_STATIC) && scope)
		return ac_fail(AC_USAGE, "--scope does not apply to %s profiles",
			       profile_type_name(p->type));
	return token_get(&req, out);
}

enum ac_err host_token_get(struct profile *p, struct token *out)
{
	ac_set_subject(p->name);
	return get_profile_token(p, NULL, NULL, NULL, out);
}

enum ac_err host_token_forget(struct profile *p)
{
	struct token_request req = { p, LEVEL_FINAL, NULL, NULL, NULL };

	ac_set_subject(p->name);
	return token_forget_request(&req);
}

enum ac_err write_out(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ac_fail(AC_FAIL, "cannot write the answer: %s",
				       n < 0 ? strerror(errno) : "short write");
		buf += n;
		len -= (size_t)n;
	}
	return AC_OK;
}

enum ac_err token_args_parse(int argc, char **argv, unsigned allow,
			     const char *usage, struct token_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];
		int has_value = i + 1 < argc;

		if ((allow & TA_DASHDASH) && !strcmp(o, "--")) {
			a->rest = i + 1;
			break;
		}
		if ((allow & TA_SCOPE) && !strcmp(o, "--scope") && has_value)
			a->scope = argv[++i];
		else if ((allow & TA_USER) && !strcmp(o, "--user") && has_value)
			a->user = argv[++i];
		else if ((allow & TA_USER_TOKEN_FILE) &&
			 !strcmp(o, "--user-token-file") && has_value)
			a->user_token_file = argv[++i];
		else if (o[0] != '-' && !a->name)
			a->name = o;
		else
			return ac_fail(AC_USAGE, "%s", usage);
	}
	if (!a->name || ((allow & TA_DASHDASH) && !a->rest))
		return ac_fail(AC_USAGE, "%s", usage);
	return AC_OK;
}

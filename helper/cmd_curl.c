/*
 * "agentcred curl-config NAME" and "agentcred curl NAME -- ARGS"
 * (README.md, "Design: front-end protocols").
 *
 * Rules:
 *  - the token never appears in any argv: curl-config prints config lines
 *    for `curl -K <(…)`, and curl mode hands curl `-K /dev/fd/N`, the read
 *    end of a pipe holding those lines;
 *  - curl mode gets the token before anything else and runs no curl at all
 *    when that fails (curl would otherwise go on unauthenticated);
 *  - curl mode exec()s curl, so curl's exit status is ours; a leading -q
 *    (or --disable) of ARGS stays first, where curl requires it;
 *  - the config text is wiped before exec; if it does not fit in the pipe
 *    a short-lived writer process (orphaned, so curl never has to reap it)
 *    feeds it, because writing more than the pipe holds before curl starts
 *    reading would block forever;
 *  - no token for a plain-http URL off loopback among curl's arguments,
 *    and https for URLs without a scheme (proto-default);
 *  - curl inherits the config pipe and the descriptors our caller gave us,
 *    nothing we or a library opened (libcurl's sockets of a token request);
 *  - $AGENTCRED_CURL names the curl binary (tests), else "curl" on $PATH.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "curlproto.h"
#include "lib/log.h"
#include "lib/secmem.h"
#include "lib/util.h"

/* Default /proc/sys/fs/pipe-max-size: beyond it F_SETPIPE_SZ fails anyway. */
#define PIPE_GROW_MAX (1024 * 1024)

#define USAGE_CONFIG "usage: agentcred curl-config NAME [--scope S] [--user UPN|OID]"
#define USAGE_CURL "usage: agentcred curl NAME [--scope S] [--user UPN|OID] -- CURL-ARGS..."

/* The config lines for the profile's token; out holds secrets. */
static enum ac_err config_text(struct config *cfg, const struct token_args *o,
			       struct sbuf *out)
{
	struct profile *p;
	struct token t = { 0 };
	struct header *h;
	size_t n;
	enum ac_err err;

	if ((err = find_profile(cfg, o->name, &p)) ||
	    (err = get_profile_token(p, o->scope, o->user, NULL, &t)))
		return err;
	h = token_headers(p, &t, &n);
	err = curlcfg_headers(out, h, n);
	token_headers_free(h, n);
	token_release(&t);
	return err;
}

enum ac_err cmd_curl_config(struct config *cfg, int argc, char **argv)
{
	struct token_args o;
	struct sbuf out = SBUF_INIT;
	enum ac_err err;

	if ((err = token_args_parse(argc, argv, TA_SCOPE | TA_USER, USAGE_CONFIG, &o)))
		return err;
	if (!(err = config_text(cfg, &o, &out)))
		err = write_out(1, out.buf, out.len);
	sbuf_release(&out);
	return err;
}

/* Move fd above stderr so curl never mistakes it for a standard stream. */
static int fd_above_stdio(int fd)
{
	int moved;

	if (fd > 2)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return moved;
}

/*
 * Put text into the pipe's write end and close it.  When the pipe cannot
 * hold it all, a grandchild writes it while curl reads.
 */
static enum ac_err feed_pipe(int wfd, int rfd, const struct sbuf *text)
{
	int cap = fcntl(wfd, F_GETPIPE_SZ);
	pid_t pid;
	int status;

	if (cap >= 0 && (size_t)cap < text->len && text->len <= PIPE_GROW_MAX)
		cap = fcntl(wfd, F_SETPIPE_SZ, (int)text->len);
	if (cap >= 0 && text->len <= (size_t)cap) {
		enum ac_err err = write_out(wfd, text->buf, text->len);

		close(wfd);
		return err;
	}

	pid = fork();
	if (pid < 0) {
		close(wfd);
		return ac_fail(AC_FAIL, "cannot start the config writer: %s", strerror(errno));
	}
	if (!pid) {
		/* Child: fork the writer and leave, so init adopts it. */
		close(rfd);
		pid = fork();
		if (!pid)
			_exit(write_out(wfd, text->buf, text->len) ? 1 : 0);
		_exit(pid < 0 ? 1 : 0);
	}
	close(wfd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return ac_fail(AC_FAIL, "cannot start the config writer: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return ac_fail(AC_FAIL, "cannot start the config writer");
	return AC_OK;
}

/*
 * Descriptors: those open when curl mode started are the caller's and go
 * to curl as they are (curl -d @/dev/fd/5 may need one); any other one was
 * opened by us or a library (libcurl's connection and wakeup sockets stay
 * open after a token request) and must not leak into curl.
 */
#define FD_TRACKED 1024

static void fds_inherited(unsigned char *inherited)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	memset(inherited, 1, FD_TRACKED);	/* without /proc: keep all */
	if (!d)
		return;
	memset(inherited, 0, FD_TRACKED);
	while ((de = readdir(d))) {
		long fd = strtol(de->d_name, NULL, 10);

		if (de->d_name[0] != '.' && fd >= 0 && fd < FD_TRACKED && fd != dirfd(d))
			inherited[fd] = 1;
	}
	closedir(d);
}

static void cloexec_ours(const unsigned char *inherited, int keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		long fd = strtol(de->d_name, NULL, 10);

		if (de->d_name[0] == '.' || fd <= 2 || fd == keep || fd == dirfd(d) ||
		    (fd < FD_TRACKED && inherited[fd]))
			continue;
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
}

/* curl's own test (tool_operate.c): a first argument starting "-q". */
static int is_disable(const char *a)
{
	return !strncmp(a, "-q", 2) || !strcmp(a, "--disable");
}

enum ac_err cmd_curl(struct config *cfg, int argc, char **argv)
{
	struct token_args o;
	struct sbuf text = SBUF_INIT;
	static char curl_default[] = "curl", opt_config[] = "-K";
	char *curl = getenv("AGENTCRED_CURL");
	char fdpath[32], **args;
	int fds[2], n = 0, i;
	unsigned char inherited[FD_TRACKED];
	enum ac_err err;

	fds_inherited(inherited);
	if ((err = token_args_parse(argc, argv, TA_SCOPE | TA_USER | TA_DASHDASH, USAGE_CURL, &o)))
		return err;
	for (i = o.rest; i < argc; i++) {
		char host[256];

		if (!strncasecmp(argv[i], "http://", 7) &&
		    (url_host(argv[i], host, sizeof(host)) || !host_is_loopback(host)))
			return ac_fail(AC_USAGE, "a URL for curl is plain http off this machine; the token goes only over https (or http to loopback)");
	}
	if ((err = config_text(cfg, &o, &text))) {
		sbuf_release(&text);
		return err;
	}
	/* a URL without a scheme would be http to curl */
	sbuf_addstr(&text, "proto-default = \"https\"\n");
	if (!curl || !*curl)
		curl = curl_default;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		sbuf_release(&text);
		return ac_fail(AC_FAIL, "cannot create a pipe for curl's config: %s", strerror(errno));
	}
	fds[0] = fd_above_stdio(fds[0]);
	fds[1] = fd_above_stdio(fds[1]);
	if (fds[0] < 0 || fds[1] < 0) {
		sbuf_release(&text);
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		return ac_fail(AC_FAIL, "cannot create a pipe for curl's config: %s", strerror(errno));
	}
	err = feed_pipe(fds[1], fds[0], &text);
	sbuf_release(&text);
	if (err) {
		close(fds[0]);
		return err;
	}
	/* The read end alone (with the caller's own descriptors) survives exec. */
	cloexec_ours(inherited, fds[0]);
	if (fcntl(fds[0], F_SETFD, 0) < 0) {
		close(fds[0]);
		return ac_fail(AC_FAIL, "cannot pass the config pipe to curl: %s", strerror(errno));
	}
	snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", fds[0]);

	args = xcalloc((size_t)argc + 5, sizeof(*args));
	args[n++] = curl;
	i = o.rest;
	if (i < argc && is_disable(argv[i]))
		args[n++] = argv[i++];
	args[n++] = opt_config;
	args[n++] = fdpath;
	for (; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;

	log_verbose("running %s -K %s and %d more arguments", curl, fdpath, argc - o.rest);
	fflush(NULL);
	execvp(curl, args);
	err = ac_fail(AC_FAIL, "cannot run %s: %s — install curl or set AGENTCRED_CURL",
		      curl, strerror(errno));
	free(args);
	close(fds[0]);
	return err;
}

/*
 * Secret input.  Rules: never from argv; on a terminal, echo off while the
 * user types and restored on every path (including signals, by handling
 * SIGINT/SIGTERM while the prompt is up); buffers wiped.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "prompt.h"
#include "lib/secmem.h"
#include "lib/util.h"

static volatile sig_atomic_t interrupted;
static struct termios saved;
static int tty_fd = -1;

static void on_signal(int sig)
{
	interrupted = sig;
	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSAFLUSH, &saved);
}

static void trim(char *s, size_t *len)
{
	while (*len && (s[*len - 1] == '\n' || s[*len - 1] == '\r'))
		s[--*len] = '\0';
}

static enum ac_err from_tty(int fd, const char *prompt, char **out)
{
	struct termios noecho;
	struct sigaction sa, oldint, oldterm;
	struct sbuf sb = SBUF_INIT;
	enum ac_err err = AC_OK;
	char c;

	if (tcgetattr(fd, &saved))
		return ac_fail(AC_FAIL, "cannot read the terminal settings: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &oldint);
	sigaction(SIGTERM, &sa, &oldterm);
	tty_fd = fd;
	noecho = saved;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	noecho.c_lflag |= ICANON;
	if (write(fd, prompt, strlen(prompt)) < 0 ||
	    tcsetattr(fd, TCSAFLUSH, &noecho)) {
		err = ac_fail(AC_FAIL, "cannot turn off echo on the terminal");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR && !interrupted)
			continue;
		if (n <= 0 || interrupted || c == '\n')
			break;
		if (sb.len >= SECRET_MAX) {
			err = ac_fail(AC_USAGE, "the secret is longer than %d bytes", SECRET_MAX);
			break;
		}
		sbuf_addch(&sb, c);
	}
	c = 0;
	tcsetattr(fd, TCSAFLUSH, &saved);
	if (write(fd, "\n", 1) < 0)
		err = err ? err : AC_OK;
	if (interrupted)
		err = ac_fail(AC_USAGE, "interrupted");
out:
	tty_fd = -1;
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGTERM, &oldterm, NULL);
	if (interrupted)
		raise((int)interrupted);
	if (err) {
		sbuf_release(&sb);
		return err;
	}
	*out = sbuf_detach(&sb, NULL);
	return AC_OK;
}

enum ac_err prompt_secret(const char *prompt, int from_stdin, char **out)
{
	enum ac_err err;
	size_t len = 0;
	int fd = -1;

	*out = NULL;
	if (!from_stdin && !isatty(0))
		from_stdin = 1;
	if (!from_stdin)
		fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0) {
		err = from_tty(fd, prompt, out);
		close(fd);
		if (err)
			return err;
		len = strlen(*out);
	} else {
		err = read_fd_limited(0, SECRET_MAX, "the secret on stdin", out, &len);
		if (err)
			return err;
		trim(*out, &len);
	}
	if (!len || memchr(*out, '\n', len) || strlen(*out) != len) {
		sec_free(*out);
		*out = NULL;
		return ac_fail(AC_USAGE, "the secret must be one non-empty line");
	}
	return AC_OK;
}

/* Reading a secret from a no-echo terminal prompt or from stdin. */
#ifndef AGENTCRED_PROMPT_H
#define AGENTCRED_PROMPT_H

#include "lib/err.h"

#define SECRET_MAX (64 * 1024)

/*
 * from_stdin: read stdin to EOF (one trailing newline dropped).  Else, when
 * /dev/tty can be opened, prompt there with echo off; else read stdin.
 * An empty secret is AC_USAGE.  The result is sec_free()d by the caller.
 */
enum ac_err prompt_secret(const char *prompt, int from_stdin, char **out);

#endif

/* The last error: one line, no secrets (see err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static char message[1024];
static char oauth_error[64];
static char subject[80];
static enum ac_err last = AC_OK;

enum ac_err ac_fail(enum ac_err code, const char *fmt, ...)
{
	char line[sizeof(message)];
	va_list ap;

	/* format apart: the arguments may include ac_message() itself */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memcpy(message, line, sizeof(message));
	last = code;
	return code;
}

const char *ac_message(void)
{
	return message[0] ? message : "unknown error";
}

enum ac_err ac_last(void)
{
	return last;
}

void ac_clear(void)
{
	message[0] = '\0';
	oauth_error[0] = '\0';
	last = AC_OK;
}

void ac_set_oauth_error(const char *error)
{
	snprintf(oauth_error, sizeof(oauth_error), "%s", error ? error : "");
}

const char *ac_oauth_error(void)
{
	return oauth_error[0] ? oauth_error : NULL;
}

void ac_set_subject(const char *name)
{
	snprintf(subject, sizeof(subject), "%s", name ? name : "");
}

const char *ac_subject(void)
{
	return subject[0] ? subject : NULL;
}

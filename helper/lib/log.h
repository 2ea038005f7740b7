/*
 * Diagnostics on stderr.  log_verbose() prints only under -v; it is for
 * method, URL, status, timing and OAuth error fields -- never a body, a
 * token or a secret.  log_warn() prints unless -q.
 */
#ifndef AGENTCRED_LOG_H
#define AGENTCRED_LOG_H

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/* Small pure helpers shared by several files. */
#ifndef AGENTCRED_UTIL_H
#define AGENTCRED_UTIL_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "sbuf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Read at most max bytes from fd or path; more is an error (AC_FAIL with
 * what).  The result is NUL-terminated and owned by the caller (sec_free).
 */
enum ac_err read_fd_limited(int fd, size_t max, const char *what,
			    char **out, size_t *len);
enum ac_err read_file_limited(const char *path, size_t max, const char *what,
			      char **out, size_t *len);

/*
 * Every JSON input goes through here.  One JSON value filling text[0..len)
 * but for white space around it: NULL for bad JSON and for anything after
 * the value (a second object, a NUL, garbage), which cJSON_ParseWithLength()
 * would ignore.  Also NULL for JSON that two parsers read differently: a key
 * twice among one object's members (cJSON's lookups take the first, most
 * other parsers the last) or a string holding \u0000 (cJSON ends it there);
 * then *why (when why is not NULL) is a line to put after the input's name,
 * e.g. "has the key \"profile\" twice in one object"; for plain bad JSON
 * *why is NULL.  JSON_KEYS_NOCASE compares keys ignoring ASCII case (for
 * input read by Go's encoding/json, which matches fields that way).
 * cJSON_Delete() the result.
 */
#define JSON_KEYS_NOCASE 1u
struct cJSON *json_parse_strict(const char *text, size_t len, unsigned flags,
				const char **why);
struct cJSON *json_parse_whole(const char *text, size_t len);

/*
 * Paths come from the user's environment or account, never from the
 * working directory (a helper runs inside whatever repository git or
 * kubectl is in).  user_home(): $HOME when it is absolute, else the passwd
 * entry's home; neither is AC_USAGE saying so.  xdg_dir(): "$var/sub" when
 * $var is absolute, else "HOME/fallback/sub" (e.g. XDG_CONFIG_HOME,
 * ".config", "agentcred"), appended to out.
 */
enum ac_err user_home(const char **home);
enum ac_err xdg_dir(const char *var, const char *fallback, const char *sub,
		    struct sbuf *out);

/* application/x-www-form-urlencoded: "key=value" pairs joined by '&'. */
void form_escape(struct sbuf *sb, const char *s);
void form_add(struct sbuf *sb, const char *key, const char *value);

/* Standard base64 with padding; base64url decoding accepts missing '='. */
void base64_encode(struct sbuf *sb, const unsigned char *data, size_t len);
int base64url_decode(const char *in, size_t inlen, struct sbuf *out);

/*
 * The latest time agentcred represents: 9999-12-31T23:59:59Z.  Every
 * expires_at parsed or computed is capped here so that format_rfc3339()
 * always has a four-digit year.
 */
#define AC_TIME_MAX 253402300799LL

/* "YYYY-MM-DDTHH:MM:SSZ" in UTC, clamped to 0..AC_TIME_MAX; 21 bytes. */
void format_rfc3339(long long t, char out[21]);
/* Parse "YYYY-MM-DD" into the last second of that day, UTC. */
int parse_date_end_of_day(const char *s, long long *out);
/* Parse exactly "YYYY-MM-DDTHH:MM:SSZ" (what format_rfc3339 writes). */
int parse_rfc3339(const char *s, long long *out);

/*
 * Host part of an http(s) URL into out; 0 on success.  Refuses userinfo,
 * an empty host, a port that is not 1..65535 and anything after the ']'
 * of an IPv6 literal other than a port.
 */
int url_host(const char *url, char *out, size_t outlen);
/* 1 for 127.0.0.0/8 (dotted quad), ::1 and "localhost" (with or without the root dot). */
int host_is_loopback(const char *host);
/* AC_OK for https:// URLs, and http:// ones whose host is loopback. */
enum ac_err url_check_scheme(const char *url, const char *what);

/* 1 when s[0..len) is valid UTF-8 without NUL (D-Bus strings need it). */
int utf8_valid(const char *s, size_t len);

/* 8-4-4-4-12 hex digits. */
int looks_like_guid(const char *s);
/* Replace control characters, cut at max bytes (for server-provided text). */
void sanitize_line(char *s, size_t max);
/* True when s contains CR or LF. */
int has_newline(const char *s);

/* Current time; AGENTCRED_TEST_NOW overrides it in the test build only. */
long long now_seconds(void);

/* write(2) all of p, retrying short writes and EINTR; -1 on failure. */
int write_full(int fd, const char *p, size_t len);

#endif

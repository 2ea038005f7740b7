/*
 * The Secret Service store, through libsecret.  This is the only file that
 * uses libsecret (and GLib); it is built as the agentcred-secret.so module
 * and loaded by keyring_get() only when a caller needs the keyring.
 *
 * Rules kept here:
 *  - never hang: no session bus, no Secret Service provider, a locked
 *    collection with nobody to answer an unlock prompt (no DISPLAY or
 *    WAYLAND_DISPLAY) all fail at once with AC_KEYRING and a message that
 *    says what to do; every call runs under a watchdog that cancels it after
 *    OP_TIMEOUT_MS (PROMPT_TIMEOUT_MS while a user can answer a prompt);
 *  - never create a collection (that needs a prompt): stores go into the
 *    existing default collection, or fail;
 *  - few D-Bus round trips, since each costs about a millisecond: one bus
 *    connection; reading one secret is SearchItems + GetSecret by path as
 *    in `secret-tool lookup` (no SecretItem objects); the default
 *    collection is checked by ReadAlias + its Locked property, once per
 *    process; the provider check runs only to explain a failure;
 *  - secrets: values we store are handed to libsecret in a SecretValue that
 *    owns our own xmalloc()ed copy and frees it with sec_free(); values we
 *    read are copied into xmalloc()ed memory and the SecretValue dropped at
 *    once.  libsecret keeps its own copies of secrets it decrypts in its
 *    egg-secure memory, which it wipes on free; D-Bus messages carry them
 *    encrypted when the AES session is negotiated (libsecret's default).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* the D-Bus path calls (secret-paths.h): stable since libsecret 0.7 */
#define SECRET_API_SUBJECT_TO_CHANGE 1
#include <libsecret/secret.h>

#include "../helper/lib/log.h"
#include "../helper/lib/module.h"
#include "../helper/lib/secmem.h"
#include "keyring.h"

#define OP_TIMEOUT_MS		5000
#define PROMPT_TIMEOUT_MS	60000
#define MAX_SCHEMA_ATTRS	32	/* SecretSchema.attributes */

static SecretService *service;
/* The default collection was seen unlocked: not asked again. */
static int collection_ok;
/* After one deadline the service is not asked again by this process. */
static int timed_out;
static char timeout_msg[300];

static const char no_bus_msg[] =
	"no D-Bus session — start a desktop keyring (gnome-keyring-daemon) or use --keyring file";
static const char locked_msg[] =
	"the keyring is locked — unlock it (e.g. log in to the desktop, or `gnome-keyring-daemon --unlock`) or use --keyring file";

/*
 * The watchdog: a thread that cancels the operation's GCancellable when
 * the deadline passes.  libsecret's *_sync calls run their own main
 * context, so a GLib timeout source on ours would never fire.
 */
struct watchdog {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct timespec deadline;
	GCancellable *cancel;
	int done;
	int fired;
	int started;
};

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *watch(void *arg)
{
	struct watchdog *w = arg;

	pthread_mutex_lock(&w->mu);
	while (!w->done) {
		if (pthread_cond_timedwait(&w->cv, &w->mu, &w->deadline) == ETIMEDOUT) {
			struct timespec now;

			/* the deadline may have been moved while we slept */
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > w->deadline.tv_sec ||
			    (now.tv_sec == w->deadline.tv_sec &&
			     now.tv_nsec >= w->deadline.tv_nsec)) {
				w->fired = 1;
				g_cancellable_cancel(w->cancel);
				break;
			}
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void wd_start(struct watchdog *w)
{
	pthread_condattr_t ca;

	memset(w, 0, sizeof(*w));
	w->cancel = g_cancellable_new();
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	deadline_in(&w->deadline, OP_TIMEOUT_MS);
	/* without the thread we still work, only without the deadline */
	w->started = !pthread_create(&w->thread, NULL, watch, w);
}

static void wd_extend(struct watchdog *w, long ms)
{
	pthread_mutex_lock(&w->mu);
	deadline_in(&w->deadline, ms);
	pthread_mutex_unlock(&w->mu);
}

static void wd_stop(struct watchdog *w)
{
	pthread_mutex_lock(&w->mu);
	w->done = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->started)
		pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	g_object_unref(w->cancel);
}

/* Record a GLib error as one clean line; consumes *error. */
static enum ac_err fail(struct watchdog *w, GError **error, const char *what)
{
	char msg[256];
	size_t i;
	enum ac_err err;

	if (w->fired && !timed_out) {
		timed_out = 1;
		snprintf(timeout_msg, sizeof(timeout_msg), "the Secret Service did not answer within %d s while %s — check that gnome-keyring-daemon is running and responsive, or use --keyring file",
			 OP_TIMEOUT_MS / 1000, what);
	}
	if (timed_out) {
		g_clear_error(error);
		return ac_fail(AC_KEYRING, "%s", timeout_msg);
	}
	snprintf(msg, sizeof(msg), "%s",
		 error && *error ? (*error)->message : "unknown error");
	for (i = 0; msg[i]; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = ' ';
	if (error && *error && g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		err = ac_fail(AC_KEYRING, "the keyring request was cancelled while %s — try again, or use --keyring file",
			      what);
	else
		err = ac_fail(AC_KEYRING, "the Secret Service failed while %s: %s — check the desktop keyring (gnome-keyring-daemon), or use --keyring file",
			      what, msg);
	g_clear_error(error);
	return err;
}

static int can_prompt(void)
{
	const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");

	return (x && *x) || (wl && *wl);
}

/* Without $DBUS_SESSION_BUS_ADDRESS GLib tries $XDG_RUNTIME_DIR/bus. */
static int have_bus(void)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *run = getenv("XDG_RUNTIME_DIR");
	char path[4096];
	struct stat st;

	if (addr && *addr)
		return strncmp(addr, "disabled:", 9) != 0;
	if (!run || run[0] != '/' ||
	    (size_t)snprintf(path, sizeof(path), "%s/bus", run) >= sizeof(path))
		return 0;
	return !stat(path, &st) && S_ISSOCK(st.st_mode);
}

/* Is org.freedesktop.secrets owned, or at least activatable? */
static enum ac_err check_provider(GDBusConnection *conn, struct watchdog *w)
{
	static const char name[] = "org.freedesktop.secrets";
	GError *error = NULL;
	GVariant *reply;
	gboolean owned = FALSE;

	reply = g_dbus_connection_call_sync(conn, "org.freedesktop.DBus",
		"/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
		g_variant_new("(s)", name), G_VARIANT_TYPE("(b)"),
		G_DBUS_CALL_FLAGS_NONE, OP_TIMEOUT_MS, w->cancel, &error);
	if (!reply)
		return fail(w, &error, "asking the session bus for the Secret Service");
	g_variant_get(reply, "(b)", &owned);
	g_variant_unref(reply);
	if (!owned) {
		GVariantIter *iter = NULL;
		const char *n;

		reply = g_dbus_connection_call_sync(conn, "org.freedesktop.DBus",
			"/org/freedesktop/DBus", "org.freedesktop.DBus",
			"ListActivatableNames", NULL, G_VARIANT_TYPE("(as)"),
			G_DBUS_CALL_FLAGS_NONE, OP_TIMEOUT_MS, w->cancel, &error);
		if (!reply)
			return fail(w, &error, "asking the session bus for the Secret Service");
		g_variant_get(reply, "(as)", &iter);
		while (g_variant_iter_loop(iter, "&s", &n))
			if (!strcmp(n, name))
				owned = TRUE;
		g_variant_iter_free(iter);
		g_variant_unref(reply);
	}
	if (!owned)
		return ac_fail(AC_KEYRING, "no Secret Service on the D-Bus session bus — start a desktop keyring (gnome-keyring-daemon --start --components=secrets) or use --keyring file");
	return AC_OK;
}

/*
 * One connection and no extra round trip on the way in: whether a
 * provider exists is asked only when opening the service failed, to say
 * why.  (Without a provider the bus answers StartServiceByName and the
 * session call with an error at once, so nothing waits here.)
 */
static enum ac_err connect_service(struct watchdog *w)
{
	GDBusConnection *conn;
	GError *error = NULL, *why = NULL;
	enum ac_err err;

	if (timed_out)
		return ac_fail(AC_KEYRING, "%s", timeout_msg);
	if (service)
		return AC_OK;
	if (!have_bus())
		return ac_fail(AC_KEYRING, "%s", no_bus_msg);
	service = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, w->cancel, &error);
	if (service)
		return AC_OK;
	if (w->fired)
		return fail(w, &error, "opening a Secret Service session");
	conn = g_bus_get_sync(G_BUS_TYPE_SESSION, w->cancel, &why);
	if (!conn) {
		g_clear_error(&error);
		if (w->fired)
			return fail(w, &why, "connecting to the D-Bus session bus");
		g_clear_error(&why);
		return ac_fail(AC_KEYRING, "%s", no_bus_msg);
	}
	err = check_provider(conn, w);
	g_object_unref(conn);
	if (err) {
		g_clear_error(&error);
		return err;
	}
	return fail(w, &error, "opening a Secret Service session");
}

/* The Locked property of a collection, by path: one round trip. */
static enum ac_err collection_locked(struct watchdog *w, const char *path, int *locked)
{
	GDBusProxy *proxy = G_DBUS_PROXY(service);
	GError *error = NULL;
	GVariant *reply, *v = NULL;

	reply = g_dbus_connection_call_sync(g_dbus_proxy_get_connection(proxy),
		g_dbus_proxy_get_name(proxy), path,
		"org.freedesktop.DBus.Properties", "Get",
		g_variant_new("(ss)", "org.freedesktop.Secret.Collection", "Locked"),
		G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, OP_TIMEOUT_MS,
		w->cancel, &error);
	if (!reply)
		return fail(w, &error, "looking up the default keyring");
	g_variant_get(reply, "(v)", &v);
	*locked = !g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN) ||
		  g_variant_get_boolean(v);
	g_variant_unref(v);
	g_variant_unref(reply);
	return AC_OK;
}

/*
 * The default collection must exist (we never create one) and be unlocked;
 * unlocking prompts only when someone can answer.
 */
static enum ac_err default_collection_ready(struct watchdog *w)
{
	SecretCollection *coll;
	GError *error = NULL;
	enum ac_err err = AC_OK;
	gchar *path;
	int locked = 1;

	if (collection_ok)
		return AC_OK;
	/*
	 * ReadAlias and the Locked property: two round trips, where a
	 * SecretCollection object costs eight (proxy, match rules, GetAll).
	 * The object is made only to unlock.
	 */
	path = secret_service_read_alias_dbus_path_sync(service, "default",
							w->cancel, &error);
	if (!path || !strcmp(path, "/")) {
		g_free(path);
		if (error)
			return fail(w, &error, "looking up the default keyring");
		return ac_fail(AC_KEYRING, "the Secret Service has no default keyring — create one (e.g. in Seahorse, \"Passwords and Keys\") or use --keyring file");
	}
	err = collection_locked(w, path, &locked);
	g_free(path);
	if (err)
		return err;
	if (!locked) {
		collection_ok = 1;
		return AC_OK;
	}
	if (!can_prompt())
		return ac_fail(AC_KEYRING, "%s", locked_msg);

	coll = secret_collection_for_alias_sync(service, SECRET_COLLECTION_DEFAULT,
						SECRET_COLLECTION_NONE, w->cancel, &error);
	if (!coll) {
		if (error)
			return fail(w, &error, "looking up the default keyring");
		return ac_fail(AC_KEYRING, "the Secret Service has no default keyring — create one (e.g. in Seahorse, \"Passwords and Keys\") or use --keyring file");
	}
	if (secret_collection_get_locked(coll)) {
		if (!can_prompt()) {
			err = ac_fail(AC_KEYRING, "%s", locked_msg);
		} else {
			GList *objs = g_list_append(NULL, coll);

			wd_extend(w, PROMPT_TIMEOUT_MS);
			if (secret_service_unlock_sync(service, objs, w->cancel,
						       NULL, &error) < 1)
				err = error ? fail(w, &error, "unlocking the keyring") :
				      ac_fail(AC_KEYRING, "%s", locked_msg);
			wd_extend(w, OP_TIMEOUT_MS);
			g_list_free(objs);
		}
	}
	g_object_unref(coll);
	if (!err)
		collection_ok = 1;
	return err;
}

/* A schema describing exactly the attributes given (all strings). */
static enum ac_err make_schema(SecretSchema *sch, GHashTable **table,
			       const char *schema, const struct kr_attr *attrs,
			       size_t nattrs, int any_schema)
{
	size_t i, n = 0;

	memset(sch, 0, sizeof(*sch));
	sch->name = schema ? schema : "org.freedesktop.Secret.Generic";
	sch->flags = any_schema || !schema ? SECRET_SCHEMA_DONT_MATCH_NAME :
		     SECRET_SCHEMA_NONE;
	*table = g_hash_table_new(g_str_hash, g_str_equal);
	for (i = 0; i < nattrs; i++) {
		if (!attrs[i].value)
			continue;	/* absent: a wildcard */
		if (n == MAX_SCHEMA_ATTRS) {
			g_hash_table_unref(*table);
			*table = NULL;
			return ac_fail(AC_FAIL, "internal: more than %d keyring attributes",
				       MAX_SCHEMA_ATTRS);
		}
		sch->attributes[n].name = attrs[i].name;
		sch->attributes[n].type = SECRET_SCHEMA_ATTRIBUTE_STRING;
		n++;
		g_hash_table_replace(*table, (gpointer)attrs[i].name,
				     (gpointer)attrs[i].value);
	}
	return AC_OK;
}

/* Our own copy of a decoded secret (secret may hold any bytes); value dropped. */
static void take_secret(struct kr_item *out, SecretValue *value)
{
	gsize len = 0;
	const gchar *p = secret_value_get(value, &len);

	out->secret = xmalloc(len + 1);
	memcpy(out->secret, p, len);
	out->secret[len] = '\0';
	out->secret_len = len;
	secret_value_unref(value);
}

static void fill_item(struct kr_item *out, SecretItem *item)
{
	GHashTable *attrs = secret_item_get_attributes(item);
	GHashTableIter it;
	gpointer k, v;
	gchar *s;
	SecretValue *value;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	s = secret_item_get_schema_name(item);
	out->schema = s ? xstrdup(s) : NULL;
	g_free(s);
	s = secret_item_get_label(item);
	out->label = xstrdup(s ? s : "");
	g_free(s);
	out->names = xcalloc(g_hash_table_size(attrs), sizeof(char *));
	out->values = xcalloc(g_hash_table_size(attrs), sizeof(char *));
	g_hash_table_iter_init(&it, attrs);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		if (!strcmp(k, "xdg:schema"))
			continue;
		out->names[n] = xstrdup(k);
		out->values[n] = xstrdup(v);
		n++;
	}
	out->nattrs = n;
	g_hash_table_unref(attrs);

	value = secret_item_get_secret(item);
	if (value)
		take_secret(out, value);
	out->handle = g_object_ref(item);
}

static void ss_free_items(struct kr_item *items, size_t count)
{
	size_t i;

	for (i = 0; items && i < count; i++) {
		kr_item_release(&items[i]);
		if (items[i].handle)
			g_object_unref(items[i].handle);
	}
	free(items);
}

/*
 * Search; locked items count as "locked", not as a miss.  With secrets,
 * secrets are loaded for the unlocked items.
 */
static enum ac_err search(struct watchdog *w, const char *schema,
			  const struct kr_attr *attrs, size_t nattrs,
			  unsigned flags, int secrets, GList **out)
{
	SecretSchema sch;
	GHashTable *table;
	GError *error = NULL;
	GList *list, *l, *keep = NULL;
	SecretSearchFlags sf = SECRET_SEARCH_ALL;
	enum ac_err err;
	int locked = 0;

	*out = NULL;
	if ((err = connect_service(w)))
		return err;
	if ((err = make_schema(&sch, &table, schema, attrs, nattrs,
			       flags & KR_ANY_SCHEMA)))
		return err;
	if (secrets)
		sf |= SECRET_SEARCH_LOAD_SECRETS;
	if (can_prompt()) {
		sf |= SECRET_SEARCH_UNLOCK;
		wd_extend(w, PROMPT_TIMEOUT_MS);
	}
	list = secret_service_search_sync(service, &sch, table, sf, w->cancel, &error);
	g_hash_table_unref(table);
	if (error)
		return fail(w, &error, "searching the keyring");
	for (l = list; l; l = l->next) {
		SecretItem *item = l->data;

		if (secret_item_get_locked(item)) {
			locked = 1;
			g_object_unref(item);
		} else {
			keep = g_list_prepend(keep, item);
		}
	}
	g_list_free(list);
	keep = g_list_reverse(keep);
	if (!keep && locked)
		return ac_fail(AC_KEYRING, "%s", locked_msg);
	/* a miss in a locked keyring is no answer either */
	if (!keep && !can_prompt() && (err = default_collection_ready(w)))
		return err;
	*out = keep;
	return AC_OK;
}

/*
 * Item.GetSecret by path, decoded by libsecret.  Not
 * secret_service_get_secret_for_dbus_path_sync(): libsecret 0.20.5 leaks
 * the reply there (it breaks out of a g_variant_iter_loop() without
 * freeing the current entry), which valgrind reports as definitely lost.
 */
static SecretValue *item_secret(struct watchdog *w, const char *path,
				GError **error)
{
	GDBusProxy *proxy = G_DBUS_PROXY(service);
	const gchar *session = secret_service_get_session_dbus_path(service);
	GVariant *reply, *secret;
	SecretValue *value;

	if (!session) {
		g_set_error_literal(error, G_DBUS_ERROR, G_DBUS_ERROR_FAILED,
				    "no Secret Service session");
		return NULL;
	}
	reply = g_dbus_connection_call_sync(g_dbus_proxy_get_connection(proxy),
		g_dbus_proxy_get_name(proxy), path,
		"org.freedesktop.Secret.Item", "GetSecret",
		g_variant_new("(o)", session), G_VARIANT_TYPE("((oayays))"),
		G_DBUS_CALL_FLAGS_NONE, OP_TIMEOUT_MS, w->cancel, error);
	if (!reply) {
		gchar *name = g_dbus_error_get_remote_error(*error);

		/* deleted since the search (a concurrent forget): a miss */
		if ((name && !strcmp(name, "org.freedesktop.Secret.Error.NoSuchObject")) ||
		    g_error_matches(*error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
		    g_error_matches(*error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
			g_clear_error(error);
		g_free(name);
		return NULL;
	}
	secret = g_variant_get_child_value(reply, 0);
	value = secret_service_decode_dbus_secret(service, secret);
	g_variant_unref(secret);
	g_variant_unref(reply);
	return value;
}

/*
 * One secret, nothing else: SearchItems and GetSecret on the first
 * unlocked path, the two round trips `secret-tool lookup` makes, with no
 * SecretItem objects (each costs a proxy, match rules and GetAll).
 * Returns 1 when only locked items matched and a prompt may unlock them:
 * the caller then takes the general path.
 */
static int search_secret(struct watchdog *w, const char *schema,
			 const struct kr_attr *attrs, size_t nattrs,
			 unsigned flags, struct kr_item **items,
			 size_t *count, enum ac_err *err)
{
	SecretSchema sch;
	GHashTable *table;
	GError *error = NULL;
	gchar **unlocked = NULL, **locked = NULL;
	SecretValue *value;
	struct kr_item *out;
	int again = 0;

	if ((*err = connect_service(w)))
		return 0;
	if ((*err = make_schema(&sch, &table, schema, attrs, nattrs,
				flags & KR_ANY_SCHEMA)))
		return 0;
	if (!secret_service_search_for_dbus_paths_sync(service, &sch, table,
						       w->cancel, &unlocked,
						       &locked, &error)) {
		g_hash_table_unref(table);
		*err = fail(w, &error, "searching the keyring");
		return 0;
	}
	g_hash_table_unref(table);
	if (unlocked && unlocked[0]) {
		value = item_secret(w, unlocked[0], &error);
		if (!value) {
			/* NULL without an error: the item went away */
			if (error)
				*err = fail(w, &error, "reading a secret");
			goto out;
		}
		out = xcalloc(1, sizeof(*out));
		out->label = xstrdup("");
		take_secret(out, value);
		*items = out;
		*count = 1;
	} else if (locked && locked[0]) {
		if (can_prompt())
			again = 1;
		else
			*err = ac_fail(AC_KEYRING, "%s", locked_msg);
	} else if (!can_prompt()) {
		/* a miss in a locked keyring is no answer either */
		*err = default_collection_ready(w);
	}
out:
	g_strfreev(unlocked);
	g_strfreev(locked);
	return again;
}

static enum ac_err ss_search(const char *schema, const struct kr_attr *attrs,
			     size_t nattrs, unsigned flags,
			     struct kr_item **items, size_t *count)
{
	struct watchdog w;
	GList *list = NULL, *l;
	struct kr_item *out;
	size_t n = 0, len;
	enum ac_err err;

	*items = NULL;
	*count = 0;
	wd_start(&w);
	if ((flags & KR_SECRET_ONLY) && (flags & KR_FIRST_ONLY) &&
	    !search_secret(&w, schema, attrs, nattrs, flags, items, count, &err))
		goto out;
	err = search(&w, schema, attrs, nattrs, flags, 1, &list);
	if (err || !list)
		goto out;
	len = g_list_length(list);
	if (flags & KR_FIRST_ONLY)
		len = 1;
	out = xcalloc(len, sizeof(*out));
	for (l = list; l && n < len; l = l->next) {
		SecretItem *item = l->data;
		SecretValue *v = secret_item_get_secret(item);
		GError *error = NULL;

		/* LOAD_SECRETS normally did it; if not, ask for this one */
		if (!v && !secret_item_load_secret_sync(item, w.cancel, &error)) {
			ss_free_items(out, n);
			err = fail(&w, &error, "reading a secret");
			goto out;
		}
		if (v)
			secret_value_unref(v);
		fill_item(&out[n++], item);
	}
	*items = out;
	*count = n;
out:
	g_list_free_full(list, g_object_unref);
	wd_stop(&w);
	return err;
}

static enum ac_err ss_store(const char *schema, const char *label,
			    const struct kr_attr *attrs, size_t nattrs,
			    const char *secret, size_t secret_len)
{
	struct watchdog w;
	SecretSchema sch;
	GHashTable *table = NULL;
	SecretValue *value;
	GError *error = NULL;
	char *copy;
	enum ac_err err;

	if (!schema)
		return ac_fail(AC_FAIL, "internal: a keyring item needs a schema");
	wd_start(&w);
	if ((err = connect_service(&w)) || (err = default_collection_ready(&w)))
		goto out;
	if ((err = make_schema(&sch, &table, schema, attrs, nattrs, 0)))
		goto out;
	copy = xmalloc(secret_len + 1);
	memcpy(copy, secret, secret_len);
	copy[secret_len] = '\0';
	/* libsecret frees (and so we wipe) our copy when it is done */
	value = secret_value_new_full(copy, (gssize)secret_len, "text/plain", sec_free);
	if (!secret_service_store_sync(service, &sch, table, SECRET_COLLECTION_DEFAULT,
				       label ? label : "", value, w.cancel, &error))
		err = fail(&w, &error, "storing in the keyring");
	secret_value_unref(value);
	g_hash_table_unref(table);
out:
	wd_stop(&w);
	return err;
}

static enum ac_err ss_remove(const struct kr_item *item)
{
	struct watchdog w;
	GError *error = NULL;
	enum ac_err err = AC_OK;

	if (!item->handle)
		return ac_fail(AC_FAIL, "internal: keyring item without a handle");
	wd_start(&w);
	if (!secret_item_delete_sync(item->handle, w.cancel, &error))
		err = fail(&w, &error, "deleting from the keyring");
	wd_stop(&w);
	return err;
}

static enum ac_err ss_clear(const char *schema, const struct kr_attr *attrs,
			    size_t nattrs)
{
	struct watchdog w;
	GList *list = NULL, *l;
	enum ac_err err;

	wd_start(&w);
	err = search(&w, schema, attrs, nattrs, 0, 0, &list);
	for (l = list; !err && l; l = l->next) {
		GError *error = NULL;

		if (!secret_item_delete_sync(l->data, w.cancel, &error))
			err = fail(&w, &error, "deleting from the keyring");
	}
	g_list_free_full(list, g_object_unref);
	wd_stop(&w);
	return err;
}

__attribute__((visibility("default")))
const struct keyring_ops agentcred_secret_ops = {
	AGENTCRED_MODULE_ABI,
	"secret-service",
	ss_search,
	ss_store,
	ss_remove,
	ss_clear,
	ss_free_items,
};

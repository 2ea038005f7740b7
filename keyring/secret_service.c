/*
 * The Secret Service store, through libsecret.  This is the only file that
 * uses libsecret (and GLib); it is built as the agentcred-secret.so module
 * and loaded by keyring_get() only when a caller needs the keyring.
 *
 * Rules kept here:
 *  - never hang: no session bus, no Secret Service provider, a locked
 *    collection with nobody to answer an unlock prompt (no DISPLAY or
 *    WAYLAND_DISPLAY) all fail with AC_KEYRING and a message that says
 *    what to do; every call runs under a watchdog that cancels it after
 *    OP_TIMEOUT_MS (PROMPT_TIMEOUT_MS while a user can answer a prompt);
 *  - a locked collection or item is asked to unlock: some complete without
 *    a dialog (KWallet after a Plasma login says Locked until a client
 *    asks).  A returned prompt runs under our own deadline, NOPROMPT_MS
 *    without a display, and is dismissed when it passes; only then is the
 *    keyring reported locked (deletions likewise);
 *  - messages name the provider that owns org.freedesktop.secrets
 *    (gnome-keyring, KeePassXC, KWallet: the bus's
 *    GetConnectionUnixProcessID and /proc/PID/comm) and give its fix; it
 *    is asked only to explain a failure (and for doctor);
 *  - replacing an item never relies on CreateItem's replace: an item with
 *    exactly the same attributes gets Item.SetSecret (atomic in the
 *    provider, so a kill loses nothing), else one is created.  KeePassXC
 *    2.7.4 runs a prompt for a replacing CreateItem that never completes
 *    headless (see README.md, "Keyring providers");
 *  - a session that fails to open, or a secret that does not decrypt in it
 *    (kwalletd5 5.103 with libsecret 0.20.5, about 1.5% of sessions), is
 *    retried once with a fresh session: a miss is said only when the item
 *    is absent;
 *  - never create a collection (that needs a prompt): stores go into the
 *    existing default collection, or fail;
 *  - few D-Bus round trips, since each costs about a millisecond: one bus
 *    connection; reading one secret is SearchItems + GetSecret by path as
 *    in `secret-tool lookup` (no SecretItem objects); the default
 *    collection is checked by ReadAlias + its Locked property first, once
 *    per process (KeePassXC's SearchItems on a locked database waits for
 *    its unlock dialog); the provider check runs only to explain a failure;
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
#define NOPROMPT_MS		1000	/* a prompt nobody here can answer */
#define BUS_TIMEOUT_MS		1000	/* the bus itself, Dismiss */
#define MAX_SCHEMA_ATTRS	32	/* SecretSchema.attributes */

static SecretService *service;
/* The default collection was seen unlocked: not asked again. */
static int collection_ok;
/* After one deadline the service is not asked again by this process. */
static int timed_out;
static char timeout_msg[300];

static const char no_bus_msg[] =
	"no D-Bus session — start a desktop keyring (gnome-keyring-daemon) or use --keyring file";

/* Who owns org.freedesktop.secrets: asked once, to explain a failure. */
enum provider { PV_UNKNOWN, PV_GNOME, PV_KEEPASSXC, PV_KWALLET, PV_OTHER };
static enum provider provider;
static int provider_asked;
static char provider_comm[32];

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

/*
 * The process that owns org.freedesktop.secrets, by its /proc comm name.
 * The bus answers this even when the provider itself is frozen.
 */
static void identify_provider(void)
{
	GDBusConnection *conn;
	GVariant *reply;
	guint32 pid = 0;
	char path[64], comm[32] = "";
	FILE *f;
	size_t i;

	if (provider_asked || !have_bus())
		return;
	provider_asked = 1;
	conn = service ? g_object_ref(g_dbus_proxy_get_connection(G_DBUS_PROXY(service))) :
	       g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, NULL);
	if (!conn)
		return;
	reply = g_dbus_connection_call_sync(conn, "org.freedesktop.DBus",
		"/org/freedesktop/DBus", "org.freedesktop.DBus",
		"GetConnectionUnixProcessID",
		g_variant_new("(s)", "org.freedesktop.secrets"),
		G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, BUS_TIMEOUT_MS,
		NULL, NULL);
	g_object_unref(conn);
	if (!reply)
		return;
	g_variant_get(reply, "(u)", &pid);
	g_variant_unref(reply);
	snprintf(path, sizeof(path), "/proc/%u/comm", (unsigned)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	for (i = 0; comm[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    comm[i]))
			comm[i] = '_';
	if (!strncmp(comm, "gnome-keyring", 13))
		provider = PV_GNOME;
	else if (!strncmp(comm, "keepassxc", 9))
		provider = PV_KEEPASSXC;
	else if (!strncmp(comm, "kwalletd", 8) || !strcmp(comm, "ksecretd"))
		provider = PV_KWALLET;
	else if (comm[0])
		provider = PV_OTHER;
	snprintf(provider_comm, sizeof(provider_comm), "%s", comm);
}

static const char *provider_label(void)
{
	identify_provider();
	switch (provider) {
	case PV_GNOME:
		return "gnome-keyring";
	case PV_KEEPASSXC:
		return "KeePassXC";
	case PV_KWALLET:
		return "KWallet";
	case PV_OTHER:
		return provider_comm;
	default:
		return "the desktop keyring";
	}
}

/* What to check when the provider fails or does not answer. */
static const char *provider_check(void)
{
	identify_provider();
	switch (provider) {
	case PV_GNOME:
		return "gnome-keyring-daemon is running and responsive";
	case PV_KEEPASSXC:
		return "KeePassXC is running and responsive, its Secret Service integration on";
	case PV_KWALLET:
		return "kwalletd5 is running and responsive (KWallet needs libqca-qt5-2-plugins)";
	default:
		return "the desktop keyring (e.g. gnome-keyring-daemon) is running and responsive";
	}
}

static enum ac_err locked_fail(void)
{
	identify_provider();
	switch (provider) {
	case PV_GNOME:
		return ac_fail(AC_KEYRING, "the keyring is locked — unlock it (gnome-keyring: log in to the desktop, or `gnome-keyring-daemon --unlock`) or use --keyring file");
	case PV_KEEPASSXC:
		return ac_fail(AC_KEYRING, "the keyring is locked — unlock it (KeePassXC: unlock the database whose group is exposed to the Secret Service) or use --keyring file");
	case PV_KWALLET:
		return ac_fail(AC_KEYRING, "the keyring is locked — unlock it (KWallet: open the wallet, e.g. log in to Plasma with pam_kwallet5, or open it in KWalletManager) or use --keyring file");
	default:
		return ac_fail(AC_KEYRING, "the keyring is locked — unlock it (%s: e.g. log in to the desktop) or use --keyring file",
			       provider_label());
	}
}

/* The collection is open but the provider refused this client the item. */
static enum ac_err refused_fail(const char *what)
{
	identify_provider();
	if (provider == PV_KEEPASSXC)
		return ac_fail(AC_KEYRING, "KeePassXC refused %s: it asks to confirm each client's access and nobody answered — turn off \"Confirm when passwords are retrieved by clients\" (Settings, Secret Service Integration; ConfirmAccessItem in keepassxc.ini) or answer it on the desktop, or use --keyring file",
			       what);
	return ac_fail(AC_KEYRING, "%s refused %s: it asks to confirm access and nobody answered — allow it in %s, or use --keyring file",
		       provider_label(), what, provider_label());
}

/* Record a GLib error as one clean line; consumes *error. */
static enum ac_err fail(struct watchdog *w, GError **error, const char *what)
{
	char msg[256];
	size_t i;
	enum ac_err err;

	if (w->fired && !timed_out) {
		timed_out = 1;
		snprintf(timeout_msg, sizeof(timeout_msg), "the Secret Service (%s) did not answer within %d s while %s — check that %s, or use --keyring file",
			 provider_label(), OP_TIMEOUT_MS / 1000, what, provider_check());
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
		err = ac_fail(AC_KEYRING, "the Secret Service (%s) failed while %s: %s — check that %s, or use --keyring file",
			      provider_label(), what, msg, provider_check());
	g_clear_error(error);
	return err;
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
		return ac_fail(AC_KEYRING, "no Secret Service on the D-Bus session bus — start a desktop keyring (gnome-keyring-daemon --start --components=secrets, KeePassXC with its Secret Service integration on, or kwalletd5) or use --keyring file");
	return AC_OK;
}

/*
 * A new service object with a new encrypted session, replacing ours: the
 * one retry after a session failed to open or a secret did not decrypt.
 */
static enum ac_err renew_session(struct watchdog *w, const char *why)
{
	GError *error = NULL;
	SecretService *fresh;

	log_verbose("keyring: %s — once more in a new Secret Service session", why);

	fresh = secret_service_open_sync(SECRET_TYPE_SERVICE, NULL,
					 SECRET_SERVICE_OPEN_SESSION, w->cancel, &error);
	if (!fresh)
		return fail(w, &error, "opening a Secret Service session");
	if (service)
		g_object_unref(service);
	service = fresh;
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
	/* a provider is there: a refused session key gets one more try */
	g_clear_error(&error);
	return renew_session(w, "the session did not open");
}

static GDBusConnection *bus(void)
{
	return g_dbus_proxy_get_connection(G_DBUS_PROXY(service));
}

static const char *bus_name(void)
{
	return g_dbus_proxy_get_name(G_DBUS_PROXY(service));
}

/* The Locked property of a collection or item, by path: one round trip. */
static enum ac_err object_locked(struct watchdog *w, const char *path,
				 const char *iface, int *locked)
{
	GError *error = NULL;
	GVariant *reply, *v = NULL;

	reply = g_dbus_connection_call_sync(bus(), bus_name(), path,
		"org.freedesktop.DBus.Properties", "Get",
		g_variant_new("(ss)", iface, "Locked"),
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

struct prompt_wait {
	int done;
	gboolean dismissed;
	int expired;
};

static void on_completed(GDBusConnection *c, const gchar *sender,
			 const gchar *path, const gchar *iface,
			 const gchar *signal, GVariant *params, gpointer data)
{
	struct prompt_wait *pw = data;

	(void)c; (void)sender; (void)path; (void)iface; (void)signal;
	pw->done = 1;
	pw->dismissed = TRUE;
	if (g_variant_is_of_type(params, G_VARIANT_TYPE("(bv)")))
		g_variant_get_child(params, 0, "b", &pw->dismissed);
}

static gboolean on_deadline(gpointer data)
{
	((struct prompt_wait *)data)->expired = 1;
	return G_SOURCE_REMOVE;
}

/*
 * Run a prompt the provider returned and wait at most ms for its
 * Completed signal, on a main context of our own; dismiss it when the
 * deadline passes.  1 when it completed and was not dismissed.
 */
static int run_prompt(struct watchdog *w, const char *prompt, long ms)
{
	GMainContext *ctx = g_main_context_new();
	struct prompt_wait pw = { 0, TRUE, 0 };
	GSource *timer;
	GVariant *reply;
	guint sub;

	g_main_context_push_thread_default(ctx);
	sub = g_dbus_connection_signal_subscribe(bus(), NULL,
		"org.freedesktop.Secret.Prompt", "Completed", prompt, NULL,
		G_DBUS_SIGNAL_FLAGS_NONE, on_completed, &pw, NULL);
	reply = g_dbus_connection_call_sync(bus(), bus_name(), prompt,
		"org.freedesktop.Secret.Prompt", "Prompt", g_variant_new("(s)", ""),
		NULL, G_DBUS_CALL_FLAGS_NONE, (int)ms, w->cancel, NULL);
	if (reply) {
		g_variant_unref(reply);
		timer = g_timeout_source_new((guint)ms);
		g_source_set_callback(timer, on_deadline, &pw, NULL);
		g_source_attach(timer, ctx);
		while (!pw.done && !pw.expired)
			g_main_context_iteration(ctx, TRUE);
		g_source_destroy(timer);
		g_source_unref(timer);
	}
	if (!pw.done) {
		/* nobody answered in time: take the prompt away */
		reply = g_dbus_connection_call_sync(bus(), bus_name(), prompt,
			"org.freedesktop.Secret.Prompt", "Dismiss", NULL, NULL,
			G_DBUS_CALL_FLAGS_NONE, BUS_TIMEOUT_MS, NULL, NULL);
		if (reply)
			g_variant_unref(reply);
	}
	g_dbus_connection_signal_unsubscribe(bus(), sub);
	while (g_main_context_iteration(ctx, FALSE))
		;
	g_main_context_pop_thread_default(ctx);
	g_main_context_unref(ctx);
	return pw.done && !pw.dismissed;
}

/* How long a prompt may take: a user can answer it, or nobody can. */
static long prompt_ms(void)
{
	return can_prompt() ? PROMPT_TIMEOUT_MS : NOPROMPT_MS;
}

/* Run a prompt unless it is "/"; the watchdog waits for it too. */
static int prompt_ok(struct watchdog *w, const char *prompt)
{
	int ok;

	if (!strcmp(prompt, "/"))
		return 1;
	wd_extend(w, prompt_ms() + OP_TIMEOUT_MS);
	ok = run_prompt(w, prompt, prompt_ms());
	wd_extend(w, OP_TIMEOUT_MS);
	return ok;
}

/*
 * Ask the provider to unlock one collection or item (Service.Unlock) and
 * run the prompt it returns.  1 when the object is unlocked afterwards;
 * 0 with *err == AC_OK when it stays locked (refused, dismissed, or
 * nobody answered in time).
 */
static int unlock_path(struct watchdog *w, const char *path, const char *iface,
		       enum ac_err *err)
{
	const gchar *objs[] = { path, NULL };
	GError *error = NULL;
	GVariant *reply;
	const gchar *prompt = NULL;
	int locked = 1;

	*err = AC_OK;
	reply = g_dbus_connection_call_sync(bus(), bus_name(),
		"/org/freedesktop/secrets", "org.freedesktop.Secret.Service",
		"Unlock", g_variant_new("(^ao)", objs), G_VARIANT_TYPE("(aoo)"),
		G_DBUS_CALL_FLAGS_NONE,
		can_prompt() ? OP_TIMEOUT_MS : NOPROMPT_MS, w->cancel, &error);
	if (!reply) {
		/* a refusal (or no answer in time) is an answer: still locked */
		if (w->fired)
			*err = fail(w, &error, "unlocking the keyring");
		g_clear_error(&error);
		return 0;
	}
	g_variant_get_child(reply, 1, "&o", &prompt);
	if (!prompt_ok(w, prompt)) {
		g_variant_unref(reply);
		return 0;
	}
	g_variant_unref(reply);
	if ((*err = object_locked(w, path, iface, &locked)))
		return 0;
	return !locked;
}

/*
 * The default collection must exist (we never create one) and be
 * unlocked, or unlockable as above.  Checked once per process, before any
 * search.
 */
static enum ac_err collection_ready(struct watchdog *w)
{
	GError *error = NULL;
	enum ac_err err;
	gchar *path;
	int locked = 1;

	if (collection_ok)
		return AC_OK;
	path = secret_service_read_alias_dbus_path_sync(service, "default",
							w->cancel, &error);
	if (!path || !strcmp(path, "/")) {
		g_free(path);
		if (error)
			return fail(w, &error, "looking up the default keyring");
		return ac_fail(AC_KEYRING, "the Secret Service (%s) has no default keyring — create one (e.g. in Seahorse, \"Passwords and Keys\"; KeePassXC: expose a database group) or use --keyring file",
			       provider_label());
	}
	err = object_locked(w, path, "org.freedesktop.Secret.Collection", &locked);
	if (!err && locked && !unlock_path(w, path, "org.freedesktop.Secret.Collection", &err) &&
	    !err)
		err = locked_fail();
	g_free(path);
	if (!err)
		collection_ok = 1;
	return err;
}

/*
 * An item that stays locked: its collection is locked, or (the collection
 * open) the provider refuses this client (KeePassXC's access confirmation).
 */
static enum ac_err item_locked_fail(struct watchdog *w, const char *item,
				    const char *what)
{
	const char *slash = strrchr(item, '/');
	char *coll = g_strndup(item, slash ? (gsize)(slash - item) : strlen(item));
	enum ac_err err;
	int locked = 1;

	err = object_locked(w, coll, "org.freedesktop.Secret.Collection", &locked);
	g_free(coll);
	if (err)
		return err;
	return locked ? locked_fail() : refused_fail(what);
}

/* Unlock the given item paths; AC_OK when all are unlocked. */
static enum ac_err unlock_items(struct watchdog *w, gchar **paths, const char *what)
{
	enum ac_err err;
	size_t i;

	for (i = 0; paths && paths[i]; i++) {
		if (unlock_path(w, paths[i], "org.freedesktop.Secret.Item", &err))
			continue;
		return err ? err : item_locked_fail(w, paths[i], what);
	}
	return AC_OK;
}

/*
 * Item.Delete by path, running a returned prompt (KeePassXC confirms
 * deletions unless ConfirmDeleteItem is off) under the prompt deadline.
 */
static enum ac_err delete_path(struct watchdog *w, const char *path)
{
	GError *error = NULL;
	GVariant *reply;
	const gchar *prompt = NULL;
	gchar *name;
	int ok;

	reply = g_dbus_connection_call_sync(bus(), bus_name(), path,
		"org.freedesktop.Secret.Item", "Delete", NULL, G_VARIANT_TYPE("(o)"),
		G_DBUS_CALL_FLAGS_NONE, OP_TIMEOUT_MS, w->cancel, &error);
	if (!reply) {
		name = g_dbus_error_get_remote_error(error);
		/* deleted by someone else meanwhile: done */
		if ((name && !strcmp(name, "org.freedesktop.Secret.Error.NoSuchObject")) ||
		    g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
		    g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)) {
			g_free(name);
			g_clear_error(&error);
			return AC_OK;
		}
		g_free(name);
		return fail(w, &error, "deleting from the keyring");
	}
	g_variant_get_child(reply, 0, "&o", &prompt);
	ok = prompt_ok(w, prompt);
	g_variant_unref(reply);
	if (ok)
		return AC_OK;
	identify_provider();
	if (provider == PV_KEEPASSXC)
		return ac_fail(AC_KEYRING, "KeePassXC did not delete a keyring item: it asks to confirm deletions and nobody answered — turn off \"Confirm when clients request entry deletion\" (Settings, Secret Service Integration; ConfirmDeleteItem in keepassxc.ini) or answer it on the desktop, or use --keyring file");
	return ac_fail(AC_KEYRING, "%s did not delete a keyring item: it asked for confirmation and nobody answered — answer it on the desktop, or use --keyring file",
		       provider_label());
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
 * Search with SecretItem objects.  Locked items are asked to unlock (see
 * unlock_path) and the search runs again; those that stay locked make the
 * whole search fail: locked, or refused.  With secrets, secrets are
 * loaded for the unlocked items.
 */
static enum ac_err search(struct watchdog *w, const char *schema,
			  const struct kr_attr *attrs, size_t nattrs,
			  unsigned flags, int secrets, GList **out)
{
	SecretSchema sch;
	GHashTable *table;
	GError *error = NULL;
	GList *list = NULL, *l;
	SecretSearchFlags sf = SECRET_SEARCH_ALL;
	enum ac_err err;
	int attempt;

	*out = NULL;
	if ((err = connect_service(w)) || (err = collection_ready(w)))
		return err;
	if ((err = make_schema(&sch, &table, schema, attrs, nattrs,
			       flags & KR_ANY_SCHEMA)))
		return err;
	if (secrets)
		sf |= SECRET_SEARCH_LOAD_SECRETS;
	for (attempt = 0; attempt < 2; attempt++) {
		GPtrArray *locked = g_ptr_array_new_with_free_func(g_free);

		list = secret_service_search_sync(service, &sch, table, sf, w->cancel, &error);
		if (error) {
			g_ptr_array_free(locked, TRUE);
			err = fail(w, &error, "searching the keyring");
			break;
		}
		for (l = list; l; l = l->next)
			if (secret_item_get_locked(l->data))
				g_ptr_array_add(locked, g_strdup(g_dbus_proxy_get_object_path(l->data)));
		if (!locked->len) {
			g_ptr_array_free(locked, TRUE);
			break;
		}
		g_list_free_full(list, g_object_unref);
		list = NULL;
		g_ptr_array_add(locked, NULL);
		err = attempt ? item_locked_fail(w, locked->pdata[0], "access to a keyring item") :
		      unlock_items(w, (gchar **)locked->pdata, "access to a keyring item");
		g_ptr_array_free(locked, TRUE);
		if (err)
			break;
	}
	g_hash_table_unref(table);
	if (err) {
		g_list_free_full(list, g_object_unref);
		return err;
	}
	*out = list;
	return AC_OK;
}

/*
 * Item.GetSecret by path, decoded by libsecret.  Not
 * secret_service_get_secret_for_dbus_path_sync(): libsecret 0.20.5 leaks
 * the reply there (it breaks out of a g_variant_iter_loop() without
 * freeing the current entry), which valgrind reports as definitely lost.
 * Returns 1 with *value, 0 when the item is gone, -1 with *error, -2 when
 * the reply does not decode in our session.
 */
static int item_secret(struct watchdog *w, const char *path,
		       SecretValue **value, GError **error)
{
	const gchar *session = secret_service_get_session_dbus_path(service);
	GVariant *reply, *secret;

	*value = NULL;
	if (!session) {
		g_set_error_literal(error, G_DBUS_ERROR, G_DBUS_ERROR_FAILED,
				    "no Secret Service session");
		return -1;
	}
	reply = g_dbus_connection_call_sync(bus(), bus_name(), path,
		"org.freedesktop.Secret.Item", "GetSecret",
		g_variant_new("(o)", session), G_VARIANT_TYPE("((oayays))"),
		G_DBUS_CALL_FLAGS_NONE, OP_TIMEOUT_MS, w->cancel, error);
	if (!reply) {
		gchar *name = g_dbus_error_get_remote_error(*error);
		int gone = (name && !strcmp(name, "org.freedesktop.Secret.Error.NoSuchObject")) ||
			   g_error_matches(*error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
			   g_error_matches(*error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);

		g_free(name);
		/* deleted since the search (a concurrent forget): a miss */
		if (gone) {
			g_clear_error(error);
			return 0;
		}
		return -1;
	}
	secret = g_variant_get_child_value(reply, 0);
	*value = secret_service_decode_dbus_secret(service, secret);
	g_variant_unref(secret);
	g_variant_unref(reply);
	return *value ? 1 : -2;
}

/*
 * GetSecret, and once more in a fresh session when the session is the
 * suspect: the reply did not decode, or the provider said no (kwalletd5:
 * "Can't find session").  The watchdog and cancellation are final.
 */
static int read_secret(struct watchdog *w, const char *path, SecretValue **value,
		       enum ac_err *err)
{
	GError *error = NULL;
	int rc = item_secret(w, path, value, &error);

	*err = AC_OK;
	if ((rc == -2 || rc == -1) && !w->fired &&
	    !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_clear_error(&error);
		if ((*err = renew_session(w, rc == -2 ? "a secret did not decrypt" :
					  "reading a secret failed")))
			return -1;
		rc = item_secret(w, path, value, &error);
	}
	if (rc == -1)
		*err = fail(w, &error, "reading a secret");
	else if (rc == -2)
		*err = ac_fail(AC_KEYRING, "the Secret Service (%s) sent a secret that does not decrypt, in two sessions — try again, or use --keyring file",
			       provider_label());
	return rc;
}

/*
 * One secret, nothing else: SearchItems and GetSecret on the first
 * unlocked path, the two round trips `secret-tool lookup` makes, with no
 * SecretItem objects (each costs a proxy, match rules and GetAll).
 * Locked matches are asked to unlock once.
 */
static enum ac_err search_secret(struct watchdog *w, const char *schema,
				 const struct kr_attr *attrs, size_t nattrs,
				 unsigned flags, struct kr_item **items,
				 size_t *count)
{
	SecretSchema sch;
	GHashTable *table;
	GError *error = NULL;
	gchar **unlocked = NULL, **locked = NULL;
	SecretValue *value = NULL;
	struct kr_item *out;
	enum ac_err err;
	const char *path;

	if ((err = connect_service(w)) || (err = collection_ready(w)))
		return err;
	if ((err = make_schema(&sch, &table, schema, attrs, nattrs,
			       flags & KR_ANY_SCHEMA)))
		return err;
	if (!secret_service_search_for_dbus_paths_sync(service, &sch, table,
						       w->cancel, &unlocked,
						       &locked, &error)) {
		g_hash_table_unref(table);
		return fail(w, &error, "searching the keyring");
	}
	g_hash_table_unref(table);
	if (unlocked && unlocked[0])
		path = unlocked[0];
	else if (locked && locked[0] &&
		 !(err = unlock_items(w, (gchar *[]){ locked[0], NULL },
				      "access to a keyring item")))
		path = locked[0];
	else
		path = NULL;
	if (path && read_secret(w, path, &value, &err) == 1) {
		out = xcalloc(1, sizeof(*out));
		out->label = xstrdup("");
		take_secret(out, value);
		*items = out;
		*count = 1;
	}
	g_strfreev(unlocked);
	g_strfreev(locked);
	return err;
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
	if ((flags & KR_SECRET_ONLY) && (flags & KR_FIRST_ONLY)) {
		err = search_secret(&w, schema, attrs, nattrs, flags, items, count);
		goto out;
	}
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

		/* LOAD_SECRETS normally did it; if not, read this one */
		if (!v && read_secret(&w, g_dbus_proxy_get_object_path(G_DBUS_PROXY(item)),
				      &v, &err) != 1) {
			if (!err)
				continue;	/* gone meanwhile */
			ss_free_items(out, n);
			goto out;
		}
		fill_item(&out[n++], item);
		if (!out[n - 1].secret)
			take_secret(&out[n - 1], v);
		else
			secret_value_unref(v);
	}
	*items = out;
	*count = n;
out:
	g_list_free_full(list, g_object_unref);
	wd_stop(&w);
	return err;
}

/* KeePassXC gives every item these; they are not ours to match. */
static const char *const provider_attrs[] = {
	"Title", "UserName", "URL", "Notes", "Path", "Uuid", NULL
};

/*
 * Does the item at path carry exactly these attributes (the provider's
 * own extras and a matching xdg:schema aside)?  1 yes, 0 no, -1 error.
 */
static int exact_item(struct watchdog *w, const char *path, const char *schema,
		      GHashTable *table, enum ac_err *err)
{
	GError *error = NULL;
	GVariant *reply, *v = NULL;
	GVariantIter iter;
	const gchar *k, *val;
	guint matched = 0;
	int same = 1;

	reply = g_dbus_connection_call_sync(bus(), bus_name(), path,
		"org.freedesktop.DBus.Properties", "Get",
		g_variant_new("(ss)", "org.freedesktop.Secret.Item", "Attributes"),
		G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, OP_TIMEOUT_MS,
		w->cancel, &error);
	if (!reply) {
		*err = fail(w, &error, "reading a keyring item's attributes");
		return -1;
	}
	g_variant_get(reply, "(v)", &v);
	if (!g_variant_is_of_type(v, G_VARIANT_TYPE("a{ss}")))
		same = 0;
	else {
		g_variant_iter_init(&iter, v);
		while (same && g_variant_iter_next(&iter, "{&s&s}", &k, &val)) {
			const char *want = g_hash_table_lookup(table, k);

			if (!strcmp(k, "xdg:schema"))
				same = !schema || !strcmp(val, schema);
			else if (want)
				same = !strcmp(want, val) && ++matched;
			else
				same = g_strv_contains(provider_attrs, k);
		}
	}
	g_variant_unref(v);
	g_variant_unref(reply);
	return same && matched == g_hash_table_size(table);
}

/*
 * The paths of items with exactly these attributes, unlocked (asked to
 * unlock if need be).
 */
static enum ac_err find_exact(struct watchdog *w, const SecretSchema *sch,
			      GHashTable *table, const char *schema,
			      GPtrArray *found)
{
	GError *error = NULL;
	gchar **unlocked = NULL, **locked = NULL;
	enum ac_err err = AC_OK;
	int pass, rc;
	size_t i;

	if (!secret_service_search_for_dbus_paths_sync(service, sch, table,
						       w->cancel, &unlocked,
						       &locked, &error))
		return fail(w, &error, "searching the keyring");
	for (pass = 0; pass < 2 && !err; pass++) {
		gchar **paths = pass ? locked : unlocked;

		for (i = 0; paths && paths[i] && !err; i++) {
			rc = exact_item(w, paths[i], schema, table, &err);
			if (rc == 1 && pass)
				err = unlock_items(w, (gchar *[]){ paths[i], NULL },
						   "to replace a keyring item");
			if (rc == 1 && !err)
				g_ptr_array_add(found, g_strdup(paths[i]));
		}
	}
	g_strfreev(unlocked);
	g_strfreev(locked);
	return err;
}

/* Item.SetSecret: the provider swaps the secret in place. */
static enum ac_err set_secret(struct watchdog *w, const char *path,
			      SecretValue *value, GError **error)
{
	GVariant *reply;

	reply = g_dbus_connection_call_sync(bus(), bus_name(), path,
		"org.freedesktop.Secret.Item", "SetSecret",
		g_variant_new("(@(oayays))", secret_service_encode_dbus_secret(service, value)),
		NULL, G_DBUS_CALL_FLAGS_NONE, OP_TIMEOUT_MS, w->cancel, error);
	if (!reply)
		return AC_KEYRING;
	g_variant_unref(reply);
	return AC_OK;
}

/*
 * Store: SetSecret on the item with exactly these attributes (further
 * exact copies, left by an older agentcred or another client, deleted),
 * else CreateItem into the default collection.  One retry in a fresh
 * session when the provider refuses the write (kwalletd5: "Can't find
 * session").
 */
static enum ac_err ss_store(const char *schema, const char *label,
			    const struct kr_attr *attrs, size_t nattrs,
			    const char *secret, size_t secret_len)
{
	struct watchdog w;
	SecretSchema sch;
	GHashTable *table = NULL;
	SecretValue *value = NULL;
	GError *error = NULL;
	GPtrArray *found = NULL;
	char *copy;
	enum ac_err err;
	int attempt;
	size_t i;

	if (!schema)
		return ac_fail(AC_FAIL, "internal: a keyring item needs a schema");
	wd_start(&w);
	if ((err = connect_service(&w)) || (err = collection_ready(&w)))
		goto out;
	if ((err = make_schema(&sch, &table, schema, attrs, nattrs, 0)))
		goto out;
	copy = xmalloc(secret_len + 1);
	memcpy(copy, secret, secret_len);
	copy[secret_len] = '\0';
	/* libsecret frees (and so we wipe) our copy when it is done */
	value = secret_value_new_full(copy, (gssize)secret_len, "text/plain", sec_free);
	for (attempt = 0; attempt < 2; attempt++) {
		if (found)
			g_ptr_array_free(found, TRUE);
		found = g_ptr_array_new_with_free_func(g_free);
		if ((err = find_exact(&w, &sch, table, schema, found)))
			goto out;
		if (found->len) {
			if (!set_secret(&w, found->pdata[0], value, &error))
				break;
		} else if (secret_service_store_sync(service, &sch, table,
						     SECRET_COLLECTION_DEFAULT,
						     label ? label : "", value,
						     w.cancel, &error)) {
			break;
		}
		if (attempt || w.fired ||
		    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			break;
		g_clear_error(&error);
		if ((err = renew_session(&w, "storing failed")))
			goto out;
	}
	if (error) {
		err = fail(&w, &error, "storing in the keyring");
		goto out;
	}
	for (i = 1; found->len > 1 && i < found->len && !err; i++)
		err = delete_path(&w, found->pdata[i]);
out:
	if (found)
		g_ptr_array_free(found, TRUE);
	if (value)
		secret_value_unref(value);
	if (table)
		g_hash_table_unref(table);
	wd_stop(&w);
	return err;
}

static enum ac_err ss_remove(const struct kr_item *item)
{
	struct watchdog w;
	enum ac_err err;

	if (!item->handle)
		return ac_fail(AC_FAIL, "internal: keyring item without a handle");
	wd_start(&w);
	err = delete_path(&w, g_dbus_proxy_get_object_path(G_DBUS_PROXY(item->handle)));
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
	for (l = list; !err && l; l = l->next)
		err = delete_path(&w, g_dbus_proxy_get_object_path(G_DBUS_PROXY(l->data)));
	g_list_free_full(list, g_object_unref);
	wd_stop(&w);
	return err;
}

/* Who provides the Secret Service here (doctor); NULL when unknown. */
static const char *ss_provider(void)
{
	identify_provider();
	return provider == PV_UNKNOWN ? NULL : provider_label();
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
	ss_provider,
};

/*
 * dlopen() of the private modules (see module.h).  The hit path never
 * comes here, which is the point: libcurl, libsecret and GLib stay out of
 * the process unless a request really needs them.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "module.h"
#include "util.h"

struct loaded {
	char file[64];
	const void *ops;
};

static struct loaded loaded[4];

static int exe_dir(char *dir, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", dir, len - 1);
	char *slash;

	if (n <= 0 || (size_t)n >= len - 1)
		return -1;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

static void *try_open(const char *dir, const char *sub, const char *file,
		      char *tried, size_t tried_len)
{
	char path[PATH_MAX];
	void *h;

	if ((size_t)snprintf(path, sizeof(path), "%s%s/%s", dir, sub, file) >=
	    sizeof(path))
		return NULL;
	if (access(path, R_OK))
		return NULL;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		snprintf(tried, tried_len, "%s: %s", path, dlerror());
	return h;
}

enum ac_err module_load(const char *file, const char *symbol, const void **ops)
{
	char dir[PATH_MAX], why[PATH_MAX + 256] = "";
	const char *env = getenv("AGENTCRED_MODULE_DIR");
	void *h = NULL;
	const int *abi;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(loaded); i++)
		if (loaded[i].ops && !strcmp(loaded[i].file, file)) {
			*ops = loaded[i].ops;
			return AC_OK;
		}
	if (env && *env)
		h = try_open(env, "", file, why, sizeof(why));
	if (!h && !exe_dir(dir, sizeof(dir))) {
		h = try_open(dir, "/../lib/agentcred", file, why, sizeof(why));
		if (!h)
			h = try_open(dir, "", file, why, sizeof(why));
	}
	if (!h)
		return ac_fail(AC_FAIL, "cannot load the module %s%s%s — reinstall agentcred (make install)",
			       file, why[0] ? ": " : "", why);
	abi = dlsym(h, symbol);
	if (!abi || *abi != AGENTCRED_MODULE_ABI)
		return ac_fail(AC_FAIL, "module %s does not match this agentcred — reinstall agentcred",
			       file);
	for (i = 0; i < ARRAY_SIZE(loaded); i++)
		if (!loaded[i].ops) {
			snprintf(loaded[i].file, sizeof(loaded[i].file), "%s", file);
			loaded[i].ops = abi;
			break;
		}
	*ops = abi;
	return AC_OK;
}

int module_loaded(const char *file)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(loaded); i++)
		if (loaded[i].ops && !strcmp(loaded[i].file, file))
			return 1;
	return 0;
}

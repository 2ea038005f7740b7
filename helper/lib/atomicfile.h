/*
 * Replace a small file atomically: the file store's secrets.json and
 * config.json.
 *
 * The data goes into a fresh temporary file ".<base>.<pid>.<n>" in the same
 * directory, created with O_EXCL|O_NOFOLLOW and mode 0600, is fsynced and
 * renamed over <base>; then the directory is fsynced, so the rename
 * survives a crash too.  Readers see the old or the new file, never a mix.
 * Everything is relative to an open directory descriptor, so a symlink
 * swapped in for the directory after it was checked is not followed.
 */
#ifndef AGENTCRED_ATOMICFILE_H
#define AGENTCRED_ATOMICFILE_H

#include <stddef.h>

#include "err.h"

/*
 * Write data and a final newline to <dir>/<base> as described above; dir
 * is only for messages.  On failure (recorded with code) the temporary
 * file is removed and <base> is left as it was.
 */
enum ac_err atomic_replace(int dirfd, const char *dir, const char *base,
			   const char *data, size_t len, enum ac_err code);

/*
 * Remove the temporary files of <base> that a writer killed between create
 * and rename left behind (they may hold secrets).  Only for a caller that
 * holds a lock excluding every other writer of <base>: without one, this
 * would delete a live writer's file.
 */
void atomic_drop_leftovers(int dirfd, const char *base);

#endif

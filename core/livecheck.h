/*
 * Content validation during an export. A plugin's validate hook runs on
 * a thread of its own while its export hook writes records, and reads,
 * through the ordinary records API, those very records as they are
 * written: the parsed objects the export already holds, so the check
 * costs no second parse of the file. An import on this machine can then
 * skip that parse (see validated.h), which for 100,000 users is most of
 * the time an import spends before its first request. A plugin that
 * writes one document instead has its hook run when its export hook
 * returns, reading that document through snapshot_read: a backup that
 * will not restore is reported when it is made.
 *
 * The check only counts when it saw the whole stream: a hook that reads
 * anything else (a document, a second stream, raw lines) or stops early
 * leaves it incomplete, and then the import validates as it always did.
 * Nothing here can fail an export.
 */
#ifndef AMG_LIVECHECK_H
#define AMG_LIVECHECK_H

#include <jansson.h>
#include "appid-migrate/plugin.h"

struct amg_config;
struct amg_livecheck;

/*
 * A check of `desc`'s records (desc and cfg borrowed, must outlive the
 * check). The thread starts with the first amg_livecheck_begin(). Free
 * with amg_livecheck_free(). AMG_ENOMEM.
 */
int amg_livecheck_new(const struct amg_plugin *desc, const struct amg_config *cfg,
                      struct amg_livecheck **out);

/*
 * The export hook opened a records stream. The first one starts the
 * hook's thread and is followed: returns 1. A second one makes the check
 * incomplete and is not followed: returns 0 (as when no thread could be
 * started: that only means no check).
 */
int amg_livecheck_begin(struct amg_livecheck *lc);

/* A record was written to the followed stream (`rec` borrowed; the check
 * takes its own reference). Blocks while the check is a queue length
 * behind. */
void amg_livecheck_feed(struct amg_livecheck *lc, json_t *rec);

/* The followed stream's writer closed; `failed` when that failed. */
void amg_livecheck_end(struct amg_livecheck *lc, int failed);

/* The export hook wrote its document (`doc` borrowed; copied). A second
 * one makes the check incomplete. */
void amg_livecheck_doc(struct amg_livecheck *lc, json_t *doc);

/*
 * Wait for the hook, or, for a document, run it now. Returns 1 when it
 * validated the complete stream, or the document, and reported no
 * problem, else 0. *problems (may be NULL) gets the number it reported.
 * Call once, after the export hook returned.
 */
int amg_livecheck_finish(struct amg_livecheck *lc, long *problems);

/* Stops a check still running (its stream ends as failed) and frees it.
 * NULL is a no-op. */
void amg_livecheck_free(struct amg_livecheck *lc);

/* ---- the hook's side, for host.c ---- */

/* snapshot_read in the check's context: a new copy of the document
 * in *doc; AMG_EINVAL (incomplete) while checking records or without a
 * document; AMG_ENOMEM. */
int amg_livecheck_read_doc(struct amg_livecheck *lc, json_t **doc);

/* records_open in the check's context: 0 the first time, AMG_EINVAL
 * after, or when checking a document (the check becomes incomplete). */
int amg_livecheck_open(struct amg_livecheck *lc);

/* records_next: 1 with a new reference in *rec, 0 at the end of the
 * stream, AMG_EIO when the export failed. */
int amg_livecheck_next(struct amg_livecheck *lc, json_t **rec);

/* The hook reported a problem (`text` copied): the first ones are logged
 * as warnings by amg_livecheck_finish(), the rest counted. */
void amg_livecheck_note(struct amg_livecheck *lc, const char *text);

/* The hook asked for something a check during export cannot give
 * (`what`, for the debug log): the check is incomplete. */
void amg_livecheck_unsupported(struct amg_livecheck *lc, const char *what);

#endif

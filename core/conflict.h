/*
 * What an import does with objects that already exist in the target and
 * differ from the snapshot (on_conflict): update them (the default), skip
 * them, or refuse the whole import before any write. Plugins read the
 * policy through host->option(ctx, AMG_CORE_OPTION_ON_CONFLICT); `fail`
 * is enforced here by planning first (docs/plugin-guide.md, "Objects
 * that exist in the target").
 */
#ifndef AMG_CONFLICT_H
#define AMG_CONFLICT_H

struct amg_engine;
struct amg_selection;

enum amg_conflict {
    AMG_CONFLICT_UPDATE = 0,  /* write the snapshot's version over the target's */
    AMG_CONFLICT_SKIP,        /* leave existing objects, create the missing ones */
    AMG_CONFLICT_FAIL         /* refuse before any write when any object exists */
};

/* "update", "skip", "fail". */
const char *amg_conflict_name(enum amg_conflict c);

/* Parse one of those names into *out: 0, or -1 for anything else. */
int amg_conflict_parse(const char *s, enum amg_conflict *out);

/*
 * amg_engine_import() under the engine's on_conflict policy. For `fail`,
 * the import is planned first (nothing written; the plan is printed) and
 * every object the plan would update is a conflict: they are listed and
 * the import is refused with AMG_EEXIST. Only when there is none does the
 * import run (its plugins still refuse any conflict that appeared
 * meanwhile). With a dry run the plan is the whole run: conflicts make
 * it return AMG_EEXIST too. Other policies go straight to the import.
 */
int amg_conflict_import(struct amg_engine *e, const char *instance, const char *snapshot,
                        const struct amg_selection *sel);

#endif

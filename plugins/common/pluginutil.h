/*
 * Helpers shared by the bundled plugins, linked statically into each .so
 * (a libtool convenience library), never exported: a plugin's only
 * public symbol stays amg_plugin_entry. Everything here goes through the
 * host table, like the plugin code itself.
 */
#ifndef AMGP_PLUGINUTIL_H
#define AMGP_PLUGINUTIL_H

#include <jansson.h>
#include "appid-migrate/plugin.h"

#define AMGP_HIDDEN __attribute__((visibility("hidden")))

/* GET `path` and require HTTP 200 with a JSON object. On success *out is
 * a new reference. Other statuses are logged with the path and give
 * AMG_EPROTO (AMG_ENOTFOUND for 404, without logging). */
AMGP_HIDDEN int amgp_get_object(const struct amg_host *h, struct amg_ctx *ctx,
                                const char *path, json_t **out);

/* Send `body` (borrowed) with `method` and require `ok_status`; other
 * answers are logged with the path and the server's message, giving
 * AMG_EPROTO. The response (if wanted) is a new reference in *resp. */
AMGP_HIDDEN int amgp_send(const struct amg_host *h, struct amg_ctx *ctx,
                          const char *method, const char *path, json_t *body,
                          long ok_status, json_t **resp);

/*
 * Restore one singleton configuration object: GET the target's current
 * value; if `current_view` (NULL = identity) of it equals `want`, tally
 * UNCHANGED; otherwise PUT `want` expecting `put_status` and tally
 * UPDATED. `want` is borrowed. `label` names the object in messages.
 * While planning (import --dry-run) nothing is PUT: the outcome goes to
 * host->plan, an update with the changed fields ("fields:
 * access.expires_in, refresh.enabled"), a 404 as a create. A failed PUT
 * goes to host->fail with the server's reason. A document that differs
 * is left to on_conflict (amgp_leave_existing) unless the target has it
 * at App ID's default for `path` (defaults.h, compared through
 * `current_view` too): that one is restored under every policy, and
 * planned with a detail starting AMG_PLAN_DETAIL_AT_DEFAULT.
 */
AMGP_HIDDEN int amgp_restore_singleton(const struct amg_host *h, struct amg_ctx *ctx,
                                       const char *label, const char *path, json_t *want,
                                       long put_status,
                                       json_t *(*current_view)(json_t *current));

/* ---- ABI 1.3 helpers: each works with an older core too ---- */

/* 1 while the run is a plan (host->planning), 0 otherwise or on a core
 * without planning. */
AMGP_HIDDEN int amgp_planning(const struct amg_host *h, struct amg_ctx *ctx);

/* Count one object: host->plan while planning, host->tally otherwise.
 * `detail` may be NULL. */
AMGP_HIDDEN void amgp_outcome(const struct amg_host *h, struct amg_ctx *ctx,
                              enum amg_outcome what, const char *object, const char *detail);

/* host->progress when the core has it. */
AMGP_HIDDEN void amgp_progress(const struct amg_host *h, struct amg_ctx *ctx, long done,
                               long total);

/* host->fail when the core has it; otherwise an error line and a FAILED
 * tally. */
AMGP_HIDDEN void amgp_fail(const struct amg_host *h, struct amg_ctx *ctx, const char *object,
                           const char *fmt, ...) AMG_PRINTF(4, 5);

/*
 * Ids in a plan. An object a dry run would create has no id yet; the
 * plugin that plans it puts a placeholder into the id map instead, so that
 * plugins planned after it can tell "created by this import" from
 * "missing": "(planned) <old id>", never a valid App ID id. The id map of
 * a dry run's report shows the placeholders.
 */
#define AMGP_PLANNED_PREFIX "(planned) "

/* The placeholder for `old_id` into out[size]; 0, or -1 when it does not
 * fit. */
AMGP_HIDDEN int amgp_planned_id(const char *old_id, char *out, size_t size);

/* 1 when `id` (may be NULL) is a placeholder of amgp_planned_id(). */
AMGP_HIDDEN int amgp_is_planned_id(const char *id);

/* "label: a, b, c" from the strings of `names` (non-strings are left
 * out), cut with "and N more" to fit out[size]; "label: none" when empty. */
AMGP_HIDDEN void amgp_names_text(const char *label, const json_t *names, char *out,
                                 size_t size);

/* "fields: a.b, c" naming every member (dotted path into nested objects)
 * that differs between `current` and `want`, cut with "and N more" to fit
 * out[size]. */
AMGP_HIDDEN void amgp_changed_fields(json_t *current, json_t *want, char *out, size_t size);

/* 1 when an object whose filter field `field` is `value` passes the run's
 * record filters (--only plugin:field=glob), 0 when not, AMG_ENOMEM.
 * Hosts older than ABI 1.1 have no filters: always 1. */
AMGP_HIDDEN int amgp_selected(const struct amg_host *h, struct amg_ctx *ctx, const char *field,
                              const char *value);

/* GET `path` and take its array member `key`: *out is a new reference.
 * AMG_EPROTO (logged) when the answer has no such array. */
AMGP_HIDDEN int amgp_get_list(const struct amg_host *h, struct amg_ctx *ctx, const char *path,
                              const char *key, json_t **out);

/*
 * Create an object with POST `path` (expecting `ok_status`), safely: the
 * core never resends a POST whose answer was lost or was a 5xx, because
 * the object may exist by then. Here the collection GET `path` is searched
 * (member `list_key`) for an object whose `name_key` equals `name`; if it
 * is there, that object is the answer, else the POST is sent again (at
 * most 6 POSTs in all, each after a lookup that did not find it).
 * On success *resp is a new reference to the created object.
 */
AMGP_HIDDEN int amgp_create(const struct amg_host *h, struct amg_ctx *ctx, const char *path,
                            json_t *body, long ok_status, const char *list_key,
                            const char *name_key, const char *name, json_t **resp);

/* ---- objects that exist in the target (AMG_CORE_OPTION_ON_CONFLICT) ---- */

enum amgp_conflict {
    AMGP_CONFLICT_UPDATE = 0,   /* also: a core without the setting */
    AMGP_CONFLICT_SKIP,
    AMGP_CONFLICT_FAIL
};

/* The run's policy for an object that exists in the target and differs
 * from the snapshot. */
AMGP_HIDDEN enum amgp_conflict amgp_on_conflict(const struct amg_host *h, struct amg_ctx *ctx);

/*
 * Call where the plugin is about to change `object`, which exists in the
 * target and differs from the snapshot (`detail`: how, may be NULL).
 * Returns 0 when the policy is update: go on (and count it as usual).
 * Returns 1 when the policy leaves the object as it is: the outcome is
 * already counted, planned or tallied (SKIPPED under skip, FAILED with
 * a reason naming the policy under fail), and the plugin writes nothing
 * to it. Objects created by this same import are never conflicts.
 */
AMGP_HIDDEN int amgp_leave_existing(const struct amg_host *h, struct amg_ctx *ctx,
                                    const char *object, const char *detail);

/* Id map kind naming the applications this import created (old clientId
 * -> new), so that their role assignments are no conflicts. */
#define AMGP_CREATED_APPLICATION "_created_application"

/* Percent-encode `in` for a query value (RFC 3986 unreserved kept) into
 * out[size]; returns 0, or -1 when it does not fit. */
AMGP_HIDDEN int amgp_query_escape(const char *in, char *out, size_t size);

/* The server's explanation in an error body (message, errorMessage,
 * detail, error), or "no details". Borrowed from `resp`. */
AMGP_HIDDEN const char *amgp_server_message(json_t *resp);

/* Write {key: list} as the plugin's snapshot document, counting the
 * list's entries as its records. `list` borrowed. */
AMGP_HIDDEN int amgp_write_list(const struct amg_host *h, struct amg_ctx *ctx, const char *key,
                                json_t *list);

#endif

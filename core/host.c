#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host.h"
#include "config.h"
#include "conflict.h"
#include "error.h"
#include "filter.h"
#include "http.h"
#include "idmap.h"
#include "livecheck.h"
#include "log.h"
#include "secret.h"
#include "plan.h"
#include "progress.h"
#include "snapshot.h"

/* Handle behind amg_records: one of the two directions. */
struct amg_records {
    struct amg_ndjson_writer *writer;
    struct amg_ndjson_reader *reader;
    struct amg_ctx *ctx;            /* borrowed: the hook's context */
    struct amg_livecheck *live;     /* borrowed: writer followed by a check, or
                                       reader of a check's records */
};

static void host_log(struct amg_ctx *ctx, enum amg_log_level level, const char *fmt, ...)
{
    va_list ap;

    if (level <= amg_log_get_level())
        amg_progress_interrupt(ctx->progress);
    va_start(ap, fmt);
    amg_logv_prefixed(level, ctx->plugin, fmt, ap);
    va_end(ap);
}

/* A validate hook run by the check during export (livecheck.h): its
 * records and document come from the export, not from a snapshot. */
static int checking_export(const struct amg_ctx *ctx)
{
    return ctx->livecheck && ctx->phase == AMG_PHASE_VALIDATE;
}

/* Logs a misuse of the host API by a plugin (wrong phase). */
static int wrong_phase(struct amg_ctx *ctx, const char *what)
{
    /* A check during export is no error of the plugin's: only not a
     * complete check, and the import validates once more. */
    if (checking_export(ctx)) {
        amg_livecheck_unsupported(ctx->livecheck, what);
        return AMG_EINVAL;
    }
    amg_log(AMG_LOG_ERROR, "[%s] %s is not available while %s", ctx->plugin, what,
            ctx->phase == AMG_PHASE_EXPORT ? "exporting"
            : ctx->phase == AMG_PHASE_IMPORT ? "importing" : "validating");
    return AMG_EINVAL;
}

/* The dry-run guarantee: while planning only reads reach the instance,
 * whatever the plugin does. Returns AMG_EINVAL (logged) for a write. */
static int refuse_write(struct amg_ctx *ctx, const char *method, const char *path)
{
    if (!ctx->planning || (method && (strcmp(method, "GET") == 0 ||
                                      strcmp(method, "HEAD") == 0)))
        return AMG_OK;
    ctx->refused++;
    amg_progress_interrupt(ctx->progress);
    amg_log(AMG_LOG_ERROR, "[%s] dry run: refused %s %.200s (plugin '%s' wrote while "
            "planning; nothing was sent)", ctx->plugin, method ? method : "(null)",
            path ? path : "", ctx->plugin);
    return AMG_EINVAL;
}

static int host_request(struct amg_ctx *ctx, const char *method, const char *path,
                        json_t *body, long *status, json_t **response)
{
    int rc;

    *response = NULL;
    *status = 0;
    if (!ctx->http) {
        return wrong_phase(ctx, "request");
    }
    rc = refuse_write(ctx, method, path);
    if (rc < 0)
        return rc;
    return amg_http_json(ctx->http, method, path, body, status, response);
}

static int host_snapshot_write(struct amg_ctx *ctx, json_t *doc, long records)
{
    int rc;

    if (!ctx->writer)
        return wrong_phase(ctx, "snapshot_write");
    rc = amg_snapshot_write_json(ctx->writer, ctx->plugin, doc, records);
    if (rc == AMG_OK) {
        ctx->wrote = 1;
        ctx->records += records > 0 ? records : 0;
        if (ctx->livecheck)
            amg_livecheck_doc(ctx->livecheck, doc);
    }
    return rc;
}

static int host_snapshot_read(struct amg_ctx *ctx, json_t **doc)
{
    *doc = NULL;
    if (checking_export(ctx))
        return amg_livecheck_read_doc(ctx->livecheck, doc);
    if (!ctx->snapshot)
        return wrong_phase(ctx, "snapshot_read");
    return amg_snapshot_read_json(ctx->snapshot, ctx->plugin, doc);
}

static int host_snapshot_read_of(struct amg_ctx *ctx, const char *plugin, json_t **doc)
{
    *doc = NULL;
    if (!ctx->snapshot)
        return wrong_phase(ctx, "snapshot_read_of");
    return amg_snapshot_read_json(ctx->snapshot, plugin, doc);
}

static int host_records_create(struct amg_ctx *ctx, struct amg_records **out)
{
    struct amg_records *r = NULL;
    int rc;

    *out = NULL;
    if (!ctx->writer)
        return wrong_phase(ctx, "records_create");
    r = calloc(1, sizeof(*r));
    if (!r)
        return AMG_ENOMEM;
    r->ctx = ctx;
    rc = amg_snapshot_ndjson_create(ctx->writer, ctx->plugin, &r->writer);
    if (rc < 0) {
        free(r);
        return rc;
    }
    ctx->wrote = 1;
    if (ctx->livecheck && amg_livecheck_begin(ctx->livecheck))
        r->live = ctx->livecheck;
    *out = r;
    return AMG_OK;
}

static int host_records_write(struct amg_records *r, json_t *rec)
{
    int rc;

    if (!r || !r->writer)
        return AMG_EINVAL;
    rc = amg_ndjson_write(r->writer, rec);
    if (rc == AMG_OK && r->ctx)
        r->ctx->records++;
    if (rc == AMG_OK && r->live)
        amg_livecheck_feed(r->live, rec);
    return rc;
}

static int host_records_open(struct amg_ctx *ctx, struct amg_records **out)
{
    struct amg_records *r = NULL;
    int rc;

    *out = NULL;
    if (checking_export(ctx)) {
        rc = amg_livecheck_open(ctx->livecheck);
        if (rc < 0)
            return rc;
        r = calloc(1, sizeof(*r));
        if (!r)
            return AMG_ENOMEM;
        r->live = ctx->livecheck;
        *out = r;
        return AMG_OK;
    }
    if (!ctx->snapshot)
        return wrong_phase(ctx, "records_open");
    r = calloc(1, sizeof(*r));
    if (!r)
        return AMG_ENOMEM;
    rc = amg_snapshot_ndjson_open(ctx->snapshot, ctx->plugin, &r->reader);
    if (rc < 0) {
        free(r);
        return rc;
    }
    *out = r;
    return AMG_OK;
}

static long host_records_total(struct amg_records *r)
{
    return r && r->reader ? amg_ndjson_expected(r->reader) : -1;
}

static int host_records_next_raw(struct amg_records *r, const char **line, size_t *len)
{
    *line = NULL;
    *len = 0;
    if (r && r->live && !r->writer) {
        amg_livecheck_unsupported(r->live, "records_next_raw");
        return AMG_EINVAL;
    }
    if (!r || !r->reader)
        return AMG_EINVAL;
    return amg_ndjson_next_raw(r->reader, line, len);
}

static int host_records_next(struct amg_records *r, json_t **rec)
{
    *rec = NULL;
    if (r && r->live && !r->writer)
        return amg_livecheck_next(r->live, rec);
    if (!r || !r->reader)
        return AMG_EINVAL;
    return amg_ndjson_next(r->reader, rec);
}

static int host_records_close(struct amg_records *r)
{
    int rc = AMG_OK;

    if (!r)
        return AMG_OK;
    if (r->writer)
        rc = amg_ndjson_close(r->writer);
    if (r->writer && r->live)
        amg_livecheck_end(r->live, rc != AMG_OK);
    if (r->reader)
        amg_ndjson_reader_close(r->reader);
    free(r);
    return rc;
}

static int host_idmap_put(struct amg_ctx *ctx, const char *kind, const char *old_id,
                          const char *new_id)
{
    if (!ctx->idmap)
        return wrong_phase(ctx, "idmap_put");
    return amg_idmap_put(ctx->idmap, kind, old_id, new_id);
}

static const char *host_idmap_get(struct amg_ctx *ctx, const char *kind, const char *old_id)
{
    if (!ctx->idmap)
        return NULL;
    return amg_idmap_get(ctx->idmap, kind, old_id);
}

static const char *host_option(struct amg_ctx *ctx, const char *key)
{
    /* Core settings have a '.' in their name, which plugin keys cannot. */
    if (key && strcmp(key, AMG_CORE_OPTION_ON_CONFLICT) == 0)
        return ctx->phase == AMG_PHASE_IMPORT ? amg_conflict_name(ctx->on_conflict) : NULL;
    if (!ctx->cfg)
        return NULL;
    return amg_config_plugin_option(ctx->cfg, ctx->plugin, key);
}

static void host_tally(struct amg_ctx *ctx, enum amg_outcome outcome, long n)
{
    if ((int)outcome < 0 || outcome >= AMG_OUT_COUNT_ || n <= 0)
        return;
    ctx->tally[outcome] += n;
    /* Objects of a collection too large to list: the plan counts them
     * and says how many were not listed. */
    if (ctx->planning && ctx->plan &&
        amg_plan_count(ctx->plan, ctx->plugin, outcome, n) < 0)
        amg_log(AMG_LOG_ERROR, "[%s] out of memory while recording the plan", ctx->plugin);
}

static void host_problem(struct amg_ctx *ctx, const char *where, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    const char *dir = ctx->snapshot ? amg_snapshot_path(ctx->snapshot) : "";
    const char *doc = ctx->snapshot ? amg_snapshot_document(ctx->snapshot, ctx->plugin) : NULL;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ctx->problems++;
    if (ctx->livecheck) {
        char note[1100];

        /* The export goes on (the data is what the instance holds); the
         * export's thread logs it. */
        snprintf(note, sizeof(note), "%s%s%s", where ? where : "", where ? ": " : "", msg);
        amg_livecheck_note(ctx->livecheck, note);
        return;
    }
    if (where)
        amg_log(AMG_LOG_ERROR, "%s/%s: %s: %s", dir, doc ? doc : ctx->plugin, where, msg);
    else
        amg_log(AMG_LOG_ERROR, "%s/%s: %s", dir, doc ? doc : ctx->plugin, msg);
}

static void host_action(struct amg_ctx *ctx, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!ctx->actions)
        ctx->actions = json_array();
    if (ctx->actions)
        json_array_append_new(ctx->actions, json_string(msg));
    amg_log(AMG_LOG_WARN, "[%s] post-restore action: %s", ctx->plugin, msg);
}

static void host_holds_secrets(struct amg_ctx *ctx, const char *what)
{
    if (!what)
        return;
    if (!ctx->secrets)
        ctx->secrets = json_array();
    if (ctx->secrets)
        json_array_append_new(ctx->secrets, json_string(what));
    amg_log(AMG_LOG_INFO, "[%s] the snapshot holds secrets: %s (keep it protected)",
            ctx->plugin, what);
}

static int host_request_raw(struct amg_ctx *ctx, const char *method, const char *target,
                            const char *content_type, const void *body, size_t body_len,
                            long *status, char **resp, size_t *resp_len)
{
    int rc;

    *resp = NULL;
    *resp_len = 0;
    *status = 0;
    if (!ctx->http)
        return wrong_phase(ctx, "request_raw");
    rc = refuse_write(ctx, method, target);
    if (rc < 0)
        return rc;
    return amg_http_raw(ctx->http, method, target, content_type, body, body_len, status, resp,
                        resp_len);
}

/* An anonymous 0600 file in `dir`: created under a random name and
 * unlinked at once, so that the data (password hashes, say) never stays
 * on disk after the descriptor is closed, whatever happens to the run. */
static int anonymous_file(const char *dir, int *fd)
{
    char *path = NULL;
    size_t n = strlen(dir) + sizeof("/.amg-download.XXXXXX");
    int rc = AMG_OK;
    mode_t old;

    path = malloc(n);
    if (!path)
        return AMG_ENOMEM;
    snprintf(path, n, "%s/.amg-download.XXXXXX", dir);
    old = umask(077);
    *fd = mkstemp(path);
    umask(old);
    if (*fd < 0) {
        amg_error("%s: cannot create a temporary file: %s", dir, strerror(errno));
        rc = AMG_EIO;
    } else if (unlink(path) != 0) {
        amg_error("%s: cannot unlink a temporary file: %s", path, strerror(errno));
        close(*fd);
        *fd = -1;
        rc = AMG_EIO;
    }
    free(path);
    return rc;
}

static int host_request_to_file(struct amg_ctx *ctx, const char *method, const char *target,
                                long *status, int *fd, size_t *len)
{
    const char *dir = ctx->writer ? amg_snapshot_writer_dir(ctx->writer) : getenv("TMPDIR");
    int rc;

    *status = 0;
    *fd = -1;
    *len = 0;
    if (!ctx->http)
        return wrong_phase(ctx, "request_to_file");
    rc = refuse_write(ctx, method, target);
    if (rc < 0)
        return rc;
    rc = anonymous_file(dir && *dir ? dir : "/tmp", fd);
    if (rc < 0)
        return rc;
    rc = amg_http_to_file(ctx->http, method, target, *fd, status, len);
    if (rc == AMG_OK && lseek(*fd, 0, SEEK_SET) != 0) {
        amg_error("[%s] %s: cannot rewind the downloaded file: %s", ctx->plugin, target,
                  strerror(errno));
        rc = AMG_EIO;
    }
    if (rc < 0) {
        close(*fd);
        *fd = -1;
        *len = 0;
    }
    return rc;
}

static int host_blob_write(struct amg_ctx *ctx, const char *part, const void *data, size_t len)
{
    int rc;

    if (!ctx->writer)
        return wrong_phase(ctx, "blob_write");
    rc = amg_snapshot_write_blob(ctx->writer, ctx->plugin, part, data, len);
    if (rc == AMG_OK)
        ctx->wrote = 1;
    return rc;
}

static int host_blob_read(struct amg_ctx *ctx, const char *part, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (!ctx->snapshot)
        return wrong_phase(ctx, "blob_read");
    return amg_snapshot_read_blob(ctx->snapshot, ctx->plugin, part, data, len);
}

static int host_filter_match(struct amg_ctx *ctx, json_t *view)
{
    return amg_filter_match(ctx->filters, view);
}

static int host_filtered(struct amg_ctx *ctx)
{
    return ctx->filters != NULL;
}

/* A plugin's pipeline seen through the dry-run check. */
struct guarded_pipeline {
    struct amg_ctx *ctx;
    int (*next)(void *ud, struct amg_request *req);
    int (*done)(void *ud, struct amg_request *req);
    void *ud;
};

static int guarded_next(void *ud, struct amg_request *req)
{
    struct guarded_pipeline *g = ud;
    int r = g->next(g->ud, req);

    /* A refused request aborts the pipeline; the core drops its body. */
    if (r > 0 && refuse_write(g->ctx, req->method, req->path) < 0)
        return AMG_EINVAL;
    return r;
}

/* The plugin's done() gets its own ud back, not the guard. */
static int guarded_done(void *ud, struct amg_request *req)
{
    struct guarded_pipeline *g = ud;

    return g->done(g->ud, req);
}

static int host_request_pipeline(struct amg_ctx *ctx,
                                 int (*next)(void *ud, struct amg_request *req),
                                 int (*done)(void *ud, struct amg_request *req), void *ud)
{
    struct guarded_pipeline g = { ctx, next, done, ud };

    if (!ctx->http)
        return wrong_phase(ctx, "request_pipeline");
    if (ctx->planning)
        return amg_http_pipeline(ctx->http, guarded_next, guarded_done, &g);
    return amg_http_pipeline(ctx->http, next, done, ud);
}

static int host_secret(struct amg_ctx *ctx, const char *name, const char **value)
{
    return amg_secret_get(ctx->cfg, name, ctx->plugin, value);
}

static int host_planning(struct amg_ctx *ctx)
{
    return ctx->planning;
}

static void host_plan(struct amg_ctx *ctx, enum amg_outcome what, const char *object,
                      const char *detail)
{
    if (!ctx->planning || !ctx->plan) {
        amg_log(AMG_LOG_WARN, "[%s] plan() called outside a dry run; ignored", ctx->plugin);
        return;
    }
    if ((int)what < 0 || what >= AMG_OUT_COUNT_)
        what = AMG_OUT_FAILED;
    if (amg_plan_add(ctx->plan, ctx->plugin, what, object, detail) < 0)
        amg_log(AMG_LOG_ERROR, "[%s] out of memory while recording the plan", ctx->plugin);
    ctx->tally[what]++;
    amg_log(AMG_LOG_DEBUG, "[%s] plan: %s %s%s%s", ctx->plugin, amg_plan_action_name(what),
            object ? object : "", detail ? ": " : "", detail ? detail : "");
}

static void host_progress(struct amg_ctx *ctx, long done, long total)
{
    amg_progress_update(ctx->progress, done, total);
}

static void host_fail(struct amg_ctx *ctx, const char *object, const char *fmt, ...)
{
    char msg[1024];
    json_t *entry;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* The report is a file an operator may pass around: same redaction as
     * the log, since a reason may quote a server answer. */
    amg_log_redact(msg);
    ctx->tally[AMG_OUT_FAILED]++;
    if (!ctx->failures)
        ctx->failures = json_array();
    entry = json_pack("{s:s?, s:s}", "object", object, "reason", msg);
    if (!ctx->failures || !entry) {
        json_decref(entry);
        amg_log(AMG_LOG_ERROR, "[%s] out of memory while recording a failure", ctx->plugin);
    } else if (json_array_append_new(ctx->failures, entry) < 0) {
        amg_log(AMG_LOG_ERROR, "[%s] out of memory while recording a failure", ctx->plugin);
    }
    if (ctx->planning && ctx->plan)
        amg_plan_add(ctx->plan, ctx->plugin, AMG_OUT_FAILED, object, msg);
    /* A collection may fail by the thousand: the report lists every
     * failure, the log only the first few. */
    ctx->failures_seen++;
    if (ctx->failures_seen > AMG_FAILURES_LOGGED + 1)
        return;
    amg_progress_interrupt(ctx->progress);
    if (ctx->failures_seen > AMG_FAILURES_LOGGED)
        amg_log(AMG_LOG_ERROR, "[%s] more failures: not logged one by one; the run report "
                "lists each with its reason", ctx->plugin);
    else if (object)
        amg_log(AMG_LOG_ERROR, "[%s] %s: %s", ctx->plugin, object, msg);
    else
        amg_log(AMG_LOG_ERROR, "[%s] %s", ctx->plugin, msg);
}

static const struct amg_host host_table = {
    .abi_major = AMG_PLUGIN_ABI_MAJOR,
    .abi_minor = AMG_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct amg_host),
    .log = host_log,
    .strerror = amg_strerror,
    .request = host_request,
    .snapshot_write = host_snapshot_write,
    .snapshot_read = host_snapshot_read,
    .records_create = host_records_create,
    .records_write = host_records_write,
    .records_open = host_records_open,
    .records_next = host_records_next,
    .records_close = host_records_close,
    .idmap_put = host_idmap_put,
    .idmap_get = host_idmap_get,
    .option = host_option,
    .tally = host_tally,
    .problem = host_problem,
    .action = host_action,
    .request_raw = host_request_raw,
    .blob_write = host_blob_write,
    .blob_read = host_blob_read,
    .filter_match = host_filter_match,
    .filtered = host_filtered,
    .request_pipeline = host_request_pipeline,
    .secret = host_secret,
    .planning = host_planning,
    .plan = host_plan,
    .progress = host_progress,
    .fail = host_fail,
    .holds_secrets = host_holds_secrets,
    .request_to_file = host_request_to_file,
    .snapshot_read_of = host_snapshot_read_of,
    .records_total = host_records_total,
    .records_next_raw = host_records_next_raw,
};

const struct amg_host *amg_host_table(void)
{
    return &host_table;
}

int amg_ctx_init(struct amg_ctx *ctx, enum amg_phase phase, const char *plugin)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->phase = phase;
    ctx->plugin = plugin;
    return AMG_OK;
}

void amg_ctx_clear(struct amg_ctx *ctx)
{
    json_decref(ctx->actions);
    ctx->actions = NULL;
    json_decref(ctx->secrets);
    ctx->secrets = NULL;
    json_decref(ctx->failures);
    ctx->failures = NULL;
}

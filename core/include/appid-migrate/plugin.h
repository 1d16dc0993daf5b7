/*
 * appid-migrate plugin SDK.
 *
 * A resource plugin is a shared object that exports one function,
 * amg_plugin_entry(), returning a pointer to a static, const descriptor.
 * The core reads and checks the whole descriptor before it calls any hook,
 * so a plugin built against an incompatible SDK is rejected with a message
 * instead of crashing the engine.
 *
 * Plugins reach the core only through the host table (struct amg_host)
 * passed to every hook; they never link against core symbols. Every hook
 * gets a per-run context (struct amg_ctx): plugins keep no process-global
 * state.
 *
 * Compatibility rules (see docs/plugin-guide.md):
 *  - abi_major must equal the core's AMG_PLUGIN_ABI_MAJOR;
 *  - abi_minor may be lower than or equal to the core's;
 *  - struct_size must be at least the size of the ABI 1.0 descriptor.
 * The host table grows only at its end; a plugin checks host->struct_size
 * before using a member added after ABI 1.0.
 */
#ifndef APPID_MIGRATE_PLUGIN_H
#define APPID_MIGRATE_PLUGIN_H

#include <stddef.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AMG_PLUGIN_ABI_MAJOR 1
#define AMG_PLUGIN_ABI_MINOR 6
#define AMG_PLUGIN_ENTRY_SYMBOL "amg_plugin_entry"

/* Same declaration as jansson's, so this header does not need jansson.h. */
typedef struct json_t json_t;

/* Status codes shared by the core and plugins: 0 is success, errors are
 * negative. host->strerror() turns one into text. */
enum amg_status {
    AMG_OK = 0,
    AMG_ENOMEM = -1,     /* allocation failed */
    AMG_EINVAL = -2,     /* invalid argument or input */
    AMG_EIO = -3,        /* local file or system error */
    AMG_ECONFIG = -4,    /* configuration error */
    AMG_EPLUGIN = -5,    /* plugin rejected or plugin hook failed */
    AMG_EHTTP = -6,      /* transport error after all retries */
    AMG_EAUTH = -7,      /* IAM token could not be obtained, or 401/403 */
    AMG_ESNAPSHOT = -8,  /* snapshot missing, corrupt or of unknown format */
    AMG_ENOTFOUND = -9,  /* named object does not exist */
    AMG_ECYCLE = -10,    /* dependency cycle */
    AMG_EDEP = -11,      /* dependency missing */
    AMG_EABI = -12,      /* plugin ABI mismatch */
    AMG_EPARTIAL = -13,  /* some records failed, the rest was done */
    AMG_EPROTO = -14,    /* unexpected answer from the server */
    AMG_EEXIST = -15,    /* object exists already */
    AMG_EUSAGE = -16     /* command-line usage error */
};

enum amg_log_level {
    AMG_LOG_ERROR = 0,
    AMG_LOG_WARN = 1,
    AMG_LOG_INFO = 2,
    AMG_LOG_DEBUG = 3
};

/* What happened to one object during an import; counted in the report. */
enum amg_outcome {
    AMG_OUT_CREATED = 0,
    AMG_OUT_UPDATED,
    AMG_OUT_UNCHANGED,
    AMG_OUT_SKIPPED,
    AMG_OUT_FAILED,
    AMG_OUT_COUNT_
};

/* Longest management path (with query) a pipelined request may carry. */
#define AMG_REQUEST_PATH_MAX 2048

/*
 * One request of a pipeline (host->request_pipeline, ABI 1.2). The
 * plugin's next() fills the first block; the core fills the second before
 * handing the request to done().
 */
struct amg_request {
    const char *method;               /* static string: "GET", "POST", ... */
    char path[AMG_REQUEST_PATH_MAX];  /* relative to /management/v4/{tenantId} */
    json_t *body;                     /* stolen by the core; NULL for none */
    int idempotent;                   /* 0: a request that may have been
                                       * processed (transport error, 5xx) is
                                       * not retried but reported, so the
                                       * plugin can look before it resends;
                                       * 1: also sent on a kept-alive
                                       * connection, which libcurl may
                                       * resend on its own */
    void *tag;                        /* the plugin's, untouched */

    long status;                      /* final HTTP status, 0 without answer */
    json_t *response;                 /* borrowed during done(); NULL when
                                       * empty or not JSON */
    int rc;                           /* AMG_OK, or AMG_EHTTP, AMG_EAUTH,
                                       * AMG_EPROTO for this request */

    /* ---- ABI 1.5: set only when the host has records_next_raw ---- */
    char *raw_body;                   /* instead of `body`: JSON text that
                                       * is sent as it is (malloc'd, stolen
                                       * by the core), e.g. a batch built
                                       * from snapshot lines without
                                       * parsing them */
    size_t raw_len;
};

/* Opaque per-run, per-plugin context owned by the core. */
struct amg_ctx;

/* Streaming record files (<plugin>.ndjson), owned by the core. */
struct amg_records;

#if defined(__GNUC__)
#define AMG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define AMG_PRINTF(fmt, args)
#endif

/*
 * Services the core offers to a plugin. All pointers are valid for the
 * duration of the hook call only.
 */
struct amg_host {
    unsigned abi_major;
    unsigned abi_minor;
    size_t struct_size;

    /* Log a line; the core prefixes it with the plugin name. Never pass
     * secrets (API keys, tokens, encryption secrets) here. */
    void (*log)(struct amg_ctx *ctx, enum amg_log_level level,
                const char *fmt, ...) AMG_PRINTF(3, 4);

    const char *(*strerror)(int status);

    /*
     * JSON request against the management API of the run's instance (the
     * source on export, the target on import). `path` is relative to
     * /management/v4/{tenantId}, e.g. "/config/tokens". `body` is borrowed
     * (NULL for none). On return 0, *status holds the final HTTP status
     * (after the core's retries on 429/5xx) and *response a new reference
     * the caller must json_decref (NULL when the body was empty or not
     * JSON). Returns a negative status on transport or auth failure; then
     * *response is NULL.
     */
    int (*request)(struct amg_ctx *ctx, const char *method, const char *path,
                   json_t *body, long *status, json_t **response);

    /* Write the plugin's single-document file <plugin>.json (export only).
     * `doc` is borrowed. `records` is the number of objects it holds. */
    int (*snapshot_write)(struct amg_ctx *ctx, json_t *doc, long records);

    /* Read <plugin>.json (import and validate). On success *doc is a new
     * reference; AMG_ENOTFOUND when the snapshot has no such file. */
    int (*snapshot_read)(struct amg_ctx *ctx, json_t **doc);

    /* Streamed collections in <plugin>.ndjson: one JSON object a line.
     * records_create (export) / records_open (import, validate) give a
     * handle owned by the core until records_close. records_next returns 1
     * with a new reference in *rec, 0 at the end, negative on a malformed
     * line (the error names the file and line). */
    int (*records_create)(struct amg_ctx *ctx, struct amg_records **out);
    int (*records_write)(struct amg_records *r, json_t *rec);
    int (*records_open)(struct amg_ctx *ctx, struct amg_records **out);
    int (*records_next)(struct amg_records *r, json_t **rec);
    int (*records_close)(struct amg_records *r);

    /* Id map shared by all plugins of one import run: old id -> new id,
     * per kind (e.g. "application", "role"). Strings are copied. get
     * returns a string owned by the map, or NULL when unknown. A kind
     * starting with '_' is a note for other plugins of the run that the
     * report's id_map leaves out. */
    int (*idmap_put)(struct amg_ctx *ctx, const char *kind,
                     const char *old_id, const char *new_id);
    const char *(*idmap_get)(struct amg_ctx *ctx, const char *kind,
                             const char *old_id);

    /* Plugin option from the config section plugins.<name>.<key>; NULL
     * when not set. Owned by the core. Keys with a '.' are the core's own
     * settings of the run (AMG_CORE_OPTION_*, below). */
    const char *(*option)(struct amg_ctx *ctx, const char *key);

    /* Count objects for the run report. While planning (core 1.3), the
     * objects are also counted in the plan without being listed: for
     * collections too large to plan() one by one. */
    void (*tally)(struct amg_ctx *ctx, enum amg_outcome outcome, long n);

    /* Validate hook: report one problem in the snapshot. `where` names the
     * record (e.g. "applications[2]"), may be NULL. The core prefixes the
     * file name and counts problems; the hook still returns 0 when it only
     * found problems, and negative when it could not check at all. */
    void (*problem)(struct amg_ctx *ctx, const char *where,
                    const char *fmt, ...) AMG_PRINTF(3, 4);

    /* Post-restore action for the operator (reference section 9): what
     * must be reconfigured by hand, e.g. new client credentials. */
    void (*action)(struct amg_ctx *ctx, const char *fmt, ...) AMG_PRINTF(2, 3);

    /* ---- ABI 1.1 (check struct_size before use) ---- */

    /*
     * Request with a raw body and a raw answer, for media and multipart.
     * `target` is either a path relative to /management/v4/{tenantId}
     * (starting with '/') or an absolute http(s) URL on the instance's own
     * host (e.g. the logo URL App ID returns); the bearer token is sent
     * only to the instance's host. `content_type` may be NULL (no body).
     * On return 0, *status is the final status and *resp (NUL-terminated,
     * may be NULL when empty) / *resp_len the answer; free *resp with
     * free(). Same retries and errors as request().
     */
    int (*request_raw)(struct amg_ctx *ctx, const char *method, const char *target,
                       const char *content_type, const void *body, size_t body_len,
                       long *status, char **resp, size_t *resp_len);

    /* Binary part of the plugin's snapshot data: file <plugin>.<part>.bin
     * with `part` matching [a-z0-9_]+ (export writes, import/validate
     * read). read gives a malloc'd buffer the caller frees;
     * AMG_ENOTFOUND when the snapshot has no such part. */
    int (*blob_write)(struct amg_ctx *ctx, const char *part, const void *data, size_t len);
    int (*blob_read)(struct amg_ctx *ctx, const char *part, char **data, size_t *len);

    /*
     * Record filters given on the command line (--only plugin:field=glob,
     * several joined with '+', e.g. "users:email=*@example.com"). `view`
     * is a flat JSON object the plugin builds for the record, with the
     * fields it declared in filter_fields (strings, or arrays of strings
     * of which any may match). Returns 1 when the record is selected
     * (always 1 without filters), 0 when not.
     */
    int (*filter_match)(struct amg_ctx *ctx, json_t *view);

    /* 1 when filters are active for this plugin in this run. */
    int (*filtered)(struct amg_ctx *ctx);

    /* ---- ABI 1.2 ---- */

    /*
     * Run many requests concurrently (up to the configured http
     * concurrency, sharing the instance's rate limiter, token and retry
     * policy). next() fills *req and returns 1, or returns 0 when there
     * are no more requests (negative aborts). done() receives each
     * finished request IN THE ORDER next() produced them, so output stays
     * deterministic; it returns 0 to go on, negative to abort. A request's
     * own failure is in req->rc and does not end the pipeline. Returns 0,
     * or the first negative value of next()/done(), or a negative status
     * when the pipeline itself failed.
     */
    int (*request_pipeline)(struct amg_ctx *ctx,
                            int (*next)(void *ud, struct amg_request *req),
                            int (*done)(void *ud, struct amg_request *req), void *ud);

    /*
     * A secret the configuration points at, by name. Known names:
     * "cd_encryption_secret" (the environment variable named by
     * cloud_directory.encryption_secret_env). On success *value is
     * borrowed from the environment and registered so that it never
     * reaches a log; AMG_ECONFIG (logged, naming the variable, never the
     * value) when it is not set; AMG_EINVAL for an unknown name.
     */
    int (*secret)(struct amg_ctx *ctx, const char *name, const char **value);

    /* ---- ABI 1.3 ---- */

    /*
     * 1 while the run is a plan (import --dry-run), else 0. While
     * planning, the core refuses every request other than GET (request,
     * request_raw and request_pipeline fail with AMG_EINVAL and a logged
     * error), so a plugin that forgets to check cannot write. A plugin
     * that plans reads the target, compares, and reports each object with
     * plan() instead of writing it.
     */
    int (*planning)(struct amg_ctx *ctx);

    /*
     * One planned action: AMG_OUT_CREATED / UPDATED (detail: the changed
     * fields, e.g. "fields: access.expires_in, refresh.enabled"),
     * UNCHANGED, SKIPPED (detail says why, e.g. "only in the target: never
     * touched"), FAILED (detail: why it could not be done). `object` names
     * the object for an operator ("role admin"); `detail` may be NULL.
     * Strings are copied. Counted like tally(). Ignored (with a warning)
     * when not planning.
     */
    void (*plan)(struct amg_ctx *ctx, enum amg_outcome what, const char *object,
                 const char *detail);

    /* Work done so far in this hook: `done` of `total` objects (total -1
     * when unknown). Cheap: the core throttles what it shows. */
    void (*progress)(struct amg_ctx *ctx, long done, long total);

    /* One object failed: logs the reason naming the object, records both
     * in the run report and counts the object FAILED (do not tally it
     * again). `object` may be NULL for a failure of the whole resource.
     * The log shows the first ten failures of a hook call one by one, the
     * report all of them. */
    void (*fail)(struct amg_ctx *ctx, const char *object, const char *fmt, ...)
        AMG_PRINTF(3, 4);

    /* Export: the plugin's data holds secrets the API returned in clear
     * (`what`, e.g. "facebook and google app secrets"; never the secret
     * itself). The run report lists them so the operator knows the
     * snapshot must be protected. String copied. */
    void (*holds_secrets)(struct amg_ctx *ctx, const char *what);

    /* ---- ABI 1.5 ---- */

    /*
     * Request without a body whose answer may be larger than memory
     * should hold (the bulk export's download): the core writes the
     * answer body, with no size cap, to an anonymous file (mode 0600,
     * unlinked at once; in the snapshot's temporary directory on export,
     * else in $TMPDIR or /tmp), so it never exists under a name. `target`
     * as in request_raw(). On return 0, *status is the final status, *fd
     * an open, read-only-by-convention descriptor positioned at the
     * start of the body (the caller closes it; the file is gone then) and
     * *len the body's size. On failure *fd is -1. Same retries and errors
     * as request_raw(), plus AMG_EIO when the file cannot be written.
     */
    int (*request_to_file)(struct amg_ctx *ctx, const char *method, const char *target,
                           long *status, int *fd, size_t *len);

    /* Read ANOTHER plugin's single-document file <plugin>.json from the
     * snapshot (import and validate), to check references across plugins
     * (e.g. the role names users carry against the snapshot's roles). On
     * success *doc is a new reference; AMG_ENOTFOUND when the snapshot
     * has no such file. */
    int (*snapshot_read_of)(struct amg_ctx *ctx, const char *plugin, json_t **doc);

    /* The number of records of a file opened with records_open, from the
     * snapshot's manifest, without reading them (reading the file through
     * checks it; the core does so before an import). -1 for a handle of
     * records_create. */
    long (*records_total)(struct amg_records *r);

    /* Like records_next, without parsing: 1 with *line pointing at the
     * next record's JSON text (*len bytes, no newline; owned by the
     * handle, valid until the next call), 0 at the end, negative on error.
     * For a plugin that passes records on unchanged (a batch of users
     * built as text into amg_request.raw_body): the core has parsed and
     * validated every line before an import starts. */
    int (*records_next_raw)(struct amg_records *r, const char **line, size_t *len);
};

/*
 * Core setting read with host->option() during an import: what to do with
 * an object that exists in the target and differs from the snapshot.
 * "update" (write the snapshot's version), "skip" (leave it as it is and
 * count it AMG_OUT_SKIPPED; objects missing in the target are still
 * created) or "fail" (write nothing to it and report it with fail(); the
 * core has already refused the import if its plan found any). A singleton
 * configuration document always exists in the target: it conflicts when
 * it differs from the snapshot AND from App ID's default for it (someone
 * configured it); one still at its default is restored under every
 * policy. NULL from cores that predate the setting and outside imports:
 * treat as "update". See docs/plugin-guide.md.
 */
#define AMG_CORE_OPTION_ON_CONFLICT "core.on_conflict"

/*
 * Start of the detail of a planned AMG_OUT_UPDATED whose object the target
 * has at App ID's default (e.g. "at App ID's default; fields: access"):
 * the on_conflict = fail check of the core does not count it as a
 * conflict.
 */
#define AMG_PLAN_DETAIL_AT_DEFAULT "at App ID's default; "

/* 1 when the host table `h` has `member` (added in a later minor ABI). */
#define AMG_HOST_HAS(h, member) \
    ((h)->struct_size >= offsetof(struct amg_host, member) + sizeof((h)->member) && \
     (h)->member != NULL)

typedef int (*amg_hook_fn)(const struct amg_host *host, struct amg_ctx *ctx);

/* Type of a declared plugin option (ABI 1.4). */
enum amg_option_type {
    AMG_OPTION_STRING = 0,
    AMG_OPTION_INT,
    AMG_OPTION_BOOL
};

/*
 * One config key a plugin reads with host->option() (ABI 1.4). The core
 * refuses plugins.<name>.<key> settings that the table does not declare
 * or whose type differs, and host->option() returns `default_value` when
 * the key is not set. Values reach the plugin as text: integers in
 * decimal, booleans as "true"/"false".
 */
struct amg_plugin_option {
    const char *name;            /* [a-z0-9_]+ */
    enum amg_option_type type;
    const char *default_value;   /* text as host->option() returns it; NULL: none */
    const char *description;     /* one line */
};

/*
 * The descriptor a plugin returns from amg_plugin_entry(). Keep it a
 * static const object; the core never writes to it.
 */
struct amg_plugin {
    unsigned abi_major;        /* AMG_PLUGIN_ABI_MAJOR */
    unsigned abi_minor;        /* AMG_PLUGIN_ABI_MINOR */
    size_t struct_size;        /* sizeof(struct amg_plugin) */
    const char *name;          /* resource type: [a-z0-9_]+, unique */
    const char *version;       /* plugin version, recorded in snapshots */
    const char *description;   /* one line */
    const char *const *deps;   /* NULL-terminated plugin names, or NULL */
    amg_hook_fn export_fn;     /* read the instance, write the snapshot */
    amg_hook_fn import_fn;     /* read the snapshot, write the instance */
    amg_hook_fn validate_fn;   /* check the snapshot offline */

    /* ---- ABI 1.1 ---- */
    /* NULL-terminated field names accepted in record filters
     * (--only name:field=glob), or NULL when the plugin has none. */
    const char *const *filter_fields;

    /* ---- ABI 1.4 ---- */
    /* Config keys under plugins.<name>, terminated by an entry whose name
     * is NULL; NULL when the plugin reads none. */
    const struct amg_plugin_option *options;

    /* ---- ABI 1.5 ---- */
    /* Names of the secrets (see host->secret) the plugin's export and
     * import hooks need, NULL-terminated, or NULL. The core resolves them
     * before the first request of a run, so a missing secret stops the run
     * (exit 2) before anything is read or written. */
    const char *const *secrets;

    /* ---- ABI 1.6 ---- */
    /* AMG_PLUGIN_* flags below, or 0. */
    unsigned flags;
};

/*
 * flags: the validate hook may also run during an export, on a thread of
 * its own, while the export hook writes records: it then reads those
 * records, as they are written, through records_open()/records_next()
 * (the only calls it may make on the snapshot then; any other makes that
 * check incomplete, which is harmless). A complete check without problems
 * is remembered on this machine, and an import of the same bytes does
 * not run the validate hook again. Set it only when the validate hook
 * shares no mutable state with the export hook.
 */
#define AMG_PLUGIN_VALIDATE_DURING_EXPORT (1u << 0)

#define AMG_PLUGIN_INIT_HEADER \
    .abi_major = AMG_PLUGIN_ABI_MAJOR, \
    .abi_minor = AMG_PLUGIN_ABI_MINOR, \
    .struct_size = sizeof(struct amg_plugin)

typedef const struct amg_plugin *(*amg_plugin_entry_fn)(void);

/* The one symbol a plugin exports. */
const struct amg_plugin *amg_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif /* APPID_MIGRATE_PLUGIN_H */

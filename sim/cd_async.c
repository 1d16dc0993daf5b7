#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "appid-migrate/plugin.h"
#include "cd_async.h"
#include "cd_transfer.h"
#include "multipart.h"
#include "schema.h"
#include "users_json.h"

#define DAY_MS (86400LL * 1000)
#define DEFAULT_EXPIRES_DAYS 7
/* Imports hold the write lock for this many users at a time, so other
 * requests get a turn during a 100,000-user import. */
#define IMPORT_CHUNK 500
/* libmicrohttpd's "abort the response" value of a content reader. */
#define STREAM_ABORT ((ssize_t)-2)

struct job {
    char id[SIM_ID_LEN + 1];
    char tenant[65];
    int is_export;
    const char *status;          /* "COMPLETED" or "FAILED" */
    long long expires_ms;
    int fd;                      /* export file (unlinked), -1 when none */
    uint64_t size;
    size_t users;                /* users exported */
    json_t *result;              /* import: {added, failed, failReasons} */
    struct job *next;
};

struct sim_jobs {
    pthread_mutex_t lock;
    struct job *head;
};

static void free_job(struct job *j)
{
    if (j->fd >= 0)
        close(j->fd);
    json_decref(j->result);
    free(j);
}

struct sim_jobs *sim_jobs_new(void)
{
    struct sim_jobs *jobs = calloc(1, sizeof(*jobs));

    if (jobs && pthread_mutex_init(&jobs->lock, NULL) != 0) {
        free(jobs);
        jobs = NULL;
    }
    return jobs;
}

void sim_jobs_free(struct sim_jobs *jobs)
{
    struct job *j, *next;

    if (!jobs)
        return;
    for (j = jobs->head; j; j = next) {
        next = j->next;
        free_job(j);
    }
    pthread_mutex_destroy(&jobs->lock);
    free(jobs);
}

/* Drop expired requests; jobs->lock held. */
static void sweep(struct sim_jobs *jobs, long long now)
{
    struct job **pp = &jobs->head;

    while (*pp) {
        struct job *j = *pp;

        if (j->expires_ms <= now) {
            *pp = j->next;
            free_job(j);
        } else {
            pp = &j->next;
        }
    }
}

static void add_job(struct sim_jobs *jobs, struct job *j)
{
    pthread_mutex_lock(&jobs->lock);
    sweep(jobs, sim_now_ms());
    j->next = jobs->head;
    jobs->head = j;
    pthread_mutex_unlock(&jobs->lock);
}

/* The live request `id` of `tenant`; jobs->lock held. With `unlink_it`
 * it is also taken out of the table (the caller frees it). */
static struct job *find_job(struct sim_jobs *jobs, const char *tenant, const char *id,
                            int is_export, int unlink_it)
{
    struct job **pp;

    sweep(jobs, sim_now_ms());
    for (pp = &jobs->head; *pp; pp = &(*pp)->next) {
        struct job *j = *pp;

        if (j->is_export == is_export && strcmp(j->id, id) == 0 &&
            strcmp(j->tenant, tenant) == 0) {
            if (unlink_it)
                *pp = j->next;
            return j;
        }
    }
    return NULL;
}

static struct job *new_job(const char *tenant, int is_export, int days)
{
    struct job *j = calloc(1, sizeof(*j));

    if (!j)
        return NULL;
    j->fd = -1;
    j->is_export = is_export;
    j->status = "COMPLETED";
    j->expires_ms = sim_now_ms() + days * DAY_MS;
    snprintf(j->tenant, sizeof(j->tenant), "%s", tenant);
    if (sim_new_id(j->id) != AMG_OK) {
        free(j);
        return NULL;
    }
    return j;
}

static const struct sim_field export_fields[] = {
    { .path = "encryptionSecret", .type = SIM_STRING, .flags = SIM_REQUIRED | SIM_NONEMPTY },
    { .path = "emailAddress", .type = SIM_STRING, .flags = SIM_REQUIRED | SIM_NONEMPTY },
    { .path = "expires", .type = SIM_INT, .flags = SIM_RANGE, .min = 1, .max = 30 },
    { .path = NULL }
};

/* An unlinked temporary file, so nothing is left behind after a crash. */
static int temp_file(void)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    int fd;

    snprintf(path, sizeof(path), "%s/appid-sim-export.XXXXXX", dir && dir[0] ? dir : "/tmp");
    fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* Write every CD user of `tenant` to `fd` as a JSON array of export
 * items. Returns 0 or a negative status. */
static int write_export(const struct sim_env *env, const char *tenant, int fd,
                        const unsigned char key[SIM_EXPORT_KEY_LEN], size_t *count)
{
    json_t *roles = sim_roles_load(env, tenant);
    struct sim_uset *set = NULL;
    int dup_fd = dup(fd);
    FILE *f = dup_fd >= 0 ? fdopen(dup_fd, "w") : NULL;
    size_t i, n;
    int rc = AMG_EIO;

    if (!f && dup_fd >= 0)
        close(dup_fd);
    set = f && roles ? sim_users_read(env->users, tenant) : NULL;
    if (!set)
        goto out;
    n = sim_uset_cd_count(set);
    if (fputs("[", f) == EOF)
        goto out;
    for (i = 0; i < n; i++) {
        json_t *item = sim_cd_export_item(key, roles, sim_uset_cd_at(set, i));
        int bad = !item || fputs(i ? ",\n" : "\n", f) == EOF ||
                  json_dumpf(item, f, JSON_COMPACT | JSON_SORT_KEYS) != 0;

        json_decref(item);
        if (bad)
            goto out;
    }
    if (fputs("\n]\n", f) == EOF)
        goto out;
    *count = n;
    rc = AMG_OK;
out:
    sim_users_unlock(set);
    if (f && fclose(f) != 0)
        rc = AMG_EIO;
    json_decref(roles);
    return rc;
}

void sim_cd_export_all(const struct sim_env *env, const char *tenant, const char *id,
                       const struct sim_request *req, struct sim_reply *rep)
{
    unsigned char key[SIM_EXPORT_KEY_LEN];
    json_t *body = NULL, *expires;
    struct job *job = NULL;
    struct stat st;
    char msg[512];

    (void)id;
    if (sim_request_json_object(req, rep, &body) != AMG_OK)
        return;
    if (sim_schema_check(export_fields, body, msg, sizeof(msg)) != AMG_OK) {
        sim_reply_error(rep, 400, "%s", msg);
        goto out;
    }
    if (sim_export_key(json_string_value(json_object_get(body, "encryptionSecret")), key) !=
        AMG_OK) {
        sim_reply_error(rep, 400, "field 'encryptionSecret' is unusable (too long?)");
        goto out;
    }
    expires = json_object_get(body, "expires");
    job = new_job(tenant, 1,
                  expires ? (int)json_integer_value(expires) : DEFAULT_EXPIRES_DAYS);
    if (!job) {
        sim_reply_error(rep, 500, "out of memory");
        goto out;
    }
    job->fd = temp_file();
    if (job->fd < 0 || write_export(env, tenant, job->fd, key, &job->users) != AMG_OK ||
        fstat(job->fd, &st) != 0) {
        /* As the real service does, a failed export keeps no data. */
        job->status = "FAILED";
        if (job->fd >= 0)
            close(job->fd);
        job->fd = -1;
    } else {
        job->size = (uint64_t)st.st_size;
    }
    sim_reply_json(rep, 202, json_pack("{s:s}", "id", job->id));
    add_job(env->jobs, job);
out:
    OPENSSL_cleanse(key, sizeof(key));
    json_decref(body);
}

/* The id query parameter; answers 400 when it is missing. */
static const char *job_id(const struct sim_request *req, struct sim_reply *rep)
{
    const char *id = sim_request_query(req, "id");

    if (!id || !id[0])
        sim_reply_error(rep, 400, "query parameter 'id' is required");
    return id && id[0] ? id : NULL;
}

void sim_cd_export_status(const struct sim_env *env, const char *tenant, const char *id,
                          const struct sim_request *req, struct sim_reply *rep)
{
    const char *jid = job_id(req, rep);
    struct job *j;
    char expires[32];

    (void)id;
    if (!jid)
        return;
    pthread_mutex_lock(&env->jobs->lock);
    j = find_job(env->jobs, tenant, jid, 1, 0);
    if (j) {
        sim_iso8601(j->expires_ms, expires);
        sim_reply_json(rep, 200, json_pack("{s:s, s:s, s:I, s:s}", "id", j->id, "status",
                                           j->status, "users", (json_int_t)j->users,
                                           "expiresAt", expires));
    } else {
        sim_reply_error(rep, 404, "no export request %s", jid);
    }
    pthread_mutex_unlock(&env->jobs->lock);
}

static ssize_t read_export(void *cls, uint64_t pos, char *buf, size_t max)
{
    ssize_t n = pread(*(int *)cls, buf, max, (off_t)pos);

    return n > 0 ? n : STREAM_ABORT;
}

static void close_export(void *cls)
{
    close(*(int *)cls);
    free(cls);
}

void sim_cd_export_download(const struct sim_env *env, const char *tenant, const char *id,
                            const struct sim_request *req, struct sim_reply *rep)
{
    const char *jid = job_id(req, rep);
    int *fd = NULL;
    uint64_t size = 0;
    struct job *j;

    (void)id;
    if (!jid)
        return;
    fd = malloc(sizeof(*fd));
    if (!fd) {
        sim_reply_error(rep, 500, "out of memory");
        return;
    }
    *fd = -1;
    pthread_mutex_lock(&env->jobs->lock);
    j = find_job(env->jobs, tenant, jid, 1, 0);
    /* A download of its own descriptor: the request may be deleted while
     * the file is still being sent. pread() ignores the shared offset. */
    if (j && j->fd >= 0) {
        *fd = dup(j->fd);
        size = j->size;
    }
    pthread_mutex_unlock(&env->jobs->lock);
    if (!j) {
        sim_reply_error(rep, 404, "no export request %s", jid);
    } else if (*fd < 0) {
        sim_reply_error(rep, 404, "export request %s failed; it has no file", jid);
    } else {
        sim_reply_stream(rep, 200, "application/json", size, read_export, close_export, fd);
        return;
    }
    free(fd);
}

void sim_cd_export_delete(const struct sim_env *env, const char *tenant, const char *id,
                          const struct sim_request *req, struct sim_reply *rep)
{
    const char *jid = job_id(req, rep);
    struct job *j;

    (void)id;
    if (!jid)
        return;
    pthread_mutex_lock(&env->jobs->lock);
    j = find_job(env->jobs, tenant, jid, 1, 1);
    pthread_mutex_unlock(&env->jobs->lock);
    if (j) {
        free_job(j);
        sim_reply_empty(rep, 204);
    } else {
        sim_reply_error(rep, 404, "no export request %s", jid);
    }
}

/* Walks a JSON array one element at a time, so a 100,000-user file is
 * never one tree in memory. */
struct array_iter {
    const char *buf;
    size_t len, pos, index;
    int done;
};

static void skip_ws(struct array_iter *it)
{
    while (it->pos < it->len && (it->buf[it->pos] == ' ' || it->buf[it->pos] == '\t' ||
                                 it->buf[it->pos] == '\n' || it->buf[it->pos] == '\r'))
        it->pos++;
}

/* Next element (new reference) in *item, NULL at the end. AMG_EINVAL with
 * a message when the text is not a JSON array of objects. */
static int iter_next(struct array_iter *it, json_t **item, char *msg, size_t msg_len)
{
    json_error_t err;

    *item = NULL;
    if (it->done)
        return AMG_OK;
    skip_ws(it);
    if (it->index == 0 && (it->pos >= it->len || it->buf[it->pos++] != '[')) {
        snprintf(msg, msg_len, "the file must be a JSON array of users");
        return AMG_EINVAL;
    }
    skip_ws(it);
    if (it->pos < it->len && it->buf[it->pos] == ']') {
        it->pos++;
        skip_ws(it);
        it->done = 1;
        if (it->pos == it->len)
            return AMG_OK;
        snprintf(msg, msg_len, "the file has data after the array (byte %zu)", it->pos);
        return AMG_EINVAL;
    }
    if (it->index > 0) {
        if (it->pos >= it->len || it->buf[it->pos] != ',') {
            snprintf(msg, msg_len, "expected ',' or ']' at byte %zu of the file", it->pos);
            return AMG_EINVAL;
        }
        it->pos++;
    }
    *item = json_loadb(it->buf + it->pos, it->len - it->pos,
                       JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(*item)) {
        json_decref(*item);
        *item = NULL;
        snprintf(msg, msg_len, "user %zu of the file is not a JSON object: %s", it->index,
                 err.text);
        return AMG_EINVAL;
    }
    it->pos += (size_t)err.position;
    it->index++;
    return AMG_OK;
}

/* A form part as a new NUL-terminated string, NULL if absent/empty. */
static char *part_text(const char *boundary, const struct sim_request *req, const char *name)
{
    struct sim_part p;
    char msg[64];

    if (sim_multipart_find(boundary, req->body ? req->body : "", req->body_len, name, &p, msg,
                           sizeof(msg)) != AMG_OK || p.len == 0)
        return NULL;
    return strndup(p.data, p.len);
}

/* Import every element of `file`; imp counts the outcome. */
static int import_file(const struct sim_env *env, const char *tenant, const struct sim_part *file,
                       struct sim_cd_import *imp)
{
    struct array_iter it = { .buf = file->data, .len = file->len };
    struct sim_uset *set = NULL;
    json_t *item = NULL;
    char msg[256];
    int rc = AMG_OK;

    while (rc == AMG_OK && iter_next(&it, &item, msg, sizeof(msg)) == AMG_OK && item) {
        if (!set)
            set = sim_users_write(env->users, tenant);
        rc = set ? sim_cd_import_item(imp, set, item) : AMG_ENOMEM;
        json_decref(item);
        if (it.index % IMPORT_CHUNK == 0) {
            sim_users_unlock(set);
            set = NULL;
        }
    }
    sim_users_unlock(set);
    return rc;
}

void sim_cd_import_all(const struct sim_env *env, const char *tenant, const char *id,
                       const struct sim_request *req, struct sim_reply *rep)
{
    char boundary[SIM_BOUNDARY_MAX + 1];
    struct sim_part file_part;
    const struct sim_part *file = NULL;
    struct sim_cd_import imp;
    struct array_iter check;
    struct job *job = NULL;
    char *secret = NULL, *email = NULL;
    json_t *item = NULL;
    char msg[512];
    int rc;

    (void)id;
    memset(&imp, 0, sizeof(imp));
    if (sim_multipart_boundary(req->content_type, boundary) != AMG_OK) {
        sim_reply_error(rep, 415, "expected multipart/form-data with a boundary");
        return;
    }
    rc = sim_multipart_find(boundary, req->body ? req->body : "", req->body_len, "file",
                            &file_part, msg, sizeof(msg));
    if (rc == AMG_EINVAL) {
        sim_reply_error(rep, 400, "%s", msg);
        return;
    }
    if (rc == AMG_OK)
        file = &file_part;
    secret = part_text(boundary, req, "encryptionSecret");
    email = part_text(boundary, req, "emailAddress");
    if (!file || !secret || !email) {
        sim_reply_error(rep, 400, "form fields 'file', 'encryptionSecret' and 'emailAddress' "
                        "are required");
        goto out;
    }
    /* Check the whole file first: a malformed one imports nothing. */
    memset(&check, 0, sizeof(check));
    check.buf = file->data;
    check.len = file->len;
    do {
        json_decref(item);
        rc = iter_next(&check, &item, msg, sizeof(msg));
    } while (rc == AMG_OK && item);
    if (rc != AMG_OK) {
        sim_reply_error(rep, 400, "%s", msg);
        goto out;
    }
    rc = sim_cd_import_begin(&imp, env, tenant, secret);
    job = rc == AMG_OK ? new_job(tenant, 0, DEFAULT_EXPIRES_DAYS) : NULL;
    if (!job) {
        if (rc == AMG_EINVAL)
            sim_reply_error(rep, 400, "form field 'encryptionSecret' is too long");
        else
            sim_reply_error(rep, 500, "cannot start the import");
        goto out;
    }
    if (import_file(env, tenant, file, &imp) != AMG_OK)
        job->status = "FAILED";
    job->result = sim_cd_import_result(&imp);
    sim_reply_json(rep, 202, json_pack("{s:s}", "id", job->id));
    add_job(env->jobs, job);
out:
    sim_cd_import_end(&imp);
    if (secret)
        OPENSSL_cleanse(secret, strlen(secret));
    free(secret);
    free(email);
}

void sim_cd_import_status(const struct sim_env *env, const char *tenant, const char *id,
                          const struct sim_request *req, struct sim_reply *rep)
{
    const char *jid = job_id(req, rep);
    struct job *j;
    json_t *body;

    (void)id;
    if (!jid)
        return;
    pthread_mutex_lock(&env->jobs->lock);
    j = find_job(env->jobs, tenant, jid, 0, 0);
    body = j ? json_deep_copy(j->result) : NULL;
    if (body && (json_object_set_new(body, "id", json_string(j->id)) != 0 ||
                 json_object_set_new(body, "status", json_string(j->status)) != 0)) {
        json_decref(body);
        body = NULL;
    }
    pthread_mutex_unlock(&env->jobs->lock);
    if (!j)
        sim_reply_error(rep, 404, "no import request %s", jid);
    else
        sim_reply_json(rep, 200, body);
}

#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include "log.h"
#include "mem.h"

#define AMG_LOG_MAX_SECRETS 16
#define AMG_LOG_LINE_MAX 4096

static enum amg_log_level log_level = AMG_LOG_INFO;
static FILE *log_stream;
static char *log_secrets[AMG_LOG_MAX_SECRETS];
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void amg_log_set_level(enum amg_log_level level)
{
    log_level = level;
}

enum amg_log_level amg_log_get_level(void)
{
    return log_level;
}

void amg_log_set_stream(FILE *stream)
{
    log_stream = stream;
}

int amg_log_add_secret(const char *secret)
{
    int rc = AMG_EINVAL;
    size_t i;

    /* Very short values would blank out ordinary words. */
    if (!secret || strlen(secret) < 4)
        return AMG_EINVAL;
    pthread_mutex_lock(&log_lock);
    for (i = 0; i < AMG_LOG_MAX_SECRETS; i++) {
        if (log_secrets[i] && strcmp(log_secrets[i], secret) == 0) {
            rc = AMG_OK;
            goto out;
        }
    }
    for (i = 0; i < AMG_LOG_MAX_SECRETS; i++) {
        if (!log_secrets[i]) {
            log_secrets[i] = amg_strdup(secret);
            rc = log_secrets[i] ? AMG_OK : AMG_ENOMEM;
            goto out;
        }
    }
    /* Full: drop the oldest (an expired token) to make room. */
    amg_free(log_secrets[0]);
    memmove(log_secrets, log_secrets + 1, sizeof(log_secrets[0]) * (AMG_LOG_MAX_SECRETS - 1));
    log_secrets[AMG_LOG_MAX_SECRETS - 1] = amg_strdup(secret);
    rc = log_secrets[AMG_LOG_MAX_SECRETS - 1] ? AMG_OK : AMG_ENOMEM;
out:
    pthread_mutex_unlock(&log_lock);
    return rc;
}

void amg_log_clear_secrets(void)
{
    size_t i;

    pthread_mutex_lock(&log_lock);
    for (i = 0; i < AMG_LOG_MAX_SECRETS; i++) {
        amg_free(log_secrets[i]);
        log_secrets[i] = NULL;
    }
    pthread_mutex_unlock(&log_lock);
}

/* Replace every registered secret in `line` by "***", in place. Called
 * with log_lock held. */
static void redact(char *line)
{
    size_t i;

    for (i = 0; i < AMG_LOG_MAX_SECRETS; i++) {
        const char *s = log_secrets[i];
        size_t slen;
        char *hit;

        if (!s)
            continue;
        slen = strlen(s);
        while ((hit = strstr(line, s)) != NULL) {
            memcpy(hit, "***", 3);
            memmove(hit + 3, hit + slen, strlen(hit + slen) + 1);
        }
    }
}

void amg_logv_prefixed(enum amg_log_level level, const char *prefix,
                       const char *fmt, va_list ap)
{
    char line[AMG_LOG_LINE_MAX];
    FILE *out;

    if (level > log_level)
        return;
    vsnprintf(line, sizeof(line), fmt, ap);
    pthread_mutex_lock(&log_lock);
    redact(line);
    out = log_stream ? log_stream : stderr;
    if (prefix)
        fprintf(out, "appid-migrate: %s: [%s] %s\n", level_names[level], prefix, line);
    else
        fprintf(out, "appid-migrate: %s: %s\n", level_names[level], line);
    fflush(out);
    pthread_mutex_unlock(&log_lock);
}

void amg_log(enum amg_log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    amg_logv_prefixed(level, NULL, fmt, ap);
    va_end(ap);
}

void amg_log_redact(char *text)
{
    pthread_mutex_lock(&log_lock);
    redact(text);
    pthread_mutex_unlock(&log_lock);
}

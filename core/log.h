/*
 * The one logging API. Lines go to stderr as "appid-migrate: LEVEL: text"
 * (or "[plugin] text" for plugin lines). Callers must never pass secrets;
 * amg_log_redact() exists for text that came from outside (server bodies)
 * and may echo a secret back.
 */
#ifndef AMG_LOG_H
#define AMG_LOG_H

#include <stdarg.h>
#include <stdio.h>
#include "appid-migrate/plugin.h"

void amg_log_set_level(enum amg_log_level level);
enum amg_log_level amg_log_get_level(void);

/* Redirect log output (tests); NULL restores stderr. Not owned. */
void amg_log_set_stream(FILE *stream);

/* Register a secret value that must never reach the log: any occurrence
 * in a formatted line is replaced by "***". The string is copied. At most
 * a handful are kept (API keys, tokens, encryption secrets). */
int amg_log_add_secret(const char *secret);
void amg_log_clear_secrets(void);

/* Replace every registered secret in `text` by "***", in place (the text
 * only shrinks). For text that leaves the process other than through the
 * log, e.g. failure reasons in the run report. */
void amg_log_redact(char *text);

void amg_log(enum amg_log_level level, const char *fmt, ...) AMG_PRINTF(2, 3);
/* `prefix` (may be NULL) is printed in brackets, e.g. the plugin name. */
void amg_logv_prefixed(enum amg_log_level level, const char *prefix,
                       const char *fmt, va_list ap) AMG_PRINTF(3, 0);

#define amg_error(...) amg_log(AMG_LOG_ERROR, __VA_ARGS__)
#define amg_warn(...) amg_log(AMG_LOG_WARN, __VA_ARGS__)
#define amg_info(...) amg_log(AMG_LOG_INFO, __VA_ARGS__)
#define amg_debug(...) amg_log(AMG_LOG_DEBUG, __VA_ARGS__)

#endif

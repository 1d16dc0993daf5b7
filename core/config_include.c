/*
 * The scan follows libconfig 1.5's scanner: a directive is a line that
 * starts, after blanks, with @include, blanks and a quoted name; nested
 * includes resolve against the same include directory; libconfig gives
 * up beyond 10 levels, so does this. A directive inside a block comment
 * is checked too (libconfig would skip it): harmless unless it names a
 * directory.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "config_include.h"
#include "fsutil.h"
#include "log.h"
#include "mem.h"

#define MAX_DEPTH 10
/* Larger includes are left to libconfig unread: no config is this big. */
#define MAX_TEXT (16L * 1024 * 1024)

static int check_text(const char *name, const char *text, const char *dir, int depth,
                      int *errors);

/* Whole regular file `path` as a string (caller frees with amg_free), or
 * NULL with *rc set: AMG_ENOMEM, or AMG_OK when it is not worth reading
 * (unreadable or huge: libconfig will say so). */
static char *read_text(const char *path, int *rc)
{
    FILE *fp = fopen(path, "re");
    char *buf = NULL;
    long size;

    *rc = AMG_OK;
    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 || size > MAX_TEXT ||
        fseek(fp, 0, SEEK_SET) != 0)
        goto out;
    buf = amg_malloc((size_t)size + 1);
    if (!buf) {
        *rc = AMG_ENOMEM;
        goto out;
    }
    size = (long)fread(buf, 1, (size_t)size, fp);
    buf[size] = '\0';
out:
    fclose(fp);
    return buf;
}

/* The included file `file` (written at name:line): a regular file, and
 * its own includes fine. */
static int check_one(const char *name, int line, const char *file, const char *dir,
                     int depth, int *errors)
{
    char *path = NULL;
    char *text = NULL;
    struct stat st;
    int rc = AMG_ENOMEM;

    path = file[0] == '/' ? amg_strdup(file) : amg_path_join(dir, file);
    if (!path)
        goto out;
    rc = AMG_OK;
    /* Missing or unreadable: libconfig reports that with the line. */
    if (stat(path, &st) != 0)
        goto out;
    if (!S_ISREG(st.st_mode)) {
        amg_error("%s:%d: @include \"%s\": %s", name, line, file,
                  S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file");
        (*errors)++;
        goto out;
    }
    if (depth >= MAX_DEPTH)
        goto out;
    text = read_text(path, &rc);
    if (text)
        rc = check_text(path, text, dir, depth + 1, errors);
out:
    amg_free(text);
    amg_free(path);
    return rc;
}

static int check_text(const char *name, const char *text, const char *dir, int depth,
                      int *errors)
{
    const char *p = text;
    int line = 1;
    int rc = AMG_OK;

    while (*p && !rc) {
        const char *eol = p + strcspn(p, "\n");
        const char *q = p + strspn(p, " \t");
        size_t len;

        if (strncmp(q, "@include", 8) == 0 && (q[8] == ' ' || q[8] == '\t')) {
            q += 8 + strspn(q + 8, " \t");
            len = q < eol && *q == '"' ? strcspn(q + 1, "\"\\\n") : 0;
            if (len > 0 && q[1 + len] == '"') {
                char *file = amg_strndup(q + 1, len);

                rc = file ? check_one(name, line, file, dir, depth, errors) : AMG_ENOMEM;
                amg_free(file);
            }
        }
        p = *eol ? eol + 1 : eol;
        line++;
    }
    return rc;
}

int amg_config_check_includes(const char *name, const char *text, const char *dir,
                              int *errors)
{
    char *buf = NULL;
    int rc = AMG_OK;

    if (!text)
        text = buf = read_text(name, &rc);
    if (text)
        rc = check_text(name, text, dir, 0, errors);
    amg_free(buf);
    return rc;
}

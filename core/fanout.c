#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "engine_priv.h"
#include "error.h"
#include "fanout.h"
#include "log.h"
#include "mem.h"

/* A child running one target. */
struct child {
    pid_t pid;
    int status_fd;     /* read end of the pipe the child reports on */
    char log[64];      /* its output */
};

static void note_result(struct amg_target_result *r, struct amg_engine *e, int rc)
{
    const char *report = amg_engine_last_report(e);

    r->rc = rc;
    amg_free(r->report);
    r->report = report ? amg_strdup(report) : NULL;
}

static int run_sequential(struct amg_engine *e, size_t n, amg_target_fn fn, void *ud,
                          struct amg_target_result *res)
{
    size_t k;

    for (k = 0; k < n; k++) {
        amg_engine_note_report(e, NULL);
        note_result(&res[k], e, fn(ud, k));
        if (res[k].report == NULL && amg_engine_last_report(e))
            return AMG_ENOMEM;
    }
    return AMG_OK;
}

/* In the child: run the target with its output in `log_fd`, report
 * "STATUS\nREPORT\n" on `status_fd`, and leave without running the
 * parent's exit handlers. */
static void child_main(struct amg_engine *e, amg_target_fn fn, void *ud, size_t k,
                       int log_fd, int status_fd)
{
    char line[4200];
    const char *report;
    int rc, len;
    ssize_t w;

    if (dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
        _exit(3);
    close(log_fd);
    /* A live progress line would only garble the collected output. */
    if (e->opts.progress == AMG_PROGRESS_TTY)
        e->opts.progress = AMG_PROGRESS_LOG;
    amg_engine_note_report(e, NULL);
    rc = fn(ud, k);
    fflush(stdout);
    fflush(stderr);
    report = amg_engine_last_report(e);
    len = snprintf(line, sizeof(line), "%d\n%s\n", rc, report ? report : "");
    if (len > 0 && (size_t)len < sizeof(line)) {
        w = write(status_fd, line, (size_t)len);
        (void)w;
    }
    close(status_fd);
    _exit(amg_exit_code(rc) & 0x7f);
}

static int start_child(struct amg_engine *e, amg_target_fn fn, void *ud, size_t k,
                       struct child *c)
{
    const char *dir = getenv("TMPDIR");
    int fds[2] = { -1, -1 };
    int log_fd;

    if (!dir || !*dir || strlen(dir) > sizeof(c->log) - 24)
        dir = "/tmp";
    snprintf(c->log, sizeof(c->log), "%s/amg-target-XXXXXX", dir);
    log_fd = mkstemp(c->log);
    if (log_fd < 0) {
        amg_error("%s: cannot create a file for a target's output: %s", c->log,
                  strerror(errno));
        c->log[0] = '\0';
        return AMG_EIO;
    }
    if (pipe(fds) < 0) {
        amg_error("cannot create a pipe for a target: %s", strerror(errno));
        close(log_fd);
        return AMG_EIO;
    }
    fflush(stdout);
    fflush(stderr);
    c->pid = fork();
    if (c->pid < 0) {
        amg_error("cannot start a process for a target: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        close(log_fd);
        return AMG_EIO;
    }
    if (c->pid == 0) {
        close(fds[0]);
        child_main(e, fn, ud, k, log_fd, fds[1]);
    }
    close(fds[1]);
    close(log_fd);
    c->status_fd = fds[0];
    return AMG_OK;
}

/* Copy the child's output to stdout, each line prefixed with the target. */
static void print_log(const char *log, const char *name)
{
    char line[4096];
    FILE *f = fopen(log, "r");
    int at_start = 1;

    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        if (at_start)
            printf("[%s] ", name);
        fputs(line, stdout);
        at_start = strchr(line, '\n') != NULL;
    }
    if (!at_start)
        putchar('\n');
    fclose(f);
    fflush(stdout);
}

/* Wait for child `c` of target `name` and take its status. */
static int finish_child(struct child *c, const char *name, struct amg_target_result *r)
{
    char buf[4200];
    size_t used = 0;
    ssize_t got;
    int wstatus = 0;
    char *nl, *end = NULL;
    long rc;

    while (used < sizeof(buf) - 1 &&
           (got = read(c->status_fd, buf + used, sizeof(buf) - 1 - used)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        used += (size_t)got;
    }
    buf[used] = '\0';
    close(c->status_fd);
    while (waitpid(c->pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    print_log(c->log, name);
    nl = strchr(buf, '\n');
    rc = nl ? strtol(buf, &end, 10) : 0;
    if (!nl || end != nl) {
        if (WIFSIGNALED(wstatus))
            amg_error("target %s: its process was killed by signal %d", name,
                      WTERMSIG(wstatus));
        else
            amg_error("target %s: its process ended (status %d) without a result", name,
                      WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
        r->rc = AMG_EIO;
        return AMG_OK;
    }
    r->rc = (int)rc;
    end = strchr(nl + 1, '\n');
    if (end)
        *end = '\0';
    if (nl[1]) {
        r->report = amg_strdup(nl + 1);
        if (!r->report)
            return AMG_ENOMEM;
    }
    return AMG_OK;
}

static int run_parallel(struct amg_engine *e, char *const *names, size_t n, amg_target_fn fn,
                        void *ud, struct amg_target_result *res)
{
    struct child *kids = amg_calloc(n, sizeof(*kids));
    size_t k;
    int rc = AMG_OK, rc2;

    if (!kids)
        return AMG_ENOMEM;
    for (k = 0; k < n; k++) {
        kids[k].pid = -1;
        kids[k].status_fd = -1;
        if (rc == AMG_OK)
            rc = start_child(e, fn, ud, k, &kids[k]);
        if (kids[k].pid < 0)
            res[k].rc = AMG_EIO;
    }
    for (k = 0; k < n; k++) {
        if (kids[k].pid > 0) {
            rc2 = finish_child(&kids[k], names[k], &res[k]);
            if (rc == AMG_OK)
                rc = rc2;
        }
        if (kids[k].log[0])
            unlink(kids[k].log);
    }
    amg_free(kids);
    return rc;
}

int amg_fanout(struct amg_engine *e, char *const *names, size_t n, int parallel,
               amg_target_fn fn, void *ud, struct amg_target_result *res)
{
    if (parallel && n > 1)
        return run_parallel(e, names, n, fn, ud, res);
    return run_sequential(e, n, fn, ud, res);
}

void amg_target_results_clear(struct amg_target_result *res, size_t n)
{
    size_t k;

    for (k = 0; res && k < n; k++) {
        amg_free(res[k].report);
        res[k].report = NULL;
    }
}

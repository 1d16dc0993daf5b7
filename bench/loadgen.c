/*
 * loadgen: a small closed-loop HTTP load client for bench/sim-throughput.sh
 * when wrk is not installed. N connections (libcurl easy handles in one
 * multi handle, keep-alive) each send the next GET as soon as the previous
 * answer is in, for a fixed duration (or until -n requests have been
 * sent); prints requests/s and p50/p99 latency.
 *
 *   loadgen [-c CONNECTIONS] [-d SECONDS] [-n REQUESTS] [-H HEADERFILE] URL
 *
 * `-c 16 -n 16` sends 16 requests at once and reports the wall time until
 * the last answer: the sim's --latency-ms test.
 *
 * HEADERFILE holds request headers, one per line (e.g. an Authorization
 * line), so a token need not appear in argv. Exit status 0 when every
 * answer was 2xx, 1 otherwise, 2 on usage errors.
 *
 * Not part of the build: the script compiles it with
 * `cc -O2 -o loadgen loadgen.c -lcurl`.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#define MAX_CONNS 1024

struct conn {
    CURL *easy;
    double started;
};

struct samples {
    double *v;      /* latencies in seconds, owned */
    size_t n, cap;
};

static double now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

static int samples_add(struct samples *s, double v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 65536;
        double *grown = realloc(s->v, cap * sizeof(*grown));

        if (!grown)
            return -1;
        s->v = grown;
        s->cap = cap;
    }
    s->v[s->n++] = v;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double percentile(const struct samples *s, double p)
{
    size_t i;

    if (s->n == 0)
        return 0;
    i = (size_t)(p * (double)(s->n - 1) + 0.5);
    return s->v[i];
}

/* Header lines from `path`, as a curl_slist; NULL path gives NULL. */
static int read_headers(const char *path, struct curl_slist **out)
{
    struct curl_slist *list = NULL, *next;
    char line[8192];
    FILE *f;

    *out = NULL;
    if (!path)
        return 0;
    f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        next = curl_slist_append(list, line);
        if (!next) {
            curl_slist_free_all(list);
            fclose(f);
            return -1;
        }
        list = next;
    }
    fclose(f);
    *out = list;
    return 0;
}

static int parse_positive(const char *text, long max, long *out)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

static int start(CURLM *multi, struct conn *c)
{
    c->started = now_mono();
    return curl_multi_add_handle(multi, c->easy) == CURLM_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct conn conns[MAX_CONNS];
    struct samples lat = { NULL, 0, 0 };
    struct curl_slist *headers = NULL;
    const char *header_file = NULL;
    CURLM *multi = NULL;
    long nconn = 16, seconds = 5, limit = 0, code;
    unsigned long ok = 0, bad = 0, transport = 0, sent = 0;
    double t0, t_end, elapsed;
    int running, queued, opt, i, status = 2;

    memset(conns, 0, sizeof(conns));
    while ((opt = getopt(argc, argv, "c:d:n:H:")) != -1) {
        switch (opt) {
        case 'c':
            if (parse_positive(optarg, MAX_CONNS, &nconn) != 0)
                goto usage;
            break;
        case 'd':
            if (parse_positive(optarg, 3600, &seconds) != 0)
                goto usage;
            break;
        case 'n':
            if (parse_positive(optarg, 100000000L, &limit) != 0)
                goto usage;
            break;
        case 'H':
            header_file = optarg;
            break;
        default:
            goto usage;
        }
    }
    if (optind != argc - 1)
        goto usage;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || read_headers(header_file,
                                                                           &headers) != 0)
        return 2;
    multi = curl_multi_init();
    if (!multi)
        goto out;
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, nconn);
    for (i = 0; i < nconn; i++) {
        conns[i].easy = curl_easy_init();
        if (!conns[i].easy)
            goto out;
        curl_easy_setopt(conns[i].easy, CURLOPT_URL, argv[optind]);
        curl_easy_setopt(conns[i].easy, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(conns[i].easy, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(conns[i].easy, CURLOPT_PRIVATE, &conns[i]);
        curl_easy_setopt(conns[i].easy, CURLOPT_NOSIGNAL, 1L);
    }
    status = 1;
    t0 = now_mono();
    t_end = t0 + (double)seconds;
    running = 0;
    for (i = 0; i < nconn && (limit == 0 || (long)sent < limit); i++) {
        if (start(multi, &conns[i]) != 0)
            goto out;
        sent++;
        running++;
    }
    while (running > 0) {
        CURLMsg *msg;
        int still;

        if (curl_multi_perform(multi, &still) != CURLM_OK)
            goto out;
        while ((msg = curl_multi_info_read(multi, &queued)) != NULL) {
            struct conn *c = NULL;
            double done;

            if (msg->msg != CURLMSG_DONE)
                continue;
            done = now_mono();
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            code = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result != CURLE_OK)
                transport++;
            else if (code >= 200 && code < 300)
                ok++;
            else
                bad++;
            if (samples_add(&lat, done - c->started) != 0)
                goto out;
            curl_multi_remove_handle(multi, c->easy);
            if (done < t_end && (limit == 0 || (long)sent < limit)) {
                if (start(multi, c) != 0)
                    goto out;
                sent++;
            } else {
                running--;
            }
        }
        if (running > 0 && curl_multi_poll(multi, NULL, 0, 100, NULL) != CURLM_OK)
            goto out;
    }
    elapsed = now_mono() - t0;
    qsort(lat.v, lat.n, sizeof(lat.v[0]), cmp_double);
    printf("connections %ld, duration %.2f s\n", nconn, elapsed);
    printf("requests %zu: 2xx %lu, other status %lu, transport errors %lu\n", lat.n, ok, bad,
           transport);
    printf("requests/s %.0f\n", (double)lat.n / elapsed);
    printf("latency p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", percentile(&lat, 0.50) * 1e3,
           percentile(&lat, 0.99) * 1e3, lat.n ? lat.v[lat.n - 1] * 1e3 : 0.0);
    status = (bad == 0 && transport == 0 && ok > 0) ? 0 : 1;
out:
    for (i = 0; i < nconn; i++) {
        if (conns[i].easy) {
            if (multi)
                curl_multi_remove_handle(multi, conns[i].easy);
            curl_easy_cleanup(conns[i].easy);
        }
    }
    if (multi)
        curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
    curl_global_cleanup();
    free(lat.v);
    return status;
usage:
    fprintf(stderr, "usage: loadgen [-c CONNECTIONS] [-d SECONDS] [-n REQUESTS] "
            "[-H HEADERFILE] URL\n");
    return 2;
}

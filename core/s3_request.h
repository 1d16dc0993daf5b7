/*
 * The S3 client's request engine, shared by the operations in s3.c:
 * one logical request (struct amg_s3_req) is set up on the client's curl
 * handle, signed, sent, and re-sent on transport errors and 5xx answers
 * with exponential backoff. Internal to the S3 client.
 */
#ifndef AMG_S3_REQUEST_H
#define AMG_S3_REQUEST_H

#include <stdio.h>
#include <curl/curl.h>
#include "s3.h"

#define AMG_S3_EMPTY_SHA256 \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Owned by s3.c (amg_s3_new/free); the engine only reads it. */
struct amg_s3 {
    CURL *curl;
    char *base;         /* scheme://host[:port] */
    char *bucket;
    char *prefix;       /* "" or ending with '/' */
    char *sigv4;        /* "aws:amz:REGION:s3" */
    char *access_key;
    char *secret_key;
    long page_size;
    int max_attempts;
    unsigned prng;      /* rand_r() state for the retry jitter */
    const struct amg_clock *clock;
    char errbuf[CURL_ERROR_SIZE];
};

/* A growing buffer that refuses to pass `max` bytes. */
struct amg_s3_buf {
    char *data;         /* NUL-terminated when not NULL; owner frees */
    size_t len, max;
};

/* 0, or -1 when out of memory or past max. */
int amg_s3_buf_add(struct amg_s3_buf *b, const char *data, size_t len);

/* One logical request; all pointers are borrowed from the caller. */
struct amg_s3_req {
    const char *method;         /* GET, PUT (needs upload), HEAD, DELETE */
    const char *url;
    const char *what;           /* "s3://bucket/key", for messages */
    const char *payload_hash;   /* x-amz-content-sha256 value */
    FILE *upload;               /* PUT body, rewound before each attempt */
    long long upload_size;
    /* Body of a 2xx answer: sink returns 0, or -1 after logging why;
     * reset (may be NULL) drops what an earlier attempt delivered. */
    int (*sink)(void *ud, const char *data, size_t len);
    int (*reset)(void *ud);
    void *sink_ud;
    int quiet_404;              /* 404 is an answer (HEAD), not logged */
    /* filled in by amg_s3_perform */
    long status;                /* final HTTP status, 0 if none */
    long long content_length;   /* of the final answer, -1 if unknown */
};

/*
 * Send r (up to s3->max_attempts times). 0 on a 2xx answer; otherwise
 * the failure is logged (not a quiet 404) and mapped as described in
 * s3.h. AMG_EIO when the upload file or the sink failed (logged there).
 */
int amg_s3_perform(struct amg_s3 *s3, struct amg_s3_req *r);

#endif

/*
 * Names and URLs for the S3 client: "s3://BUCKET/PREFIX" locations,
 * object key rules, endpoint checks and the percent-encoding that both
 * the request line and the SigV4 canonical request use. Pure functions
 * (no network), separate from s3.c so they can be tested on their own.
 */
#ifndef AMG_S3_URL_H
#define AMG_S3_URL_H

#include <stddef.h>

#define AMG_S3_KEY_MAX 1024

/* Split "s3://BUCKET[/PREFIX]" into new strings: *bucket, and *prefix
 * either "" or ending with '/'. Bucket names follow S3's DNS-compatible
 * rules (3-63 of [a-z0-9.-], starting and ending with a letter or digit,
 * no ".."); the prefix follows the key rules. AMG_ECONFIG, logged. */
int amg_s3_url_parse(const char *url, char **bucket, char **prefix);

/* 1 if `key` is acceptable as an object key (see s3.h), else 0. */
int amg_s3_key_ok(const char *key);

/* 1 if `prefix` is "" or a key with an optional trailing '/', else 0. */
int amg_s3_prefix_ok(const char *prefix);

/*
 * Check an endpoint URL and return its normalised base
 * "scheme://host[:port]" as a new string in *base. Only http and https;
 * no user info, query, fragment or path other than "/"; http only to a
 * loopback host. AMG_ECONFIG, logged.
 */
int amg_s3_endpoint_check(const char *endpoint, char **base);

/* 1 for "localhost", an IPv4 address in 127.0.0.0/8 or "::1" (with or
 * without brackets), else 0. */
int amg_s3_host_is_loopback(const char *host);

/*
 * Percent-encode `s` as AWS SigV4 does (RFC 3986): A-Z a-z 0-9 - . _ ~
 * stay, with keep_slash also '/', every other byte becomes %XX with
 * upper-case hex. New string, NULL when out of memory.
 */
char *amg_s3_uri_encode(const char *s, int keep_slash);

#endif

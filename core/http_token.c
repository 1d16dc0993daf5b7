#define _GNU_SOURCE     /* explicit_bzero */
/*
 * The HTTP client's IAM token: the grant form built from the API key, the
 * token fetched with it and cached, handed out and dropped after a 401.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "http.h"
#include "iam.h"
#include "log.h"
#include "xfer.h"
#include "http_priv.h"

/* The grant form is built once: the key is not needed in any other
 * shape, and both it and its escaped form are kept out of the log. */
int amg_http_make_iam_form(struct amg_http *h, const char *api_key)
{
    char *esc = curl_easy_escape(h->xc.curl, api_key, 0);
    int rc = AMG_ENOMEM;

    if (!esc)
        return AMG_ENOMEM;
    if (amg_log_add_secret(api_key) == AMG_ENOMEM || amg_log_add_secret(esc) == AMG_ENOMEM)
        goto out;
    h->iam_form = amg_http_join3("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=",
                                 esc, "");
    if (h->iam_form)
        rc = AMG_OK;
out:
    explicit_bzero(esc, strlen(esc));
    curl_free(esc);
    return rc;
}

/* POST the API key to IAM and cache the token. Called with token_lock
 * held. */
static int fetch_token(struct amg_http *h)
{
    struct curl_slist *hdrs = NULL;
    struct amg_xfer_answer a;
    struct amg_xfer x;
    char *what = NULL;
    char *msg = NULL;
    double now;
    int rc = AMG_ENOMEM;

    amg_xfer_answer_init(&a);
    what = amg_http_join3("POST ", h->iam_url, "");
    if (!what || amg_xfer_headers(&hdrs, "Content-Type: application/x-www-form-urlencoded",
                                  "Accept: application/json", NULL) != AMG_OK)
        goto out;
    memset(&x, 0, sizeof(x));
    x.method = "POST";
    x.url = h->iam_url;
    x.what = what;
    x.headers = hdrs;
    x.body = h->iam_form;
    x.body_len = strlen(h->iam_form);
    x.loopback = h->iam_loopback;
    /* The instance's limit is App ID's; IAM is a different service. */
    x.rate_limited = 0;
    rc = amg_xfer_send(&h->xc, &x, &a);
    if (rc != AMG_OK)
        goto out;
    rc = AMG_EAUTH;
    if (a.status >= 400 && a.status < 500) {
        msg = amg_iam_error_message(a.body, a.len);
        amg_error("IAM refused the API key for %s (HTTP %ld%s%s)", h->base_url, a.status,
                  msg ? ": " : "", msg ? msg : "");
        goto out;
    }
    if (a.status != 200) {
        amg_error("IAM at %s answered HTTP %ld: no token for %s", h->iam_url, a.status,
                  h->base_url);
        goto out;
    }
    now = h->xc.clock->wall(h->xc.clock->ud);
    rc = amg_iam_token_parse(a.body, a.len, now, &h->token);
    if (rc == AMG_ENOMEM)
        goto out;
    if (rc != AMG_OK) {
        amg_error("IAM at %s answered without a usable access_token for %s", h->iam_url,
                  h->base_url);
        rc = AMG_EAUTH;
        goto out;
    }
    rc = amg_log_add_secret(h->token.access_token) == AMG_ENOMEM ? AMG_ENOMEM : AMG_OK;
    if (!amg_iam_token_usable(&h->token, now))
        amg_warn("the new IAM token for %s already looks expired by the local clock; "
                 "check the system time", h->base_url);
    amg_debug("IAM token for %s valid for %.0f s", h->base_url, h->token.expires_in);
out:
    amg_xfer_answer_wipe(&a);
    curl_slist_free_all(hdrs);
    free(what);
    free(msg);
    return rc;
}

/*
 * Make sure a token is cached; with `bearer` non-NULL return the
 * Authorization header line for it (a new string, secret). `generation`
 * identifies the token handed out.
 */
int amg_http_bearer(struct amg_http *h, char **bearer, unsigned long *generation)
{
    int rc = AMG_OK;

    pthread_mutex_lock(&h->token_lock);
    if (!amg_iam_token_usable(&h->token, h->xc.clock->wall(h->xc.clock->ud)))
        rc = fetch_token(h);
    /* A token fetched just now is used even if the local clock disagrees
     * with IAM's: fetching again would not help. */
    if (rc == AMG_OK) {
        *generation = h->token.generation;
        if (bearer) {
            *bearer = amg_http_join3("Authorization: Bearer ", h->token.access_token,
                                     "");
            if (!*bearer)
                rc = AMG_ENOMEM;
        }
    }
    pthread_mutex_unlock(&h->token_lock);
    return rc;
}

void amg_http_drop_token(struct amg_http *h, unsigned long generation)
{
    pthread_mutex_lock(&h->token_lock);
    if (h->token.generation == generation)
        amg_iam_token_clear(&h->token);
    pthread_mutex_unlock(&h->token_lock);
}

int amg_http_authenticate(struct amg_http *h)
{
    unsigned long generation = 0;

    return amg_http_bearer(h, NULL, &generation);
}

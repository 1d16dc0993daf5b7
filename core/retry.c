#include "retry.h"

void amg_retry_policy_default(struct amg_retry_policy *p)
{
    p->max_retries = 5;
    p->base_s = 0.5;
    p->max_s = 30.0;
    /* App ID blocks an instance for 30 s once it exceeds its rate. */
    p->block_429_s = 30.0;
}

int amg_retry_should(long status)
{
    switch (status) {
    case 0:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
        return 1;
    default:
        return 0;
    }
}

double amg_retry_delay(const struct amg_retry_policy *p, int attempt,
                       long status, double retry_after_s, double rand01)
{
    double backoff = p->base_s;
    double floor_s = p->base_s / 2;
    double d;
    int i;

    if (status == 429)
        return retry_after_s >= 0 ? retry_after_s : p->block_429_s;
    /* Doubling stops at the cap, so a large attempt number cannot
     * overflow to infinity. */
    for (i = 1; i < attempt && backoff < p->max_s; i++)
        backoff *= 2;
    if (backoff > p->max_s)
        backoff = p->max_s;
    if (rand01 < 0)
        rand01 = 0;
    if (rand01 > 1)
        rand01 = 1;
    d = backoff * rand01;
    return d < floor_s ? floor_s : d;
}

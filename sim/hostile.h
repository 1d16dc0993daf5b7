/*
 * Hostile answers for appid-sim (--hostile MODE, --hostile-path PREFIX):
 * requests whose path starts with the prefix (default "/management/", so
 * the IAM token endpoint always behaves) get a broken answer instead of,
 * or distorted from, the real one. They exist to test clients: each mode
 * is something a real service, proxy or load balancer can send.
 *
 *   not-json          200, Content-Type application/json, a body that is
 *                     not JSON
 *   array-as-object   the real answer with every JSON array turned into an
 *                     object keyed "0", "1", ...
 *   number-as-string  the real answer with every JSON number a string
 *   huge              200, a chunked JSON body of SIM_HOSTILE_HUGE_BYTES
 *                     (more than appid-migrate accepts), streamed
 *   trickle           200, then one byte every 100 ms, forever
 *   html-500, html-502  an HTML error page, as a proxy answers
 *   302               a redirect to a sign-in page
 *   418               I'm a teapot, plain text
 *
 * The distorting modes route the request (so it may change state); the
 * others never route it.
 */
#ifndef SIM_HOSTILE_H
#define SIM_HOSTILE_H

#include "request.h"

#define SIM_HOSTILE_HUGE_BYTES ((uint64_t)65 << 20)

enum sim_hostile_mode {
    SIM_HOSTILE_OFF = 0,
    SIM_HOSTILE_NOT_JSON,
    SIM_HOSTILE_ARRAY_AS_OBJECT,
    SIM_HOSTILE_NUMBER_AS_STRING,
    SIM_HOSTILE_HUGE,
    SIM_HOSTILE_TRICKLE,
    SIM_HOSTILE_HTML_500,
    SIM_HOSTILE_HTML_502,
    SIM_HOSTILE_302,
    SIM_HOSTILE_418,
};

struct sim_hostile {
    enum sim_hostile_mode mode;
    const char *path_prefix;   /* borrowed; NULL: "/management/" */
};

/* The mode named `name` (see above). AMG_EINVAL for an unknown name. */
int sim_hostile_parse(const char *name, enum sim_hostile_mode *out);

/* 1 when `h` is on and applies to `path`; NULL `h` is off. */
int sim_hostile_applies(const struct sim_hostile *h, const char *path);

/*
 * For the modes that replace the answer: fill `rep` (cleared first) and
 * return 1; the request must not be routed. 0 for the distorting modes.
 */
int sim_hostile_answer(const struct sim_hostile *h, struct sim_reply *rep);

/* For the distorting modes: rewrite the JSON body of a routed reply in
 * place. Replies without a JSON body are left alone. */
void sim_hostile_distort(const struct sim_hostile *h, struct sim_reply *rep);

#endif

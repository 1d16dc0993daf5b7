/*
 * jsontool: what the integration tests need from JSON without jq.
 *   jsontool get FILE PATH        print the value at PATH (".a.b[0]"):
 *                                 strings raw, the rest compact; exit 1
 *                                 when absent
 *   jsontool len FILE PATH        number of elements/members at PATH
 *   jsontool schema SCHEMA FILE   check FILE against a JSON Schema subset
 *                                 (type, required, properties,
 *                                 additionalProperties, items, enum,
 *                                 minimum, minLength); prints each
 *                                 violation, exit 1 when there is one
 *   jsontool strip FILE PATH...   FILE is NDJSON: print each line compact
 *                                 with sorted keys, without the members at
 *                                 the PATHs (".a.b"); exit 1 on a bad line
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

static json_t *load(const char *path)
{
    json_error_t err;
    json_t *v = json_load_file(path, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);

    if (!v)
        fprintf(stderr, "jsontool: %s:%d: %s\n", path, err.line, err.text);
    return v;
}

/* Follow ".key" and "[n]" steps; NULL when a step is missing. */
static json_t *at(json_t *v, const char *path)
{
    char key[256];

    while (v && *path) {
        if (*path == '.') {
            size_t n = strcspn(path + 1, ".[");

            if (n == 0 && path[1] == '\0')
                break;
            if (n >= sizeof(key))
                return NULL;
            memcpy(key, path + 1, n);
            key[n] = '\0';
            v = json_object_get(v, key);
            path += n + 1;
        } else if (*path == '[') {
            char *end = NULL;
            long i = strtol(path + 1, &end, 10);

            if (!end || *end != ']' || i < 0)
                return NULL;
            v = json_array_get(v, (size_t)i);
            path = end + 1;
        } else {
            return NULL;
        }
    }
    return v;
}

static int type_is(json_t *v, const char *t)
{
    if (strcmp(t, "object") == 0) return json_is_object(v);
    if (strcmp(t, "array") == 0) return json_is_array(v);
    if (strcmp(t, "string") == 0) return json_is_string(v);
    if (strcmp(t, "integer") == 0) return json_is_integer(v);
    if (strcmp(t, "number") == 0) return json_is_number(v);
    if (strcmp(t, "boolean") == 0) return json_is_boolean(v);
    if (strcmp(t, "null") == 0) return json_is_null(v);
    return 0;
}

static long check(json_t *schema, json_t *v, const char *where);

static long check_members(json_t *schema, json_t *v, const char *where)
{
    json_t *props = json_object_get(schema, "properties");
    json_t *extra = json_object_get(schema, "additionalProperties");
    json_t *req = json_object_get(schema, "required");
    const char *key;
    json_t *m;
    size_t i;
    long bad = 0;
    char sub[1024];

    json_array_foreach(req, i, m) {
        if (!json_object_get(v, json_string_value(m))) {
            printf("%s: required member '%s' is missing\n", where, json_string_value(m));
            bad++;
        }
    }
    json_object_foreach(v, key, m) {
        json_t *s = json_object_get(props, key);

        snprintf(sub, sizeof(sub), "%s.%s", where, key);
        if (s)
            bad += check(s, m, sub);
        else if (json_is_false(extra)) {
            printf("%s: member not allowed by the schema\n", sub);
            bad++;
        } else if (json_is_object(extra))
            bad += check(extra, m, sub);
    }
    return bad;
}

static long check(json_t *schema, json_t *v, const char *where)
{
    json_t *type = json_object_get(schema, "type");
    json_t *t;
    size_t i;
    long bad = 0;
    int ok = 0;
    char sub[1024];

    if (json_is_string(type))
        ok = type_is(v, json_string_value(type));
    else if (json_is_array(type)) {
        json_array_foreach(type, i, t)
            ok |= type_is(v, json_string_value(t));
    } else
        ok = 1;
    if (!ok) {
        char *s = json_dumps(type, JSON_ENCODE_ANY | JSON_COMPACT);

        printf("%s: wrong type (schema wants %s)\n", where, s ? s : "?");
        free(s);
        return 1;
    }
    if (json_object_get(schema, "enum")) {
        ok = 0;
        json_array_foreach(json_object_get(schema, "enum"), i, t)
            ok |= json_equal(t, v);
        if (!ok) {
            printf("%s: value not in the schema's enum\n", where);
            bad++;
        }
    }
    if (json_is_number(json_object_get(schema, "minimum")) && json_is_number(v) &&
        json_number_value(v) < json_number_value(json_object_get(schema, "minimum"))) {
        printf("%s: below the minimum\n", where);
        bad++;
    }
    if (json_is_integer(json_object_get(schema, "minLength")) && json_is_string(v) &&
        (json_int_t)json_string_length(v) <
        json_integer_value(json_object_get(schema, "minLength"))) {
        printf("%s: shorter than minLength\n", where);
        bad++;
    }
    if (json_is_object(v))
        bad += check_members(schema, v, where);
    if (json_is_array(v) && json_object_get(schema, "items")) {
        json_array_foreach(v, i, t) {
            snprintf(sub, sizeof(sub), "%s[%zu]", where, i);
            bad += check(json_object_get(schema, "items"), t, sub);
        }
    }
    return bad;
}

/* Remove the member at `path` (".a.b") from `v`, if there. */
static void drop(json_t *v, const char *path)
{
    char parent[256];
    const char *last = strrchr(path, '.');
    size_t n;

    if (!last)
        return;
    n = (size_t)(last - path);
    if (n >= sizeof(parent))
        return;
    memcpy(parent, path, n);
    parent[n] = '\0';
    json_object_del(n ? at(v, parent) : v, last + 1);
}

static int strip(const char *file, char **paths, int npaths)
{
    char line[1 << 20];
    FILE *f = fopen(file, "r");
    long no = 0;
    int rc = 0;

    if (!f) {
        perror(file);
        return 1;
    }
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        json_error_t err;
        json_t *v = json_loads(line, JSON_REJECT_DUPLICATES, &err);
        char *s;
        int i;

        no++;
        if (!v) {
            fprintf(stderr, "jsontool: %s:%ld: %s\n", file, no, err.text);
            rc = 1;
            break;
        }
        for (i = 0; i < npaths; i++)
            drop(v, paths[i]);
        s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
        printf("%s\n", s ? s : "");
        free(s);
        json_decref(v);
    }
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    json_t *doc = NULL;
    json_t *schema = NULL;
    json_t *v;
    int rc = 2;

    if (argc == 4 && (strcmp(argv[1], "get") == 0 || strcmp(argv[1], "len") == 0)) {
        doc = load(argv[2]);
        v = doc ? at(doc, argv[3]) : NULL;
        rc = 1;
        if (v && strcmp(argv[1], "len") == 0) {
            printf("%zu\n", json_is_array(v) ? json_array_size(v) : json_object_size(v));
            rc = 0;
        } else if (v && json_is_string(v)) {
            printf("%s\n", json_string_value(v));
            rc = 0;
        } else if (v) {
            char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);

            printf("%s\n", s ? s : "");
            free(s);
            rc = 0;
        }
    } else if (argc == 4 && strcmp(argv[1], "schema") == 0) {
        schema = load(argv[2]);
        doc = load(argv[3]);
        if (schema && doc) {
            long bad = check(schema, doc, "$");

            printf("%s: %ld problem%s\n", argv[3], bad, bad == 1 ? "" : "s");
            rc = bad ? 1 : 0;
        }
    } else if (argc >= 3 && strcmp(argv[1], "strip") == 0) {
        rc = strip(argv[2], argv + 3, argc - 3);
    } else {
        fprintf(stderr, "usage: jsontool get|len FILE PATH | jsontool schema SCHEMA FILE | "
                "jsontool strip FILE PATH...\n");
    }
    json_decref(doc);
    json_decref(schema);
    return rc;
}

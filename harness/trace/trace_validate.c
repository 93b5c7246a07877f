/* Validation of the event sequence (docs/trace-format.md): one pass, one byte of state per id. */
#include "trace_io.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* Anonymous, lazily committed memory: a header claiming billions of ids reserves address
 * space only, and the pages of ids never used are never touched. */
static uint8_t *state_map(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int trace__validator_init(struct trace_validator *v, uint32_t n_ids, int growable)
{
    memset(v, 0, sizeof *v);
    v->n_ids = n_ids;
    v->growable = growable;
    size_t len = n_ids ? n_ids : (growable ? 1u << 16 : 0);
    if (len) {
        v->state = state_map(len);
        if (!v->state)
            return -1;
        v->state_len = len;
    }
    return 0;
}

void trace__validator_free(struct trace_validator *v)
{
    if (v->state)
        munmap(v->state, v->state_len);
    memset(v, 0, sizeof *v);
}

int trace__validator_grow(struct trace_validator *v, uint32_t id)
{
    if (!v->growable)
        return -1;
    size_t len = v->state_len ? v->state_len : 1u << 16;
    while (len <= id)
        len *= 2;
    void *p = v->state ? mremap(v->state, v->state_len, len, MREMAP_MAYMOVE) : state_map(len);
    if (p == MAP_FAILED || !p)
        return -1;
    v->state = p;
    v->state_len = len;
    return 0;
}

void trace__problem_message(char *buf, size_t len, int p, const struct trace_event *ev)
{
    const char *op = trace_op_name((enum trace_op)ev->op);
    unsigned id = ev->id;
    unsigned long long size = (unsigned long long)ev->size;
    switch (p) {
    case TRACE_PROBLEM_USE_BEFORE_ALLOC:
        snprintf(buf, len, "use before alloc: %s of id %u, never allocated", op, id);
        break;
    case TRACE_PROBLEM_DOUBLE_FREE:
        snprintf(buf, len, "double free: %s of id %u, already freed", op, id);
        break;
    case TRACE_PROBLEM_LIVE_REALLOC_ID:
        snprintf(buf, len, "alloc of a live id: %s of id %u, not freed since its last alloc", op, id);
        break;
    case TRACE_PROBLEM_BAD_SIZE:
        if (ev->op == TRACE_FREE)
            snprintf(buf, len, "bad size: free of id %u carries size %llu (must be 0)", id, size);
        else
            snprintf(buf, len, "bad size: %s of id %u with size %llu (must be 1..2^40)", op, id, size);
        break;
    case TRACE_PROBLEM_BAD_ALIGN:
        if (ev->op == TRACE_ALIGNED)
            snprintf(buf, len, "bad alignment: aligned of id %u with alignment 2^%u (at most 2^%d)",
                     id, (unsigned)ev->align_log2, TRACE_MAX_ALIGN_LOG2);
        else
            snprintf(buf, len, "bad alignment: %s of id %u carries an alignment (only aligned may)",
                     op, id);
        break;
    case TRACE_PROBLEM_COUNT:
        snprintf(buf, len, "out of memory for the state of id %u", id);
        break;
    default:
        snprintf(buf, len, "%s: %s of id %u", trace_problem_name((enum trace_problem)p), op, id);
        break;
    }
}

int trace_validate(const struct trace *t, struct trace_error *err)
{
    const char *name = t->name ? t->name : "trace";
    struct trace_validator v;
    if (trace__validator_init(&v, t->n_ids, 1) != 0)
        return trace__fail(err, "%s: out of memory for %u ids", name, t->n_ids);
    int rc = 0;
    for (uint64_t i = 0; i < t->n_events && rc == 0; i++) {
        const struct trace_event *ev = &t->events[i];
        int p = ev->op < TRACE_OP_COUNT ? trace__validate_event(&v, ev) : -2;
        if (p == -2) {
            rc = trace__fail(err, "%s: event %llu: unknown op %u", name, (unsigned long long)i,
                             ev->op);
        } else if (p >= 0) {
            char why[256];
            trace__problem_message(why, sizeof why, p, ev);
            rc = trace__fail(err, "%s: event %llu: %s", name, (unsigned long long)i, why);
        }
    }
    trace__validator_free(&v);
    return rc;
}

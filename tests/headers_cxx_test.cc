// The public C headers compile as C++ and link with C linkage, so a backend plugin or a tool
// written in C++ can use them (a missing extern "C" guard would fail to link here).
#include "allocators/registry.h"
#include "run/runner.h"
#include "trace/trace.h"

#include <cstdio>
#include <cstring>

static int checks, failures;

static void ok(bool cond, const char *what)
{
    std::printf("%s %d - %s\n", cond ? "ok" : "not ok", ++checks, what);
    failures += !cond;
}

int main()
{
    ok(sizeof(trace_event) == 16, "struct trace_event is the 16-byte record in C++ too");
    ok(std::strcmp(trace_op_name(TRACE_REALLOC), "realloc") == 0, "trace_op_name links from C++");

    const allocator_ops *ops = allocator_find("malloc");
    ok(ops != nullptr && allocator_ops_check(ops) == nullptr, "allocator_find and allocator_ops_check link from C++");
    if (ops) {
        char err[256] = "";
        allocator_options opt{};
        void *ctx = ops->create(&opt, err, sizeof err);
        void *p = ctx ? ops->alloc(ctx, 100) : nullptr;
        ok(p != nullptr, "the malloc backend allocates through its ops table from C++");
        if (p)
            ops->free(ctx, p, 100, 0);
        if (ctx)
            ops->destroy(ctx);
    }
    run_plan plan{};
    ok(plan.n_traces == 0 && plan.opt.latency == 0, "struct run_plan value-initialises in C++");
    std::printf("1..%d\n", checks);
    return failures ? 1 : 0;
}

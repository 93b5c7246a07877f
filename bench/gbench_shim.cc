// The C++ side of bench/gbench_shim.h: each call casts the opaque state back to the
// benchmark::State it wraps. No exception may cross into C, so the two calls that allocate
// (registration and the run) catch everything and report failure instead.
#include "gbench_shim.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace {

benchmark::State &state_of(struct gbench_state *st)
{
    return *static_cast<benchmark::State *>(st->impl);
}

const benchmark::State &state_of(const struct gbench_state *st)
{
    return *static_cast<const benchmark::State *>(st->impl);
}

benchmark::TimeUnit time_unit(enum gbench_time_unit u)
{
    switch (u) {
    case GBENCH_MICROSECOND:
        return benchmark::kMicrosecond;
    case GBENCH_MILLISECOND:
        return benchmark::kMillisecond;
    case GBENCH_SECOND:
        return benchmark::kSecond;
    case GBENCH_NANOSECOND:
        break;
    }
    return benchmark::kNanosecond;
}

benchmark::Counter::Flags counter_flags(unsigned flags)
{
    int f = benchmark::Counter::kDefaults;
    if (flags & GBENCH_COUNTER_RATE)
        f |= benchmark::Counter::kIsRate;
    if (flags & GBENCH_COUNTER_AVG_THREADS)
        f |= benchmark::Counter::kAvgThreads;
    if (flags & GBENCH_COUNTER_ITER_INVARIANT)
        f |= benchmark::Counter::kIsIterationInvariant;
    if (flags & GBENCH_COUNTER_AVG_ITERATIONS)
        f |= benchmark::Counter::kAvgIterations;
    if (flags & GBENCH_COUNTER_INVERT)
        f |= benchmark::Counter::kInvert;
    return static_cast<benchmark::Counter::Flags>(f);
}

bool def_valid(const struct gbench_def *def)
{
    if (!def || !def->name || !def->run || def->n_args > GBENCH_MAX_ARGS)
        return false;
    bool sets = def->arg_sets != nullptr, ranges = def->ranges != nullptr;
    if (sets && ranges)
        return false;
    if ((sets || ranges) != (def->n_args > 0))
        return false;
    return !sets || def->n_sets > 0;
}

} // namespace

extern "C" int gbench_register(const struct gbench_def *def)
{
    if (!def_valid(def))
        return -1;
    try {
        gbench_fn fn = def->run;
        void *user = def->user;
        benchmark::internal::Benchmark *b =
            benchmark::RegisterBenchmark(def->name, [fn, user](benchmark::State &state) {
                struct gbench_state st = {&state};
                fn(&st, user);
            });
        if (def->arg_sets) {
            for (size_t i = 0; i < def->n_sets; i++) {
                const int64_t *row = def->arg_sets + i * def->n_args;
                b->Args(std::vector<int64_t>(row, row + def->n_args));
            }
        } else if (def->ranges) {
            if (def->range_multiplier > 0)
                b->RangeMultiplier(def->range_multiplier);
            std::vector<std::pair<int64_t, int64_t>> r;
            for (size_t i = 0; i < def->n_args; i++)
                r.emplace_back(def->ranges[i].lo, def->ranges[i].hi);
            b->Ranges(r);
        }
        if (def->arg_names)
            b->ArgNames(std::vector<std::string>(def->arg_names, def->arg_names + def->n_args));
        b->Unit(time_unit(def->unit));
        if (def->use_real_time)
            b->UseRealTime();
        if (def->use_manual_time)
            b->UseManualTime();
        if (def->iterations)
            b->Iterations(static_cast<benchmark::IterationCount>(def->iterations));
    } catch (const std::exception &) {
        return -1;
    }
    return 0;
}

extern "C" bool gbench_keep_running(struct gbench_state *st)
{
    return state_of(st).KeepRunning();
}

extern "C" bool gbench_keep_running_batch(struct gbench_state *st, uint64_t n)
{
    return state_of(st).KeepRunningBatch(static_cast<benchmark::IterationCount>(n));
}

extern "C" void gbench_pause_timing(struct gbench_state *st)
{
    state_of(st).PauseTiming();
}

extern "C" void gbench_resume_timing(struct gbench_state *st)
{
    state_of(st).ResumeTiming();
}

extern "C" void gbench_set_iteration_time(struct gbench_state *st, double seconds)
{
    state_of(st).SetIterationTime(seconds);
}

extern "C" int64_t gbench_range(const struct gbench_state *st, size_t i)
{
    return state_of(st).range(i);
}

extern "C" uint64_t gbench_iterations(const struct gbench_state *st)
{
    return static_cast<uint64_t>(state_of(st).iterations());
}

extern "C" void gbench_set_counter(struct gbench_state *st, const char *name, double value,
                                   unsigned flags)
{
    state_of(st).counters[name] = benchmark::Counter(value, counter_flags(flags));
}

extern "C" void gbench_set_items_processed(struct gbench_state *st, int64_t items)
{
    state_of(st).SetItemsProcessed(items);
}

extern "C" void gbench_set_bytes_processed(struct gbench_state *st, int64_t bytes)
{
    state_of(st).SetBytesProcessed(bytes);
}

extern "C" void gbench_set_label(struct gbench_state *st, const char *label)
{
    state_of(st).SetLabel(label);
}

extern "C" void gbench_skip_with_error(struct gbench_state *st, const char *msg)
{
    state_of(st).SkipWithError(msg);
}

extern "C" int gbench_run_all(int argc, char **argv)
{
    try {
        benchmark::Initialize(&argc, argv);
        if (benchmark::ReportUnrecognizedArguments(argc, argv))
            return 2;
        benchmark::RunSpecifiedBenchmarks();
        benchmark::Shutdown();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s: %s\n", argc > 0 ? argv[0] : "gbench", e.what());
        return 1;
    }
    return 0;
}

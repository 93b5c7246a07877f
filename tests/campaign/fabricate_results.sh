#!/bin/sh
# fabricate_results.sh DIR: writes a results directory with made-up but plausible figures
# (3 traces x 3 backends x 5 repetitions, one failed cell, a memory timeline, meta.yaml), so
# plot, report and aggregate are tested without running a campaign.
set -eu
dir=$1
mkdir -p "$dir"
awk -v dir="$dir" 'BEGIN {
    split("vector-growth,sqlite-like,small-objects", traces, ",")
    split("sgi,malloc,slab", backends, ",")
    base["sgi"] = 9; base["malloc"] = 18; base["slab"] = 12
    fp["sgi"] = 1.45; fp["malloc"] = 1.2; fp["slab"] = 1.3
    s = dir "/summary.csv"
    print "trace,backend,rep,status,events,wall_ns,ns_per_event,events_per_sec,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,peak_live_bytes,peak_footprint_bytes,peak_rss_bytes,final_rss_bytes,frag_internal,frag_jw3,frag_jw4" > s
    seed = 1
    for (t = 1; t <= 3; t++) for (b = 1; b <= 3; b++) for (r = 1; r <= 5; r++) {
        tr = traces[t]; be = backends[b]
        if (t == 2 && b == 3 && r == 4) {
            print tr "," be "," r ",signal 11 (SIGSEGV),,,,,,,,,,,,,,,," > s
            continue
        }
        seed = (seed * 1103515245 + 12345) % 2147483648
        noise = 1 + (seed / 2147483648 - 0.5) * 0.08
        events = 100000 * t
        npe = base[be] * (1 + 0.3 * t) * noise
        live = 4194304 * t
        foot = int(live * fp[be])
        printf "%s,%s,%d,ok,%d,%d,%.3f,%.1f,%.0f,%.0f,%.0f,%.0f,%.0f,%d,%d,%d,%d,%.4f,%.4f,%.4f\n", \
            tr, be, r, events, int(npe * events), npe, 1e9 / npe, npe * 2, npe * 3, npe * 9, \
            npe * 40, npe * 400, live, foot, foot + 65536, foot / 2, 0.05 * b, fp[be] - 1.05, \
            fp[be] - 1 > s
    }
    tl = dir "/timeline.csv"
    print "trace,backend,rep,event,live_bytes,footprint_bytes,rss_bytes" > tl
    for (t = 1; t <= 3; t++) for (b = 1; b <= 3; b++) for (r = 1; r <= 2; r++) {
        be = backends[b]; peak = 0; n = 100000 * t
        for (e = 0; e <= n; e += n / 50) {
            x = e / n
            live = int(4194304 * t * (x < 0.6 ? x / 0.6 : (1 - x) / 0.4 * 0.7 + 0.3))
            if (live > peak) peak = live
            foot = be == "sgi" ? int(peak * fp[be]) : int(live * fp[be] + (peak - live) * 0.3)
            rss = int(foot * 0.95) + 65536
            printf "%s,%s,%d,%d,%d,%d,%d\n", traces[t], be, r, e, live, foot, rss > tl
        }
    }
}'
cat > "$dir/meta.yaml" <<'META'
campaign: fabricated
machine: {cpu: "Test CPU @ 2.0GHz", cores: 2, kernel: 6.1.0, governor: performance}
compiler: gcc 12.2.0 -O2
git: 0000000
started: 2026-11-25T10:00:00Z
finished: 2026-11-25T10:01:00Z
META

# Where the memory went, for one trace: per backend, the allocator's own account at the memory
# pass's peak RSS, stacked (bytes in live blocks, free in its caches and free lists, its
# metadata, mapped but unused), and the peak RSS itself as a bar beside it. Medians over
# repetitions, MiB. An allocator that cannot say (mimalloc's release build, an unknown
# preloaded library) has no stack: its parts are unknown, not zero (docs/metrics.md).
# Data: header row, then per backend: name, live, free, metadata, unused, RSS (NaN = unknown).
# Variables: trace, reps (text).
if (!exists("w")) w = 1000
load plotsdir.'/common.gp'
set title "Where the memory went: ".trace."\n(the allocator's own view at peak RSS, median of ".reps."; right bar: peak RSS)"
set ylabel "MiB"
set yrange [0:*]
set style fill solid 0.85 border lc rgb '#333333'
set boxwidth 0.35
set grid noxtics
set key outside right top
# Backend labels (NAME:key=value,...) can be long: slanted and small, so they never collide.
set xtics rotate by -30 left font ",8"
set offsets 0.5, 0.5, graph 0.05, 0
# A part the allocator cannot report (NaN) adds nothing to the stack above it.
k(c) = column(c) == column(c) ? column(c) : 0
plot data using ($0-0.2):(k(2)+k(3)+k(4)+k(5)):xtic(1) with boxes lc rgb '#b0b0b0' title "unused (mapped)", \
     '' using ($0-0.2):(k(2)+k(3)+k(4)) with boxes lc rgb '#e69f00' title "metadata", \
     '' using ($0-0.2):(k(2)+k(3)) with boxes lc rgb '#56b4e9' title "free (caches, lists)", \
     '' using ($0-0.2):2 with boxes lc rgb '#009e73' title "live (in blocks)", \
     '' using ($0+0.2):6 with boxes lc rgb '#cc79a7' title "peak RSS"

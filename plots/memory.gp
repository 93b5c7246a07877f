# Live bytes vs footprint vs RSS over the replay of one trace: one panel per backend, from
# the memory pass of its first repetition.
# Data: one block per backend (blocks separated by two blank lines): x, live, footprint, RSS,
# in MiB; x is the events replayed, or with xs = 1 (a paced memory pass, --pace) the seconds
# since the pass started. Variables: nb (backends), names (backend names, space-separated),
# trace, xs.
if (!exists("xs")) xs = 0
if (!exists("w")) w = 1100
if (!exists("h")) h = (nb > 3 ? 760 : 440)
load plotsdir.'/common.gp'
cols = (nb < 3 ? nb : 3)
rows = (nb + cols - 1) / cols
over = (xs ? "Memory over time (paced replay): " : "Memory over the replay: ")
set multiplot layout rows, cols title over.trace." (live bytes requested vs backend footprint vs resident set)" font ",14"
set key inside left top box opaque samplen 1.5 font ",9"
set ylabel "MiB"
if (xs) {
    set xlabel "seconds since the memory pass started"
    set format x "%g"
} else {
    set xlabel "events replayed"
    set format x "%.0s%c"
}
set autoscale xfix
set xtics font ",9"
set mxtics 2
set yrange [0:*]
set offsets 0, 0, graph 0.3, 0
set grid xtics ytics
do for [i=1:nb] {
    set title word(names, i) font ",12"
    plot data index (i-1) using 1:2 with steps lw 2 lc rgb '#000000' dt 2 title "live (requested)", \
         '' index (i-1) using 1:3 with steps lw 2 lc rgb '#0072B2' title "footprint", \
         '' index (i-1) using 1:4 with steps lw 2 lc rgb '#D55E00' title "RSS"
}
unset multiplot

# Shared look of every allocreplay chart. The caller (allocreplay plot) sets:
#   fmt  'png' or 'svg'     out  output file     data  the prepared data file
#   w, h size in pixels (optional)
if (!exists("w")) w = 1000
if (!exists("h")) h = 560
if (fmt eq 'svg') {
    set terminal svg size w,h dynamic font "DejaVu Sans,12" background rgb 'white' noenhanced
} else {
    set terminal pngcairo size w,h font "DejaVu Sans,11" background rgb 'white' noenhanced
}
set output out
set encoding utf8
set datafile separator "\t"
set datafile missing "NaN"
set border 3 lw 1
set tics nomirror out
set grid ytics lc rgb '#d8d8d8' lt 1 lw 1
set key outside right top noreverse Left samplen 2 spacing 1.1
set title font ",14"
# Colour-blind-safe palette (Okabe-Ito), one colour per backend in every chart.
set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 1.1
set linetype 2 lc rgb '#E69F00' lw 2 pt 5 ps 1.1
set linetype 3 lc rgb '#009E73' lw 2 pt 9 ps 1.3
set linetype 4 lc rgb '#CC79A7' lw 2 pt 11 ps 1.3
set linetype 5 lc rgb '#56B4E9' lw 2 pt 13 ps 1.3
set linetype 6 lc rgb '#D55E00' lw 2 pt 15 ps 1.1
set linetype 7 lc rgb '#999999' lw 2 pt 4 ps 1.1
set linetype 8 lc rgb '#000000' lw 2 pt 6 ps 1.1
set linetype cycle 8

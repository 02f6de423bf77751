# style.gp - what every figure shares; loaded first by each plots/<figure>.gp.
# Expects: fig (the figure's name), term ('png' or 'svg', from
# `gnuplot -e "term='png'; plots='DIR/'"`), and meta.gp in the current folder
# (written by `tritbench report --out DIR`: footer, cache sizes, ceilings,
# formats, nodata_<figure>).  One colour per format, everywhere.
if (!exists("term")) term = 'png'
if (term eq 'svg') {
    set terminal svg size 900,560 dynamic enhanced font 'sans,12' background '#ffffff'
    set output fig.'.svg'
} else {
    set terminal pngcairo size 900,560 enhanced font 'sans,11' background '#ffffff'
    set output fig.'.png'
}
load 'meta.gp'
set datafile separator ','
set datafile missing 'NaN'
set key autotitle columnhead
set grid lc rgb '#dddddd'
set border lc rgb '#444444'
set bmargin 5
set label 99 footer at screen 0.01, screen 0.02 left font ',8' textcolor rgb '#666666'
fmt_color(f) = f eq 'fp16' ? '#1f77b4' : f eq 'bf16' ? '#17becf' : f eq 'int8' ? '#ff7f0e' : \
               f eq 'tq2' ? '#2ca02c' : f eq 'tq1' ? '#8c564b' : f eq 'tl' ? '#d62728' : \
               f eq 'i2s' ? '#9467bd' : f eq 'tl2' ? '#e377c2' : '#7f7f7f'

# latency.gp - matmul latency per format over the paper's GEMV shapes
# (n = 1, the most threads of the run; cold when measured cold): bars with
# the 95% CI of the median.  A format not measured at a shape has no bar.
fig = 'latency'
load plots.'style.gp'
title_text = 'GEMV latency per format (n = 1)'
nodata = nodata_latency
if (strlen(nodata) > 0) { load plots.'nodata.gp' } else {
    set title title_text
    set ylabel 'time per GEMV (ms, log scale; median, 95% CI)'
    set xlabel 'shape (rows x cols)'
    set style data histogram
    set style histogram errorbars gap 2 lw 1
    set style fill solid 0.85 border lc rgb '#333333'
    set boxwidth 0.9
    set logscale y
    set format y '%g'
    set yrange [*:*]
    set key outside right top box opaque
    plot for [i=1:words(formats)] 'latency.csv' using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) \
         lc rgb fmt_color(word(formats,i)) t word(formats,i)
}
